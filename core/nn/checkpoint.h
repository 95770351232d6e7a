#pragma once
// Checkpoints: a Network's architecture, parameters and BN running statistics in one file.
//
// Format (all integers little-endian), version 1:
//   magic     8 bytes  "LKNNCKPT"
//   version   u32      1
//   length    u64      bytes from here up to (excluding) the checksum
//   arch      u32 size + bytes   NetworkConfig::toString()
//   count     u32      number of tensors (parameters in Network::parameters() order, then
//                      states in Network::states() order)
//   tensor    u32 name size + name bytes, u32 rank, rank x u64 dims, then the f32 data
//   checksum  u64      FNV-1a 64 over every byte before it
//
// Saving writes "<path>.tmp-<random>" in the same directory, fsyncs it, renames it over path
// and fsyncs the directory, so a crash leaves either the old or the new file, never a mix.
// Loading checks magic, version, length, checksum, then every size against fixed bounds before
// allocating, then architecture and tensor names/shapes; any problem throws CheckpointError.
// No byte string causes undefined behaviour (fuzz loadCheckpoint(std::span<const std::byte>)).

#include "core/nn/network.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace lookalike::nn {

class CheckpointError : public std::runtime_error {
public:
    enum class Reason {
        Io,                    // cannot open, read, write, sync or rename
        NotACheckpoint,        // wrong magic
        UnsupportedVersion,
        Truncated,             // shorter (or longer) than its header says
        ChecksumMismatch,      // corrupted contents
        AbsurdSize,            // a size field beyond the format's bounds
        ArchitectureMismatch,  // unknown/invalid architecture, or not the expected one
        TensorMismatch,        // missing, extra, misnamed or misshaped tensor
    };

    CheckpointError(Reason reason, const std::string& message)
        : std::runtime_error(message), m_reason(reason)
    {
    }
    Reason reason() const noexcept { return m_reason; }

private:
    Reason m_reason;
};

// FNV-1a, 64 bit. Exposed for tests.
std::uint64_t fnv1a64(std::span<const std::byte> bytes, std::uint64_t hash = 0xcbf29ce484222325ULL);

// The container under every checkpoint, for any architecture string (a Network's, or another
// model part's such as LinearEmbedding): parsed with all the checks above except the
// architecture's meaning, which the caller checks. Tensor data are views into `bytes`.
struct StoredTensor {
    std::string name;
    std::vector<std::int64_t> shape;
    std::span<const std::byte> data;  // f32, little-endian, possibly unaligned
};
struct TensorFile {
    std::string architecture;
    std::vector<StoredTensor> tensors;
};
struct TensorView {
    std::string name;
    std::vector<std::int64_t> shape;
    std::span<const float> data;
};
TensorFile parseTensorFile(std::span<const std::byte> bytes);
std::vector<std::byte> serializeTensorFile(std::string_view architecture, const std::vector<TensorView>& tensors);
// Checkpoints are self-delimiting, so several can be stored one after another (a model's
// network, then its descriptor projection). Splits such a concatenation; throws CheckpointError
// unless it is a whole number of checkpoints (each still to be parsed).
std::vector<std::span<const std::byte>> splitTensorFiles(std::span<const std::byte> bytes);

std::vector<std::byte> serializeCheckpoint(Network& network);
// Builds a Network with the checkpoint's architecture and its tensors.
Network deserializeCheckpoint(std::span<const std::byte> bytes);

// Throws CheckpointError (Reason::Io, message naming the path) on any file-system failure.
void saveCheckpoint(const std::filesystem::path& path, Network& network);
Network loadCheckpoint(const std::filesystem::path& path);
// Loads into an existing network; throws Reason::ArchitectureMismatch unless the checkpoint's
// architecture equals network.config(). The network is unchanged if anything throws.
void loadCheckpointInto(const std::filesystem::path& path, Network& network);
void loadCheckpointInto(std::span<const std::byte> bytes, Network& network);

}  // namespace lookalike::nn
