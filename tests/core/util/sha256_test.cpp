// SHA-256 against the FIPS 180-4 example vectors, one-shot and incremental.

#include "core/util/sha256.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace lookalike;

namespace {

std::span<const std::uint8_t> bytesOf(const std::string& text) {
    return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

std::string hexOf(const std::string& text) {
    return toHex(Sha256::of(bytesOf(text)));
}

}  // namespace

TEST(Sha256Test, EmptyMessage) {
    EXPECT_EQ(hexOf(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    Sha256 hash;
    EXPECT_EQ(toHex(hash.finish()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256Test, Abc) {
    EXPECT_EQ(hexOf("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256Test, TwoBlockMessage448Bits) {
    EXPECT_EQ(hexOf("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256Test, Message896Bits) {
    EXPECT_EQ(hexOf("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnop"
                    "qklmnopqrlmnopqrsmnopqrstnopqrstu"),
              "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

TEST(Sha256Test, OneMillionAsInOddChunks) {
    const std::string a(1'000'000, 'a');
    Sha256 hash;
    std::size_t offset = 0;
    // Chunk sizes that straddle block boundaries in every way, including empty updates.
    const std::size_t chunks[] = {1, 0, 63, 65, 127, 3, 64, 1000, 7, 4093};
    for (std::size_t i = 0; offset < a.size(); ++i) {
        std::size_t take = std::min(chunks[i % std::size(chunks)], a.size() - offset);
        hash.update(bytesOf(a).subspan(offset, take));
        offset += take;
    }
    EXPECT_EQ(toHex(hash.finish()), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    EXPECT_EQ(hexOf(a), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Test, PaddingBoundaryLengths) {
    // Lengths around the 55/56/64-byte padding edges, checked against sha256sum.
    const std::pair<std::size_t, const char*> expected[] = {
        {55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
        {56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
        {63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
        {64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
        {65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
    };
    for (const auto& [length, hex] : expected) {
        std::string message(length, 'a');
        EXPECT_EQ(hexOf(message), hex) << "length " << length;
        Sha256 bytewise;
        for (char c : message)
            bytewise.update(bytesOf(std::string(1, c)));
        EXPECT_EQ(toHex(bytewise.finish()), hex) << "length " << length << ", byte by byte";
    }
}

TEST(Sha256Test, ToHex) {
    EXPECT_EQ(toHex(std::vector<std::uint8_t>{0x00, 0x0f, 0xa0, 0xff}), "000fa0ff");
    EXPECT_EQ(toHex({}), "");
}
