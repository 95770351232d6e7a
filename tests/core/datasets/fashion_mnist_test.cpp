// Fashion-MNIST loading from Debian's package, sample export, and damaged IDX files.

#include "core/datasets/fashion_mnist.h"

#include "tests/support/temp_dir.h"

#include <opencv2/imgcodecs.hpp>

#include <gtest/gtest.h>

#include <map>
#include <zlib.h>

using namespace lookalike;
using namespace lookalike::datasets;
namespace fs = std::filesystem;

namespace {

bool haveDataset() {
    return fs::exists(defaultFashionMnistDir() / "t10k-images-idx3-ubyte.gz");
}

#define SKIP_WITHOUT_DATASET()                                                                  \
    if (!haveDataset())                                                                         \
    GTEST_SKIP() << "Fashion-MNIST is not installed at " << defaultFashionMnistDir()            \
                 << " (Debian package dataset-fashion-mnist)"

std::vector<std::uint8_t> bigEndian32(std::uint32_t value) {
    return {static_cast<std::uint8_t>(value >> 24), static_cast<std::uint8_t>(value >> 16),
            static_cast<std::uint8_t>(value >> 8), static_cast<std::uint8_t>(value)};
}

// An uncompressed IDX image file: magic, count, rows, cols, then `pixelBytes` bytes.
std::vector<std::uint8_t> idxImages(std::uint32_t count, std::uint32_t rows, std::uint32_t cols,
                                    std::size_t pixelBytes) {
    std::vector<std::uint8_t> bytes;
    for (std::uint32_t v : {0x00000803u, count, rows, cols}) {
        auto word = bigEndian32(v);
        bytes.insert(bytes.end(), word.begin(), word.end());
    }
    for (std::size_t i = 0; i < pixelBytes; ++i)
        bytes.push_back(static_cast<std::uint8_t>(i));
    return bytes;
}

std::vector<std::uint8_t> idxLabels(std::uint32_t count, const std::vector<std::uint8_t>& labels) {
    std::vector<std::uint8_t> bytes;
    for (std::uint32_t v : {0x00000801u, count}) {
        auto word = bigEndian32(v);
        bytes.insert(bytes.end(), word.begin(), word.end());
    }
    bytes.insert(bytes.end(), labels.begin(), labels.end());
    return bytes;
}

template <typename Function>
void expectDatasetError(Function&& function, const std::string& needle) {
    try {
        function();
        ADD_FAILURE() << "no DatasetError; expected one mentioning '" << needle << "'";
    } catch (const DatasetError& error) {
        EXPECT_NE(std::string(error.what()).find(needle), std::string::npos)
            << "message: " << error.what();
    }
}

}  // namespace

TEST(FashionMnistTest, TestSplitHasTenThousandBalancedImages) {
    SKIP_WITHOUT_DATASET();
    LabelledImages test = loadFashionMnist(defaultFashionMnistDir(), Split::Test);
    EXPECT_EQ(test.count, 10000);
    EXPECT_EQ(test.rows, 28);
    EXPECT_EQ(test.cols, 28);
    EXPECT_EQ(test.pixels.size(), 10000u * 28 * 28);
    ASSERT_EQ(test.labels.size(), 10000u);
    std::map<int, int> perClass;
    for (int label : test.labels) {
        ASSERT_GE(label, 0);
        ASSERT_LE(label, 9);
        ++perClass[label];
    }
    ASSERT_EQ(perClass.size(), 10u);
    for (const auto& [label, count] : perClass)
        EXPECT_EQ(count, 1000) << "class " << label;
    // Real photos, not zeros: white-on-black clothing with a fair amount of ink.
    double mean = 0;
    for (std::uint8_t pixel : test.pixels)
        mean += pixel;
    mean /= static_cast<double>(test.pixels.size());
    EXPECT_GT(mean, 40);
    EXPECT_LT(mean, 120);
}

TEST(FashionMnistTest, TrainSplitHasSixtyThousandImages) {
    SKIP_WITHOUT_DATASET();
    LabelledImages train = loadFashionMnist(defaultFashionMnistDir(), Split::Train);
    EXPECT_EQ(train.count, 60000);
    EXPECT_EQ(train.labels.size(), 60000u);
    EXPECT_EQ(train.pixels.size(), 60000u * 784);
}

TEST(FashionMnistTest, LimitLoadsAPrefix) {
    SKIP_WITHOUT_DATASET();
    LabelledImages all = loadFashionMnist(defaultFashionMnistDir(), Split::Test);
    LabelledImages few = loadFashionMnist(defaultFashionMnistDir(), Split::Test, 25);
    EXPECT_EQ(few.count, 25);
    EXPECT_EQ(few.pixels.size(), 25u * 784);
    EXPECT_TRUE(std::equal(few.pixels.begin(), few.pixels.end(), all.pixels.begin()));
    EXPECT_TRUE(std::equal(few.labels.begin(), few.labels.end(), all.labels.begin()));
    EXPECT_EQ(std::vector<std::uint8_t>(few.image(24), few.image(24) + 784),
              std::vector<std::uint8_t>(all.image(24), all.image(24) + 784));
    EXPECT_EQ(loadFashionMnist(defaultFashionMnistDir(), Split::Test, 0).count, 0);
    EXPECT_EQ(loadFashionMnist(defaultFashionMnistDir(), Split::Test, 20000).count, 10000);
}

TEST(FashionMnistTest, ClassNames) {
    const auto& names = fashionMnistClassNames();
    ASSERT_EQ(names.size(), 10u);
    EXPECT_EQ(names.front(), "T-shirt/top");
    EXPECT_EQ(names[7], "Sneaker");
    EXPECT_EQ(names.back(), "Ankle boot");
}

TEST(FashionMnistTest, ExportWritesBalancedInvertedPngs) {
    SKIP_WITHOUT_DATASET();
    fixtures::TempDir dir;
    std::vector<fs::path> files = exportFashionMnistSample(defaultFashionMnistDir(), dir / "out", 30);
    ASSERT_EQ(files.size(), 30u);
    LabelledImages test = loadFashionMnist(defaultFashionMnistDir(), Split::Test);

    std::map<std::string, int> perFolder;
    for (const fs::path& file : files) {
        ASSERT_TRUE(fs::is_regular_file(file)) << file;
        EXPECT_EQ(file.extension(), ".png");
        EXPECT_EQ(file.parent_path().parent_path(), dir / "out");
        ++perFolder[file.parent_path().filename().string()];
        cv::Mat image = cv::imread(file.string(), cv::IMREAD_UNCHANGED);
        ASSERT_EQ(image.type(), CV_8UC1) << file;
        EXPECT_EQ(image.size(), cv::Size(28, 28));
        // Fashion-MNIST is white on black; exported as shop photos, dark on a white border.
        cv::Mat border = image.clone();
        border(cv::Rect(2, 2, 24, 24)).setTo(255);
        EXPECT_GT(cv::mean(border)[0], 200) << file;
    }
    EXPECT_EQ(perFolder.size(), 10u);
    for (const auto& [folder, count] : perFolder)
        EXPECT_EQ(count, 3) << folder;
    EXPECT_EQ(perFolder.count("t-shirt-top"), 1u);
    EXPECT_EQ(perFolder.count("ankle-boot"), 1u);
    EXPECT_TRUE(fs::exists(dir / "out" / "sneaker" / "sneaker-0001.png"));
    EXPECT_TRUE(fs::exists(dir / "out" / "sneaker" / "sneaker-0003.png"));

    // The first exported sneaker is the first sneaker of the test split, inverted.
    int first = 0;
    while (test.labels[static_cast<std::size_t>(first)] != 7)
        ++first;
    cv::Mat sneaker = cv::imread((dir / "out" / "sneaker" / "sneaker-0001.png").string(), cv::IMREAD_UNCHANGED);
    for (int i = 0; i < 784; ++i)
        ASSERT_EQ(sneaker.data[i], 255 - test.image(first)[i]) << "pixel " << i;
}

// The training split (lookalike-cli sample --split train): photos the benchmarks never score.
TEST(FashionMnistTest, ExportCanTakeTheTrainingSplit) {
    SKIP_WITHOUT_DATASET();
    fixtures::TempDir dir;
    std::vector<fs::path> files = exportFashionMnistSample(defaultFashionMnistDir(), dir.path(), 10, Split::Train);
    ASSERT_EQ(files.size(), 10u);
    LabelledImages train = loadFashionMnist(defaultFashionMnistDir(), Split::Train, 1000);
    int first = 0;
    while (train.labels[static_cast<std::size_t>(first)] != 7)
        ++first;
    cv::Mat sneaker = cv::imread((dir.path() / "sneaker" / "sneaker-0001.png").string(), cv::IMREAD_UNCHANGED);
    ASSERT_FALSE(sneaker.empty());
    for (int i = 0; i < 784; ++i)
        ASSERT_EQ(sneaker.data[i], 255 - train.image(first)[i]) << "pixel " << i;
}

TEST(FashionMnistTest, ExportOfACountNotDivisibleByTenStaysBalanced) {
    SKIP_WITHOUT_DATASET();
    fixtures::TempDir dir;
    std::vector<fs::path> files = exportFashionMnistSample(defaultFashionMnistDir(), dir.path(), 25);
    EXPECT_EQ(files.size(), 25u);
    std::map<std::string, int> perFolder;
    for (const fs::path& file : files)
        ++perFolder[file.parent_path().filename().string()];
    ASSERT_EQ(perFolder.size(), 10u);
    for (const auto& [folder, count] : perFolder) {
        EXPECT_GE(count, 2) << folder;
        EXPECT_LE(count, 3) << folder;
    }
    // The first five classes (by label) get the extra photo.
    EXPECT_EQ(perFolder["t-shirt-top"], 3);
    EXPECT_EQ(perFolder["coat"], 3);
    EXPECT_EQ(perFolder["sandal"], 2);
    EXPECT_EQ(perFolder["ankle-boot"], 2);
}

TEST(FashionMnistTest, MissingFilesNameWhatToInstall) {
    fixtures::TempDir dir;
    expectDatasetError([&] { loadFashionMnist(dir.path(), Split::Test); }, "dataset-fashion-mnist");
}

TEST(FashionMnistTest, GarbageImageFileIsRejected) {
    fixtures::TempDir dir;
    fixtures::writeText(dir / "t10k-images-idx3-ubyte", "this is not an IDX file at all");
    fixtures::writeBytes(dir / "t10k-labels-idx1-ubyte", idxLabels(1, {0}));
    expectDatasetError([&] { loadFashionMnist(dir.path(), Split::Test); }, "not an IDX file");
}

TEST(FashionMnistTest, TruncatedPixelsAreRejected) {
    fixtures::TempDir dir;
    fixtures::writeBytes(dir / "t10k-images-idx3-ubyte", idxImages(10, 28, 28, 5 * 784));
    fixtures::writeBytes(dir / "t10k-labels-idx1-ubyte", idxLabels(10, std::vector<std::uint8_t>(10, 1)));
    expectDatasetError([&] { loadFashionMnist(dir.path(), Split::Test); }, "truncated");
    // Asking for only what is there works.
    EXPECT_EQ(loadFashionMnist(dir.path(), Split::Test, 5).count, 5);
}

TEST(FashionMnistTest, TruncatedHeaderIsRejected) {
    fixtures::TempDir dir;
    std::vector<std::uint8_t> images = idxImages(10, 28, 28, 0);
    images.resize(9);
    fixtures::writeBytes(dir / "t10k-images-idx3-ubyte", images);
    fixtures::writeBytes(dir / "t10k-labels-idx1-ubyte", idxLabels(10, std::vector<std::uint8_t>(10, 1)));
    expectDatasetError([&] { loadFashionMnist(dir.path(), Split::Test); }, "truncated");
}

TEST(FashionMnistTest, TruncatedGzipIsRejected) {
    SKIP_WITHOUT_DATASET();
    fixtures::TempDir dir;
    std::vector<std::uint8_t> gz = fixtures::readBytes(defaultFashionMnistDir() / "t10k-images-idx3-ubyte.gz");
    gz.resize(gz.size() / 3);
    fixtures::writeBytes(dir / "t10k-images-idx3-ubyte.gz", gz);
    fs::copy_file(defaultFashionMnistDir() / "t10k-labels-idx1-ubyte.gz", dir / "t10k-labels-idx1-ubyte.gz");
    expectDatasetError([&] { loadFashionMnist(dir.path(), Split::Test); }, "t10k-images-idx3-ubyte.gz");
}

TEST(FashionMnistTest, WrongShapeLabelMismatchAndBadLabelsAreRejected) {
    fixtures::TempDir dir;
    fixtures::writeBytes(dir / "t10k-images-idx3-ubyte", idxImages(2, 32, 32, 2 * 1024));
    fixtures::writeBytes(dir / "t10k-labels-idx1-ubyte", idxLabels(2, {0, 1}));
    expectDatasetError([&] { loadFashionMnist(dir.path(), Split::Test); }, "unexpected shape");

    fixtures::writeBytes(dir / "t10k-images-idx3-ubyte", idxImages(2, 28, 28, 2 * 784));
    fixtures::writeBytes(dir / "t10k-labels-idx1-ubyte", idxLabels(3, {0, 1, 2}));
    expectDatasetError([&] { loadFashionMnist(dir.path(), Split::Test); }, "label count");

    fixtures::writeBytes(dir / "t10k-labels-idx1-ubyte", idxLabels(2, {0, 10}));
    expectDatasetError([&] { loadFashionMnist(dir.path(), Split::Test); }, "label out of range");

    // Swapped files: the labels' magic where images are expected.
    fixtures::writeBytes(dir / "t10k-images-idx3-ubyte", idxLabels(2, {0, 1}));
    expectDatasetError([&] { loadFashionMnist(dir.path(), Split::Test); }, "not an IDX file");
}

TEST(FashionMnistTest, ReadsGzipAndPlainFilesAlike) {
    fixtures::TempDir dir;
    std::vector<std::uint8_t> images = idxImages(3, 28, 28, 3 * 784);
    gzFile out = gzopen((dir / "t10k-images-idx3-ubyte.gz").c_str(), "wb");
    ASSERT_NE(out, nullptr);
    ASSERT_EQ(gzwrite(out, images.data(), static_cast<unsigned>(images.size())), static_cast<int>(images.size()));
    gzclose(out);
    fixtures::writeBytes(dir / "t10k-labels-idx1-ubyte", idxLabels(3, {4, 5, 6}));
    LabelledImages data = loadFashionMnist(dir.path(), Split::Test);
    EXPECT_EQ(data.count, 3);
    EXPECT_EQ(data.labels, (std::vector<int>{4, 5, 6}));
    EXPECT_EQ(data.pixels[785], static_cast<std::uint8_t>(785));
}
