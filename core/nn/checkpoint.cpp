#include "core/nn/checkpoint.h"

#include "core/nn/topology.h"
#include "core/util/errors.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <random>
#include <sys/stat.h>
#include <utility>
#include <unistd.h>

namespace lookalike::nn {

namespace {

static_assert(std::endian::native == std::endian::little, "checkpoint I/O assumes a little-endian host");

using Reason = CheckpointError::Reason;

constexpr char kMagic[8] = {'L', 'K', 'N', 'N', 'C', 'K', 'P', 'T'};
constexpr std::uint32_t kVersion = 1;
constexpr std::size_t kHeaderBytes = sizeof(kMagic) + sizeof(std::uint32_t) + sizeof(std::uint64_t);
constexpr std::size_t kChecksumBytes = sizeof(std::uint64_t);
// Bounds for every size read from a file, checked before anything is allocated.
constexpr std::uint64_t kMaxBodyBytes = std::uint64_t{1} << 30;
constexpr std::uint32_t kMaxArchitectureBytes = 1024;
constexpr std::uint32_t kMaxTensors = 4096;
constexpr std::uint32_t kMaxNameBytes = 256;
constexpr std::uint32_t kMaxRank = 8;
constexpr std::uint64_t kMaxTensorElements = std::uint64_t{1} << 28;

[[noreturn]] void fail(Reason reason, const std::string& message)
{
    throw CheckpointError(reason, "checkpoint: " + message);
}

// Sequential little-endian reader that never reads past its span.
class Reader {
public:
    explicit Reader(std::span<const std::byte> bytes) : m_bytes(bytes) {}

    std::span<const std::byte> take(std::size_t count, const char* what)
    {
        if (count > m_bytes.size() - m_position)
            fail(Reason::Truncated, std::string("file ends inside ") + what);
        const auto result = m_bytes.subspan(m_position, count);
        m_position += count;
        return result;
    }
    template <typename Integer>
    Integer read(const char* what)
    {
        Integer value;
        std::memcpy(&value, take(sizeof(Integer), what).data(), sizeof(Integer));
        return value;
    }
    std::size_t remaining() const { return m_bytes.size() - m_position; }

private:
    std::span<const std::byte> m_bytes;
    std::size_t m_position = 0;
};

class Writer {
public:
    void bytes(const void* data, std::size_t count)
    {
        const auto* begin = static_cast<const std::byte*>(data);
        m_buffer.insert(m_buffer.end(), begin, begin + count);
    }
    template <typename Integer>
    void write(Integer value)
    {
        bytes(&value, sizeof(value));
    }
    std::vector<std::byte>& buffer() { return m_buffer; }

private:
    std::vector<std::byte> m_buffer;
};

struct ParsedCheckpoint {
    NetworkConfig config;
    std::vector<StoredTensor> tensors;
};

std::string shapeText(const std::vector<std::int64_t>& shape)
{
    std::string text = "[";
    for (std::size_t i = 0; i < shape.size(); ++i)
        text += (i ? ", " : "") + std::to_string(shape[i]);
    return text + "]";
}

// Magic, version and the declared body length; throws unless `bytes` starts like a checkpoint.
std::uint64_t readHeader(std::span<const std::byte> bytes)
{
    if (bytes.size() < sizeof(kMagic)) {
        if (std::memcmp(bytes.data(), kMagic, bytes.size()) == 0)
            fail(Reason::Truncated, "file ends inside the header");
        fail(Reason::NotACheckpoint, "not a Lookalike checkpoint (bad magic number)");
    }
    if (std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0)
        fail(Reason::NotACheckpoint, "not a Lookalike checkpoint (bad magic number)");
    Reader header(bytes.subspan(sizeof(kMagic)));
    const auto version = header.read<std::uint32_t>("the header");
    if (version != kVersion)
        fail(Reason::UnsupportedVersion, "unsupported version " + std::to_string(version) + " (this build reads "
                                             + std::to_string(kVersion) + ")");
    const auto bodyBytes = header.read<std::uint64_t>("the header");
    if (bodyBytes > kMaxBodyBytes)
        fail(Reason::AbsurdSize, "declared size " + std::to_string(bodyBytes) + " is beyond the 1 GiB limit");
    return bodyBytes;
}

ParsedCheckpoint parse(std::span<const std::byte> bytes)
{
    TensorFile file = parseTensorFile(bytes);
    ParsedCheckpoint parsed;
    try {
        parsed.config = NetworkConfig::fromString(file.architecture);
    } catch (const std::invalid_argument& error) {
        fail(Reason::ArchitectureMismatch, std::string("unusable architecture: ") + error.what());
    }
    parsed.tensors = std::move(file.tensors);
    return parsed;
}

// Checks the stored tensors against the tensors of `config`'s network, without allocating
// the network. Returns them in Network order: parameters, then states.
void checkTensors(const ParsedCheckpoint& parsed, const NetworkConfig& config)
{
    std::vector<TensorSpec> expected = networkTensors(buildTopology(config));
    std::stable_partition(expected.begin(), expected.end(),
                          [](const TensorSpec& spec) { return spec.kind == TensorSpec::Kind::Parameter; });
    if (parsed.tensors.size() != expected.size())
        fail(Reason::TensorMismatch, "has " + std::to_string(parsed.tensors.size()) + " tensors, the architecture needs "
                                         + std::to_string(expected.size()));
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const StoredTensor& stored = parsed.tensors[i];
        if (stored.name != expected[i].name)
            fail(Reason::TensorMismatch, "tensor " + std::to_string(i) + " is '" + stored.name + "', expected '"
                                             + expected[i].name + "'");
        if (stored.shape != expected[i].shape)
            fail(Reason::TensorMismatch, "tensor " + stored.name + " has shape " + shapeText(stored.shape)
                                             + ", expected " + shapeText(expected[i].shape));
        for (std::size_t offset = 0; offset < stored.data.size(); offset += sizeof(float)) {
            float value;
            std::memcpy(&value, stored.data.data() + offset, sizeof(float));
            if (!std::isfinite(value))
                fail(Reason::TensorMismatch, "tensor " + stored.name + " contains NaN or infinity");
        }
    }
}

void copyInto(const ParsedCheckpoint& parsed, Network& network)
{
    std::size_t index = 0;
    const auto copy = [&](std::span<float> target) {
        std::memcpy(target.data(), parsed.tensors[index++].data.data(), target.size_bytes());
    };
    for (const Parameter& parameter : network.parameters())
        copy(parameter.data);
    for (const StateTensor& state : network.states())
        copy(state.data);
}

// Owns a POSIX file descriptor; closes it (ignoring errors) unless release()d.
class FileDescriptor {
public:
    explicit FileDescriptor(int descriptor) : m_descriptor(descriptor) {}
    ~FileDescriptor()
    {
        if (m_descriptor >= 0)
            ::close(m_descriptor);
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    int get() const { return m_descriptor; }
    int release() { return std::exchange(m_descriptor, -1); }

private:
    int m_descriptor;
};

[[noreturn]] void failIo(const std::string& what, const std::filesystem::path& path, int error)
{
    const std::string message = path.string() + ": " + what + ": " + std::strerror(error);
    if (error == ENOSPC || error == EDQUOT)
        throw StorageFullError(message);
    fail(Reason::Io, message);
}

std::vector<std::byte> readFile(const std::filesystem::path& path)
{
    FileDescriptor file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (file.get() < 0)
        failIo("cannot open", path, errno);
    struct stat status {};
    if (::fstat(file.get(), &status) != 0)
        failIo("cannot stat", path, errno);
    if (!S_ISREG(status.st_mode))
        fail(Reason::Io, path.string() + ": not a regular file");
    const auto size = static_cast<std::uint64_t>(status.st_size);
    if (size > kHeaderBytes + kMaxBodyBytes + kChecksumBytes)
        fail(Reason::AbsurdSize, path.string() + ": file of " + std::to_string(size) + " bytes is too large");
    std::vector<std::byte> bytes(size);
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t got = ::read(file.get(), bytes.data() + done, bytes.size() - done);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            failIo("cannot read", path, errno);
        if (got == 0)
            break;  // shrank while reading: parse() reports it as truncated
        done += static_cast<std::size_t>(got);
    }
    bytes.resize(done);
    return bytes;
}

void writeAll(int descriptor, std::span<const std::byte> bytes, const std::filesystem::path& path)
{
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t written = ::write(descriptor, bytes.data() + done, bytes.size() - done);
        if (written < 0 && errno == EINTR)
            continue;
        if (written < 0)
            failIo("cannot write", path, errno);
        done += static_cast<std::size_t>(written);
    }
}

}  // namespace

std::uint64_t fnv1a64(std::span<const std::byte> bytes, std::uint64_t hash)
{
    for (const std::byte byte : bytes) {
        hash ^= std::to_integer<std::uint64_t>(byte);
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

TensorFile parseTensorFile(std::span<const std::byte> bytes)
{
    const std::uint64_t bodyBytes = readHeader(bytes);
    const std::size_t expectedSize = kHeaderBytes + bodyBytes + kChecksumBytes;
    if (bytes.size() != expectedSize)
        fail(Reason::Truncated, "file has " + std::to_string(bytes.size()) + " bytes, its header says "
                                    + std::to_string(expectedSize) + " (truncated or appended to)");
    std::uint64_t storedChecksum;
    std::memcpy(&storedChecksum, bytes.data() + kHeaderBytes + bodyBytes, sizeof(storedChecksum));
    if (fnv1a64(bytes.first(kHeaderBytes + bodyBytes)) != storedChecksum)
        fail(Reason::ChecksumMismatch, "checksum mismatch (the file is corrupted)");

    // The checksum only proves the file is as written; sizes are still bounded one by one,
    // since a crafted file can carry a valid checksum.
    Reader body(bytes.subspan(kHeaderBytes, bodyBytes));
    TensorFile parsed;
    const auto architectureBytes = body.read<std::uint32_t>("the architecture");
    if (architectureBytes > kMaxArchitectureBytes)
        fail(Reason::AbsurdSize, "architecture description of " + std::to_string(architectureBytes) + " bytes");
    const auto architecture = body.take(architectureBytes, "the architecture");
    parsed.architecture.assign(reinterpret_cast<const char*>(architecture.data()), architecture.size());
    const auto count = body.read<std::uint32_t>("the tensor count");
    if (count > kMaxTensors)
        fail(Reason::AbsurdSize, std::to_string(count) + " tensors");
    parsed.tensors.reserve(count);
    for (std::uint32_t index = 0; index < count; ++index) {
        StoredTensor tensor;
        const auto nameBytes = body.read<std::uint32_t>("a tensor name");
        if (nameBytes > kMaxNameBytes)
            fail(Reason::AbsurdSize, "tensor name of " + std::to_string(nameBytes) + " bytes");
        const auto name = body.take(nameBytes, "a tensor name");
        tensor.name.assign(reinterpret_cast<const char*>(name.data()), name.size());
        const auto rank = body.read<std::uint32_t>("a tensor shape");
        if (rank > kMaxRank)
            fail(Reason::AbsurdSize, "tensor " + tensor.name + " has rank " + std::to_string(rank));
        std::uint64_t elements = 1;
        for (std::uint32_t axis = 0; axis < rank; ++axis) {
            const auto dim = body.read<std::uint64_t>("a tensor shape");
            // dim <= bound and the running product <= bound: no overflow possible.
            if (dim > kMaxTensorElements || elements * dim > kMaxTensorElements)
                fail(Reason::AbsurdSize, "tensor " + tensor.name + " is too large");
            elements *= dim;
            tensor.shape.push_back(static_cast<std::int64_t>(dim));
        }
        tensor.data = body.take(elements * sizeof(float), "tensor data");
        parsed.tensors.push_back(std::move(tensor));
    }
    if (body.remaining() != 0)
        fail(Reason::Truncated, "unexpected bytes after the last tensor");
    return parsed;
}

std::vector<std::byte> serializeTensorFile(std::string_view architecture, const std::vector<TensorView>& tensors)
{
    Writer writer;
    writer.bytes(kMagic, sizeof(kMagic));
    writer.write(kVersion);
    writer.write(std::uint64_t{0});  // body length, patched below
    writer.write(static_cast<std::uint32_t>(architecture.size()));
    writer.bytes(architecture.data(), architecture.size());
    writer.write(static_cast<std::uint32_t>(tensors.size()));
    for (const TensorView& tensor : tensors) {
        writer.write(static_cast<std::uint32_t>(tensor.name.size()));
        writer.bytes(tensor.name.data(), tensor.name.size());
        writer.write(static_cast<std::uint32_t>(tensor.shape.size()));
        for (const std::int64_t dim : tensor.shape)
            writer.write(static_cast<std::uint64_t>(dim));
        writer.bytes(tensor.data.data(), tensor.data.size_bytes());
    }
    std::vector<std::byte>& bytes = writer.buffer();
    const std::uint64_t bodyBytes = bytes.size() - kHeaderBytes;
    std::memcpy(bytes.data() + sizeof(kMagic) + sizeof(std::uint32_t), &bodyBytes, sizeof(bodyBytes));
    writer.write(fnv1a64(bytes));
    return std::move(bytes);
}

std::vector<std::span<const std::byte>> splitTensorFiles(std::span<const std::byte> bytes)
{
    std::vector<std::span<const std::byte>> files;
    while (!bytes.empty()) {
        const std::uint64_t bodyBytes = readHeader(bytes);
        const std::uint64_t size = kHeaderBytes + bodyBytes + kChecksumBytes;
        if (size > bytes.size())
            fail(Reason::Truncated, "file ends inside a checkpoint (" + std::to_string(bytes.size()) + " of "
                                        + std::to_string(size) + " bytes)");
        files.push_back(bytes.first(size));
        bytes = bytes.subspan(size);
    }
    if (files.empty())
        fail(Reason::Truncated, "the file is empty");
    return files;
}

std::vector<std::byte> serializeCheckpoint(Network& network)
{
    std::vector<TensorView> tensors;
    for (const Parameter& parameter : network.parameters())
        tensors.push_back({parameter.name, parameter.shape, parameter.data});
    for (const StateTensor& state : network.states())
        tensors.push_back({state.name, state.shape, state.data});
    return serializeTensorFile(network.config().toString(), tensors);
}

Network deserializeCheckpoint(std::span<const std::byte> bytes)
{
    const ParsedCheckpoint parsed = parse(bytes);
    checkTensors(parsed, parsed.config);
    Network network(parsed.config, 0);
    copyInto(parsed, network);
    return network;
}

void loadCheckpointInto(std::span<const std::byte> bytes, Network& network)
{
    const ParsedCheckpoint parsed = parse(bytes);
    if (!(parsed.config == network.config()))
        fail(Reason::ArchitectureMismatch, "architecture '" + parsed.config.toString() + "' does not match '"
                                               + network.config().toString() + "'");
    checkTensors(parsed, parsed.config);
    copyInto(parsed, network);
}

void saveCheckpoint(const std::filesystem::path& path, Network& network)
{
    const std::vector<std::byte> bytes = serializeCheckpoint(network);
    const std::filesystem::path directory = path.has_parent_path() ? path.parent_path() : ".";
    std::random_device entropy;
    const std::filesystem::path temporary =
        path.string() + ".tmp-" + std::to_string(entropy()) + std::to_string(::getpid());
    FileDescriptor file(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (file.get() < 0)
        failIo("cannot create", temporary, errno);
    try {
        writeAll(file.get(), bytes, temporary);
        if (::fsync(file.get()) != 0)
            failIo("cannot sync", temporary, errno);
        if (::close(file.release()) != 0)
            failIo("cannot close", temporary, errno);
        if (::rename(temporary.c_str(), path.c_str()) != 0)
            failIo("cannot rename into place", path, errno);
    } catch (...) {
        ::unlink(temporary.c_str());
        throw;
    }
    // Make the rename itself durable; the data is already safe, so a failure here is ignored.
    FileDescriptor directoryHandle(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (directoryHandle.get() >= 0)
        ::fsync(directoryHandle.get());
}

Network loadCheckpoint(const std::filesystem::path& path)
{
    try {
        return deserializeCheckpoint(readFile(path));
    } catch (const CheckpointError& error) {
        throw CheckpointError(error.reason(), path.string() + ": " + error.what());
    }
}

void loadCheckpointInto(const std::filesystem::path& path, Network& network)
{
    try {
        loadCheckpointInto(readFile(path), network);
    } catch (const CheckpointError& error) {
        throw CheckpointError(error.reason(), path.string() + ": " + error.what());
    }
}

}  // namespace lookalike::nn
