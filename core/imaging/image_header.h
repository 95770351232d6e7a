#pragma once
// Reads an image's format, pixel size and EXIF orientation from its header bytes alone, so
// that oversized images are refused before any decoder allocates pixels. Safe on any bytes:
// every read is bounds-checked.

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>

namespace lookalike::imaging {

enum class ImageFormat { Unknown, Jpeg, Png, WebP, Tiff, Bmp };

std::string formatName(ImageFormat format);

// Why a file cannot be used, in words a person understands ("not an image (unknown format)").
class DecodeError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct ImageHeader {
    ImageFormat format = ImageFormat::Unknown;
    std::int64_t width = 0;  // as stored, before orientation
    std::int64_t height = 0;
    int orientation = 1;     // EXIF orientation 1..8; 1 when absent or invalid
    bool hasEndMarker = true;  // JPEG: an EOI marker follows the scans (false: truncated)
};

// Throws DecodeError when the bytes are empty, of an unknown or unsupported format, or when
// the header is cut short or declares an impossible size.
ImageHeader readImageHeader(std::span<const std::uint8_t> bytes);

// Orientation from a TIFF-structured EXIF block (the bytes after "Exif\0\0"); 1 if none.
int readExifOrientation(std::span<const std::uint8_t> tiff);

}  // namespace lookalike::imaging
