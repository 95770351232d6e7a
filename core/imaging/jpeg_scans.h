#pragma once
// Counts the scans of a JPEG (its SOS markers) by walking the markers and skipping the
// entropy-coded data, without decoding anything. A progressive JPEG of a few kilobytes can
// hold thousands of tiny scans, and libjpeg redoes work over the whole image for each one, so
// such a file takes minutes to decode; OpenCV offers no scan limit, so the decoder counts
// first (see DecodeOptions::maxJpegScans). Safe on any bytes; linear in the file size.

#include <cstddef>
#include <cstdint>
#include <span>

namespace lookalike::imaging {

// The number of SOS markers before the end of the image (EOI) or of the bytes, counting at
// most `stopAfter` (so a caller with a limit reads no further than it needs). Bytes that do
// not start with a JPEG SOI marker have no scans.
std::size_t countJpegScans(std::span<const std::uint8_t> bytes, std::size_t stopAfter = SIZE_MAX);

}  // namespace lookalike::imaging
