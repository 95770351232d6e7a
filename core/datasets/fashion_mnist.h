#pragma once
// Reads Fashion-MNIST (Zalando product photos, 28x28 grayscale, 10 classes) from the IDX files
// that Debian's dataset-fashion-mnist package installs, gzip-compressed or not.

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace lookalike::datasets {

class DatasetError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct LabelledImages {
    int count = 0;
    int rows = 0;
    int cols = 0;
    std::vector<std::uint8_t> pixels;  // [count, rows, cols], row-major
    std::vector<int> labels;           // [count], 0..9

    const std::uint8_t* image(int index) const {
        return pixels.data() + static_cast<std::size_t>(index) * rows * cols;
    }
};

enum class Split { Train, Test };

// Where Debian installs the data set.
std::filesystem::path defaultFashionMnistDir();

// The ten class names, e.g. "T-shirt/top", "Ankle boot".
const std::vector<std::string>& fashionMnistClassNames();

// Loads at most `limit` images (all when limit < 0). Throws DatasetError naming the file when
// it is missing, truncated or not an IDX file of the expected shape.
LabelledImages loadFashionMnist(const std::filesystem::path& dir, Split split, int limit = -1);

// Writes `count` images of `split` as PNG files, balanced over the classes, into one folder per
// class under `outDir` (names like "sneaker/sneaker-0042.png"). Returns the files written.
std::vector<std::filesystem::path> exportFashionMnistSample(const std::filesystem::path& dataDir,
                                                            const std::filesystem::path& outDir,
                                                            int count, Split split = Split::Test);

}  // namespace lookalike::datasets
