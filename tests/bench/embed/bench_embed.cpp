// Catalog embedding benchmark: stored thumbnails -> embeddings, as the app embeds a catalog.
// Not a ctest test; see README.md beside it, and compare.py for the PyTorch peer.
//
//   bench_embed [--count N] [--folder DIR] [--write-thumbnails DIR] [--repeat R]
//               [--threads T] [--batch B] [--size S]
//               [--network resnet|mobilenetv2] [--weights FILE.lkckpt]
//               [--write-network FILE] [--write-reference FILE]
//
// Makes N=2000 catalog-like product photos (fixed seeds; or reads every image in --folder),
// turns each into its 256 px JPEG thumbnail as the importer does (decode with the JPEG DCT
// downscale, makeThumbnail), and keeps the thumbnails in memory, as the catalog stores them.
// Then times, median of R=3 passes after a warm-up pass:
//   pipeline   decode every thumbnail (T threads) and training::embedImages (imageToTensor on
//              T threads, the fused InferenceNetwork in batches of B=64 on T=2 threads), the
//              default network for S=96 px RGB input (NetworkConfig::forInput);
//   decode     decoding plus imageToTensor alone;
//   inference  InferenceNetwork::embed alone on the tensors prepared beforehand.
// --network mobilenetv2 runs the MobileNetV2 embedder instead (kMobileNetV2, the library's:
// 128 px, cut after block_10; --size does not apply), with the real backbone from --weights
// (loadPretrainedBackbone) and the head from the fixed seed. --write-network saves the whole
// network (backbone and head) as a checkpoint and --write-reference the first batch's input
// tensors and InferenceNetwork embeddings
// ("reference.images" [N, 3, S, S], "reference.embeddings" [N, D]), so that the PyTorch peer
// runs the same weights and checks it computes the same embeddings.
// --write-thumbnails saves the thumbnails as thumbnail-NNNNN.jpg for the PyTorch peer. The last
// line is `images_per_second: X`, the pipeline's rate.

#include "tests/bench/bench_support.h"
#include "core/imaging/decoder.h"
#include "core/imaging/thumbnail.h"
#include "core/nn/checkpoint.h"
#include "core/nn/inferencenetwork.h"
#include "core/nn/network.h"
#include "core/nn/networkconfig.h"
#include "core/nn/pretrained.h"
#include "core/training/image_tensor.h"
#include "core/training/trainer.h"
#include "tests/support/test_images.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

using namespace lookalike;
namespace fs = std::filesystem;

namespace {

constexpr int kThumbnailSide = 256;  // services::ImportOptions::thumbnailSize
// The library's MobileNetV2 (core/services/library_trainer.cpp, kBackboneArchitecture): the
// nsfwjs backbone cut after block_10 (96 x 8 x 8), 2 x 2 grid means, 256-d embedding.
constexpr const char* kMobileNetV2 =
    "lookalike-mobilenetv2/1 in_channels=3 input_size=128 cut=block_10 grid=2 embedding_dim=256";

struct Options {
    std::size_t count = 2000;
    fs::path folder;
    fs::path writeThumbnails;
    int repeat = 3;
    int threads = 2;
    int batch = 64;
    int size = 96;
    std::string network = "resnet";
    fs::path weights;
    fs::path writeNetwork;
    fs::path writeReference;
};

[[noreturn]] void usage(const std::string& problem) {
    std::cerr << "bench_embed: " << problem
              << "\nusage: bench_embed [--count N] [--folder DIR] [--write-thumbnails DIR] [--repeat R]"
                 " [--threads T] [--batch B] [--size S]\n"
                 "       [--network resnet|mobilenetv2] [--weights FILE.lkckpt] [--write-network FILE]"
                 " [--write-reference FILE]\n";
    std::exit(2);
}

int parsePositive(const std::string& text, const std::string& name) {
    return static_cast<int>(bench::positiveNumber(text, name, usage));
}

Options parseOptions(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (i + 1 >= argc)
            usage(arg + " needs a value");
        const std::string value = argv[++i];
        if (arg == "--count")
            options.count = static_cast<std::size_t>(parsePositive(value, arg));
        else if (arg == "--folder")
            options.folder = value;
        else if (arg == "--write-thumbnails")
            options.writeThumbnails = value;
        else if (arg == "--repeat")
            options.repeat = parsePositive(value, arg);
        else if (arg == "--threads")
            options.threads = parsePositive(value, arg);
        else if (arg == "--batch")
            options.batch = parsePositive(value, arg);
        else if (arg == "--size")
            options.size = parsePositive(value, arg);
        else if (arg == "--network")
            options.network = value;
        else if (arg == "--weights")
            options.weights = value;
        else if (arg == "--write-network")
            options.writeNetwork = value;
        else if (arg == "--write-reference")
            options.writeReference = value;
        else
            usage("unknown option '" + arg + "'");
    }
    if (options.network != "resnet" && options.network != "mobilenetv2")
        usage("--network is resnet or mobilenetv2, not '" + options.network + "'");
    if (options.network == "mobilenetv2" && options.weights.empty())
        usage("--network mobilenetv2 needs --weights (resources/models/mobilenetv2-nsfwjs-block13.lkckpt)");
    return options;
}

std::vector<std::byte> readFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<std::byte> bytes;
    if (in) {
        in.seekg(0, std::ios::end);
        bytes.resize(static_cast<std::size_t>(in.tellg()));
        in.seekg(0);
        in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    }
    if (!in)
        usage("cannot read " + path.string());
    return bytes;
}

void writeFile(const fs::path& path, std::span<const std::byte> bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out)
        usage("cannot write " + path.string());
}

// The benchmarked network: the default ResNet with random weights (the cost of inference does
// not depend on them), or the MobileNetV2 with its real backbone (the peer's check of the
// embeddings needs weights that mean something) and a head from the same fixed seed.
nn::Network makeNetwork(const Options& options) {
    if (options.network == "resnet")
        return nn::Network(nn::NetworkConfig::forInput(3, options.size), 42);
    nn::Network network(nn::NetworkConfig::fromString(kMobileNetV2), 42);
    const std::vector<std::byte> bytes = readFile(options.weights);
    const int copied = nn::loadPretrainedBackbone(network, nn::parseTensorFile(bytes));
    std::printf("backbone: %d tensors from %s\n", copied, options.weights.string().c_str());
    return network;
}

double secondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

using bench::loadAverage;

// Runs work(i) for every i in [0, count) on `threads` threads taking indices in turn.
void parallelFor(int threads, std::size_t count, const std::function<void(std::size_t)>& work) {
    std::atomic<std::size_t> next{0};
    auto loop = [&] {
        for (std::size_t i = next++; i < count; i = next++)
            work(i);
    };
    std::vector<std::thread> helpers;
    for (int t = 1; t < threads; ++t)
        helpers.emplace_back(loop);
    loop();
    for (std::thread& helper : helpers)
        helper.join();
}

// Median seconds of `repeat` runs of `pass` after one untimed warm-up run (page faults, oneDNN
// primitive creation, OpenCV's and OpenMP's thread pools).
double medianSeconds(int repeat, const std::function<void()>& pass) {
    pass();
    std::vector<double> seconds;
    for (int i = 0; i < repeat; ++i) {
        const auto start = std::chrono::steady_clock::now();
        pass();
        seconds.push_back(secondsSince(start));
    }
    std::sort(seconds.begin(), seconds.end());
    return seconds[seconds.size() / 2];
}

// A catalog-like product photo: one object (photo-like texture from fixtures::makePhoto, cut as
// an ellipse or a box) with a soft shadow on a white to light grey backdrop, framed in one of the
// aspect ratios shops use, 600 to 1000 px on the long side. Photo i is always the same.
cv::Mat productPhoto(std::uint64_t seed) {
    static constexpr std::array<std::array<int, 2>, 6> kAspects{{{1, 1}, {4, 3}, {3, 4}, {3, 2}, {2, 3}, {16, 9}}};
    cv::RNG random(seed * 0x2545F4914F6CDD1Dull + 11);
    const auto [aspectWidth, aspectHeight] = kAspects[seed % kAspects.size()];
    const int longSide = 600 + 100 * random.uniform(0, 5);
    const int width = aspectWidth >= aspectHeight ? longSide : longSide * aspectWidth / aspectHeight;
    const int height = aspectWidth >= aspectHeight ? longSide * aspectHeight / aspectWidth : longSide;
    cv::Mat photo(height, width, CV_8UC3, cv::Scalar::all(random.uniform(232, 256)));

    const cv::Size object(width * random.uniform(40, 86) / 100, height * random.uniform(40, 86) / 100);
    const cv::Point corner(std::clamp((width - object.width) / 2 + random.uniform(-width / 16, width / 16 + 1), 0,
                                      width - object.width),
                           std::clamp((height - object.height) / 2 + random.uniform(-height / 16, height / 16 + 1), 0,
                                      height - object.height));
    const cv::Point centre = corner + cv::Point(object.width / 2, object.height / 2);
    const bool round = random.uniform(0, 2) == 0;
    cv::Mat shadow = cv::Mat::zeros(photo.size(), CV_8UC1);
    cv::ellipse(shadow, centre + cv::Point(0, object.height / 2), cv::Size(object.width / 2, object.height / 12 + 1), 0, 0,
                360, cv::Scalar(255), cv::FILLED);
    cv::GaussianBlur(shadow, shadow, cv::Size(0, 0), 6.0 + object.height / 40.0);
    cv::Mat shade;
    cv::cvtColor(shadow, shade, cv::COLOR_GRAY2BGR);
    photo -= shade * 0.3;

    cv::Mat mask = cv::Mat::zeros(object, CV_8UC1);
    if (round)
        cv::ellipse(mask, cv::Point(object.width / 2, object.height / 2), cv::Size(object.width / 2, object.height / 2), 0, 0,
                    360, cv::Scalar(255), cv::FILLED, cv::LINE_AA);
    else
        cv::rectangle(mask, cv::Rect(object.width / 10, 0, object.width * 8 / 10, object.height), cv::Scalar(255), cv::FILLED);
    // The object's surface: the fixture's gradient and shapes, then print-like detail (strokes a
    // few pixels wide) and blotchy shading, which survive the downscale to a thumbnail as the
    // texture, labels and folds of real products do.
    cv::Mat surface = fixtures::makePhoto(object.width, object.height, seed);
    for (int stroke = random.uniform(20, 80); stroke > 0; --stroke) {
        const cv::Point from(random.uniform(0, object.width), random.uniform(0, object.height));
        const cv::Point to = from + cv::Point(random.uniform(-object.width / 6, object.width / 6 + 1),
                                              random.uniform(-object.height / 20, object.height / 20 + 1));
        cv::line(surface, from, to, cv::Scalar(random.uniform(0, 256), random.uniform(0, 256), random.uniform(0, 256)),
                 random.uniform(2, 7), cv::LINE_AA);
    }
    cv::Mat blotches(std::max(2, object.height / 24), std::max(2, object.width / 24), CV_16SC3);
    random.fill(blotches, cv::RNG::UNIFORM, -24, 25);
    cv::resize(blotches, blotches, object, 0, 0, cv::INTER_CUBIC);
    cv::Mat shaded;
    surface.convertTo(shaded, CV_16SC3);
    shaded += blotches;
    shaded.convertTo(surface, CV_8UC3);
    surface.copyTo(photo(cv::Rect(corner, object)), mask);
    return photo;
}

std::vector<std::uint8_t> readBytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

// Photo bytes -> the catalog's thumbnail, as services::importFolders makes it.
std::vector<std::uint8_t> thumbnailOf(std::span<const std::uint8_t> photo) {
    const imaging::DecodedImage image = imaging::decodeImage(photo, {.minLongestSide = kThumbnailSide});
    return imaging::makeThumbnail(image.bgr, kThumbnailSide).jpeg;
}

std::vector<std::vector<std::uint8_t>> makeThumbnails(const Options& options) {
    std::vector<fs::path> files;
    if (!options.folder.empty()) {
        for (const fs::directory_entry& entry : fs::recursive_directory_iterator(options.folder))
            if (entry.is_regular_file())
                files.push_back(entry.path());
        std::sort(files.begin(), files.end());
        if (files.empty())
            usage("no files in " + options.folder.string());
    }
    const std::size_t count = files.empty() ? options.count : files.size();
    std::vector<std::vector<std::uint8_t>> thumbnails(count);
    std::atomic<std::size_t> skipped{0};
    parallelFor(2, count, [&](std::size_t i) {
        try {
            thumbnails[i] = files.empty()
                                ? thumbnailOf(fixtures::encodeImage(productPhoto(i), ".jpg", {cv::IMWRITE_JPEG_QUALITY, 90}))
                                : thumbnailOf(readBytes(files[i]));
        } catch (const imaging::DecodeError&) {
            ++skipped;  // not an image: the importer would not have stored it either
        }
    });
    std::erase_if(thumbnails, [](const auto& jpeg) { return jpeg.empty(); });
    if (skipped > 0)
        std::printf("skipped %zu files that are not images\n", skipped.load());
    return thumbnails;
}

void writeThumbnails(const std::vector<std::vector<std::uint8_t>>& thumbnails, const fs::path& folder) {
    fs::create_directories(folder);
    for (std::size_t i = 0; i < thumbnails.size(); ++i) {
        char name[48];
        std::snprintf(name, sizeof name, "thumbnail-%05zu.jpg", i);
        std::ofstream out(folder / name, std::ios::binary);
        out.write(reinterpret_cast<const char*>(thumbnails[i].data()), static_cast<std::streamsize>(thumbnails[i].size()));
        if (!out)
            usage("cannot write " + (folder / name).string());
    }
}

cv::Mat decode(const std::vector<std::uint8_t>& thumbnail) {
    cv::Mat image = imaging::decodeThumbnail(thumbnail);
    if (image.empty()) {
        std::cerr << "bench_embed: a thumbnail does not decode\n";
        std::exit(1);
    }
    return image;
}

}  // namespace

int main(int argc, char** argv) {
    Options options = parseOptions(argc, argv);
    nn::Network network = makeNetwork(options);
    const nn::NetworkConfig architecture = network.config();
    options.size = architecture.inputSize;
    std::printf("bench_embed: %s, batch %d, %d threads, median of %d passes after a warm-up\n",
                options.folder.empty() ? (std::to_string(options.count) + " generated product photos").c_str()
                                       : ("photos in " + options.folder.string()).c_str(),
                options.batch, options.threads, options.repeat);
    std::printf("machine: %u hardware threads, load average %s at start\n", std::thread::hardware_concurrency(),
                loadAverage().c_str());

    auto start = std::chrono::steady_clock::now();
    const std::vector<std::vector<std::uint8_t>> thumbnails = makeThumbnails(options);
    const std::size_t count = thumbnails.size();
    std::size_t bytes = 0;
    for (const auto& jpeg : thumbnails)
        bytes += jpeg.size();
    std::printf("thumbnails: %zu, %d px JPEG, %.1f KB on average, made in %.1f s\n", count, kThumbnailSide,
                static_cast<double>(bytes) / static_cast<double>(count) / 1024.0, secondsSince(start));
    if (!options.writeThumbnails.empty())
        writeThumbnails(thumbnails, options.writeThumbnails);

    if (!options.writeNetwork.empty())
        nn::saveCheckpoint(options.writeNetwork, network);
    const std::size_t imageValues = static_cast<std::size_t>(3) * options.size * options.size;
    const double images = static_cast<double>(count);

    // decode + preprocess alone, into the tensors that inference alone then reuses
    std::vector<float> tensors(count * imageValues);
    const double decodeSeconds = medianSeconds(options.repeat, [&] {
        parallelFor(options.threads, count, [&](std::size_t i) {
            training::imageToTensor(decode(thumbnails[i]), 3, options.size,
                                    std::span<float>(tensors).subspan(i * imageValues, imageValues));
        });
    });
    // The preprocessing's fingerprint for the peer to match: a position-weighted sum over the
    // first batch, so that swapped channels or shifted pixels change it too.
    double checksum = 0.0;
    for (std::size_t i = 0; i < std::min<std::size_t>(count, static_cast<std::size_t>(options.batch)) * imageValues; ++i)
        checksum += static_cast<double>(tensors[i]) * static_cast<double>(i % 97 + 1);

    nn::InferenceNetwork embedder(network, options.threads);
    const double inferenceSeconds = medianSeconds(options.repeat, [&] {
        for (std::size_t first = 0; first < count; first += static_cast<std::size_t>(options.batch)) {
            const int batch = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(options.batch), count - first));
            embedder.embed(std::span<const float>(tensors).subspan(first * imageValues, batch * imageValues), batch);
        }
    });

    if (!options.writeReference.empty()) {
        const int batch = static_cast<int>(std::min<std::size_t>(count, static_cast<std::size_t>(options.batch)));
        const std::span<const float> images = std::span<const float>(tensors).first(batch * imageValues);
        const std::span<const float> reference = embedder.embed(images, batch);
        const std::int64_t size = options.size;
        writeFile(options.writeReference,
                  nn::serializeTensorFile("bench_embed reference",
                                          {{"reference.images", {batch, 3, size, size}, images},
                                           {"reference.embeddings", {batch, architecture.embeddingDim}, reference}}));
    }

    // The whole path, as the app embeds a catalog.
    std::vector<float> embeddings;
    const double pipelineSeconds = medianSeconds(options.repeat, [&] {
        std::vector<cv::Mat> decoded(count);
        parallelFor(options.threads, count, [&](std::size_t i) { decoded[i] = decode(thumbnails[i]); });
        embeddings = training::embedImages(network, decoded, {.batch = options.batch, .threads = options.threads});
    });
    if (embeddings.size() != count * static_cast<std::size_t>(architecture.embeddingDim)) {
        std::cerr << "bench_embed: embedImages returned " << embeddings.size() << " values\n";
        return 1;
    }

    std::printf("\nload average %s after the passes\n", loadAverage().c_str());
    std::printf("architecture: %s\n", architecture.toString().c_str());
    std::printf("flops_per_image: %lld\n", static_cast<long long>(nn::flopsPerImage(architecture)));
    std::printf("preprocess_checksum: %.3f\n", checksum);
    std::printf("decode_preprocess_images_per_second: %.1f\n", images / decodeSeconds);
    std::printf("inference_images_per_second: %.1f\n", images / inferenceSeconds);
    std::printf("images_per_second: %.1f\n", images / pipelineSeconds);
    return 0;
}
