#pragma once
// SHA-256 (FIPS 180-4), for content hashes of imported files.

#include <array>
#include <cstdint>
#include <span>
#include <string>

namespace lookalike {

using Sha256Digest = std::array<std::uint8_t, 32>;

class Sha256 {
public:
    Sha256();
    void update(std::span<const std::uint8_t> bytes);
    Sha256Digest finish();  // the object must not be updated afterwards

    static Sha256Digest of(std::span<const std::uint8_t> bytes);

private:
    void compress(const std::uint8_t* block);

    std::array<std::uint32_t, 8> m_state;
    std::array<std::uint8_t, 64> m_buffer{};
    std::size_t m_buffered = 0;
    std::uint64_t m_length = 0;  // bytes hashed so far
};

std::string toHex(std::span<const std::uint8_t> bytes);

}  // namespace lookalike
