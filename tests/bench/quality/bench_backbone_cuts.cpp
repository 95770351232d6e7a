// Where to cut the pretrained MobileNetV2 (issue 18), by measurement and without labels for
// training: the look-alike quality of the backbone's own features at several cuts on a fixed
// subset of the Fashion-MNIST test set, against HOG + colour and raw pixels.
//
// Every row is leave-one-out retrieval among the first --count test images (relevant = same
// class), cosine similarity, exact search (metric::evaluateRetrieval): Recall@1 and MAP@R, and
// the time to compute one image's vector (preprocessing included; network construction, the
// first embed() of each batch size and the metrics excluded), batches of 64 on 2 threads.
// Photos are inverted to dark-on-white, as Lookalike's sample catalog stores them.
// Network rows: lookalike-mobilenetv2/1 at 128 px with the head's linear layer set to the
// identity, so the embedding is the L2-normalised grid-mean feature vector at the cut; the
// input is the 28 x 28 photo resized bilinearly to 128 x 128, replicated to RGB, in [0, 1]
// (the Keras model's range, no mean subtraction; resources/models/README.md).
// "centred" rows subtract the subset's mean vector before the cosine (no labels used).
//
// --fusion 1 prints, instead of the cut table, what a library would serve without labels: the
// grid features of cuts block_10..block_12_expand PCA-whitened (training::initialiseAsWhitening
// fitted on the same N photos, applied by nn::LinearEmbedding::forward), HOG + colour whitened as
// services/library_trainer.cpp does, and the two fused by training::fuseParts at several
// descriptor weights; with the time of each whitening fit (covariance + eigendecomposition).
//
//   bench_backbone_cuts [--count N (2000)] [--data DIR (Debian's dataset-fashion-mnist)]
//                       [--backbone FILE.lkckpt (resources/models/mobilenetv2-nsfwjs-block13.lkckpt)]
//                       [--white-on-black 1 (the data set's own polarity, for comparison)]
//                       [--fusion 1 (the whitened and fused rows instead of the cut table)]
//                       [--labels FILE.csv (file,group rows of a labelled folder, e.g. the icon set,
//                                 instead of Fashion-MNIST; photos composited and padded on white)]
//                       [--input-range unit|signed (the input in [0, 1], the default, or in [-1, 1])]

#include "tests/bench/bench_support.h"
#include "core/datasets/fashion_mnist.h"
#include "core/imaging/decoder.h"
#include "core/imaging/descriptors.h"
#include "core/imaging/preprocessing.h"
#include "core/metric/retrieval_metrics.h"
#include "core/nn/checkpoint.h"
#include "core/nn/inferencenetwork.h"
#include "core/nn/network.h"
#include "core/nn/pretrained.h"
#include "core/nn/topology.h"
#include "core/training/embedding_model.h"
#include "core/training/whitening.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <string>
#include <vector>

using namespace lookalike;
namespace fs = std::filesystem;

namespace {

constexpr int kInputSize = 128;
constexpr int kBatch = 64;
constexpr int kThreads = 2;

[[noreturn]] void usage(const std::string& problem) {
    std::fprintf(stderr,
                 "bench_backbone_cuts: %s\nusage: bench_backbone_cuts [--count N] [--data DIR] [--backbone FILE] "
                 "[--white-on-black 1] [--fusion 1] [--labels FILE.csv] [--input-range unit|signed]\n",
                 problem.c_str());
    std::exit(2);
}

struct Options {
    std::size_t count = 2000;
    fs::path data = datasets::defaultFashionMnistDir();
    fs::path backbone = fs::path(LOOKALIKE_SOURCE_DIR) / "resources/models/mobilenetv2-nsfwjs-block13.lkckpt";
    bool whiteOnBlack = false;  // keep Fashion-MNIST's polarity instead of inverting
    bool fusion = false;        // the whitened and fused rows instead of the cut table
    fs::path labels;            // file,group rows: a labelled folder instead of Fashion-MNIST
    bool signedInput = false;   // the input in [-1, 1] (Keras ImageNet preprocessing), not [0, 1]
};

Options parse(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; i += 2) {
        const std::string name = argv[i];
        if (i + 1 >= argc)
            usage(name + " needs a value");
        const std::string value = argv[i + 1];
        if (name == "--count")
            options.count = bench::positiveNumber(value, name, usage);
        else if (name == "--data")
            options.data = value;
        else if (name == "--backbone")
            options.backbone = value;
        else if (name == "--white-on-black")
            options.whiteOnBlack = value == "1";
        else if (name == "--fusion")
            options.fusion = value == "1";
        else if (name == "--labels")
            options.labels = value;
        else if (name == "--input-range" && (value == "unit" || value == "signed"))
            options.signedInput = value == "signed";
        else
            usage("unknown option " + name);
    }
    return options;
}

std::vector<std::byte> readBytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error(path.string() + ": cannot read");
    std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::byte> bytes(chars.size());
    std::memcpy(bytes.data(), chars.data(), chars.size());
    return bytes;
}

// Vectors [N, dimension], row-major, and how long they took.
struct Features {
    std::vector<float> values;
    std::size_t dimension = 0;
    double seconds = 0.0;
};

struct Score {
    double recallAt1 = 0.0;
    double mapAtR = 0.0;
};

Score evaluate(const Features& features, const std::vector<std::int64_t>& labels) {
    metric::RetrievalConfig config;
    config.recallAtK = {1};
    config.threadCount = kThreads;
    const metric::EmbeddingsView view{features.values, labels.size(), features.dimension};
    const metric::RetrievalMetrics metrics = metric::evaluateRetrieval(view, labels, config);
    return {metrics.recallAtK.front().recall, metrics.mapAtR};
}

// The same vectors minus their mean over the subset (the cosine renormalises them).
Features centred(Features features) {
    const std::size_t rows = features.values.size() / features.dimension;
    std::vector<double> mean(features.dimension, 0.0);
    for (std::size_t row = 0; row < rows; ++row)
        for (std::size_t d = 0; d < features.dimension; ++d)
            mean[d] += features.values[row * features.dimension + d];
    for (std::size_t row = 0; row < rows; ++row)
        for (std::size_t d = 0; d < features.dimension; ++d)
            features.values[row * features.dimension + d] -= static_cast<float>(mean[d] / static_cast<double>(rows));
    return features;
}

double since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// One descriptor per photo: descriptor(photo, out[dimension]).
Features describeEach(const std::vector<cv::Mat>& photos, std::size_t dimension,
                      const std::function<void(const cv::Mat&, std::span<float>)>& descriptor) {
    Features features{std::vector<float>(photos.size() * dimension), dimension, 0.0};
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < photos.size(); ++i)
        descriptor(photos[i], {features.values.data() + i * dimension, dimension});
    features.seconds = since(start);
    return features;
}

// The backbone cut at `cut` with a g x g grid-mean head whose linear layer is the identity:
// photos (grey or BGR, dark on white) -> [N, C * g * g] unit-norm features.
Features backboneFeatures(const std::vector<cv::Mat>& photos, const nn::TensorFile& backbone, const std::string& cut,
                          int grid, bool signedInput) {
    const std::string prefix = "lookalike-mobilenetv2/1 in_channels=3 input_size=" + std::to_string(kInputSize)
                               + " cut=" + cut + " grid=" + std::to_string(grid) + " embedding_dim=";
    const nn::Topology probe = nn::buildTopology(nn::NetworkConfig::fromString(prefix + "2"));
    const auto dimension = static_cast<std::size_t>(probe.featureChannels) * grid * grid;
    nn::Network network(nn::NetworkConfig::fromString(prefix + std::to_string(dimension)), 1);
    nn::loadPretrainedBackbone(network, backbone);
    for (nn::Parameter& parameter : network.parameters()) {
        if (parameter.name == "head.linear.weight") {
            std::fill(parameter.data.begin(), parameter.data.end(), 0.0f);
            for (std::size_t d = 0; d < dimension; ++d)
                parameter.data[d * dimension + d] = 1.0f;  // [D, F], D = F
        } else if (parameter.name == "head.linear.bias") {
            std::fill(parameter.data.begin(), parameter.data.end(), 0.0f);
        }
    }
    nn::InferenceNetwork embedder(network, kThreads);

    Features features{std::vector<float>(photos.size() * dimension), dimension, 0.0};
    const std::size_t plane = static_cast<std::size_t>(kInputSize) * kInputSize;
    std::vector<float> input(kBatch * 3 * plane);
    cv::Mat scaled, resized, rgb;
    // Primitives are built on the first embed() of each batch size: do that before timing, for
    // the full batch and the last, shorter one, as a library that embeds many photos would.
    for (const std::size_t size : {std::min<std::size_t>(kBatch, photos.size()), photos.size() % kBatch})
        if (size > 0)
            embedder.embed({input.data(), size * 3 * plane}, static_cast<int>(size));
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t first = 0; first < photos.size(); first += kBatch) {
        const std::size_t batch = std::min<std::size_t>(kBatch, photos.size() - first);
        for (std::size_t i = 0; i < batch; ++i) {
            // Bilinear on half-pixel centres, as the TF.js port reference resized its inputs.
            // Resized in float, so the 128 px input is not rounded back to 256 levels.
            photos[first + i].convertTo(scaled, CV_32F, signedInput ? 2.0 / 255.0 : 1.0 / 255.0, signedInput ? -1.0 : 0.0);
            cv::resize(scaled, resized, cv::Size(kInputSize, kInputSize), 0, 0, cv::INTER_LINEAR);
            if (resized.channels() == 3)
                cv::cvtColor(resized, rgb, cv::COLOR_BGR2RGB);
            std::vector<cv::Mat> planes(3, resized);
            if (resized.channels() == 3)
                cv::split(rgb, planes);
            for (int channel = 0; channel < 3; ++channel)
                std::memcpy(input.data() + (i * 3 + channel) * plane, planes[channel].ptr<float>(), plane * sizeof(float));
        }
        const std::span<const float> embedded =
            embedder.embed({input.data(), batch * 3 * plane}, static_cast<int>(batch));
        std::copy(embedded.begin(), embedded.end(), features.values.begin() + static_cast<std::ptrdiff_t>(first * dimension));
    }
    features.seconds = since(start);
    return features;
}

// The library's whitening of its descriptors (services/library_trainer.cpp: kWhiteningPower,
// kProjectionDimension); kept in step by hand, the trainer does not export them.
constexpr float kDescriptorWhiteningPower = 0.15f;
constexpr int kDescriptorProjectionDimension = 128;
// The backbone's whitening keeps at most this many principal directions.
constexpr std::size_t kBackboneWhiteningDimension = 256;

struct Whitened {
    Features features;
    double fitSeconds = 0.0;  // initialiseAsWhitening: covariance and eigendecomposition
};

// features [N, F] -> a whitening fitted on those same N rows (no labels), applied to them by
// the LinearEmbedding it initialises: [N, K], K = min(F, maxDimension), rows of unit norm.
Whitened whiten(const Features& features, std::size_t maxDimension, float power) {
    const std::size_t count = features.values.size() / features.dimension;
    const std::size_t outputDim = std::min(features.dimension, maxDimension);
    nn::LinearEmbedding embedding(static_cast<int>(features.dimension), static_cast<int>(outputDim));
    embedding.setThreadCount(kThreads);
    Whitened whitened;
    auto start = std::chrono::steady_clock::now();
    training::initialiseAsWhitening(embedding, features.values, count, power);
    whitened.fitSeconds = since(start);
    start = std::chrono::steady_clock::now();
    const std::span<const float> projected = embedding.forward(features.values, static_cast<int>(count), false);
    whitened.features = {std::vector<float>(projected.begin(), projected.end()), outputDim, since(start)};
    return whitened;
}

// [sqrt(1 - w) * network, sqrt(w) * branch] per row, as NetworkModel serves it.
Features fused(const Features& network, const Features& branch, float descriptorWeight) {
    const std::size_t count = network.values.size() / network.dimension;
    return {training::fuseParts(network.values, network.dimension, branch.values, branch.dimension, count,
                                descriptorWeight),
            network.dimension + branch.dimension, 0.0};
}

std::string formatFloat(const char* format, double value) {
    char text[32];
    std::snprintf(text, sizeof text, format, value);
    return text;
}

// The --fusion table: whitened backbone cuts, whitened HOG + colour, and their fusions.
void reportFusion(const std::vector<cv::Mat>& photos, const std::vector<std::int64_t>& labels,
                  const nn::TensorFile& backbone, const Features& hogColour, bool signedInput) {
    std::printf("\n| features | dimension | Recall@1 | MAP@R | whitening fit s |\n|---|---|---|---|---|\n");
    auto report = [&](const std::string& name, const Features& features, const std::string& fit) {
        const Score score = evaluate(features, labels);
        std::printf("| %s | %zu | %.4f | %.4f | %s |\n", name.c_str(), features.dimension, score.recallAt1,
                    score.mapAtR, fit.c_str());
        std::fflush(stdout);
    };
    report("HOG + colour", hogColour, "");
    const Whitened descriptors = whiten(hogColour, kDescriptorProjectionDimension, kDescriptorWhiteningPower);
    report("HOG + colour whitened (power 0.15, K 128)", descriptors.features,
           formatFloat("%.3f", descriptors.fitSeconds));

    struct Cut {
        const char* name;
        int grid;
    };
    for (const Cut cut : {Cut{"block_10", 2}, Cut{"block_11", 2}, Cut{"block_12", 2}, Cut{"block_12_expand", 2}}) {
        const std::string name = std::string(cut.name) + ", grid " + std::to_string(cut.grid);
        const Features grid = backboneFeatures(photos, backbone, cut.name, cut.grid, signedInput);
        auto reportWithFusions = [&](const std::string& variant, const Features& network, const std::string& fit) {
            report(variant, network, fit);
            for (const float weight : {0.3f, 0.5f, 0.7f})
                report("  + whitened HOG + colour, w " + formatFloat("%g", weight),
                       fused(network, descriptors.features, weight), "");
        };
        // Not whitened: the control that says what the backbone's whitening adds to the fusion.
        reportWithFusions(name + " as is", grid, "");
        for (const float power : {0.5f, 0.25f}) {
            const Whitened network = whiten(grid, kBackboneWhiteningDimension, power);
            reportWithFusions(name + " whitened (power " + formatFloat("%g", power) + ", K " +
                                  std::to_string(network.features.dimension) + ")",
                              network.features, formatFloat("%.3f", network.fitSeconds));
        }
    }
}

// file,group rows (after a header; files relative to the CSV's folder) -> the photos composited
// on white and padded to a square on white (as the library's thumbnails are), their group ids.
void loadLabelledFolder(const fs::path& csv, std::vector<cv::Mat>& photos, std::vector<std::int64_t>& labels) {
    std::ifstream in(csv);
    if (!in)
        throw std::runtime_error(csv.string() + ": cannot read");
    std::map<std::string, std::int64_t> ids;
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
        const auto comma = line.rfind(',');
        if (comma == std::string::npos)
            continue;
        const cv::Mat image = cv::imread((csv.parent_path() / line.substr(0, comma)).string(), cv::IMREAD_UNCHANGED);
        if (image.empty())
            throw std::runtime_error(line.substr(0, comma) + ": cannot decode");
        photos.push_back(imaging::padToSquareOnWhite(imaging::toBgrOnWhite(image)));
        labels.push_back(ids.emplace(line.substr(comma + 1), static_cast<std::int64_t>(ids.size())).first->second);
    }
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const Options options = parse(argc, argv);
        std::vector<cv::Mat> photos;
        std::vector<std::int64_t> labels;
        if (options.labels.empty()) {
            const datasets::LabelledImages test =
                datasets::loadFashionMnist(options.data, datasets::Split::Test, static_cast<int>(options.count));
            std::printf("bench_backbone_cuts: the first %d Fashion-MNIST test images (%s), %s",
                        test.count, options.data.c_str(),
                        options.whiteOnBlack ? "white on black as stored" : "inverted to dark on white");
            for (int i = 0; i < test.count; ++i) {
                const cv::Mat image(test.rows, test.cols, CV_8UC1, const_cast<std::uint8_t*>(test.image(i)));
                photos.push_back(options.whiteOnBlack ? image.clone() : cv::Mat(255 - image));
                labels.push_back(test.labels[static_cast<std::size_t>(i)]);
            }
        } else {
            loadLabelledFolder(options.labels, photos, labels);
            std::printf("bench_backbone_cuts: %zu photos of %s", photos.size(), options.labels.c_str());
        }
        std::printf(", input in %s; load average %s\n", options.signedInput ? "[-1, 1]" : "[0, 1]",
                    bench::loadAverage().c_str());
        const bool signedInput = options.signedInput;
        const std::vector<std::byte> backboneBytes = readBytes(options.backbone);
        const nn::TensorFile backbone = nn::parseTensorFile(backboneBytes);

        const imaging::HogColourDescriptor hogColour;
        const auto hogColourFeatures = [&] {
            return describeEach(photos, hogColour.dimension(),
                                [&](const cv::Mat& photo, std::span<float> out) { hogColour.compute(photo, out); });
        };
        if (options.fusion) {
            reportFusion(photos, labels, backbone, hogColourFeatures(), options.signedInput);
            return 0;
        }

        std::printf("\n| features | dimension | Recall@1 | MAP@R | centred Recall@1 | centred MAP@R | ms / image |\n"
                    "|---|---|---|---|---|---|---|\n");
        auto report = [&](const std::string& name, const Features& features) {
            const Score plain = evaluate(features, labels);
            const Score centre = evaluate(centred(features), labels);
            std::printf("| %s | %zu | %.4f | %.4f | %.4f | %.4f | %.3f |\n", name.c_str(), features.dimension,
                        plain.recallAt1, plain.mapAtR, centre.recallAt1, centre.mapAtR,
                        1000.0 * features.seconds / static_cast<double>(photos.size()));
            std::fflush(stdout);
        };

        const std::size_t rawDimension = imaging::rawPixelDimension();
        report("raw pixels (32 x 32 RGB)", describeEach(photos, rawDimension, [](const cv::Mat& photo, std::span<float> out) {
                   imaging::rawPixelDescriptor(photo, imaging::kDefaultRawPixelSize, out);
               }));
        report("HOG + colour (Lookalike's defaults)", hogColourFeatures());

        struct Cut {
            const char* name;
            int grid;
        };
        for (const Cut cut : {Cut{"block_6", 2}, Cut{"block_10", 2}, Cut{"block_12_expand", 2}, Cut{"block_12_expand", 1},
                              Cut{"block_13", 2}})
            report(std::string("MobileNetV2 ") + cut.name + ", grid " + std::to_string(cut.grid),
                   backboneFeatures(photos, backbone, cut.name, cut.grid, signedInput));
        return 0;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "bench_backbone_cuts: %s\n", error.what());
        return 1;
    }
}
