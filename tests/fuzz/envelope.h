#pragma once
// The envelope that checkpoints (core/nn/checkpoint.h) and index files (core/search/index_file.h)
// share: 8-byte magic, u32 version, u64 body length, body, u64 FNV-1a 64 checksum of everything
// before it. A mutated file almost always fails the checksum, so the fuzz targets also feed the
// loaders a repaired copy (length and checksum made right) to reach the parsers behind them.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <vector>

namespace lookalike::fuzz {

inline constexpr std::size_t kEnvelopeHeaderBytes = 8 + 4 + 8;
inline constexpr std::size_t kEnvelopeChecksumBytes = 8;

// `bytes` with the length field and the trailing checksum rewritten to match the rest, or
// nullopt when it is too short to hold a header and a checksum (little-endian hosts only,
// like the formats). `checksum` is the format's own FNV-1a 64 over a span of bytes.
template <typename Checksum>
std::optional<std::vector<std::uint8_t>> repairedEnvelope(std::span<const std::uint8_t> bytes, Checksum checksum) {
    if (bytes.size() < kEnvelopeHeaderBytes + kEnvelopeChecksumBytes)
        return std::nullopt;
    std::vector<std::uint8_t> repaired(bytes.begin(), bytes.end());
    const std::uint64_t bodyBytes = repaired.size() - kEnvelopeHeaderBytes - kEnvelopeChecksumBytes;
    std::memcpy(repaired.data() + 12, &bodyBytes, sizeof bodyBytes);
    const std::size_t checked = repaired.size() - kEnvelopeChecksumBytes;
    const std::uint64_t sum = checksum(std::span<const std::uint8_t>(repaired).first(checked));
    std::memcpy(repaired.data() + checked, &sum, sizeof sum);
    return repaired;
}

}  // namespace lookalike::fuzz
