// Decoding to upright 8-bit BGR on white: every format, bit depths, transparency, EXIF
// orientation, damaged files and the reduced JPEG decode.

#include "core/imaging/decoder.h"

#include "tests/support/expect_error.h"
#include "tests/support/test_images.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

using namespace lookalike;
using namespace lookalike::imaging;
using fixtures::Bytes;

namespace {

template <typename Function>
void expectDecodeError(Function&& function, const std::string& needle) {
    fixtures::expectErrorMentioning<DecodeError>(std::forward<Function>(function), needle);
}

// Largest per-channel difference between two images of the same size and type.
double maxDifference(const cv::Mat& a, const cv::Mat& b) {
    return cv::norm(a, b, cv::NORM_INF);
}

bool near(const cv::Vec3b& pixel, const cv::Vec3b& expected, int tolerance) {
    for (int k = 0; k < 3; ++k)
        if (std::abs(pixel[k] - expected[k]) > tolerance)
            return false;
    return true;
}

// 40 x 20 grey image with a red block in its top-left corner, for orientation checks.
cv::Mat markedImage() {
    cv::Mat image(20, 40, CV_8UC3, cv::Scalar(128, 128, 128));
    image(cv::Rect(0, 0, 8, 8)).setTo(cv::Scalar(0, 0, 255));
    return image;
}

const cv::Vec3b kRed(0, 0, 255);
const cv::Vec3b kGrey(128, 128, 128);

struct RoundTrip {
    std::string extension;
    std::vector<int> params;
    ImageFormat format;
    bool lossless;
};

class DecoderRoundTripTest : public ::testing::TestWithParam<RoundTrip> {};

}  // namespace

TEST_P(DecoderRoundTripTest, DecodesToTheEncodedSizeAndPixels) {
    const RoundTrip& c = GetParam();
    cv::Mat photo = fixtures::makePhoto(70, 38, 11);
    DecodedImage decoded = decodeImage(fixtures::encodeImage(photo, c.extension, c.params));
    EXPECT_EQ(decoded.format, c.format);
    EXPECT_EQ(decoded.width, 70);
    EXPECT_EQ(decoded.height, 38);
    ASSERT_EQ(decoded.bgr.type(), CV_8UC3);
    ASSERT_EQ(decoded.bgr.size(), photo.size());
    if (c.lossless)
        EXPECT_EQ(maxDifference(decoded.bgr, photo), 0.0);
    else
        EXPECT_LT(cv::norm(decoded.bgr, photo, cv::NORM_L1) / photo.total() / 3, 12.0);
}

INSTANTIATE_TEST_SUITE_P(
    AllFormats, DecoderRoundTripTest,
    ::testing::Values(RoundTrip{".jpg", {cv::IMWRITE_JPEG_QUALITY, 95}, ImageFormat::Jpeg, false},
                      RoundTrip{".png", {}, ImageFormat::Png, true},
                      RoundTrip{".webp", {cv::IMWRITE_WEBP_QUALITY, 90}, ImageFormat::WebP, false},
                      RoundTrip{".webp", {cv::IMWRITE_WEBP_QUALITY, 101}, ImageFormat::WebP, true},
                      RoundTrip{".tiff", {}, ImageFormat::Tiff, true},
                      RoundTrip{".bmp", {}, ImageFormat::Bmp, true}),
    [](const auto& info) { return info.param.extension.substr(1) + std::to_string(info.index); });

TEST(DecoderTest, GrayscaleBecomesThreeEqualChannels) {
    cv::Mat gray(16, 24, CV_8UC1);
    for (int y = 0; y < gray.rows; ++y)
        for (int x = 0; x < gray.cols; ++x)
            gray.at<std::uint8_t>(y, x) = static_cast<std::uint8_t>(10 * x + y);
    for (const char* extension : {".png", ".jpg", ".tiff", ".bmp"}) {
        SCOPED_TRACE(extension);
        DecodedImage decoded = decodeImage(fixtures::encodeImage(gray, extension));
        ASSERT_EQ(decoded.bgr.type(), CV_8UC3);
        ASSERT_EQ(decoded.bgr.size(), gray.size());
        cv::Mat planes[3];
        cv::split(decoded.bgr, planes);
        EXPECT_EQ(maxDifference(planes[0], planes[1]), 0.0);
        EXPECT_EQ(maxDifference(planes[1], planes[2]), 0.0);
        if (std::string(extension) != ".jpg") {
            EXPECT_EQ(maxDifference(planes[0], gray), 0.0);
        }
    }
}

TEST(DecoderTest, SixteenBitPngAndTiffScaleTo8BitValues) {
    // 16-bit v maps to round(v / 257): 0 -> 0, 257*k -> k, 65535 -> 255.
    cv::Mat deep(2, 4, CV_16UC3);
    const std::uint16_t values[4] = {0, 257 * 100, 257 * 200 + 128, 65535};
    const std::uint8_t expected[4] = {0, 100, 200, 255};
    for (int y = 0; y < 2; ++y)
        for (int x = 0; x < 4; ++x)
            deep.at<cv::Vec3w>(y, x) = cv::Vec3w(values[x], values[(x + 1) % 4], values[(x + 2) % 4]);
    cv::Mat deepGray(1, 4, CV_16UC1);
    for (int x = 0; x < 4; ++x)
        deepGray.at<std::uint16_t>(0, x) = values[x];

    for (const char* extension : {".png", ".tiff"}) {
        SCOPED_TRACE(extension);
        DecodedImage colour = decodeImage(fixtures::encodeImage(deep, extension));
        ASSERT_EQ(colour.bgr.type(), CV_8UC3);
        for (int y = 0; y < 2; ++y)
            for (int x = 0; x < 4; ++x)
                EXPECT_EQ(colour.bgr.at<cv::Vec3b>(y, x),
                          cv::Vec3b(expected[x], expected[(x + 1) % 4], expected[(x + 2) % 4]))
                    << "at " << x << "," << y;
        DecodedImage gray = decodeImage(fixtures::encodeImage(deepGray, extension));
        ASSERT_EQ(gray.bgr.type(), CV_8UC3);
        for (int x = 0; x < 4; ++x)
            EXPECT_EQ(gray.bgr.at<cv::Vec3b>(0, x), cv::Vec3b(expected[x], expected[x], expected[x]));
    }
}

TEST(DecoderTest, TransparentPixelsBecomeWhiteAndHalfTransparentOnesBlend) {
    cv::Mat rgba(2, 3, CV_8UC4);
    rgba.at<cv::Vec4b>(0, 0) = {0, 0, 0, 0};          // fully transparent black
    rgba.at<cv::Vec4b>(0, 1) = {0, 0, 255, 128};      // half-transparent red
    rgba.at<cv::Vec4b>(0, 2) = {10, 200, 30, 255};    // opaque
    rgba.at<cv::Vec4b>(1, 0) = {255, 0, 0, 64};       // quarter blue
    rgba.at<cv::Vec4b>(1, 1) = {50, 50, 50, 255};
    rgba.at<cv::Vec4b>(1, 2) = {200, 100, 0, 0};      // transparent colour is ignored
    for (const char* extension : {".png", ".tiff"}) {
        SCOPED_TRACE(extension);
        DecodedImage decoded = decodeImage(fixtures::encodeImage(rgba, extension));
        ASSERT_EQ(decoded.bgr.type(), CV_8UC3);
        EXPECT_EQ(decoded.bgr.at<cv::Vec3b>(0, 0), cv::Vec3b(255, 255, 255));
        // c * a + 255 * (1 - a): 0 * 128/255 + 255 * 127/255 = 127, and 255 stays 255.
        EXPECT_TRUE(near(decoded.bgr.at<cv::Vec3b>(0, 1), cv::Vec3b(127, 127, 255), 1))
            << decoded.bgr.at<cv::Vec3b>(0, 1);
        EXPECT_EQ(decoded.bgr.at<cv::Vec3b>(0, 2), cv::Vec3b(10, 200, 30));
        // 255*64/255 + 255*191/255 = 255 for blue; 0 + 191 for green and red.
        EXPECT_TRUE(near(decoded.bgr.at<cv::Vec3b>(1, 0), cv::Vec3b(255, 191, 191), 1))
            << decoded.bgr.at<cv::Vec3b>(1, 0);
        EXPECT_EQ(decoded.bgr.at<cv::Vec3b>(1, 1), cv::Vec3b(50, 50, 50));
        EXPECT_EQ(decoded.bgr.at<cv::Vec3b>(1, 2), cv::Vec3b(255, 255, 255));
    }
}

TEST(DecoderTest, TransparentWebPBecomesWhite) {
    cv::Mat rgba(8, 8, CV_8UC4, cv::Scalar(0, 0, 0, 0));
    rgba(cv::Rect(0, 0, 4, 8)).setTo(cv::Scalar(0, 0, 255, 255));
    DecodedImage decoded =
        decodeImage(fixtures::encodeImage(rgba, ".webp", {cv::IMWRITE_WEBP_QUALITY, 101}));
    EXPECT_EQ(decoded.bgr.at<cv::Vec3b>(4, 1), kRed);
    EXPECT_EQ(decoded.bgr.at<cv::Vec3b>(4, 6), cv::Vec3b(255, 255, 255));
}

TEST(DecoderTest, ThirtyTwoBitBmpWithUnusedFourthByteKeepsItsColours) {
    // Windows writes 32-bit BI_RGB bitmaps whose fourth byte is reserved and zero: not alpha.
    // Hand-made so that the test does not depend on how an encoder fills that byte.
    const int width = 2, height = 2;
    Bytes bmp = {'B', 'M'};
    auto put32 = [&](std::uint32_t v) {
        for (int i = 0; i < 4; ++i)
            bmp.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    };
    auto put16 = [&](std::uint16_t v) {
        bmp.push_back(static_cast<std::uint8_t>(v));
        bmp.push_back(static_cast<std::uint8_t>(v >> 8));
    };
    put32(14 + 40 + width * height * 4);
    put32(0);
    put32(14 + 40);
    put32(40);  // BITMAPINFOHEADER
    put32(width);
    put32(height);
    put16(1);
    put16(32);
    put32(0);  // BI_RGB
    put32(width * height * 4);
    put32(2835);
    put32(2835);
    put32(0);
    put32(0);
    // Bottom-up rows of B, G, R, reserved = 0.
    for (std::uint8_t b : {10, 20, 30, 40}) {
        bmp.insert(bmp.end(), {b, static_cast<std::uint8_t>(b + 1), static_cast<std::uint8_t>(b + 2), 0});
    }
    DecodedImage decoded = decodeImage(bmp);
    ASSERT_EQ(decoded.bgr.size(), cv::Size(2, 2));
    EXPECT_EQ(decoded.bgr.at<cv::Vec3b>(1, 0), cv::Vec3b(10, 11, 12));  // first stored row is the bottom
    EXPECT_EQ(decoded.bgr.at<cv::Vec3b>(0, 1), cv::Vec3b(40, 41, 42));
}

TEST(DecoderTest, ExifOrientation6RotatesClockwise) {
    Bytes jpeg = fixtures::withExifOrientation(
        fixtures::encodeImage(markedImage(), ".jpg", {cv::IMWRITE_JPEG_QUALITY, 98}), 6);
    DecodedImage decoded = decodeImage(jpeg);
    EXPECT_EQ(decoded.width, 20);  // swapped
    EXPECT_EQ(decoded.height, 40);
    ASSERT_EQ(decoded.bgr.cols, 20);
    ASSERT_EQ(decoded.bgr.rows, 40);
    // The stored top-left corner is shown at the top right.
    EXPECT_TRUE(near(decoded.bgr.at<cv::Vec3b>(2, 17), kRed, 40)) << decoded.bgr.at<cv::Vec3b>(2, 17);
    EXPECT_TRUE(near(decoded.bgr.at<cv::Vec3b>(2, 2), kGrey, 40)) << decoded.bgr.at<cv::Vec3b>(2, 2);
    EXPECT_TRUE(near(decoded.bgr.at<cv::Vec3b>(37, 17), kGrey, 40));
}

TEST(DecoderTest, ExifOrientation8RotatesCounterClockwise) {
    Bytes jpeg = fixtures::withExifOrientation(
        fixtures::encodeImage(markedImage(), ".jpg", {cv::IMWRITE_JPEG_QUALITY, 98}), 8, true);
    DecodedImage decoded = decodeImage(jpeg);
    EXPECT_EQ(decoded.width, 20);
    EXPECT_EQ(decoded.height, 40);
    ASSERT_EQ(decoded.bgr.size(), cv::Size(20, 40));
    // The stored top-left corner is shown at the bottom left.
    EXPECT_TRUE(near(decoded.bgr.at<cv::Vec3b>(37, 2), kRed, 40)) << decoded.bgr.at<cv::Vec3b>(37, 2);
    EXPECT_TRUE(near(decoded.bgr.at<cv::Vec3b>(2, 2), kGrey, 40));
    EXPECT_TRUE(near(decoded.bgr.at<cv::Vec3b>(37, 17), kGrey, 40));
}

TEST(DecoderTest, EveryOrientationPutsTheMarkedCornerWhereExifSays) {
    // Where the stored top-left corner ends up, per EXIF orientation (displayed image).
    struct Expect {
        int orientation;
        bool right;
        bool bottom;
    };
    Bytes png = fixtures::encodeImage(markedImage(), ".png");
    for (Expect e : {Expect{1, false, false}, Expect{2, true, false}, Expect{3, true, true},
                     Expect{4, false, true}, Expect{5, false, false}, Expect{6, true, false},
                     Expect{7, true, true}, Expect{8, false, true}}) {
        SCOPED_TRACE("orientation " + std::to_string(e.orientation));
        DecodedImage decoded = decodeImage(fixtures::pngWithExifOrientation(png, e.orientation));
        bool swaps = e.orientation >= 5;
        ASSERT_EQ(decoded.bgr.cols, swaps ? 20 : 40);
        ASSERT_EQ(decoded.bgr.rows, swaps ? 40 : 20);
        EXPECT_EQ(decoded.width, decoded.bgr.cols);
        EXPECT_EQ(decoded.height, decoded.bgr.rows);
        int x = e.right ? decoded.bgr.cols - 2 : 1;
        int y = e.bottom ? decoded.bgr.rows - 2 : 1;
        EXPECT_EQ(decoded.bgr.at<cv::Vec3b>(y, x), kRed);
        EXPECT_EQ(cv::countNonZero(decoded.bgr.reshape(1) == 255), 64);  // the block is whole
    }
}

TEST(DecoderTest, TruncatedJpegIsRefused) {
    Bytes jpeg = fixtures::encodeImage(fixtures::makePhoto(200, 150, 12), ".jpg");
    expectDecodeError([&] { decodeImage(fixtures::truncated(jpeg, 0.6)); }, "truncated");
    expectDecodeError([&] { decodeImage(Bytes(jpeg.begin(), jpeg.end() - 2)); }, "truncated");
}

TEST(DecoderTest, TruncatedPngIsRefused) {
    Bytes png = fixtures::encodeImage(fixtures::makePhoto(200, 150, 13), ".png");
    expectDecodeError([&] { decodeImage(fixtures::truncated(png, 0.6)); }, "truncated or corrupt PNG");
}

TEST(DecoderTest, TruncatedWebPTiffAndBmpAreRefused) {
    cv::Mat photo = fixtures::makePhoto(120, 90, 14);
    for (const char* extension : {".webp", ".tiff", ".bmp"}) {
        SCOPED_TRACE(extension);
        Bytes bytes = fixtures::encodeImage(photo, extension);
        EXPECT_THROW(decodeImage(fixtures::truncated(bytes, 0.5)), DecodeError);
    }
}

TEST(DecoderTest, RandomBytesBehindJpegMagicAreRefused) {
    std::mt19937 random(1234);
    for (int trial = 0; trial < 50; ++trial) {
        Bytes bytes = {0xFF, 0xD8, 0xFF};
        std::size_t size = 64 + random() % 4096;
        while (bytes.size() < size)
            bytes.push_back(static_cast<std::uint8_t>(random()));
        EXPECT_THROW(decodeImage(bytes), DecodeError) << "trial " << trial;
    }
}

TEST(DecoderTest, RandomBytesAfterAValidJpegHeaderAreRefused) {
    Bytes jpeg = fixtures::encodeImage(fixtures::makePhoto(64, 64, 15), ".jpg");
    // Keep everything up to the start of scan, then replace the compressed data with noise.
    std::size_t scan = 2;
    while (!(jpeg[scan] == 0xFF && jpeg[scan + 1] == 0xDA))
        scan += 2 + (jpeg[scan + 2] << 8 | jpeg[scan + 3]);
    std::mt19937 random(99);
    Bytes damaged(jpeg.begin(), jpeg.begin() + static_cast<std::ptrdiff_t>(scan));
    for (int i = 0; i < 200; ++i)
        damaged.push_back(static_cast<std::uint8_t>(random() & 0x7F));
    expectDecodeError([&] { decodeImage(damaged); }, "JPEG");
}

TEST(DecoderTest, JpegWithDataAfterTheEndMarkerDecodes) {
    // Phones append a video or a second picture after a photo's EOI ("motion photos").
    Bytes jpeg = fixtures::encodeImage(fixtures::makePhoto(80, 60, 16), ".jpg");
    Bytes withTrailer = jpeg;
    std::mt19937 random(7);
    for (int i = 0; i < 64 * 1024; ++i)
        withTrailer.push_back(static_cast<std::uint8_t>(random() % 0xD0));  // never FF D9
    DecodedImage decoded = decodeImage(withTrailer);
    EXPECT_EQ(decoded.width, 80);
    EXPECT_EQ(decoded.height, 60);
    EXPECT_EQ(maxDifference(decoded.bgr, decodeImage(jpeg).bgr), 0.0);
}

TEST(DecoderTest, ReducedJpegDecodeKeepsTheRequestedSideAndReportsFullSize) {
    Bytes jpeg = fixtures::encodeImage(fixtures::makePhoto(1000, 600, 17), ".jpg");
    for (int wanted : {64, 100, 256, 300, 500, 501, 999, 2000}) {
        SCOPED_TRACE("minLongestSide " + std::to_string(wanted));
        DecodeOptions options;
        options.minLongestSide = wanted;
        DecodedImage decoded = decodeImage(jpeg, options);
        EXPECT_EQ(decoded.width, 1000);
        EXPECT_EQ(decoded.height, 600);
        int longest = std::max(decoded.bgr.cols, decoded.bgr.rows);
        EXPECT_GE(longest, std::min(wanted, 1000));
        EXPECT_LE(longest, 1000);
        if (wanted <= 125) {
            EXPECT_EQ(longest, 125);  // the 1/8 DCT scale was used
        }
        if (wanted > 500) {
            EXPECT_EQ(longest, 1000);  // a reduced decode would fall short: full size
        }
        // The aspect ratio is kept.
        EXPECT_NEAR(static_cast<double>(decoded.bgr.cols) / decoded.bgr.rows, 1000.0 / 600, 0.02);
    }
}

TEST(DecoderTest, ReducedDecodeOfARotatedJpegSwapsSides) {
    Bytes jpeg = fixtures::withExifOrientation(
        fixtures::encodeImage(fixtures::makePhoto(1000, 600, 18), ".jpg"), 6);
    DecodeOptions options;
    options.minLongestSide = 256;
    DecodedImage decoded = decodeImage(jpeg, options);
    EXPECT_EQ(decoded.width, 600);
    EXPECT_EQ(decoded.height, 1000);
    EXPECT_GT(decoded.bgr.rows, decoded.bgr.cols);
    EXPECT_GE(decoded.bgr.rows, 256);
}

TEST(DecoderTest, MinLongestSideLeavesOtherFormatsAtFullSize) {
    Bytes png = fixtures::encodeImage(fixtures::makePhoto(600, 400, 19), ".png");
    DecodeOptions options;
    options.minLongestSide = 64;
    DecodedImage decoded = decodeImage(png, options);
    EXPECT_EQ(decoded.bgr.size(), cv::Size(600, 400));
}

TEST(DecoderTest, ToBgrOnWhiteHandlesEveryChannelCount) {
    cv::Mat gray(1, 1, CV_8UC1, cv::Scalar(77));
    EXPECT_EQ(toBgrOnWhite(gray).at<cv::Vec3b>(0, 0), cv::Vec3b(77, 77, 77));
    cv::Mat grayAlpha(1, 1, CV_8UC2, cv::Scalar(0, 0));
    EXPECT_EQ(toBgrOnWhite(grayAlpha).at<cv::Vec3b>(0, 0), cv::Vec3b(255, 255, 255));
    cv::Mat floats(1, 1, CV_32FC3, cv::Scalar(0.0, 0.5, 1.0));
    EXPECT_TRUE(near(toBgrOnWhite(floats).at<cv::Vec3b>(0, 0), cv::Vec3b(0, 128, 255), 1));
    cv::Mat five(1, 1, CV_8UC(5));
    EXPECT_THROW(toBgrOnWhite(five), DecodeError);
}

namespace {

// A hand-made uncompressed single-strip TIFF, width x height, `bits` per sample (8 or 16),
// grey (1 sample) or RGB (3), with the given Orientation tag and the stored top-left pixel
// white, everything else black.
Bytes tiffWithOrientation(std::uint16_t width, std::uint16_t height, int bits, int samples,
                          int orientation) {
    Bytes tiff = {'I', 'I', 42, 0, 8, 0, 0, 0};
    auto put16 = [&](std::uint32_t v) {
        tiff.push_back(static_cast<std::uint8_t>(v));
        tiff.push_back(static_cast<std::uint8_t>(v >> 8));
    };
    auto put32 = [&](std::uint32_t v) {
        put16(v & 0xFFFF);
        put16(v >> 16);
    };
    auto entry = [&](std::uint16_t tag, std::uint16_t type, std::uint32_t count, std::uint32_t value) {
        put16(tag);
        put16(type);
        put32(count);
        if (type == 3 && count == 1) {
            put16(value);
            put16(0);
        } else {
            put32(value);  // a LONG, or an offset to the values
        }
    };
    const std::uint16_t entries = 10;  // in ascending tag order, as TIFF requires
    const std::uint32_t afterIfd = 8 + 2 + entries * 12 + 4;
    const std::uint32_t dataOffset = afterIfd + (samples == 3 ? 6 : 0);
    const std::uint32_t dataBytes = std::uint32_t{width} * height * static_cast<std::uint32_t>(samples * bits / 8);
    put16(entries);
    entry(256, 3, 1, width);
    entry(257, 3, 1, height);
    if (samples == 3)
        entry(258, 3, 3, afterIfd);  // bits per sample, one per sample, stored after the IFD
    else
        entry(258, 3, 1, static_cast<std::uint32_t>(bits));
    entry(259, 3, 1, 1);                         // no compression
    entry(262, 3, 1, samples == 3 ? 2 : 1);      // RGB or black-is-zero grey
    entry(273, 4, 1, dataOffset);                // the one strip
    entry(274, 3, 1, static_cast<std::uint32_t>(orientation));
    entry(277, 3, 1, static_cast<std::uint32_t>(samples));
    entry(278, 3, 1, height);                    // rows per strip
    entry(279, 4, 1, dataBytes);
    put32(0);
    if (samples == 3)
        for (int i = 0; i < 3; ++i)
            put16(static_cast<std::uint32_t>(bits));
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x)
            for (int s = 0; s < samples; ++s) {
                std::uint32_t value = x == 0 && y == 0 ? 0xFFFF : 0;
                if (bits == 8)
                    tiff.push_back(static_cast<std::uint8_t>(value));
                else
                    put16(value);
            }
    return tiff;
}

}  // namespace

TEST(DecoderTest, TiffOrientationTagIsAppliedExactlyOnce) {
    // Where the stored top-left pixel of a 4 x 2 image is shown, per orientation.
    struct Expect {
        int orientation;
        cv::Size size;
        cv::Point white;
    };
    for (int bits : {8, 16}) {
        for (int samples : {1, 3}) {
            for (Expect e : {Expect{1, {4, 2}, {0, 0}}, Expect{3, {4, 2}, {3, 1}},
                             Expect{6, {2, 4}, {1, 0}}, Expect{8, {2, 4}, {0, 3}}}) {
                SCOPED_TRACE(std::to_string(bits) + " bits, " + std::to_string(samples) +
                             " samples, orientation " + std::to_string(e.orientation));
                Bytes tiff = tiffWithOrientation(4, 2, bits, samples, e.orientation);
                EXPECT_EQ(readImageHeader(tiff).orientation, e.orientation);
                DecodedImage decoded = decodeImage(tiff);
                EXPECT_EQ(decoded.width, e.size.width);
                EXPECT_EQ(decoded.height, e.size.height);
                ASSERT_EQ(decoded.bgr.size(), e.size);
                EXPECT_EQ(decoded.bgr.at<cv::Vec3b>(e.white), cv::Vec3b(255, 255, 255));
                EXPECT_EQ(cv::countNonZero(decoded.bgr.reshape(1)), 3);  // and only there
            }
        }
    }
}
