// Checkpoints: round trip through a file and through memory, atomic replacement, and every
// corruption case: truncation, flipped bytes, wrong magic/version, wrong architecture, absurd
// sizes, mismatched tensors, plus a mutation sweep that must only ever throw CheckpointError.

#include "core/nn/checkpoint.h"

#include "networktesting.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <unistd.h>

namespace lookalike::nn::testing {
namespace {

using Reason = CheckpointError::Reason;

class TemporaryDirectory {
public:
    TemporaryDirectory()
    {
        std::string pattern = (std::filesystem::temp_directory_path() / "lookalike-nn-XXXXXX").string();
        if (!::mkdtemp(pattern.data()))
            throw std::runtime_error("mkdtemp failed");
        m_path = pattern;
    }
    ~TemporaryDirectory() { std::filesystem::remove_all(m_path); }
    const std::filesystem::path& path() const { return m_path; }

private:
    std::filesystem::path m_path;
};

Network trainedLookingNetwork()
{
    Network network(tinyConfig(true), 31);
    perturbStatistics(network, 32);
    return network;
}

void expectSameState(Network& a, Network& b)
{
    const auto parametersA = a.parameters(), parametersB = b.parameters();
    ASSERT_EQ(parametersA.size(), parametersB.size());
    for (std::size_t i = 0; i < parametersA.size(); ++i) {
        EXPECT_EQ(parametersA[i].name, parametersB[i].name);
        EXPECT_TRUE(std::equal(parametersA[i].data.begin(), parametersA[i].data.end(), parametersB[i].data.begin()))
            << parametersA[i].name;
    }
    const auto statesA = a.states(), statesB = b.states();
    ASSERT_EQ(statesA.size(), statesB.size());
    for (std::size_t i = 0; i < statesA.size(); ++i)
        EXPECT_TRUE(std::equal(statesA[i].data.begin(), statesA[i].data.end(), statesB[i].data.begin()))
            << statesA[i].name;
}

Reason reasonOf(std::span<const std::byte> bytes)
{
    try {
        deserializeCheckpoint(bytes);
    } catch (const CheckpointError& error) {
        return error.reason();
    }
    ADD_FAILURE() << "no CheckpointError";
    return Reason::Io;
}

void storeChecksum(std::vector<std::byte>& bytes)
{
    const std::uint64_t checksum = fnv1a64(std::span(bytes).first(bytes.size() - 8));
    std::memcpy(bytes.data() + bytes.size() - 8, &checksum, 8);
}

// Offsets of the format (see checkpoint.h): header is magic(8) version(4) length(8).
constexpr std::size_t kVersionOffset = 8;
constexpr std::size_t kLengthOffset = 12;
constexpr std::size_t kBodyOffset = 20;

TEST(Checkpoint, FileRoundTripRestoresEverything)
{
    TemporaryDirectory directory;
    const auto path = directory.path() / "model.ckpt";
    Network original = trainedLookingNetwork();
    saveCheckpoint(path, original);
    Network loaded = loadCheckpoint(path);
    EXPECT_EQ(loaded.config(), original.config());
    expectSameState(original, loaded);
    const std::vector<float> images = randomImages(original.config(), 2, 33);
    const std::vector<float> expected = copyOf(original.forward(images, 2, false));
    const std::span<const float> actual = loaded.forward(images, 2, false);
    EXPECT_TRUE(std::equal(expected.begin(), expected.end(), actual.begin()));

    Network target(tinyConfig(true), 99);
    loadCheckpointInto(path, target);
    expectSameState(original, target);
}

TEST(Checkpoint, SaveReplacesAtomicallyAndLeavesNoTemporaryFiles)
{
    TemporaryDirectory directory;
    const auto path = directory.path() / "model.ckpt";
    Network first(tinyConfig(), 1), second(tinyConfig(), 2);
    saveCheckpoint(path, first);
    saveCheckpoint(path, second);
    Network loaded = loadCheckpoint(path);
    expectSameState(second, loaded);
    int files = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(directory.path()))
        ++files;
    EXPECT_EQ(files, 1);
}

TEST(Checkpoint, IoErrorsNameThePath)
{
    TemporaryDirectory directory;
    Network network(tinyConfig(), 1);
    try {
        loadCheckpoint(directory.path() / "missing.ckpt");
        FAIL();
    } catch (const CheckpointError& error) {
        EXPECT_EQ(error.reason(), Reason::Io);
        EXPECT_NE(std::string(error.what()).find("missing.ckpt"), std::string::npos);
    }
    EXPECT_THROW(saveCheckpoint(directory.path() / "no-such-dir" / "x.ckpt", network), CheckpointError);
    EXPECT_THROW(loadCheckpoint(directory.path()), CheckpointError);  // a directory
}

TEST(Checkpoint, TruncationAtAnyOffsetIsDetected)
{
    Network network = trainedLookingNetwork();
    const std::vector<std::byte> bytes = serializeCheckpoint(network);
    for (const std::size_t size : {std::size_t{0}, std::size_t{3}, std::size_t{8}, std::size_t{15}, kBodyOffset,
                                   kBodyOffset + 10, bytes.size() / 2, bytes.size() - 9, bytes.size() - 1})
        EXPECT_EQ(reasonOf(std::span(bytes).first(size)), Reason::Truncated) << "size " << size;
    std::vector<std::byte> longer = bytes;
    longer.push_back(std::byte{0});
    EXPECT_EQ(reasonOf(longer), Reason::Truncated);
}

TEST(Checkpoint, FlippedBytesFailTheChecksum)
{
    Network network = trainedLookingNetwork();
    const std::vector<std::byte> bytes = serializeCheckpoint(network);
    for (const std::size_t offset : {kBodyOffset, kBodyOffset + 40, bytes.size() / 2, bytes.size() - 9, bytes.size() - 1}) {
        std::vector<std::byte> corrupted = bytes;
        corrupted[offset] ^= std::byte{0x10};
        EXPECT_EQ(reasonOf(corrupted), Reason::ChecksumMismatch) << "offset " << offset;
    }
}

TEST(Checkpoint, WrongMagicAndVersionAreNamed)
{
    Network network(tinyConfig(), 1);
    std::vector<std::byte> bytes = serializeCheckpoint(network);
    std::vector<std::byte> badMagic = bytes;
    badMagic[0] = std::byte{'X'};
    EXPECT_EQ(reasonOf(badMagic), Reason::NotACheckpoint);
    EXPECT_EQ(reasonOf(std::as_bytes(std::span("PNG\r\n", 5))), Reason::NotACheckpoint);
    std::vector<std::byte> badVersion = bytes;
    badVersion[kVersionOffset] = std::byte{2};
    storeChecksum(badVersion);
    EXPECT_EQ(reasonOf(badVersion), Reason::UnsupportedVersion);
}

TEST(Checkpoint, ArchitectureMismatchIsRejectedWithoutChangingTheNetwork)
{
    TemporaryDirectory directory;
    const auto path = directory.path() / "model.ckpt";
    Network saved(tinyConfig(false), 1);
    saveCheckpoint(path, saved);
    NetworkConfig otherConfig = tinyConfig(false);
    otherConfig.width = 8;
    Network other(otherConfig, 2);
    const std::vector<float> before = copyOf(other.parameters().front().data);
    try {
        loadCheckpointInto(path, other);
        FAIL();
    } catch (const CheckpointError& error) {
        EXPECT_EQ(error.reason(), Reason::ArchitectureMismatch);
    }
    EXPECT_TRUE(std::equal(before.begin(), before.end(), other.parameters().front().data.begin()));
}

// Rewrites the body of a valid checkpoint: lets tests plant a bad field behind a valid checksum.
std::vector<std::byte> withBody(const std::vector<std::byte>& body)
{
    std::vector<std::byte> bytes(kBodyOffset + body.size() + 8);
    std::memcpy(bytes.data(), "LKNNCKPT", 8);
    const std::uint32_t version = 1;
    const std::uint64_t length = body.size();
    std::memcpy(bytes.data() + kVersionOffset, &version, 4);
    std::memcpy(bytes.data() + kLengthOffset, &length, 8);
    std::copy(body.begin(), body.end(), bytes.begin() + kBodyOffset);
    storeChecksum(bytes);
    return bytes;
}

template <typename Integer>
void append(std::vector<std::byte>& body, Integer value)
{
    const auto* begin = reinterpret_cast<const std::byte*>(&value);
    body.insert(body.end(), begin, begin + sizeof(value));
}

void appendText(std::vector<std::byte>& body, const std::string& text)
{
    append(body, static_cast<std::uint32_t>(text.size()));
    const auto* begin = reinterpret_cast<const std::byte*>(text.data());
    body.insert(body.end(), begin, begin + text.size());
}

TEST(Checkpoint, AbsurdSizesAreRejectedBeforeAllocating)
{
    const std::string architecture = tinyConfig().toString();
    {
        std::vector<std::byte> body;
        append(body, std::uint32_t{0xFFFFFFF0});  // architecture length
        EXPECT_EQ(reasonOf(withBody(body)), Reason::AbsurdSize);
    }
    {
        std::vector<std::byte> body;
        appendText(body, architecture);
        append(body, std::uint32_t{1'000'000'000});  // tensor count
        EXPECT_EQ(reasonOf(withBody(body)), Reason::AbsurdSize);
    }
    {
        std::vector<std::byte> body;
        appendText(body, architecture);
        append(body, std::uint32_t{1});
        append(body, std::uint32_t{0x7FFFFFFF});  // name length
        EXPECT_EQ(reasonOf(withBody(body)), Reason::AbsurdSize);
    }
    {
        std::vector<std::byte> body;
        appendText(body, architecture);
        append(body, std::uint32_t{1});
        appendText(body, "stem.weight");
        append(body, std::uint32_t{2});
        append(body, std::uint64_t{1} << 40);  // dims whose product overflows
        append(body, std::uint64_t{1} << 40);
        EXPECT_EQ(reasonOf(withBody(body)), Reason::AbsurdSize);
    }
    {
        std::vector<std::byte> header(kBodyOffset + 8);
        std::memcpy(header.data(), "LKNNCKPT", 8);
        const std::uint32_t version = 1;
        const std::uint64_t length = std::uint64_t{1} << 50;
        std::memcpy(header.data() + kVersionOffset, &version, 4);
        std::memcpy(header.data() + kLengthOffset, &length, 8);
        EXPECT_EQ(reasonOf(header), Reason::AbsurdSize);
    }
}

TEST(Checkpoint, BadArchitectureAndTensorsBehindAValidChecksum)
{
    {
        std::vector<std::byte> body;
        appendText(body, "lookalike-resnet/1 width=banana");
        append(body, std::uint32_t{0});
        EXPECT_EQ(reasonOf(withBody(body)), Reason::ArchitectureMismatch);
    }
    {
        std::vector<std::byte> body;
        appendText(body, tinyConfig().toString());
        append(body, std::uint32_t{0});  // no tensors at all
        EXPECT_EQ(reasonOf(withBody(body)), Reason::TensorMismatch);
    }
    Network network(tinyConfig(), 1);
    const std::vector<std::byte> valid = serializeCheckpoint(network);
    {
        // Rename the first tensor: "stem.weight" -> "stem.weighs".
        std::vector<std::byte> bytes = valid;
        const std::string architecture = tinyConfig().toString();
        const std::size_t nameOffset = kBodyOffset + 4 + architecture.size() + 4 + 4;
        ASSERT_EQ(std::memcmp(bytes.data() + nameOffset, "stem.weight", 11), 0);
        bytes[nameOffset + 10] = std::byte{'s'};
        storeChecksum(bytes);
        EXPECT_EQ(reasonOf(bytes), Reason::TensorMismatch);
    }
    {
        // A NaN in the first tensor's data.
        std::vector<std::byte> bytes = valid;
        const std::string architecture = tinyConfig().toString();
        const std::size_t dataOffset = kBodyOffset + 4 + architecture.size() + 4 + 4 + 11 + 4 + 4 * 8;
        const float nan = std::numeric_limits<float>::quiet_NaN();
        std::memcpy(bytes.data() + dataOffset, &nan, 4);
        storeChecksum(bytes);
        EXPECT_EQ(reasonOf(bytes), Reason::TensorMismatch);
    }
}

// A cheap stand-in for the fuzzer: random mutations, with and without a repaired checksum,
// must only ever raise CheckpointError.
TEST(Checkpoint, MutatedBytesOnlyEverThrowCheckpointError)
{
    Network network(tinyConfig(), 1);
    const std::vector<std::byte> valid = serializeCheckpoint(network);
    std::mt19937 random(41);
    std::uniform_int_distribution<std::size_t> offset(0, valid.size() - 1);
    std::uniform_int_distribution<int> byte(0, 255);
    for (int trial = 0; trial < 400; ++trial) {
        std::vector<std::byte> bytes = valid;
        const int edits = 1 + trial % 4;
        for (int i = 0; i < edits; ++i)
            bytes[trial % 2 ? offset(random) % 64 : offset(random)] = static_cast<std::byte>(byte(random));
        if (trial % 3 == 0)
            storeChecksum(bytes);
        if (trial % 5 == 0)
            bytes.resize(offset(random));
        try {
            deserializeCheckpoint(bytes);
        } catch (const CheckpointError&) {
        }
    }
}

TEST(Checkpoint, Fnv1a64KnownValues)
{
    EXPECT_EQ(fnv1a64({}), 0xcbf29ce484222325ULL);
    EXPECT_EQ(fnv1a64(std::as_bytes(std::span("a", 1))), 0xaf63dc4c8601ec8cULL);
}

}  // namespace
}  // namespace lookalike::nn::testing
