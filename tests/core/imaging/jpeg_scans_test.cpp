// Counting a JPEG's scans without decoding it, and the decoder refusing files with absurd
// scan counts or declared sizes (decompression bombs) before any decoder runs.

#include "core/imaging/jpeg_scans.h"

#include "core/imaging/decoder.h"
#include "tests/support/test_images.h"

#include <gtest/gtest.h>

#include <chrono>
#include <random>

using namespace lookalike;
using namespace lookalike::imaging;
using fixtures::Bytes;

namespace {

Bytes photoJpeg(const std::vector<int>& params = {}) {
    return fixtures::encodeImage(fixtures::makePhoto(64, 48, 11), ".jpg", params);
}

// decodeImage's error message, or "" when it decoded.
std::string decodeError(const Bytes& bytes, const DecodeOptions& options = {}) {
    try {
        decodeImage(bytes, options);
        return "";
    } catch (const DecodeError& error) {
        return error.what();
    }
}

}  // namespace

TEST(JpegScansTest, BaselineJpegHasOneScan) {
    EXPECT_EQ(countJpegScans(photoJpeg()), 1u);
}

TEST(JpegScansTest, RestartMarkersAndStuffedBytesAreNotScans) {
    // Restart intervals put FF D0..D7 inside the scan data; FF 00 is a data byte FF.
    EXPECT_EQ(countJpegScans(photoJpeg({cv::IMWRITE_JPEG_RST_INTERVAL, 1})), 1u);
}

TEST(JpegScansTest, ProgressiveJpegHasItsScriptsScans) {
    // libjpeg's standard progression for colour images has 10 scans.
    EXPECT_EQ(countJpegScans(photoJpeg({cv::IMWRITE_JPEG_PROGRESSIVE, 1})), 10u);
}

TEST(JpegScansTest, RepeatedScansAreCountedAndCountingStopsAtTheLimit) {
    const Bytes hostile = fixtures::jpegWithManyScans(1000);
    EXPECT_EQ(countJpegScans(hostile), 1010u);
    EXPECT_EQ(countJpegScans(hostile, 129), 129u);
}

TEST(JpegScansTest, OtherBytesHaveNoScans) {
    EXPECT_EQ(countJpegScans({}), 0u);
    EXPECT_EQ(countJpegScans(fixtures::encodeImage(fixtures::makePhoto(8, 8, 1), ".png")), 0u);
    EXPECT_EQ(countJpegScans(Bytes{0xFF, 0xD8}), 0u);
}

TEST(JpegScansTest, AnyPrefixAndRandomBytesAreSafe) {
    const Bytes progressive = photoJpeg({cv::IMWRITE_JPEG_PROGRESSIVE, 1});
    std::size_t previous = 0;
    for (std::size_t length = 0; length <= progressive.size(); ++length) {
        const std::size_t scans = countJpegScans(std::span(progressive).first(length));
        EXPECT_GE(scans, previous) << length;  // a longer prefix never has fewer scans
        previous = scans;
    }
    std::mt19937 random(7);
    for (int trial = 0; trial < 200; ++trial) {
        Bytes bytes = {0xFF, 0xD8};
        for (int i = 0; i < 300; ++i)
            bytes.push_back(static_cast<std::uint8_t>(random() % 4 == 0 ? 0xFF : random()));
        EXPECT_LE(countJpegScans(bytes), bytes.size());
    }
}

TEST(JpegScansTest, DecoderRefusesAbsurdScanCountsQuicklyAndKeepsNormalProgressiveJpegs) {
    EXPECT_EQ(decodeError(photoJpeg({cv::IMWRITE_JPEG_PROGRESSIVE, 1})), "");
    EXPECT_EQ(decodeError(fixtures::jpegWithManyScans(100)), "");  // 110 scans: allowed
    const Bytes hostile = fixtures::jpegWithManyScans(20000);
    const auto start = std::chrono::steady_clock::now();
    const std::string message = decodeError(hostile);
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_NE(message.find("JPEG with more than 128 scans"), std::string::npos) << message;
    EXPECT_LT(took, std::chrono::milliseconds(500)) << "the scans must be counted, not decoded";
    DecodeOptions strict;
    strict.maxJpegScans = 5;
    EXPECT_NE(decodeError(photoJpeg({cv::IMWRITE_JPEG_PROGRESSIVE, 1}), strict).find("more than 5 scans"),
              std::string::npos);
}

// Every format the importer reads refuses a huge declared size from its header: the files hold
// a 16 x 16 image's data, so a decoder could only have failed as "truncated or corrupt" (after
// allocating gigabytes); "too large" proves the header check came first.
class DecompressionBombTest : public ::testing::TestWithParam<std::string> {};

TEST_P(DecompressionBombTest, IsRefusedFromTheHeaderBeforeDecoding) {
    const Bytes bomb = fixtures::hugeDeclaredSize(GetParam());
    ASSERT_LT(bomb.size(), 4096u);
    const ImageHeader header = readImageHeader(bomb);
    EXPECT_GT(header.width * header.height, 100'000'000) << header.width << "x" << header.height;
    const std::string message = decodeError(bomb);
    EXPECT_NE(message.find("image too large"), std::string::npos) << message;
    EXPECT_EQ(message.find("corrupt"), std::string::npos) << message;
}

INSTANTIATE_TEST_SUITE_P(EveryFormat, DecompressionBombTest,
                         ::testing::Values(".png", ".jpg", ".webp", ".tiff", ".bmp"),
                         [](const auto& info) { return info.param.substr(1); });

TEST(DecompressionBombTest, AValidPngOfManyMegapixelsIsRefusedWithoutDecoding) {
    // A complete, valid PNG of 8000 x 8000 (64 megapixels; 192 MB once decoded to BGR) that
    // compresses to a few hundred kilobytes.
    const Bytes png = fixtures::encodeImage(cv::Mat(8000, 8000, CV_8UC1, cv::Scalar(255)), ".png");
    ASSERT_LT(png.size(), 1u << 20);
    const auto start = std::chrono::steady_clock::now();
    EXPECT_NE(decodeError(png).find("image too large: 8000x8000 (64 megapixels, the limit is 50 megapixels)"),
              std::string::npos);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(200));
}

TEST(DecompressionBombTest, GifIsRefusedAsUnsupported) {
    const Bytes gif = {'G', 'I', 'F', '8', '9', 'a', 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0x3B};  // 65535 x 65535
    EXPECT_NE(decodeError(gif).find("unsupported format (GIF)"), std::string::npos);
}
