#include "core/nn/networkconfig.h"

#include "core/nn/topology.h"

#include <charconv>
#include <set>
#include <stdexcept>

namespace lookalike::nn {

namespace {

constexpr std::string_view kFormatTag = "lookalike-resnet/1";
constexpr std::string_view kMobileNetV2Tag = "lookalike-mobilenetv2/1";
// A checkpoint's config decides how much memory a Network allocates, so the bounds double as
// the guard against absurd sizes in untrusted files.
constexpr std::int64_t kMaxParameters = std::int64_t{64} << 20;
constexpr std::size_t kMaxStages = 6;

void require(bool condition, const std::string& message)
{
    if (!condition)
        throw std::invalid_argument("network config: " + message);
}

int parseInt(std::string_view key, std::string_view text)
{
    int value = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, error] = std::from_chars(text.data(), end, value);
    require(error == std::errc{} && ptr == end && !text.empty(),
            std::string(key) + ": not an integer: '" + std::string(text) + "'");
    return value;
}

}  // namespace

NetworkConfig NetworkConfig::forInput(int inChannels, int inputSize)
{
    NetworkConfig config;
    config.inChannels = inChannels;
    config.inputSize = inputSize;
    config.downsampleStem = inputSize >= 64;
    return config;
}

void NetworkConfig::validate() const
{
    require(inChannels >= 1 && inChannels <= 4, "in_channels must be 1..4");
    require(inputSize >= 8 && inputSize <= 512, "input_size must be 8..512");
    // Fields the other architecture does not serialise must keep their defaults, so that
    // fromString(toString()) gives back an equal config.
    const NetworkConfig defaults;
    if (architecture == Architecture::MobileNetV2) {
        require(width == defaults.width && blocksPerStage == defaults.blocksPerStage
                    && downsampleStem == defaults.downsampleStem,
                "width, blocks and downsample_stem are ResNet settings");
        require(embeddingDim >= 2 && embeddingDim <= 4096, "embedding_dim must be 2..4096");
        require(grid >= 1 && grid <= 4, "grid must be 1..4");
        const Topology topology = expandTopology(*this);  // throws for an unknown cut
        require(topology.featureSize % grid == 0,
                "grid " + std::to_string(grid) + " does not divide the " + std::to_string(topology.featureSize)
                    + " px feature map at " + cut);
        const std::int64_t headParameters =
            std::int64_t{topology.featureChannels} * grid * grid * embeddingDim;
        require(headParameters <= kMaxParameters, "too many parameters (more than 64 M)");
        return;
    }
    require(grid == defaults.grid && cut == defaults.cut, "cut and grid are MobileNetV2 settings");
    require(width >= 1 && width <= 512, "width must be 1..512");
    require(embeddingDim >= 2 && embeddingDim <= 4096, "embedding_dim must be 2..4096");
    require(!blocksPerStage.empty() && blocksPerStage.size() <= kMaxStages,
            "blocks must list 1..6 stages");
    std::int64_t parameters = std::int64_t{inChannels} * width * 9;
    std::int64_t channels = width;
    for (std::size_t stage = 0; stage < blocksPerStage.size(); ++stage) {
        require(blocksPerStage[stage] >= 1 && blocksPerStage[stage] <= 16,
                "blocks per stage must be 1..16");
        const std::int64_t stageChannels = std::int64_t{width} << stage;
        require(stageChannels <= 2048, "width << (stages - 1) must be at most 2048");
        parameters += channels * stageChannels + stageChannels * stageChannels * 9
                      + (2 * blocksPerStage[stage] - 1) * stageChannels * stageChannels * 9;
        channels = stageChannels;
    }
    parameters += channels * embeddingDim;
    require(parameters <= kMaxParameters, "too many parameters (more than 64 M)");
}

std::string NetworkConfig::toString() const
{
    if (architecture == Architecture::MobileNetV2)
        return std::string(kMobileNetV2Tag) + " in_channels=" + std::to_string(inChannels)
               + " input_size=" + std::to_string(inputSize) + " cut=" + cut + " grid=" + std::to_string(grid)
               + " embedding_dim=" + std::to_string(embeddingDim);
    std::string blocks;
    for (int count : blocksPerStage)
        blocks += (blocks.empty() ? "" : ",") + std::to_string(count);
    return std::string(kFormatTag) + " in_channels=" + std::to_string(inChannels)
           + " input_size=" + std::to_string(inputSize) + " width=" + std::to_string(width)
           + " embedding_dim=" + std::to_string(embeddingDim) + " blocks=" + blocks
           + " downsample_stem=" + (downsampleStem ? "1" : "0");
}

NetworkConfig NetworkConfig::fromString(std::string_view text)
{
    require(text.size() <= 1024, "description too long");
    std::vector<std::string_view> tokens;
    while (!text.empty()) {
        const std::size_t space = text.find(' ');
        const std::string_view token = text.substr(0, space);
        if (!token.empty())
            tokens.push_back(token);
        text = space == std::string_view::npos ? std::string_view{} : text.substr(space + 1);
    }
    require(!tokens.empty() && (tokens.front() == kFormatTag || tokens.front() == kMobileNetV2Tag),
            "unknown architecture (expected '" + std::string(kFormatTag) + "' or '"
                + std::string(kMobileNetV2Tag) + "')");

    NetworkConfig config;
    const bool mobileNet = tokens.front() == kMobileNetV2Tag;
    if (mobileNet)
        config.architecture = Architecture::MobileNetV2;
    std::set<std::string_view, std::less<>> seen;
    for (std::size_t i = 1; i < tokens.size(); ++i) {
        const std::size_t equals = tokens[i].find('=');
        require(equals != std::string_view::npos, "expected key=value, got '" + std::string(tokens[i]) + "'");
        const std::string_view key = tokens[i].substr(0, equals);
        const std::string_view value = tokens[i].substr(equals + 1);
        require(seen.insert(key).second, "duplicate key '" + std::string(key) + "'");
        if (key == "in_channels") {
            config.inChannels = parseInt(key, value);
        } else if (key == "input_size") {
            config.inputSize = parseInt(key, value);
        } else if (key == "embedding_dim") {
            config.embeddingDim = parseInt(key, value);
        } else if (mobileNet && key == "cut") {
            config.cut = std::string(value);
        } else if (mobileNet && key == "grid") {
            config.grid = parseInt(key, value);
        } else if (mobileNet) {
            require(false, "unknown key '" + std::string(key) + "'");
        } else if (key == "width") {
            config.width = parseInt(key, value);
        } else if (key == "downsample_stem") {
            const int flag = parseInt(key, value);
            require(flag == 0 || flag == 1, "downsample_stem must be 0 or 1");
            config.downsampleStem = flag == 1;
        } else if (key == "blocks") {
            config.blocksPerStage.clear();
            std::string_view rest = value;
            while (true) {
                require(config.blocksPerStage.size() < kMaxStages, "blocks must list 1..6 stages");
                const std::size_t comma = rest.find(',');
                config.blocksPerStage.push_back(parseInt(key, rest.substr(0, comma)));
                if (comma == std::string_view::npos)
                    break;
                rest = rest.substr(comma + 1);
            }
        } else {
            require(false, "unknown key '" + std::string(key) + "'");
        }
    }
    if (mobileNet)
        require(seen.size() == 5, "missing keys (need in_channels, input_size, cut, grid, embedding_dim)");
    else
        require(seen.size() == 6, "missing keys (need in_channels, input_size, width, embedding_dim, "
                              "blocks, downsample_stem)");
    config.validate();
    return config;
}

}  // namespace lookalike::nn
