// Fuzzes the model checkpoint loader (core/nn/checkpoint.h) from bytes: deserializeCheckpoint()
// (what loadCheckpoint() runs after reading the file) and loadCheckpointInto() an existing
// network. Each input is tried as given and with its length and checksum repaired
// (envelope.h), so mutations reach the parser behind the checksum. The only allowed failure is
// CheckpointError; a network that loads must have the architecture it declares.

#include "core/nn/checkpoint.h"
#include "core/nn/networkconfig.h"
#include "tests/fuzz/envelope.h"
#include "tests/fuzz/seed_network.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <span>
#include <vector>

namespace {

using lookalike::nn::CheckpointError;
using lookalike::nn::Network;

std::span<const std::byte> asBytes(std::span<const std::uint8_t> bytes) {
    return std::as_bytes(bytes);
}

// The seed corpus's first architecture (make_seed_corpus.cpp), so loadCheckpointInto() gets past
// the architecture check for inputs mutated from it.
Network& existingNetwork() {
    static Network network(lookalike::fuzz::smallestSeedNetwork(), 1);
    return network;
}

void load(std::span<const std::uint8_t> bytes) {
    try {
        Network network = lookalike::nn::deserializeCheckpoint(asBytes(bytes));
        network.config().validate();  // a loaded network's architecture is always a valid one
    } catch (const CheckpointError&) {
    }
    try {
        lookalike::nn::loadCheckpointInto(asBytes(bytes), existingNetwork());
    } catch (const CheckpointError&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    ::setenv("OMP_NUM_THREADS", "1", 1);  // before oneDNN starts OpenMP: one thread, no pool
    existingNetwork();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> bytes(data, size);
    load(bytes);
    const auto checksum = [](std::span<const std::uint8_t> span) {
        return lookalike::nn::fnv1a64(std::as_bytes(span));
    };
    if (std::optional<std::vector<std::uint8_t>> repaired = lookalike::fuzz::repairedEnvelope(bytes, checksum))
        load(*repaired);
    return 0;
}
