#pragma once
// Bounded readers and growing writers for the index file and the graph inside it (internal to
// core/search). Values are copied with memcpy in host order; index_file.cpp asserts the host is
// little-endian, which the format requires.

#include "core/search/index_file.h"

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

namespace lookalike::search {

// Reads a span front to back and never past its end: running out throws IndexError with the
// given reason, naming `source` and the field being read.
class ByteReader {
public:
    ByteReader(std::span<const std::uint8_t> bytes, IndexError::Reason reason, const std::string& source)
        : m_bytes(bytes), m_reason(reason), m_source(source) {}

    std::span<const std::uint8_t> take(std::uint64_t count, const char* what) {
        if (count > m_bytes.size() - m_position)
            throw IndexError(m_reason, m_source + ": the search index ends inside its " + what);
        auto result = m_bytes.subspan(m_position, static_cast<std::size_t>(count));
        m_position += static_cast<std::size_t>(count);
        return result;
    }
    template <typename Value>
    Value read(const char* what) {
        Value value;
        std::memcpy(&value, take(sizeof(Value), what).data(), sizeof(Value));
        return value;
    }
    std::size_t remaining() const { return m_bytes.size() - m_position; }

private:
    std::span<const std::uint8_t> m_bytes;
    std::size_t m_position = 0;
    IndexError::Reason m_reason;
    const std::string& m_source;  // outlives the reader: it is the caller's argument
};

class ByteWriter {
public:
    void reserve(std::size_t bytes) { m_buffer.reserve(bytes); }
    void bytes(const void* data, std::size_t count) {
        const auto* begin = static_cast<const std::uint8_t*>(data);
        m_buffer.insert(m_buffer.end(), begin, begin + count);
    }
    template <typename Value>
    void write(Value value) {
        bytes(&value, sizeof(value));
    }
    std::vector<std::uint8_t>& buffer() { return m_buffer; }

private:
    std::vector<std::uint8_t> m_buffer;
};

}  // namespace lookalike::search
