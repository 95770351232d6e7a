// Look-alike quality of the classic descriptors (core/imaging/descriptors.h) on a labelled image
// set: every image is a query against all others (leave-one-out), and the images of its group
// are the right answers. Not a ctest test; see README.md beside it.
//
//   bench_descriptors --labels DIR/labels.csv [--subset FILE.csv [--subset-only]]
//                     [--config key=value,...]... [--sweep] [--threads T] [--original]
//
// Images are seen as the app stores them: decoded by imaging::decodeImage (transparency on
// white), made into the 256 px catalog thumbnail (JPEG), and decoded back (--original: skip the
// thumbnail). Prints, per descriptor: dimension, CPU µs per image on one thread, Recall@1,
// Recall@10 and MAP@R (core/metric/retrieval_metrics.h).
//
// --subset: only the images listed there are queries; the other images stay in the database as
// distractors (the app searches its whole catalog), which needs the subset to hold whole groups.
// --subset-only drops the other images instead.
// --config: one more HOG + colour descriptor, the defaults changed by key=value pairs (the
// HogColourConfig field names), e.g. --config imageSize=32,cellSize=8,hogWeight=1,colourWeight=0.
// --sweep: the tuning variants listed in README.md.

#include "core/imaging/decoder.h"
#include "core/imaging/descriptors.h"
#include "core/imaging/thumbnail.h"
#include "core/metric/retrieval_metrics.h"
#include "core/util/file_util.h"

#include <opencv2/core/utility.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace lookalike;
namespace fs = std::filesystem;

namespace {

struct Options {
    fs::path labels;
    fs::path subset;
    bool subsetOnly = false;
    bool original = false;
    bool sweep = false;
    int threads = 2;
    std::vector<std::pair<std::string, imaging::HogColourConfig>> configs;
};

[[noreturn]] void usage(const std::string& problem) {
    std::cerr << "bench_descriptors: " << problem
              << "\nusage: bench_descriptors --labels FILE.csv [--subset FILE.csv [--subset-only]]"
                 " [--config key=value,...]... [--sweep] [--threads T] [--original]\n";
    std::exit(2);
}

// One CSV line split into fields; double quotes may enclose a field and "" escapes a quote.
std::vector<std::string> splitCsvLine(const std::string& line) {
    std::vector<std::string> fields(1);
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
            fields.back() += '"';
            ++i;
        } else if (c == '"') {
            quoted = !quoted;
        } else if (c == ',' && !quoted) {
            fields.emplace_back();
        } else if (c != '\r') {
            fields.back() += c;
        }
    }
    return fields;
}

struct LabelledFile {
    fs::path path;  // as resolved against the CSV's folder
    std::string group;
};

// A `file,group` CSV; files are relative to the CSV's folder.
std::vector<LabelledFile> readLabels(const fs::path& csv) {
    std::ifstream stream(csv);
    if (!stream)
        usage(csv.string() + ": cannot open");
    std::string line;
    if (!std::getline(stream, line) || splitCsvLine(line) != std::vector<std::string>{"file", "group"})
        usage(csv.string() + ": the first line must be the header file,group");
    std::vector<LabelledFile> files;
    for (int number = 2; std::getline(stream, line); ++number) {
        if (line.empty() || line == "\r")
            continue;
        std::vector<std::string> fields = splitCsvLine(line);
        if (fields.size() != 2 || fields[0].empty() || fields[1].empty())
            usage(csv.string() + ":" + std::to_string(number) + ": expected file,group");
        files.push_back({fs::weakly_canonical(csv.parent_path() / fields[0]), fields[1]});
    }
    return files;
}

imaging::HogColourConfig parseConfig(const std::string& text) {
    imaging::HogColourConfig config;
    std::map<std::string, std::function<void(const std::string&)>> fields{
        {"imageSize", [&](const std::string& v) { config.imageSize = std::stoi(v); }},
        {"cellSize", [&](const std::string& v) { config.cellSize = std::stoi(v); }},
        {"blockCells", [&](const std::string& v) { config.blockCells = std::stoi(v); }},
        {"blockStrideCells", [&](const std::string& v) { config.blockStrideCells = std::stoi(v); }},
        {"orientationBins", [&](const std::string& v) { config.orientationBins = std::stoi(v); }},
        {"signedGradients", [&](const std::string& v) { config.signedGradients = v == "1" || v == "true"; }},
        {"cropToContent", [&](const std::string& v) { config.cropToContent = v == "1" || v == "true"; }},
        {"colourGridSize", [&](const std::string& v) { config.colourGridSize = std::stoi(v); }},
        {"chromaWeight", [&](const std::string& v) { config.chromaWeight = std::stof(v); }},
        {"hogWeight", [&](const std::string& v) { config.hogWeight = std::stof(v); }},
        {"colourWeight", [&](const std::string& v) { config.colourWeight = std::stof(v); }},
    };
    std::stringstream pairs(text);
    std::string pair;
    while (std::getline(pairs, pair, ',')) {
        const auto equals = pair.find('=');
        auto field = fields.find(pair.substr(0, equals));
        if (equals == std::string::npos || field == fields.end())
            usage("--config: unknown field in '" + pair + "'");
        try {
            field->second(pair.substr(equals + 1));
        } catch (const std::exception&) {
            usage("--config: bad value in '" + pair + "'");
        }
    }
    return config;
}

Options parseOptions(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string argument = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc)
                usage(argument + " needs a value");
            return argv[++i];
        };
        if (argument == "--labels")
            options.labels = value();
        else if (argument == "--subset")
            options.subset = value();
        else if (argument == "--subset-only")
            options.subsetOnly = true;
        else if (argument == "--original")
            options.original = true;
        else if (argument == "--sweep")
            options.sweep = true;
        else if (argument == "--threads")
            options.threads = std::max(1, std::atoi(value().c_str()));
        else if (argument == "--config") {
            std::string text = value();
            options.configs.emplace_back(text, parseConfig(text));
        } else
            usage("unknown argument " + argument);
    }
    if (options.labels.empty())
        usage("--labels is required");
    if (options.subsetOnly && options.subset.empty())
        usage("--subset-only needs --subset");
    return options;
}

// The image the app keeps of a photo: decoded, then its catalog thumbnail, JPEG round trip.
cv::Mat loadAsCatalogThumbnail(const fs::path& path, bool original) {
    std::vector<std::uint8_t> bytes = readFileBytes(path, std::uintmax_t{1} << 30);
    imaging::DecodeOptions decodeOptions;
    decodeOptions.minLongestSide = 256;  // as ImportOptions::thumbnailSize
    imaging::DecodedImage decoded = imaging::decodeImage(bytes, decodeOptions);
    if (original)
        return decoded.bgr;
    return imaging::decodeThumbnail(imaging::makeThumbnail(decoded.bgr, 256).jpeg);
}

struct Descriptor {
    std::string name;
    std::size_t dimension = 0;
    std::function<void(const cv::Mat&, std::span<float>)> compute;
};

Descriptor rawPixels(int size) {
    return {"raw pixels " + std::to_string(size) + "x" + std::to_string(size), imaging::rawPixelDimension(size),
            [size](const cv::Mat& image, std::span<float> out) { imaging::rawPixelDescriptor(image, size, out); }};
}

std::string describe(const imaging::HogColourConfig& c) {
    char hog[64];
    std::snprintf(hog, sizeof hog, "hog %d/c%d/b%ds%d/%d%s", c.imageSize, c.cellSize, c.blockCells,
                  c.blockStrideCells, c.orientationBins, c.signedGradients ? "s" : "");
    char colour[48];
    std::snprintf(colour, sizeof colour, "lab %dx%d chroma %.2g", c.colourGridSize, c.colourGridSize, c.chromaWeight);
    char weights[32];
    std::snprintf(weights, sizeof weights, ", w %.2g:%.2g", c.hogWeight, c.colourWeight);
    const std::string framing = c.cropToContent ? "" : "uncropped, ";
    if (c.colourWeight == 0.0F)
        return framing + hog + " only";
    if (c.hogWeight == 0.0F)
        return framing + colour + " only";
    return framing + hog + " + " + colour + weights;
}

Descriptor hogColour(const imaging::HogColourConfig& config, const std::string& name = {}) {
    auto descriptor = std::make_shared<imaging::HogColourDescriptor>(config);
    return {name.empty() ? describe(config) : name, descriptor->dimension(),
            [descriptor](const cv::Mat& image, std::span<float> out) { descriptor->compute(image, out); }};
}

// The variants behind the defaults (README.md): HOG geometry alone, colour layout alone,
// then the mix.
std::vector<imaging::HogColourConfig> sweepConfigs() {
    std::vector<imaging::HogColourConfig> configs;
    auto add = [&](auto change) {
        imaging::HogColourConfig config;
        change(config);
        configs.push_back(config);
    };
    auto hogOnly = [](imaging::HogColourConfig& c) {
        c.hogWeight = 1.0F;
        c.colourWeight = 0.0F;
    };
    auto colourOnly = [](imaging::HogColourConfig& c) {
        c.hogWeight = 0.0F;
        c.colourWeight = 1.0F;
        c.blockCells = 1;  // 144 HOG values (weighted 0) leave room for an 8 x 8 grid
    };
    // Framing: white margins kept.
    add([&](auto& c) { c.cropToContent = false; });
    // HOG geometry: 4 x 4 cells at several resolutions, finer cells, more bins, signed.
    add([&](auto& c) { hogOnly(c); });
    add([&](auto& c) { hogOnly(c); c.imageSize = 32; c.cellSize = 8; });
    add([&](auto& c) { hogOnly(c); c.imageSize = 48; c.cellSize = 12; });
    add([&](auto& c) { hogOnly(c); c.imageSize = 96; c.cellSize = 24; });
    add([&](auto& c) { hogOnly(c); c.orientationBins = 12; });
    add([&](auto& c) { hogOnly(c); c.signedGradients = true; });
    add([&](auto& c) { hogOnly(c); c.signedGradients = true; c.orientationBins = 12; });
    add([&](auto& c) { hogOnly(c); c.imageSize = 40; c.cellSize = 8; c.orientationBins = 5; });
    add([&](auto& c) { hogOnly(c); c.blockCells = 1; });
    add([&](auto& c) { hogOnly(c); c.imageSize = 48; c.cellSize = 8; c.blockStrideCells = 2; });
    // Colour layout: grid and chroma.
    for (int grid : {2, 4, 6, 8})
        add([&](auto& c) { colourOnly(c); c.colourGridSize = grid; });
    for (float chroma : {0.0F, 0.5F, 2.0F})
        add([&](auto& c) { colourOnly(c); c.chromaWeight = chroma; });
    // The mix.
    for (float hogShare : {0.5F, 0.6F, 0.8F, 0.9F})
        add([&](auto& c) { c.hogWeight = hogShare; c.colourWeight = 1.0F - hogShare; });
    add([&](auto& c) { c.colourGridSize = 6; });
    return configs;
}

// Thread CPU time, not wall time: the figure should not depend on what else the machine runs.
double threadCpuMicroseconds() {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) * 1e6 + static_cast<double>(now.tv_nsec) / 1e3;
}

// Single-threaded cost of one descriptor, over up to 500 of the images after a warm-up.
double microsecondsPerImage(const Descriptor& descriptor, const std::vector<cv::Mat>& images) {
    const std::size_t count = std::min<std::size_t>(images.size(), 500);
    std::vector<float> out(descriptor.dimension);
    for (std::size_t i = 0; i < std::min<std::size_t>(count, 20); ++i)
        descriptor.compute(images[i], out);
    const double start = threadCpuMicroseconds();
    for (std::size_t i = 0; i < count; ++i)
        descriptor.compute(images[i], out);
    return count ? (threadCpuMicroseconds() - start) / static_cast<double>(count) : 0.0;
}

}  // namespace

int run(int argc, char** argv) {
    const Options options = parseOptions(argc, argv);
    // The loops below are parallel already; OpenCV's own threads would only oversubscribe the
    // cores and hide work from the per-thread CPU time.
    cv::setNumThreads(1);
    std::vector<LabelledFile> files = readLabels(options.labels);

    // Which images are queries.
    std::set<fs::path> subset;
    if (!options.subset.empty()) {
        std::map<std::string, std::size_t> groupSizes;
        for (const LabelledFile& file : files)
            ++groupSizes[file.group];
        std::map<std::string, std::size_t> subsetGroupSizes;
        for (const LabelledFile& file : readLabels(options.subset)) {
            subset.insert(file.path);
            ++subsetGroupSizes[file.group];
        }
        for (const auto& [group, size] : subsetGroupSizes)
            if (groupSizes[group] != size)
                usage(options.subset.string() + ": group '" + group + "' is only partly in the subset");
        if (options.subsetOnly)
            std::erase_if(files, [&](const LabelledFile& file) { return !subset.contains(file.path); });
    }

    // Decode in parallel; a file that fails is reported and left out.
    std::vector<cv::Mat> images(files.size());
    std::vector<std::string> errors(files.size());
    const auto decodeStart = std::chrono::steady_clock::now();
#pragma omp parallel for num_threads(options.threads) schedule(dynamic, 16)
    for (std::size_t i = 0; i < files.size(); ++i) {
        try {
            images[i] = loadAsCatalogThumbnail(files[i].path, options.original);
            if (images[i].empty())
                errors[i] = "the thumbnail does not decode";
        } catch (const std::exception& error) {
            errors[i] = error.what();
        }
    }
    std::vector<LabelledFile> kept;
    std::vector<cv::Mat> keptImages;
    std::size_t failed = 0;
    for (std::size_t i = 0; i < files.size(); ++i) {
        if (!errors[i].empty()) {
            if (++failed <= 5)
                std::cerr << "bench_descriptors: " << files[i].path.string() << ": " << errors[i] << "\n";
            continue;
        }
        kept.push_back(std::move(files[i]));
        keptImages.push_back(std::move(images[i]));
    }
    const std::chrono::duration<double> decodeTime = std::chrono::steady_clock::now() - decodeStart;

    // Labels: one per group; distractors (outside the subset) get labels of their own, so they
    // are never relevant and never queries (R = 0).
    std::map<std::string, std::int64_t> groupIds;
    std::vector<std::int64_t> labels;
    std::int64_t nextDistractor = -1;
    std::size_t queries = 0;
    for (const LabelledFile& file : kept) {
        if (!subset.empty() && !subset.contains(file.path)) {
            labels.push_back(nextDistractor--);
            continue;
        }
        ++queries;
        labels.push_back(groupIds.emplace(file.group, static_cast<std::int64_t>(groupIds.size())).first->second);
    }
    std::printf("%s: %zu images (%zu failed), %zu query images in %zu groups, %zu distractors; %s, decoded in %.1f s\n",
                options.labels.string().c_str(), kept.size(), failed, queries, groupIds.size(), kept.size() - queries,
                options.original ? "original images" : "256 px JPEG thumbnails", decodeTime.count());
    if (queries == 0)
        return 1;

    std::vector<Descriptor> descriptors{rawPixels(imaging::kDefaultRawPixelSize), rawPixels(16),
                                        hogColour({}, "HOG + colour, defaults")};
    for (const auto& [text, config] : options.configs)
        descriptors.push_back(hogColour(config));
    if (options.sweep)
        for (const imaging::HogColourConfig& config : sweepConfigs())
            descriptors.push_back(hogColour(config));

    metric::RetrievalConfig retrieval;
    retrieval.recallAtK = {1, 10};
    retrieval.threadCount = options.threads;
    std::printf("%-58s %5s %8s %7s %7s %7s\n", "descriptor", "dim", "cpu us", "R@1", "R@10", "MAP@R");
    for (const Descriptor& descriptor : descriptors) {
        std::vector<float> values(keptImages.size() * descriptor.dimension);
#pragma omp parallel for num_threads(options.threads) schedule(dynamic, 16)
        for (std::size_t i = 0; i < keptImages.size(); ++i)
            descriptor.compute(keptImages[i], {values.data() + i * descriptor.dimension, descriptor.dimension});
        const double micros = microsecondsPerImage(descriptor, keptImages);
        metric::RetrievalMetrics metrics = metric::evaluateRetrieval(
            metric::EmbeddingsView{values, keptImages.size(), descriptor.dimension}, labels, retrieval);
        std::printf("%-58s %5zu %8.1f %7.4f %7.4f %7.4f\n", descriptor.name.c_str(), descriptor.dimension, micros,
                    metrics.recallAtK[0].recall, metrics.recallAtK[1].recall, metrics.mapAtR);
        std::fflush(stdout);
    }
    return 0;
}

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& error) {
        std::cerr << "bench_descriptors: " << error.what() << "\n";
        return 1;
    }
}
