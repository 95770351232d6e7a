#include "core/search/index_file.h"

#include "core/search/byte_io.h"

#include "core/util/errors.h"
#include "core/util/file_util.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <fstream>
#include <system_error>

namespace lookalike::search {

namespace {

static_assert(std::endian::native == std::endian::little, "index files are read and written little-endian");

using Reason = IndexError::Reason;

constexpr char kMagic[8] = {'L', 'K', 'S', 'I', 'M', 'I', 'D', 'X'};
constexpr std::uint32_t kVersion = 1;
// magic, version, length
constexpr std::size_t kPrefixBytes = sizeof(kMagic) + sizeof(std::uint32_t) + sizeof(std::uint64_t);
constexpr std::size_t kChecksumBytes = sizeof(std::uint64_t);
// The body up to and including the model id: what readIndexFileInfo() needs at most.
constexpr std::size_t kMaxInfoBytes =
    kPrefixBytes + sizeof(std::uint32_t) + sizeof(std::uint64_t) + sizeof(std::uint32_t) + kMaxModelIdBytes;
// hnswlib's internal ids are 32-bit and its visited lists are sized by an int.
constexpr std::uint64_t kMaxCount = 0x7fffffff;

[[noreturn]] void fail(Reason reason, const std::string& source, const std::string& message) {
    throw IndexError(reason, source + ": the search index " + message);
}

// Magic, version and the declared body length (bounded). `bytes` may be just the file's head.
std::uint64_t checkPrefix(std::span<const std::uint8_t> bytes, const std::string& source) {
    if (bytes.empty())
        fail(Reason::Truncated, source, "is empty");
    // A file cut inside the magic number is reported as truncated, anything else as foreign.
    if (std::memcmp(bytes.data(), kMagic, std::min(bytes.size(), sizeof(kMagic))) != 0)
        fail(Reason::NotAnIndex, source, "is not a Lookalike search index (bad magic number)");
    ByteReader reader(bytes, Reason::Truncated, source);
    reader.take(sizeof(kMagic), "header");
    const auto version = reader.read<std::uint32_t>("header");
    if (version != kVersion)
        fail(Reason::UnsupportedVersion, source,
             "has format version " + std::to_string(version) + "; this build reads version " +
                 std::to_string(kVersion));
    const auto length = reader.read<std::uint64_t>("header");
    if (length > kMaxIndexFileBytes - kPrefixBytes - kChecksumBytes)
        fail(Reason::AbsurdSize, source, "declares " + std::to_string(length) + " bytes, over the limit of " +
                                             std::to_string(kMaxIndexFileBytes));
    return length;
}

struct BodyHead {
    std::uint32_t dimension = 0;
    std::uint64_t count = 0;
    std::string modelId;
};

// The body's fields up to the model id, each size bounded before it is used.
BodyHead readBodyHead(ByteReader& reader, const std::string& source) {
    BodyHead head;
    head.dimension = reader.read<std::uint32_t>("header");
    head.count = reader.read<std::uint64_t>("header");
    const auto modelIdBytes = reader.read<std::uint32_t>("model id");
    if (modelIdBytes > kMaxModelIdBytes)
        fail(Reason::AbsurdSize, source, "has a model id of " + std::to_string(modelIdBytes) + " bytes");
    const auto modelId = reader.take(modelIdBytes, "model id");
    head.modelId.assign(modelId.begin(), modelId.end());
    return head;
}

std::uint64_t readStoredChecksum(std::span<const std::uint8_t> checksumBytes) {
    std::uint64_t checksum;
    std::memcpy(&checksum, checksumBytes.data(), sizeof(checksum));
    return checksum;
}

IndexFileInfo readInfo(std::span<const std::uint8_t> head, std::uint64_t fileSize,
                       std::span<const std::uint8_t> lastBytes, const std::string& source) {
    const std::uint64_t length = checkPrefix(head, source);
    const std::uint64_t expectedSize = kPrefixBytes + length + kChecksumBytes;
    if (fileSize != expectedSize)
        fail(Reason::Truncated, source,
             "has " + std::to_string(fileSize) + " bytes, its header says " + std::to_string(expectedSize) +
                 " (truncated or appended to)");
    // Bounded by the declared length, so the fields cannot be read from the checksum.
    const std::size_t bodyInHead = static_cast<std::size_t>(std::min<std::uint64_t>(length, head.size() - kPrefixBytes));
    ByteReader reader(head.subspan(kPrefixBytes, bodyInHead), Reason::Corrupt, source);
    BodyHead body = readBodyHead(reader, source);
    return {std::move(body.modelId), body.count, body.dimension, readStoredChecksum(lastBytes)};
}

// The size of a regular file; Missing or Unreadable otherwise.
std::uintmax_t checkedFileSize(const std::filesystem::path& path, const std::string& source) {
    std::error_code error;
    const auto status = std::filesystem::status(path, error);
    if (status.type() == std::filesystem::file_type::not_found)
        fail(Reason::Missing, source, "does not exist");
    if (error || !std::filesystem::is_regular_file(status))
        fail(Reason::Unreadable, source, "is not a readable file");
    const std::uintmax_t size = std::filesystem::file_size(path, error);
    if (error)
        fail(Reason::Unreadable, source, "cannot be read (" + error.message() + ")");
    return size;
}

}  // namespace

std::string_view reasonName(IndexError::Reason reason) {
    switch (reason) {
    case Reason::Missing: return "missing";
    case Reason::Unreadable: return "unreadable";
    case Reason::NotAnIndex: return "not an index";
    case Reason::UnsupportedVersion: return "unsupported version";
    case Reason::Truncated: return "truncated";
    case Reason::ChecksumMismatch: return "checksum mismatch";
    case Reason::WrongModel: return "wrong model";
    case Reason::WrongDimension: return "wrong dimension";
    case Reason::AbsurdSize: return "absurd size";
    case Reason::Corrupt: return "corrupt";
    }
    return "unknown";
}

std::uint64_t fnv1a64(std::span<const std::uint8_t> bytes, std::uint64_t hash) {
    for (std::uint8_t byte : bytes) {
        hash ^= byte;
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

std::vector<std::uint8_t> encodeIndexFile(std::string_view modelId, std::uint32_t dimension, std::uint64_t count,
                                          std::span<const std::uint8_t> graph) {
    if (modelId.size() > kMaxModelIdBytes)
        throw std::invalid_argument("search index: model id of " + std::to_string(modelId.size()) +
                                    " bytes is over the limit of " + std::to_string(kMaxModelIdBytes));
    ByteWriter writer;
    writer.reserve(kMaxInfoBytes + sizeof(std::uint64_t) + graph.size() + kChecksumBytes);
    writer.bytes(kMagic, sizeof(kMagic));
    writer.write(kVersion);
    writer.write(std::uint64_t{0});  // length, patched below
    writer.write(dimension);
    writer.write(count);
    writer.write(static_cast<std::uint32_t>(modelId.size()));
    writer.bytes(modelId.data(), modelId.size());
    writer.write(static_cast<std::uint64_t>(graph.size()));
    writer.bytes(graph.data(), graph.size());
    std::vector<std::uint8_t>& bytes = writer.buffer();
    const std::uint64_t length = bytes.size() - kPrefixBytes;
    std::memcpy(bytes.data() + sizeof(kMagic) + sizeof(kVersion), &length, sizeof(length));
    writer.write(fnv1a64(bytes));
    return std::move(bytes);
}

DecodedIndexFile decodeIndexFile(std::span<const std::uint8_t> bytes, std::size_t expectedDimension,
                                 std::string_view expectedModelId, const std::string& source) {
    const std::uint64_t length = checkPrefix(bytes, source);
    const std::uint64_t expectedSize = kPrefixBytes + length + kChecksumBytes;
    if (bytes.size() != expectedSize)
        fail(Reason::Truncated, source,
             "has " + std::to_string(bytes.size()) + " bytes, its header says " + std::to_string(expectedSize) +
                 " (truncated or appended to)");
    const auto checksummed = bytes.first(kPrefixBytes + static_cast<std::size_t>(length));
    const std::uint64_t storedChecksum = readStoredChecksum(bytes.last(kChecksumBytes));
    if (fnv1a64(checksummed) != storedChecksum)
        fail(Reason::ChecksumMismatch, source, "is damaged (checksum mismatch)");

    // The checksum proves the file is as written, not that the writer was ours: a crafted file
    // carries a valid checksum too, so every size is still bounded before it is used.
    ByteReader reader(checksummed.subspan(kPrefixBytes), Reason::Corrupt, source);
    BodyHead head = readBodyHead(reader, source);
    const auto graphBytes = reader.read<std::uint64_t>("graph size");
    const auto graph = reader.take(graphBytes, "graph");
    if (reader.remaining() != 0)
        fail(Reason::Corrupt, source, "has " + std::to_string(reader.remaining()) + " unexpected bytes after its graph");

    if (head.modelId != expectedModelId)
        fail(Reason::WrongModel, source,
             "was built for model '" + head.modelId + "', not the current model '" + std::string(expectedModelId) + "'");
    if (head.dimension != expectedDimension)
        fail(Reason::WrongDimension, source,
             "holds " + std::to_string(head.dimension) + "-dimensional vectors, not " +
                 std::to_string(expectedDimension));
    if (head.count > kMaxCount)
        fail(Reason::AbsurdSize, source, "declares " + std::to_string(head.count) + " vectors");
    return {{std::move(head.modelId), head.count, head.dimension, storedChecksum}, graph};
}

IndexFileInfo readIndexFileInfo(std::span<const std::uint8_t> bytes, const std::string& source) {
    const auto lastBytes = bytes.size() >= kChecksumBytes ? bytes.last(kChecksumBytes) : bytes;
    return readInfo(bytes.first(std::min(bytes.size(), kMaxInfoBytes)), bytes.size(), lastBytes, source);
}

IndexFileInfo readIndexFileInfo(const std::filesystem::path& path) {
    const std::string source = displayPath(path);
    const std::uintmax_t fileSize = checkedFileSize(path, source);
    std::ifstream file(path, std::ios::binary);
    if (!file)
        fail(Reason::Unreadable, source, "cannot be opened");

    std::vector<std::uint8_t> head(static_cast<std::size_t>(std::min<std::uintmax_t>(fileSize, kMaxInfoBytes)));
    std::vector<std::uint8_t> lastBytes(static_cast<std::size_t>(std::min<std::uintmax_t>(fileSize, kChecksumBytes)));
    file.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()));
    file.seekg(static_cast<std::streamoff>(fileSize - lastBytes.size()));
    file.read(reinterpret_cast<char*>(lastBytes.data()), static_cast<std::streamsize>(lastBytes.size()));
    if (!file)
        fail(Reason::Unreadable, source, "cannot be read");
    return readInfo(head, fileSize, lastBytes, source);
}

std::vector<std::uint8_t> readIndexFileBytes(const std::filesystem::path& path) {
    const std::string source = displayPath(path);
    const std::uintmax_t fileSize = checkedFileSize(path, source);
    if (fileSize > kMaxIndexFileBytes)
        fail(Reason::AbsurdSize, source, "is " + std::to_string(fileSize) + " bytes, over the limit of " +
                                             std::to_string(kMaxIndexFileBytes));
    try {
        return readFileBytes(path, kMaxIndexFileBytes);
    } catch (const FileError& readError) {
        // Already names the file; it may have vanished or grown since the checks above.
        throw IndexError(Reason::Unreadable, readError.what());
    }
}

}  // namespace lookalike::search
