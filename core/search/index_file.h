#pragma once
// The search index file: a small envelope of our own around the serialised graph, so that a
// file is checked completely before any of it reaches hnswlib, and so that the catalog can
// record what it holds and notice when it is stale.
//
// Format (integers little-endian), version 1:
//   magic      8 bytes  "LKSIMIDX"
//   version    u32      1
//   length     u64      bytes from here up to (excluding) the checksum
//   dimension  u32      1..65536
//   count      u64      vectors a search can return (removed ones not counted)
//   model id   u32 size (<= 1024) + UTF-8 bytes: the embedding model the vectors came from
//   graph      u64 size + bytes: hnswlib 0.6.2's HierarchicalNSW<float> layout (see hnsw_index.cpp)
//   checksum   u64      FNV-1a 64 over every byte before it
//
// decodeIndexFile() checks, in this order: magic, version, the declared length (against a bound,
// then the real size), checksum, the field sizes, model id, dimension and count; HnswIndex then
// checks the graph link by link. Any problem throws an IndexError; no byte string causes
// undefined behaviour.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace lookalike::search {

class IndexError : public std::runtime_error {
public:
    enum class Reason {
        Missing,             // no file at the path
        Unreadable,          // exists but cannot be read (permissions, a folder, an I/O error)
        NotAnIndex,          // wrong magic number
        UnsupportedVersion,  // written by another version of Lookalike
        Truncated,           // shorter (or longer) than its header says
        ChecksumMismatch,    // the contents changed after writing
        WrongModel,          // built from another embedding model's vectors
        WrongDimension,      // vectors of another length
        AbsurdSize,          // a size (or the file) beyond the format's bounds
        Corrupt,             // the checksum holds but the contents are inconsistent
    };

    IndexError(Reason reason, const std::string& message) : std::runtime_error(message), m_reason(reason) {}
    Reason reason() const noexcept { return m_reason; }

private:
    Reason m_reason;
};

// A short English name of the reason, e.g. "checksum mismatch".
std::string_view reasonName(IndexError::Reason reason);

// What an index file holds, for the catalog to record next to it.
struct IndexFileInfo {
    std::string modelId;
    std::uint64_t count = 0;
    std::uint32_t dimension = 0;
    std::uint64_t checksum = 0;  // the file's stored FNV-1a 64

    bool operator==(const IndexFileInfo&) const = default;
};

// Bounds on what a file may declare, checked before anything is allocated.
inline constexpr std::size_t kMaxModelIdBytes = 1024;
inline constexpr std::uint64_t kMaxIndexFileBytes = std::uint64_t{16} << 30;  // 16 GiB

// FNV-1a, 64 bit. Exposed for tests that craft files.
std::uint64_t fnv1a64(std::span<const std::uint8_t> bytes, std::uint64_t hash = 0xcbf29ce484222325ULL);

// Wraps a serialised graph. Throws std::invalid_argument for a model id over kMaxModelIdBytes.
std::vector<std::uint8_t> encodeIndexFile(std::string_view modelId, std::uint32_t dimension, std::uint64_t count,
                                          std::span<const std::uint8_t> graph);

struct DecodedIndexFile {
    IndexFileInfo info;
    std::span<const std::uint8_t> graph;  // points into the decoded bytes
};

// Checks the whole envelope (see the order above) and that the file holds `expectedModelId`'s
// vectors of `expectedDimension`. `source` names the file in messages ("index.lkidx: ...").
// Throws IndexError.
DecodedIndexFile decodeIndexFile(std::span<const std::uint8_t> bytes, std::size_t expectedDimension,
                                 std::string_view expectedModelId, const std::string& source);

// Reads only the header and the stored checksum, without verifying it, so the catalog can
// compare a file with its record cheaply; loading verifies everything. Throws IndexError for a
// missing, unreadable, foreign, newer or truncated file.
IndexFileInfo readIndexFileInfo(const std::filesystem::path& path);
IndexFileInfo readIndexFileInfo(std::span<const std::uint8_t> bytes, const std::string& source);

// The whole file, for decodeIndexFile(). Throws IndexError: Missing, Unreadable, or AbsurdSize
// for a file over kMaxIndexFileBytes (checked before reading).
std::vector<std::uint8_t> readIndexFileBytes(const std::filesystem::path& path);

}  // namespace lookalike::search
