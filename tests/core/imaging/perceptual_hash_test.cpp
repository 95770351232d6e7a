// Perceptual hashes: edited copies of a photo stay within a few bits, distinct photos do not,
// and the thumbnail path hashes what a full decode would.

#include "core/imaging/perceptual_hash.h"

#include "core/imaging/thumbnail.h"
#include "tests/support/near_duplicate_photos.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <iostream>
#include <vector>

using namespace lookalike;
using namespace lookalike::imaging;
using fixtures::PhotoEdit;

namespace {

class PerceptualHashTest : public ::testing::TestWithParam<PerceptualHashKind> {};

INSTANTIATE_TEST_SUITE_P(Kinds, PerceptualHashTest, ::testing::Values(PerceptualHashKind::Dct, PerceptualHashKind::Difference),
                         [](const auto& info) { return info.param == PerceptualHashKind::Dct ? "Dct" : "Difference"; });

// What an import and thumbnailHash() see of an edited copy.
PerceptualHash hashOfFile(const fixtures::Bytes& file, PerceptualHashKind kind) {
    const cv::Mat decoded = cv::imdecode(file, cv::IMREAD_COLOR);
    return thumbnailHash(makeThumbnail(decoded).jpeg, kind).value();
}

TEST(HammingDistance, CountsDifferingBits) {
    EXPECT_EQ(hammingDistance(0, 0), 0);
    EXPECT_EQ(hammingDistance(0, ~PerceptualHash{0}), 64);
    EXPECT_EQ(hammingDistance(0b1011, 0b0110), 3);
}

TEST_P(PerceptualHashTest, IsDeterministicAndIgnoresColourDepth) {
    const cv::Mat photo = fixtures::makeScenePhoto(3);
    cv::Mat grey;
    cv::cvtColor(photo, grey, cv::COLOR_BGR2GRAY);
    EXPECT_EQ(perceptualHash(photo, GetParam()), perceptualHash(photo.clone(), GetParam()));
    EXPECT_EQ(perceptualHash(photo, GetParam()), perceptualHash(grey, GetParam()));
}

TEST_P(PerceptualHashTest, EmptyImageIsRefused) {
    EXPECT_THROW(perceptualHash(cv::Mat(), GetParam()), std::invalid_argument);
}

TEST_P(PerceptualHashTest, BytesThatAreNotAJpegHaveNoHash) {
    EXPECT_FALSE(thumbnailHash({}, GetParam()).has_value());
    EXPECT_FALSE(thumbnailHash({1, 2, 3, 4, 5}, GetParam()).has_value());
}

// pHash separates these copies from distinct photos with a margin; dHash, on a 9x8 grid, is
// moved more by a crop and tells distinct photos apart less well (the bench measures both).
struct Separation {
    int copiesAtMost;
    int distinctMoreThan;
};
Separation expectedSeparation(PerceptualHashKind kind) {
    return kind == PerceptualHashKind::Dct ? Separation{12, 16} : Separation{14, 6};
}

TEST_P(PerceptualHashTest, EditedCopiesStayCloseAndDistinctPhotosDoNot) {
    const Separation expected = expectedSeparation(GetParam());
    const struct {
        PhotoEdit edit;
        double amount;
    } edits[] = {{PhotoEdit::Recompress, 30}, {PhotoEdit::Resize, 0.5}, {PhotoEdit::Resize, 1.8},
                 {PhotoEdit::Crop, 0.05},     {PhotoEdit::Brighten, 20}};
    constexpr int kPhotos = 12;
    std::vector<PerceptualHash> originals;
    int worstCopy = 0;
    for (int seed = 0; seed < kPhotos; ++seed) {
        const cv::Mat photo = fixtures::makeScenePhoto(static_cast<std::uint64_t>(seed));
        const PerceptualHash original = hashOfFile(fixtures::encodeImage(photo, ".png"), GetParam());
        originals.push_back(original);
        for (const auto& [edit, amount] : edits) {
            const int distance =
                hammingDistance(original, hashOfFile(fixtures::encodeEdited(photo, edit, amount, seed), GetParam()));
            EXPECT_LE(distance, expected.copiesAtMost) << fixtures::photoEditName(edit) << " " << amount << ", photo " << seed;
            worstCopy = std::max(worstCopy, distance);
        }
    }
    int closestDistinct = 64;
    for (int a = 0; a < kPhotos; ++a)
        for (int b = a + 1; b < kPhotos; ++b)
            closestDistinct = std::min(closestDistinct, hammingDistance(originals[a], originals[b]));
    EXPECT_GT(closestDistinct, expected.distinctMoreThan);
    if (GetParam() == PerceptualHashKind::Dct) {
        EXPECT_LT(worstCopy, closestDistinct);
    }
    std::cout << "worst edited copy " << worstCopy << " bits, closest distinct photos " << closestDistinct << " bits\n";
}

TEST_P(PerceptualHashTest, ThumbnailHashMatchesAFullDecode) {
    for (int seed = 0; seed < 6; ++seed) {
        const EncodedThumbnail thumbnail = makeThumbnail(fixtures::makeScenePhoto(static_cast<std::uint64_t>(seed)));
        const PerceptualHash full = perceptualHash(decodeThumbnail(thumbnail.jpeg), GetParam());
        EXPECT_LE(hammingDistance(thumbnailHash(thumbnail.jpeg, GetParam()).value(), full), 4) << seed;
    }
}

}  // namespace
