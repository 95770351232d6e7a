// Header parsing: size and orientation from the first bytes of every supported format, and
// refusal of everything else before any decoder runs.

#include "core/imaging/image_header.h"

#include "core/imaging/decoder.h"
#include "tests/support/expect_error.h"
#include "tests/support/test_images.h"

#include <gtest/gtest.h>

#include <string>

using namespace lookalike;
using namespace lookalike::imaging;
using fixtures::Bytes;

namespace {

template <typename Function>
void expectDecodeError(Function&& function, const std::string& needle) {
    fixtures::expectErrorMentioning<DecodeError>(std::forward<Function>(function), needle);
}

struct FormatCase {
    std::string extension;
    std::vector<int> params;
    ImageFormat format;
    int channels;
};

class HeaderFormatTest : public ::testing::TestWithParam<FormatCase> {};

}  // namespace

TEST_P(HeaderFormatTest, ReadsTheSizeFromRealEncodedBytes) {
    const FormatCase& c = GetParam();
    cv::Mat photo = fixtures::makePhoto(123, 45, 1);
    if (c.channels == 4)
        cv::cvtColor(photo, photo, cv::COLOR_BGR2BGRA);
    Bytes bytes = fixtures::encodeImage(photo, c.extension, c.params);
    ImageHeader header = readImageHeader(bytes);
    EXPECT_EQ(header.format, c.format);
    EXPECT_EQ(header.width, 123);
    EXPECT_EQ(header.height, 45);
    EXPECT_EQ(header.orientation, 1);
}

INSTANTIATE_TEST_SUITE_P(
    AllFormats, HeaderFormatTest,
    ::testing::Values(FormatCase{".jpg", {}, ImageFormat::Jpeg, 3},
                      FormatCase{".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1}, ImageFormat::Jpeg, 3},
                      FormatCase{".png", {}, ImageFormat::Png, 3},
                      FormatCase{".webp", {cv::IMWRITE_WEBP_QUALITY, 80}, ImageFormat::WebP, 3},   // VP8
                      FormatCase{".webp", {cv::IMWRITE_WEBP_QUALITY, 101}, ImageFormat::WebP, 3},  // VP8L
                      FormatCase{".webp", {cv::IMWRITE_WEBP_QUALITY, 80}, ImageFormat::WebP, 4},   // VP8X
                      FormatCase{".tiff", {}, ImageFormat::Tiff, 3},
                      FormatCase{".bmp", {}, ImageFormat::Bmp, 3}),
    [](const auto& info) {
        std::string name = info.param.extension.substr(1) + std::to_string(info.index);
        return name;
    });

TEST(ImageHeaderTest, FormatNames) {
    EXPECT_EQ(formatName(ImageFormat::Jpeg), "JPEG");
    EXPECT_EQ(formatName(ImageFormat::Png), "PNG");
    EXPECT_EQ(formatName(ImageFormat::WebP), "WebP");
    EXPECT_EQ(formatName(ImageFormat::Tiff), "TIFF");
    EXPECT_EQ(formatName(ImageFormat::Bmp), "BMP");
    EXPECT_EQ(formatName(ImageFormat::Unknown), "unknown");
}

TEST(ImageHeaderTest, BigEndianTiffIsRead) {
    // Hand-made: MM, one IFD with width 300 (SHORT) and height 70000 (LONG).
    Bytes tiff = {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 2,
                  1, 0, 0, 3, 0, 0, 0, 1, 0x01, 0x2C, 0, 0,
                  1, 1, 0, 4, 0, 0, 0, 1, 0x00, 0x01, 0x11, 0x70,
                  0, 0, 0, 0};
    ImageHeader header = readImageHeader(tiff);
    EXPECT_EQ(header.format, ImageFormat::Tiff);
    EXPECT_EQ(header.width, 300);
    EXPECT_EQ(header.height, 70000);
}

TEST(ImageHeaderTest, TopDownBmpHasPositiveHeight) {
    Bytes bmp = fixtures::encodeImage(fixtures::makePhoto(20, 10, 2), ".bmp");
    // Height is a signed 32-bit field at offset 22; negative means rows are stored top-down.
    std::int32_t negative = -10;
    std::memcpy(bmp.data() + 22, &negative, 4);
    ImageHeader header = readImageHeader(bmp);
    EXPECT_EQ(header.width, 20);
    EXPECT_EQ(header.height, 10);
}

TEST(ImageHeaderTest, ExifOrientationFromAJpegApp1Segment) {
    Bytes jpeg = fixtures::encodeImage(fixtures::makePhoto(64, 32, 3), ".jpg");
    for (int orientation = 1; orientation <= 8; ++orientation) {
        for (bool bigEndian : {false, true}) {
            ImageHeader header =
                readImageHeader(fixtures::withExifOrientation(jpeg, orientation, bigEndian));
            EXPECT_EQ(header.orientation, orientation) << "big endian: " << bigEndian;
            EXPECT_EQ(header.width, 64);  // as stored, before orientation
            EXPECT_EQ(header.height, 32);
            EXPECT_TRUE(header.hasEndMarker);
        }
    }
}

TEST(ImageHeaderTest, InvalidExifOrientationCountsAsNone) {
    Bytes jpeg = fixtures::encodeImage(fixtures::makePhoto(16, 16, 3), ".jpg");
    EXPECT_EQ(readImageHeader(fixtures::withExifOrientation(jpeg, 0)).orientation, 1);
    EXPECT_EQ(readImageHeader(fixtures::withExifOrientation(jpeg, 9)).orientation, 1);
    EXPECT_EQ(readImageHeader(fixtures::withExifOrientation(jpeg, 0xFFFF)).orientation, 1);
}

TEST(ImageHeaderTest, ExifOrientationFromAPngExifChunk) {
    Bytes png = fixtures::encodeImage(fixtures::makePhoto(30, 20, 4), ".png");
    ImageHeader header = readImageHeader(fixtures::pngWithExifOrientation(png, 6));
    EXPECT_EQ(header.orientation, 6);
    EXPECT_EQ(header.width, 30);
}

TEST(ImageHeaderTest, ReadExifOrientationIsSafeOnAnyBytes) {
    EXPECT_EQ(readExifOrientation(fixtures::exifTiffWithOrientation(8)), 8);
    EXPECT_EQ(readExifOrientation({}), 1);
    Bytes tiff = fixtures::exifTiffWithOrientation(3);
    for (std::size_t length = 0; length < tiff.size(); ++length)
        EXPECT_NO_THROW(readExifOrientation(std::span(tiff).first(length)));
    Bytes badOffset = tiff;
    badOffset[4] = 0xF0;  // IFD offset far past the end
    EXPECT_EQ(readExifOrientation(badOffset), 1);
}

TEST(ImageHeaderTest, EmptyInputIsRefused) {
    expectDecodeError([] { readImageHeader({}); }, "empty file");
}

TEST(ImageHeaderTest, UnknownFormatIsRefused) {
    std::string text = "Hello, this is a text file that someone named photo.jpg\n";
    Bytes bytes(text.begin(), text.end());
    expectDecodeError([&] { readImageHeader(bytes); }, "not an image (unknown format)");
    expectDecodeError([] { readImageHeader(Bytes{0x00}); }, "not an image");
    expectDecodeError([] { readImageHeader(Bytes{'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'A', 'V', 'E'}); },
                      "not an image");
}

TEST(ImageHeaderTest, GifIsNamedAsUnsupported) {
    Bytes gif = {'G', 'I', 'F', '8', '9', 'a', 10, 0, 10, 0, 0, 0, 0};
    expectDecodeError([&] { readImageHeader(gif); }, "unsupported format (GIF)");
}

TEST(ImageHeaderTest, TruncatedHeadersOfEveryFormatAreRefused) {
    cv::Mat photo = fixtures::makePhoto(40, 30, 5);
    struct Cut {
        std::string extension;
        std::size_t keep;
        std::string name;
    };
    for (const Cut& cut : {Cut{".jpg", 3, "JPEG"}, Cut{".jpg", 30, "JPEG"}, Cut{".png", 8, "PNG"},
                           Cut{".png", 20, "PNG"}, Cut{".webp", 14, "WebP"},
                           Cut{".tiff", 8, "TIFF"}, Cut{".bmp", 16, "BMP"},
                           Cut{".bmp", 20, "BMP"}}) {
        Bytes bytes = fixtures::encodeImage(photo, cut.extension);
        bytes.resize(cut.keep);
        SCOPED_TRACE(cut.extension + " cut to " + std::to_string(cut.keep) + " bytes");
        expectDecodeError([&] { readImageHeader(bytes); }, "truncated or corrupt " + cut.name + " header");
    }
}

TEST(ImageHeaderTest, EveryPrefixOfEveryFormatIsHandledSafely) {
    // Never crashes or reads out of bounds, whatever the cut: either a header or DecodeError.
    cv::Mat photo = fixtures::makePhoto(24, 16, 6);
    for (const char* extension : {".jpg", ".png", ".webp", ".tiff", ".bmp"}) {
        Bytes bytes = fixtures::encodeImage(photo, extension);
        for (std::size_t keep = 0; keep <= std::min<std::size_t>(bytes.size(), 400); ++keep) {
            try {
                ImageHeader header = readImageHeader(std::span(bytes).first(keep));
                EXPECT_GT(header.width, 0);
                EXPECT_GT(header.height, 0);
            } catch (const DecodeError&) {
            }
        }
    }
}

// Found by tests/fuzz/import_decode_fuzz.cpp: a 315-byte PNG whose eXIf chunk declared about
// 1 GB made libpng allocate the gigabyte before failing (14 s a file under ASan).
TEST(ImageHeaderTest, PngChunkRunningPastTheEndIsRefusedBeforeDecoding) {
    Bytes png = fixtures::pngWithExifOrientation(fixtures::encodeImage(fixtures::makePhoto(12, 10, 3), ".png"), 6);
    constexpr std::size_t kExifLengthField = 8 + 8 + 13 + 4;  // right after IHDR
    ASSERT_EQ(readImageHeader(png).orientation, 6);
    png[kExifLengthField] = 0x3D;  // 0x3D0000xx bytes
    expectDecodeError([&] { readImageHeader(png); }, "truncated PNG (a chunk runs past the end of the file)");
    expectDecodeError([&] { decodeImage(png); }, "truncated PNG");
}

TEST(ImageHeaderTest, ZeroSizeIsRefused) {
    expectDecodeError([] { readImageHeader(fixtures::pngHeaderDeclaring(0, 10)); }, "zero size");
    expectDecodeError([] { readImageHeader(fixtures::jpegHeaderDeclaring(10, 0)); }, "zero size");
}

TEST(ImageHeaderTest, JpegWithBadMarkerIsCorrupt) {
    Bytes jpeg = {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0x12, 0x34, 0x56, 0x78};
    expectDecodeError([&] { readImageHeader(jpeg); }, "corrupt JPEG header");
}

TEST(ImageHeaderTest, HandMadeHugeHeadersAreReadWithoutDecoding) {
    Bytes png = fixtures::pngHeaderDeclaring(20000, 20000);
    ASSERT_LT(png.size(), 100u);
    ImageHeader header = readImageHeader(png);
    EXPECT_EQ(header.width, 20000);
    EXPECT_EQ(header.height, 20000);
    Bytes jpeg = fixtures::jpegHeaderDeclaring(20000, 20000);
    ASSERT_LT(jpeg.size(), 100u);
    header = readImageHeader(jpeg);
    EXPECT_EQ(header.width, 20000);
    EXPECT_EQ(header.height, 20000);
}

TEST(ImageHeaderTest, DecodeRefusesHugeImagesAsTooLargeBeforeDecoding) {
    // These files are under 100 bytes and hold no pixel data: had a decoder run, it could
    // only have failed as "truncated or corrupt" (after allocating 1.2 GB for the pixels).
    // "too large" proves the header check refused them first.
    for (const Bytes& bytes : {fixtures::pngHeaderDeclaring(20000, 20000),
                               fixtures::jpegHeaderDeclaring(20000, 20000)}) {
        ASSERT_LT(bytes.size(), 100u);
        try {
            decodeImage(bytes);
            ADD_FAILURE() << "decoded a 20000x20000 image";
        } catch (const DecodeError& error) {
            std::string message = error.what();
            EXPECT_NE(message.find("too large"), std::string::npos) << message;
            EXPECT_NE(message.find("20000x20000"), std::string::npos) << message;
            EXPECT_NE(message.find("400 megapixels"), std::string::npos) << message;
            EXPECT_EQ(message.find("corrupt"), std::string::npos) << message;
            EXPECT_EQ(message.find("truncated"), std::string::npos) << message;
        }
    }
}

TEST(ImageHeaderTest, SizesWhoseProductOverflowsAreStillTooLarge) {
    // 4294967295 x 4294967295 does not fit in 64 signed bits: the check must not wrap.
    for (const Bytes& bytes : {fixtures::pngHeaderDeclaring(0xFFFFFFFFu, 0xFFFFFFFFu),
                               fixtures::pngHeaderDeclaring(0x80000000u, 0xFFFFFFFFu),
                               fixtures::pngHeaderDeclaring(1, 0xFFFFFFFFu)}) {
        expectDecodeError([&] { decodeImage(bytes); }, "too large");
    }
}

TEST(ImageHeaderTest, PixelLimitIsConfigurableAndInclusive) {
    Bytes png = fixtures::encodeImage(fixtures::makePhoto(100, 50, 7), ".png");
    DecodeOptions options;
    options.maxPixels = 5000;
    EXPECT_NO_THROW(decodeImage(png, options));
    options.maxPixels = 4999;
    expectDecodeError([&] { decodeImage(png, options); }, "too large");
}
