#include "core/datasets/fashion_mnist.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>

namespace lookalike::datasets {

namespace fs = std::filesystem;

namespace {

struct GzCloser {
    void operator()(gzFile_s* file) const noexcept { gzclose(file); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

// zlib reads plain files transparently, so .gz and uncompressed IDX files both work.
fs::path findFile(const fs::path& dir, const std::string& stem) {
    for (const char* suffix : {".gz", ""}) {
        fs::path candidate = dir / (stem + suffix);
        if (fs::exists(candidate))
            return candidate;
    }
    throw DatasetError((dir / (stem + ".gz")).string() +
                       ": not found (install Debian's dataset-fashion-mnist package)");
}

void readExactly(gzFile_s* file, void* data, std::size_t size, const fs::path& path) {
    auto* out = static_cast<char*>(data);
    while (size > 0) {
        unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(size, 1u << 30));
        int got = gzread(file, out, chunk);
        if (got <= 0)
            throw DatasetError(path.string() + ": truncated or corrupt");
        out += got;
        size -= static_cast<std::size_t>(got);
    }
}

std::uint32_t readBigEndian32(gzFile_s* file, const fs::path& path) {
    std::array<std::uint8_t, 4> bytes;
    readExactly(file, bytes.data(), 4, path);
    return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
           (std::uint32_t{bytes[2]} << 8) | bytes[3];
}

GzFile openIdx(const fs::path& path, std::uint32_t expectedMagic) {
    GzFile file(gzopen(path.c_str(), "rb"));
    if (!file)
        throw DatasetError(path.string() + ": cannot open");
    if (readBigEndian32(file.get(), path) != expectedMagic)
        throw DatasetError(path.string() + ": not an IDX file of the expected kind");
    return file;
}

std::string slug(const std::string& name) {
    std::string out;
    for (char c : name) {
        if (std::isalnum(static_cast<unsigned char>(c)))
            out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
        else if (!out.empty() && out.back() != '-')
            out.push_back('-');
    }
    while (!out.empty() && out.back() == '-')
        out.pop_back();
    return out;
}

}  // namespace

fs::path defaultFashionMnistDir() {
    return "/usr/share/datasets/fashion-mnist";
}

const std::vector<std::string>& fashionMnistClassNames() {
    static const std::vector<std::string> names = {
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
    return names;
}

LabelledImages loadFashionMnist(const fs::path& dir, Split split, int limit) {
    std::string prefix = split == Split::Train ? "train" : "t10k";
    fs::path imagesPath = findFile(dir, prefix + "-images-idx3-ubyte");
    fs::path labelsPath = findFile(dir, prefix + "-labels-idx1-ubyte");

    GzFile images = openIdx(imagesPath, 0x00000803);
    std::uint32_t count = readBigEndian32(images.get(), imagesPath);
    std::uint32_t rows = readBigEndian32(images.get(), imagesPath);
    std::uint32_t cols = readBigEndian32(images.get(), imagesPath);
    if (count > 1'000'000 || rows != 28 || cols != 28)
        throw DatasetError(imagesPath.string() + ": unexpected shape");

    GzFile labels = openIdx(labelsPath, 0x00000801);
    std::uint32_t labelCount = readBigEndian32(labels.get(), labelsPath);
    if (labelCount != count)
        throw DatasetError(labelsPath.string() + ": label count does not match the images");

    LabelledImages data;
    data.count = limit < 0 ? static_cast<int>(count) : std::min(limit, static_cast<int>(count));
    data.rows = static_cast<int>(rows);
    data.cols = static_cast<int>(cols);
    data.pixels.resize(static_cast<std::size_t>(data.count) * rows * cols);
    readExactly(images.get(), data.pixels.data(), data.pixels.size(), imagesPath);
    std::vector<std::uint8_t> raw(static_cast<std::size_t>(data.count));
    readExactly(labels.get(), raw.data(), raw.size(), labelsPath);
    data.labels.assign(raw.begin(), raw.end());
    for (int label : data.labels)
        if (label < 0 || label > 9)
            throw DatasetError(labelsPath.string() + ": label out of range");
    return data;
}

std::vector<fs::path> exportFashionMnistSample(const fs::path& dataDir, const fs::path& outDir,
                                               int count, Split split) {
    LabelledImages test = loadFashionMnist(dataDir, split);
    const auto& names = fashionMnistClassNames();
    const int classes = static_cast<int>(names.size());
    std::vector<int> perClass(names.size(), 0);
    // Every class gets count / classes photos and the first count % classes one more, so the
    // classes differ by at most one (rounding every quota up would fill the early ones first).
    auto quota = [&](int label) { return count / classes + (label < count % classes ? 1 : 0); };
    std::vector<fs::path> written;
    for (int i = 0; i < test.count && static_cast<int>(written.size()) < count; ++i) {
        int label = test.labels[static_cast<std::size_t>(i)];
        if (perClass[static_cast<std::size_t>(label)] >= quota(label))
            continue;
        int number = ++perClass[static_cast<std::size_t>(label)];
        std::string name = slug(names[static_cast<std::size_t>(label)]);
        fs::path folder = outDir / name;
        fs::create_directories(folder);
        char file[64];
        std::snprintf(file, sizeof file, "%s-%04d.png", name.c_str(), number);
        cv::Mat image(test.rows, test.cols, CV_8UC1, const_cast<std::uint8_t*>(test.image(i)));
        // Fashion-MNIST is white-on-black; shops photograph on white, so invert.
        cv::Mat photo = 255 - image;
        fs::path path = folder / file;
        if (!cv::imwrite(path.string(), photo))
            throw DatasetError(path.string() + ": cannot write");
        written.push_back(path);
    }
    return written;
}

}  // namespace lookalike::datasets
