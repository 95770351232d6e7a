#pragma once
// Image fixtures made in memory: varied photo-like content, encoded bytes in every format the
// importer reads, EXIF orientation spliced into JPEG/PNG files, and hand-made headers that
// declare sizes no real file of that length could hold. Header-only; needs OpenCV.

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace lookalike::fixtures {

using Bytes = std::vector<std::uint8_t>;

// Encodes with OpenCV; ext is ".jpg", ".png", ".webp", ".tiff" or ".bmp".
inline Bytes encodeImage(const cv::Mat& image, const std::string& ext,
                         const std::vector<int>& params = {}) {
    Bytes bytes;
    if (!cv::imencode(ext, image, bytes, params) || bytes.empty())
        throw std::runtime_error("cannot encode test image as " + ext);
    return bytes;
}

// A photo-like BGR image: a diagonal gradient, a few filled shapes and mild noise, all from
// `seed`, so that JPEGs of it compress like real photos and two seeds never give equal bytes.
inline cv::Mat makePhoto(int width, int height, std::uint64_t seed) {
    cv::RNG rng(seed * 0x9E3779B97F4A7C15ull + 1);
    cv::Mat image(height, width, CV_8UC3);
    int base[3] = {rng.uniform(0, 256), rng.uniform(0, 256), rng.uniform(0, 256)};
    for (int y = 0; y < height; ++y) {
        auto* row = image.ptr<cv::Vec3b>(y);
        for (int x = 0; x < width; ++x)
            for (int k = 0; k < 3; ++k)
                row[x][k] = cv::saturate_cast<std::uint8_t>(
                    base[k] + (k + 1) * 96 * x / std::max(1, width) - 80 * y / std::max(1, height));
    }
    int shapes = 3 + rng.uniform(0, 5);
    int scale = std::max(1, std::min(width, height));
    for (int i = 0; i < shapes; ++i) {
        cv::Scalar colour(rng.uniform(0, 256), rng.uniform(0, 256), rng.uniform(0, 256));
        cv::Point centre(rng.uniform(0, std::max(1, width)), rng.uniform(0, std::max(1, height)));
        int radius = std::max(1, rng.uniform(scale / 20 + 1, scale / 4 + 2));
        if (i % 2 == 0)
            cv::circle(image, centre, radius, colour, cv::FILLED, cv::LINE_AA);
        else
            cv::rectangle(image, centre, centre + cv::Point(radius, radius / 2 + 1), colour,
                          cv::FILLED);
    }
    cv::Mat noise(image.size(), CV_8UC3);
    rng.fill(noise, cv::RNG::UNIFORM, 0, 12);
    image += noise;
    return image;
}

// A TIFF structure holding one IFD entry, Orientation (274) = orientation, as EXIF stores it.
inline Bytes exifTiffWithOrientation(int orientation, bool bigEndian = false) {
    auto u16 = [&](Bytes& out, std::uint16_t v) {
        if (bigEndian) {
            out.push_back(static_cast<std::uint8_t>(v >> 8));
            out.push_back(static_cast<std::uint8_t>(v));
        } else {
            out.push_back(static_cast<std::uint8_t>(v));
            out.push_back(static_cast<std::uint8_t>(v >> 8));
        }
    };
    auto u32 = [&](Bytes& out, std::uint32_t v) {
        if (bigEndian) {
            u16(out, static_cast<std::uint16_t>(v >> 16));
            u16(out, static_cast<std::uint16_t>(v));
        } else {
            u16(out, static_cast<std::uint16_t>(v));
            u16(out, static_cast<std::uint16_t>(v >> 16));
        }
    };
    Bytes tiff = bigEndian ? Bytes{'M', 'M'} : Bytes{'I', 'I'};
    u16(tiff, 42);
    u32(tiff, 8);  // first IFD right after the header
    u16(tiff, 1);  // one entry
    u16(tiff, 274);
    u16(tiff, 3);  // SHORT
    u32(tiff, 1);
    u16(tiff, static_cast<std::uint16_t>(orientation));
    u16(tiff, 0);  // padding of the 4-byte value field
    u32(tiff, 0);  // no next IFD
    return tiff;
}

// Inserts an APP1 "Exif" segment with the given orientation right after the JPEG's SOI.
inline Bytes withExifOrientation(const Bytes& jpeg, int orientation, bool bigEndian = false) {
    if (jpeg.size() < 2 || jpeg[0] != 0xFF || jpeg[1] != 0xD8)
        throw std::runtime_error("not a JPEG");
    Bytes payload = {'E', 'x', 'i', 'f', 0, 0};
    Bytes tiff = exifTiffWithOrientation(orientation, bigEndian);
    payload.insert(payload.end(), tiff.begin(), tiff.end());
    std::size_t length = payload.size() + 2;
    Bytes out(jpeg.begin(), jpeg.begin() + 2);
    out.insert(out.end(), {0xFF, 0xE1, static_cast<std::uint8_t>(length >> 8),
                           static_cast<std::uint8_t>(length & 0xFF)});
    out.insert(out.end(), payload.begin(), payload.end());
    out.insert(out.end(), jpeg.begin() + 2, jpeg.end());
    return out;
}

inline std::uint32_t crc32(const std::uint8_t* data, std::size_t size) {
    std::uint32_t crc = 0xFFFFFFFFu;
    for (std::size_t i = 0; i < size; ++i) {
        crc ^= data[i];
        for (int bit = 0; bit < 8; ++bit)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

inline void appendBigEndian32(Bytes& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(static_cast<std::uint8_t>(v >> shift));
}

// A PNG chunk with a valid CRC.
inline Bytes pngChunk(const char (&type)[5], const Bytes& data) {
    Bytes chunk;
    appendBigEndian32(chunk, static_cast<std::uint32_t>(data.size()));
    chunk.insert(chunk.end(), type, type + 4);
    chunk.insert(chunk.end(), data.begin(), data.end());
    appendBigEndian32(chunk, crc32(chunk.data() + 4, chunk.size() - 4));
    return chunk;
}

// Signature, IHDR (8-bit RGB) declaring width x height, and IEND: a PNG with no pixel data.
inline Bytes pngHeaderDeclaring(std::uint32_t width, std::uint32_t height) {
    Bytes png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    Bytes ihdr;
    appendBigEndian32(ihdr, width);
    appendBigEndian32(ihdr, height);
    ihdr.insert(ihdr.end(), {8, 2, 0, 0, 0});
    Bytes chunk = pngChunk("IHDR", ihdr);
    png.insert(png.end(), chunk.begin(), chunk.end());
    Bytes end = pngChunk("IEND", {});
    png.insert(png.end(), end.begin(), end.end());
    return png;
}

// Inserts an eXIf chunk with the given orientation right after a PNG's IHDR chunk.
inline Bytes pngWithExifOrientation(const Bytes& png, int orientation) {
    constexpr std::size_t kAfterIhdr = 8 + 8 + 13 + 4;
    Bytes chunk = pngChunk("eXIf", exifTiffWithOrientation(orientation, true));
    Bytes out(png.size() + chunk.size());
    auto at = std::copy(png.begin(), png.begin() + kAfterIhdr, out.begin());
    at = std::copy(chunk.begin(), chunk.end(), at);
    std::copy(png.begin() + kAfterIhdr, png.end(), at);
    return out;
}

// SOI, a baseline SOF0 frame header for a 3-component width x height image, and EOI.
inline Bytes jpegHeaderDeclaring(std::uint16_t width, std::uint16_t height) {
    Bytes jpeg = {0xFF, 0xD8, 0xFF, 0xC0, 0x00, 17, 8};
    jpeg.insert(jpeg.end(), {static_cast<std::uint8_t>(height >> 8), static_cast<std::uint8_t>(height),
                             static_cast<std::uint8_t>(width >> 8), static_cast<std::uint8_t>(width)});
    jpeg.insert(jpeg.end(), {3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1});
    jpeg.insert(jpeg.end(), {0xFF, 0xD9});
    return jpeg;
}

// The bytes cut to `fraction` of their length.
inline Bytes truncated(const Bytes& bytes, double fraction) {
    return Bytes(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(bytes.size() * fraction));
}

// A real small image of the given format (".png", ".jpg", ".webp", ".tiff", ".bmp") whose
// header is patched to declare a huge size (PNG and BMP 100000 x 100000, the others their
// format's maximum): a decompression bomb's header in front of a few hundred bytes of data.
inline Bytes hugeDeclaredSize(const std::string& ext) {
    Bytes bytes = encodeImage(makePhoto(16, 16, 3), ext);
    auto put = [&](std::size_t offset, std::uint32_t value, int width, bool bigEndian) {
        for (int i = 0; i < width; ++i) {
            const int shift = 8 * (bigEndian ? width - 1 - i : i);
            bytes.at(offset + static_cast<std::size_t>(i)) = static_cast<std::uint8_t>(value >> shift);
        }
    };
    auto get = [&](std::size_t offset, int width, bool bigEndian) {
        std::uint32_t value = 0;
        for (int i = 0; i < width; ++i)
            value |= std::uint32_t{bytes.at(offset + static_cast<std::size_t>(i))} << (8 * (bigEndian ? width - 1 - i : i));
        return value;
    };
    if (ext == ".png") {
        put(16, 100000, 4, true);
        put(20, 100000, 4, true);
        put(29, crc32(bytes.data() + 12, 17), 4, true);  // IHDR's CRC, so only the size is odd
    } else if (ext == ".bmp") {
        put(18, 100000, 4, false);
        put(22, 100000, 4, false);
    } else if (ext == ".jpg") {
        for (std::size_t i = 2; i + 9 < bytes.size(); i += 2 + get(i + 2, 2, true)) {
            if (bytes[i + 1] == 0xC0 || bytes[i + 1] == 0xC2) {  // the frame header
                put(i + 5, 65535, 2, true);
                put(i + 7, 65535, 2, true);
                break;
            }
        }
    } else if (ext == ".webp") {
        const std::size_t data = 20;
        if (bytes.at(12) == 'V' && bytes.at(15) == 'L') {  // VP8L: 14-bit width-1 and height-1
            put(data + 1, 0x3FFFu | (0x3FFFu << 14) | (get(data + 1, 4, false) & 0xF0000000u), 4, false);
        } else {  // VP8: 14-bit sizes after the start code
            put(data + 6, 0x3FFF, 2, false);
            put(data + 8, 0x3FFF, 2, false);
        }
    } else if (ext == ".tiff") {
        const bool bigEndian = bytes.at(0) == 'M';
        const std::size_t ifd = get(4, 4, bigEndian);
        const std::uint32_t count = get(ifd, 2, bigEndian);
        for (std::uint32_t e = 0; e < count; ++e) {
            const std::size_t entry = ifd + 2 + 12 * e;
            const std::uint32_t tag = get(entry, 2, bigEndian);
            if (tag != 256 && tag != 257)
                continue;
            if (get(entry + 2, 2, bigEndian) == 3)  // SHORT
                put(entry + 8, 65535, 2, bigEndian);
            else
                put(entry + 8, 100000, 4, bigEndian);
        }
    } else {
        throw std::runtime_error("hugeDeclaredSize: no patch for " + ext);
    }
    return bytes;
}

// A progressive JPEG whose last scan is repeated `extraScans` times before EOI: a few
// kilobytes that make libjpeg pass over the whole image once per scan.
inline Bytes jpegWithManyScans(int extraScans) {
    Bytes jpeg = encodeImage(makePhoto(64, 64, 5), ".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1});
    std::size_t lastScan = 0;
    for (std::size_t i = 2; i + 1 < jpeg.size(); ++i)
        if (jpeg[i] == 0xFF && jpeg[i + 1] == 0xDA)
            lastScan = i;
    if (lastScan == 0 || jpeg[jpeg.size() - 2] != 0xFF || jpeg.back() != 0xD9)
        throw std::runtime_error("jpegWithManyScans: unexpected encoder output");
    const Bytes scan(jpeg.begin() + static_cast<std::ptrdiff_t>(lastScan), jpeg.end() - 2);
    jpeg.resize(jpeg.size() - 2);
    for (int i = 0; i < extraScans; ++i)
        jpeg.insert(jpeg.end(), scan.begin(), scan.end());
    jpeg.insert(jpeg.end(), {0xFF, 0xD9});
    return jpeg;
}

}  // namespace lookalike::fixtures
