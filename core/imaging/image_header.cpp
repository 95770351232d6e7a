#include "core/imaging/image_header.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <optional>

namespace lookalike::imaging {

namespace {

// Bounds-checked big/little-endian reads; nullopt when the bytes run out.
class ByteReader {
public:
    ByteReader(std::span<const std::uint8_t> bytes, bool bigEndian)
        : m_bytes(bytes), m_bigEndian(bigEndian) {}

    std::size_t size() const { return m_bytes.size(); }

    std::optional<std::uint32_t> read(std::size_t offset, int width) const {
        if (offset > m_bytes.size() || m_bytes.size() - offset < static_cast<std::size_t>(width))
            return std::nullopt;
        std::uint32_t value = 0;
        for (int i = 0; i < width; ++i) {
            int index = m_bigEndian ? i : width - 1 - i;
            value = (value << 8) | m_bytes[offset + static_cast<std::size_t>(index)];
        }
        return value;
    }
    std::optional<std::uint32_t> u8(std::size_t offset) const { return read(offset, 1); }
    std::optional<std::uint32_t> u16(std::size_t offset) const { return read(offset, 2); }
    std::optional<std::uint32_t> u24(std::size_t offset) const { return read(offset, 3); }
    std::optional<std::uint32_t> u32(std::size_t offset) const { return read(offset, 4); }

private:
    std::span<const std::uint8_t> m_bytes;
    bool m_bigEndian;
};

bool startsWith(std::span<const std::uint8_t> bytes, std::size_t offset, const char* magic) {
    std::size_t length = std::strlen(magic);
    return offset <= bytes.size() && bytes.size() - offset >= length &&
           std::memcmp(bytes.data() + offset, magic, length) == 0;
}

[[noreturn]] void truncatedHeader(ImageFormat format) {
    throw DecodeError("truncated or corrupt " + formatName(format) + " header");
}

std::uint32_t require(std::optional<std::uint32_t> value, ImageFormat format) {
    if (!value)
        truncatedHeader(format);
    return *value;
}

// One IFD entry's value when it is a SHORT or LONG stored inline.
struct TiffTags {
    std::int64_t width = 0;
    std::int64_t height = 0;
    int orientation = 1;
};

std::optional<TiffTags> readTiffTags(std::span<const std::uint8_t> tiff) {
    if (tiff.size() < 8)
        return std::nullopt;
    bool bigEndian;
    if (tiff[0] == 'I' && tiff[1] == 'I')
        bigEndian = false;
    else if (tiff[0] == 'M' && tiff[1] == 'M')
        bigEndian = true;
    else
        return std::nullopt;
    ByteReader reader(tiff, bigEndian);
    if (reader.u16(2) != 42u)
        return std::nullopt;
    auto ifd = reader.u32(4);
    if (!ifd)
        return std::nullopt;
    auto count = reader.u16(*ifd);
    if (!count)
        return std::nullopt;
    TiffTags tags;
    for (std::uint32_t i = 0; i < *count; ++i) {
        std::size_t entry = std::size_t{*ifd} + 2 + std::size_t{i} * 12;
        auto tag = reader.u16(entry);
        auto type = reader.u16(entry + 2);
        if (!tag || !type)
            return std::nullopt;  // entries run past the end
        std::optional<std::uint32_t> value;
        if (*type == 3)  // SHORT
            value = reader.u16(entry + 8);
        else if (*type == 4)  // LONG
            value = reader.u32(entry + 8);
        if (!value)
            continue;
        if (*tag == 256)
            tags.width = *value;
        else if (*tag == 257)
            tags.height = *value;
        else if (*tag == 274 && *value >= 1 && *value <= 8)
            tags.orientation = static_cast<int>(*value);
    }
    return tags;
}

ImageHeader readJpeg(std::span<const std::uint8_t> bytes) {
    ImageHeader header;
    header.format = ImageFormat::Jpeg;
    ByteReader reader(bytes, true);
    std::size_t offset = 2;
    bool haveSize = false;
    std::optional<std::size_t> scanStart;
    while (offset + 4 <= bytes.size()) {
        if (bytes[offset] != 0xFF)
            throw DecodeError("corrupt JPEG header (bad marker)");
        std::uint8_t marker = bytes[offset + 1];
        if (marker == 0xFF) {  // fill byte
            ++offset;
            continue;
        }
        if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {  // no payload
            offset += 2;
            continue;
        }
        std::uint32_t length = require(reader.u16(offset + 2), header.format);
        if (length < 2)
            throw DecodeError("corrupt JPEG header (bad segment length)");
        std::size_t payload = offset + 4;
        bool isFrame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 &&
                       marker != 0xCC;
        if (isFrame) {
            header.height = require(reader.u16(payload + 1), header.format);
            header.width = require(reader.u16(payload + 3), header.format);
            haveSize = true;
        } else if (marker == 0xE1 && startsWith(bytes, payload, "Exif") && length >= 8 &&
                   payload + length - 2 <= bytes.size()) {
            header.orientation = readExifOrientation(bytes.subspan(payload + 6, length - 8));
        } else if (marker == 0xDA) {
            scanStart = offset;  // start of scan: the header is over
            break;
        }
        offset += 2 + length;
    }
    if (!haveSize)
        truncatedHeader(header.format);
    // A complete JPEG has an EOI marker after its scans. Entropy-coded data never holds FF D9
    // (a data byte FF is always followed by 00), so the first FF D9 after the start of scan is
    // the EOI. Whatever follows it is allowed: phones append videos and second pictures to
    // photos, so a search near the end of the file would call those photos truncated.
    if (scanStart) {
        constexpr std::array<std::uint8_t, 2> kEndOfImage = {0xFF, 0xD9};
        std::span<const std::uint8_t> scans = bytes.subspan(*scanStart + 2);
        header.hasEndMarker = std::search(scans.begin(), scans.end(), kEndOfImage.begin(),
                                          kEndOfImage.end()) != scans.end();
    } else {
        header.hasEndMarker = false;
    }
    return header;
}

ImageHeader readPng(std::span<const std::uint8_t> bytes) {
    ImageHeader header;
    header.format = ImageFormat::Png;
    ByteReader reader(bytes, true);
    if (!startsWith(bytes, 12, "IHDR"))
        truncatedHeader(header.format);
    header.width = require(reader.u32(16), header.format);
    header.height = require(reader.u32(20), header.format);
    // Walk the chunks before the image data for an eXIf orientation.
    std::size_t offset = 8;
    while (offset + 8 <= bytes.size()) {
        std::uint32_t length = *reader.u32(offset);
        if (startsWith(bytes, offset + 4, "IDAT"))
            break;
        // libpng allocates a chunk's declared length before reading it: a few bytes declaring a
        // gigabyte would cost that much memory (and seconds under ASan) only to fail.
        if (std::size_t{12} + length > bytes.size() - offset)
            throw DecodeError("truncated PNG (a chunk runs past the end of the file)");
        if (startsWith(bytes, offset + 4, "eXIf"))
            header.orientation = readExifOrientation(bytes.subspan(offset + 8, length));
        offset += std::size_t{12} + length;
    }
    return header;
}

ImageHeader readWebP(std::span<const std::uint8_t> bytes) {
    ImageHeader header;
    header.format = ImageFormat::WebP;
    ByteReader little(bytes, false);
    std::size_t offset = 12;
    bool haveSize = false;
    while (offset + 8 <= bytes.size()) {
        std::uint32_t length = *little.u32(offset + 4);
        std::size_t data = offset + 8;
        if (startsWith(bytes, offset, "VP8 ") && !haveSize) {
            if (!startsWith(bytes, data + 3, "\x9d\x01\x2a"))
                throw DecodeError("corrupt WebP header");
            header.width = require(little.u16(data + 6), header.format) & 0x3FFF;
            header.height = require(little.u16(data + 8), header.format) & 0x3FFF;
            haveSize = true;
        } else if (startsWith(bytes, offset, "VP8L") && !haveSize) {
            if (little.u8(data) != 0x2Fu)
                throw DecodeError("corrupt WebP header");
            std::uint32_t bits = require(little.u32(data + 1), header.format);
            header.width = (bits & 0x3FFF) + 1;
            header.height = ((bits >> 14) & 0x3FFF) + 1;
            haveSize = true;
        } else if (startsWith(bytes, offset, "VP8X")) {
            header.width = std::int64_t{require(little.u24(data + 4), header.format)} + 1;
            header.height = std::int64_t{require(little.u24(data + 7), header.format)} + 1;
            haveSize = true;
        } else if (startsWith(bytes, offset, "EXIF") && data + length <= bytes.size()) {
            auto exif = bytes.subspan(data, length);
            if (startsWith(exif, 0, "Exif"))
                exif = exif.subspan(std::min<std::size_t>(6, exif.size()));
            header.orientation = readExifOrientation(exif);
        }
        offset = data + length + (length & 1);
    }
    if (!haveSize)
        truncatedHeader(header.format);
    return header;
}

ImageHeader readTiff(std::span<const std::uint8_t> bytes) {
    ImageHeader header;
    header.format = ImageFormat::Tiff;
    auto tags = readTiffTags(bytes);
    if (!tags || tags->width == 0 || tags->height == 0)
        truncatedHeader(header.format);
    header.width = tags->width;
    header.height = tags->height;
    header.orientation = tags->orientation;
    return header;
}

ImageHeader readBmp(std::span<const std::uint8_t> bytes) {
    ImageHeader header;
    header.format = ImageFormat::Bmp;
    ByteReader little(bytes, false);
    std::uint32_t dibSize = require(little.u32(14), header.format);
    if (dibSize == 12) {
        header.width = require(little.u16(18), header.format);
        header.height = require(little.u16(20), header.format);
    } else {
        auto width = static_cast<std::int32_t>(require(little.u32(18), header.format));
        auto height = static_cast<std::int32_t>(require(little.u32(22), header.format));
        header.width = std::abs(std::int64_t{width});
        header.height = std::abs(std::int64_t{height});  // negative means top-down
    }
    return header;
}

}  // namespace

std::string formatName(ImageFormat format) {
    switch (format) {
    case ImageFormat::Jpeg: return "JPEG";
    case ImageFormat::Png: return "PNG";
    case ImageFormat::WebP: return "WebP";
    case ImageFormat::Tiff: return "TIFF";
    case ImageFormat::Bmp: return "BMP";
    case ImageFormat::Unknown: break;
    }
    return "unknown";
}

int readExifOrientation(std::span<const std::uint8_t> tiff) {
    auto tags = readTiffTags(tiff);
    return tags ? tags->orientation : 1;
}

ImageHeader readImageHeader(std::span<const std::uint8_t> bytes) {
    if (bytes.empty())
        throw DecodeError("empty file (0 bytes)");
    ImageHeader header;
    if (startsWith(bytes, 0, "\xFF\xD8\xFF"))
        header = readJpeg(bytes);
    else if (startsWith(bytes, 0, "\x89PNG\r\n\x1a\n"))
        header = readPng(bytes);
    else if (startsWith(bytes, 0, "RIFF") && startsWith(bytes, 8, "WEBP"))
        header = readWebP(bytes);
    else if (bytes.size() >= 4 && ((bytes[0] == 'I' && bytes[1] == 'I' && bytes[2] == 42 &&
                                    bytes[3] == 0) ||
                                   (bytes[0] == 'M' && bytes[1] == 'M' && bytes[2] == 0 &&
                                    bytes[3] == 42)))
        header = readTiff(bytes);
    else if (startsWith(bytes, 0, "BM"))
        header = readBmp(bytes);
    else if (startsWith(bytes, 0, "GIF8"))
        throw DecodeError("unsupported format (GIF)");
    else
        throw DecodeError("not an image (unknown format)");
    if (header.width <= 0 || header.height <= 0)
        throw DecodeError("corrupt " + formatName(header.format) + " header (zero size)");
    return header;
}

}  // namespace lookalike::imaging
