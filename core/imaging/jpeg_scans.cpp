#include "core/imaging/jpeg_scans.h"

namespace lookalike::imaging {

namespace {

constexpr std::uint8_t kMarker = 0xFF;
constexpr std::uint8_t kStartOfScan = 0xDA;
constexpr std::uint8_t kEndOfImage = 0xD9;

bool isRestart(std::uint8_t code) {
    return code >= 0xD0 && code <= 0xD7;
}

// Markers that stand alone, without a length and payload.
bool hasNoPayload(std::uint8_t code) {
    return code == 0x01 || code == 0xD8 || isRestart(code);
}

}  // namespace

std::size_t countJpegScans(std::span<const std::uint8_t> bytes, std::size_t stopAfter) {
    if (bytes.size() < 2 || bytes[0] != kMarker || bytes[1] != 0xD8)
        return 0;
    std::size_t scans = 0;
    std::size_t offset = 2;
    while (offset + 1 < bytes.size() && scans < stopAfter) {
        if (bytes[offset] != kMarker) {
            ++offset;  // garbage between segments: libjpeg skips it too
            continue;
        }
        const std::uint8_t code = bytes[offset + 1];
        if (code == kMarker) {  // fill byte before a marker
            ++offset;
            continue;
        }
        if (code == kEndOfImage)
            break;
        if (hasNoPayload(code)) {
            offset += 2;
            continue;
        }
        if (offset + 3 >= bytes.size())
            break;
        const std::size_t length = (std::size_t{bytes[offset + 2]} << 8) | bytes[offset + 3];
        offset += 2 + length;
        if (code != kStartOfScan)
            continue;
        ++scans;
        // Entropy-coded data follows the scan header, up to the next marker that is not a
        // stuffed zero (FF 00) or a restart marker (FF D0..D7).
        while (offset + 1 < bytes.size()) {
            if (bytes[offset] == kMarker && bytes[offset + 1] != 0x00 && bytes[offset + 1] != kMarker &&
                !isRestart(bytes[offset + 1]))
                break;
            ++offset;
        }
    }
    return scans;
}

}  // namespace lookalike::imaging
