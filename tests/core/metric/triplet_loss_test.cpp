// Triplet loss: hand-worked cases, a brute-force oracle for every mining mode, central finite
// differences for the gradient of every variant, and the hinge's kink.

#include "core/metric/triplet_loss.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <ostream>
#include <random>
#include <string>
#include <vector>

namespace lookalike::metric {
namespace {

constexpr double kSqrt2 = 1.4142135623730951;

EmbeddingsView view(const std::vector<float>& values, std::size_t dimension)
{
    return {values, values.size() / dimension, dimension};
}

// ---------------------------------------------------------------------------------------------
// Brute-force oracle: distances in double from the difference vectors, every valid triplet
// enumerated explicitly, each mining rule written as its definition.

struct Reference {
    double loss = 0.0;
    std::size_t tripletCount = 0;
    std::size_t activeCount = 0;
    // Smallest distance of any quantity the loss branches on from its switching point
    // (hinge arguments, d_an - d_ap, gaps between candidates that a max/min compares). The
    // loss is smooth in a neighbourhood whose size is about this gap.
    double decisionGap = 1e9;
};

double referenceDistance(const std::vector<float>& x, std::size_t dimension, std::size_t i, std::size_t j)
{
    double squared = 0.0;
    for (std::size_t k = 0; k < dimension; ++k) {
        const double difference = static_cast<double>(x[i * dimension + k]) - x[j * dimension + k];
        squared += difference * difference;
    }
    return std::sqrt(squared + kDistanceEpsilon);
}

Reference referenceLoss(const TripletLossConfig& config, const std::vector<float>& x, std::size_t dimension,
                        const std::vector<std::int64_t>& labels)
{
    const std::size_t n = labels.size();
    const auto d = [&](std::size_t i, std::size_t j) { return referenceDistance(x, dimension, i, j); };
    const auto value = [&](double difference) {
        return config.softMargin ? std::log1p(std::exp(difference)) : std::max(0.0, difference + config.margin);
    };
    const auto argument = [&](double difference) { return config.softMargin ? difference : difference + config.margin; };

    Reference result;
    std::vector<double> values;
    const auto take = [&](std::size_t a, std::size_t p, std::size_t k) {
        const double difference = d(a, p) - d(a, k);
        values.push_back(value(difference));
        ++result.tripletCount;
        if (argument(difference) > 0.0) {
            ++result.activeCount;
        }
    };
    const auto gap = [&](double quantity) { result.decisionGap = std::min(result.decisionGap, std::abs(quantity)); };

    for (std::size_t a = 0; a < n; ++a) {
        std::vector<std::size_t> positives;
        std::vector<std::size_t> negatives;
        for (std::size_t j = 0; j < n; ++j) {
            if (j != a) {
                (labels[j] == labels[a] ? positives : negatives).push_back(j);
            }
        }
        if (positives.empty() || negatives.empty()) {
            continue;
        }
        switch (config.mining) {
        case TripletMining::BatchAll:
            for (const std::size_t p : positives) {
                for (const std::size_t k : negatives) {
                    take(a, p, k);
                    if (!config.softMargin) {
                        gap(argument(d(a, p) - d(a, k)));  // active or not
                    }
                }
            }
            break;
        case TripletMining::BatchHard: {
            std::size_t p = positives.front();
            for (const std::size_t j : positives) {
                p = d(a, j) > d(a, p) ? j : p;
            }
            std::size_t k = negatives.front();
            for (const std::size_t j : negatives) {
                k = d(a, j) < d(a, k) ? j : k;
            }
            take(a, p, k);
            // The argmax and argmin must be clear winners, and the hinge away from its kink.
            for (const std::size_t j : positives) {
                if (j != p) {
                    gap(d(a, p) - d(a, j));
                }
            }
            for (const std::size_t j : negatives) {
                if (j != k) {
                    gap(d(a, k) - d(a, j));
                }
            }
            if (!config.softMargin) {
                gap(argument(d(a, p) - d(a, k)));
            }
            break;
        }
        case TripletMining::SemiHard:
            for (const std::size_t p : positives) {
                // FaceNet's band d_ap < d_an < d_ap + margin, then the documented fallbacks.
                std::vector<std::size_t> band;
                std::vector<std::size_t> beyond;
                std::vector<std::size_t> closer;
                for (const std::size_t k : negatives) {
                    if (d(a, k) > d(a, p) && d(a, k) < d(a, p) + config.margin) {
                        band.push_back(k);
                    } else if (d(a, k) > d(a, p)) {
                        beyond.push_back(k);
                    } else {
                        closer.push_back(k);
                    }
                }
                const auto nearest = [&](const std::vector<std::size_t>& set) {
                    return *std::min_element(set.begin(), set.end(),
                                             [&](std::size_t l, std::size_t r) { return d(a, l) < d(a, r); });
                };
                std::size_t k = 0;
                if (!band.empty()) {
                    k = nearest(band);
                } else if (!beyond.empty()) {
                    k = nearest(beyond);
                } else {
                    k = *std::max_element(closer.begin(), closer.end(),
                                          [&](std::size_t l, std::size_t r) { return d(a, l) < d(a, r); });
                }
                take(a, p, k);
                // Which side of d_ap each negative lies on, and the chosen one a clear winner on its side.
                for (const std::size_t j : negatives) {
                    gap(d(a, j) - d(a, p));
                    if (j != k && (d(a, j) > d(a, p)) == (d(a, k) > d(a, p))) {
                        gap(d(a, k) - d(a, j));
                    }
                }
                if (!config.softMargin) {
                    gap(argument(d(a, p) - d(a, k)));
                }
            }
            break;
        }
    }
    double sum = 0.0;
    for (const double v : values) {
        sum += v;
    }
    const std::size_t normaliser =
        (config.mining == TripletMining::BatchAll && !config.softMargin) ? result.activeCount : result.tripletCount;
    result.loss = normaliser > 0 ? sum / static_cast<double>(normaliser) : 0.0;
    return result;
}

std::vector<float> randomUnitVectors(std::size_t n, std::size_t dimension, std::uint32_t seed)
{
    std::mt19937 random(seed);
    std::normal_distribution<float> normal(0.0F, 1.0F);
    std::vector<float> values(n * dimension);
    for (std::size_t i = 0; i < n; ++i) {
        float squaredNorm = 0.0F;
        for (std::size_t k = 0; k < dimension; ++k) {
            values[i * dimension + k] = normal(random);
            squaredNorm += values[i * dimension + k] * values[i * dimension + k];
        }
        for (std::size_t k = 0; k < dimension; ++k) {
            values[i * dimension + k] /= std::sqrt(squaredNorm);
        }
    }
    return values;
}

struct Variant {
    std::string name;
    TripletLossConfig config;
};

// Names the parameter in gtest's failure messages instead of dumping its bytes.
void PrintTo(const Variant& variant, std::ostream* out)
{
    *out << variant.name;
}

std::vector<Variant> allVariants()
{
    return {
        {"BatchAllHinge", {TripletMining::BatchAll, 0.3F, false}},
        {"BatchAllSoft", {TripletMining::BatchAll, 0.3F, true}},
        {"BatchHardHinge", {TripletMining::BatchHard, 0.3F, false}},
        {"BatchHardSoft", {TripletMining::BatchHard, 0.3F, true}},
        {"SemiHardHinge", {TripletMining::SemiHard, 0.3F, false}},
        {"SemiHardSoft", {TripletMining::SemiHard, 0.3F, true}},
    };
}

// ---------------------------------------------------------------------------------------------
// Hand-worked case: four unit vectors in 2-D at the corners of a diamond.
//   x0 = ( 1, 0) label A      x1 = (0,  1) label A
//   x2 = (-1, 0) label B      x3 = (0, -1) label B
// Neighbours at 90 degrees are sqrt(2) apart, opposite points 2 apart:
//   d01 = sqrt2 (positive)  d23 = sqrt2 (positive)
//   d03 = d12 = sqrt2, d02 = d13 = 2 (negatives)
// (The epsilon inside the square root changes these by < 4e-7.)
// Each anchor has one positive at sqrt2 and two negatives, one at sqrt2 and one at 2.

const std::vector<float> kDiamond = {1, 0, 0, 1, -1, 0, 0, -1};
const std::vector<std::int64_t> kDiamondLabels = {0, 0, 1, 1};

TEST(TripletLossTest, DiamondBatchAllByHand)
{
    // margin 0.5, per anchor: negative at sqrt2: sqrt2 - sqrt2 + 0.5 = 0.5  (active)
    //                         negative at 2:     sqrt2 - 2 + 0.5 = -0.0858 -> 0 (inactive)
    // 4 anchors x 1 positive x 2 negatives = 8 triplets, 4 active, each 0.5.
    // Mean over active triplets: (4 * 0.5) / 4 = 0.5; active fraction 4/8.
    TripletLoss loss({TripletMining::BatchAll, 0.5F, false});
    const TripletStats stats = loss.compute(view(kDiamond, 2), kDiamondLabels, {});
    EXPECT_NEAR(stats.loss, 0.5, 1e-5);
    EXPECT_EQ(stats.tripletCount, 8u);
    EXPECT_FLOAT_EQ(stats.activeFraction, 0.5F);
    // Positive pairs: d01, d23 = sqrt2. Negative pairs: two at sqrt2, two at 2: mean 1.7071.
    EXPECT_NEAR(stats.meanPositiveDistance, kSqrt2, 1e-5);
    EXPECT_NEAR(stats.meanNegativeDistance, (2 * kSqrt2 + 2 * 2.0) / 4, 1e-5);

    // margin 1: sqrt2 - sqrt2 + 1 = 1 and sqrt2 - 2 + 1 = 0.41421, all 8 active:
    // (4 * 1 + 4 * 0.41421) / 8 = 0.70711.
    TripletLoss wide({TripletMining::BatchAll, 1.0F, false});
    const TripletStats wideStats = wide.compute(view(kDiamond, 2), kDiamondLabels, {});
    EXPECT_NEAR(wideStats.loss, (4 * 1.0 + 4 * (kSqrt2 - 1.0)) / 8, 1e-5);
    EXPECT_FLOAT_EQ(wideStats.activeFraction, 1.0F);
}

TEST(TripletLossTest, DiamondBatchHardByHand)
{
    // Hardest positive: the only one, sqrt2. Hardest negative: the one at sqrt2.
    // Per anchor sqrt2 - sqrt2 + 0.5 = 0.5; mean over 4 anchors = 0.5, all active.
    // The chosen triplets (anchor, positive, negative): (0,1,3) (1,0,2) (2,3,1) (3,2,0).
    TripletLoss loss({TripletMining::BatchHard, 0.5F, false});
    std::vector<float> gradient(8);
    const TripletStats stats = loss.compute(view(kDiamond, 2), kDiamondLabels, gradient);
    EXPECT_NEAR(stats.loss, 0.5, 1e-5);
    EXPECT_EQ(stats.tripletCount, 4u);
    EXPECT_FLOAT_EQ(stats.activeFraction, 1.0F);

    // Gradient of x0, each active triplet weighted 1/4, dd_ij/dx_i = (x_i - x_j)/d_ij:
    //  as anchor of (0,1,3):   +1/4 (x0-x1)/sqrt2 - 1/4 (x0-x3)/sqrt2 = 1/4 (x3-x1)/sqrt2
    //                          = 1/4 (0,-2)/sqrt2       = ( 0,      -0.35355)
    //  as positive of (1,0,2): +1/4 (x0-x1)/sqrt2 = 1/4 (1,-1)/sqrt2 = ( 0.17678, -0.17678)
    //  as negative of (3,2,0): -1/4 (x0-x3)/sqrt2 = -1/4 (1,1)/sqrt2 = (-0.17678, -0.17678)
    //  sum: (0, -0.70711): descending moves x0 towards its positive x1 and away from x3.
    // x1 by the same steps: 1/4 (x2-x0)/sqrt2 + 1/4 (x1-x0)/sqrt2 - 1/4 (x1-x2)/sqrt2
    //  = (-0.35355, 0) + (-0.17678, 0.17678) + (-0.17678, -0.17678) = (-0.70711, 0).
    const double half = 1.0 / kSqrt2;
    EXPECT_NEAR(gradient[0], 0.0, 1e-5);
    EXPECT_NEAR(gradient[1], -half, 1e-5);
    EXPECT_NEAR(gradient[2], -half, 1e-5);
    EXPECT_NEAR(gradient[3], 0.0, 1e-5);
    // The diamond is symmetric under (x, y) -> (-x, -y) with 0<->2, 1<->3, so those gradients
    // are the negated ones.
    EXPECT_NEAR(gradient[4], 0.0, 1e-5);
    EXPECT_NEAR(gradient[5], half, 1e-5);
    EXPECT_NEAR(gradient[6], half, 1e-5);
    EXPECT_NEAR(gradient[7], 0.0, 1e-5);
}

TEST(TripletLossTest, DiamondSemiHardByHand)
{
    // margin 0.5: band (sqrt2, sqrt2 + 0.5) = (1.414, 1.914). The only negative farther than
    // the positive is at 2, beyond the band: no semi-hard negative, the pair contributes
    // max(0, sqrt2 - 2 + 0.5) = 0. 4 anchor-positive pairs, loss 0, none active.
    TripletLoss narrow({TripletMining::SemiHard, 0.5F, false});
    const TripletStats narrowStats = narrow.compute(view(kDiamond, 2), kDiamondLabels, {});
    EXPECT_NEAR(narrowStats.loss, 0.0, 1e-6);
    EXPECT_EQ(narrowStats.tripletCount, 4u);
    EXPECT_FLOAT_EQ(narrowStats.activeFraction, 0.0F);

    // margin 1: band (1.414, 2.414) holds the negative at 2: sqrt2 - 2 + 1 = 0.41421 per pair.
    TripletLoss wide({TripletMining::SemiHard, 1.0F, false});
    const TripletStats wideStats = wide.compute(view(kDiamond, 2), kDiamondLabels, {});
    EXPECT_NEAR(wideStats.loss, kSqrt2 - 1.0, 1e-5);
    EXPECT_FLOAT_EQ(wideStats.activeFraction, 1.0F);
}

TEST(TripletLossTest, DiamondSoftMarginByHand)
{
    // Batch-hard, soft: per anchor softplus(sqrt2 - sqrt2) = ln 2 = 0.69315.
    TripletLoss hard({TripletMining::BatchHard, 0.5F, true});
    EXPECT_NEAR(hard.compute(view(kDiamond, 2), kDiamondLabels, {}).loss, std::log(2.0), 1e-5);
    // Batch-all, soft: mean over all 8 triplets of softplus(0) and softplus(sqrt2 - 2):
    // (4 ln 2 + 4 ln(1 + e^-0.58579)) / 8 = (0.69315 + 0.44254) / 2 = 0.56785.
    TripletLoss all({TripletMining::BatchAll, 0.5F, true});
    const double expected = (std::log(2.0) + std::log1p(std::exp(kSqrt2 - 2.0))) / 2.0;
    EXPECT_NEAR(all.compute(view(kDiamond, 2), kDiamondLabels, {}).loss, expected, 1e-5);
    EXPECT_NEAR(expected, 0.56785, 1e-5);
}

// ---------------------------------------------------------------------------------------------
// Oracle comparison on random batches.

class TripletLossVariantTest : public ::testing::TestWithParam<Variant> {};

TEST_P(TripletLossVariantTest, MatchesBruteForceReference)
{
    const TripletLossConfig config = GetParam().config;
    TripletLoss loss(config);
    // 6 labels x 4 samples plus two singletons (anchors without a positive).
    std::vector<std::int64_t> labels;
    for (std::int64_t label = 0; label < 6; ++label) {
        labels.insert(labels.end(), 4, label * 7 - 3);  // arbitrary, non-contiguous ids
    }
    labels.push_back(100);
    labels.push_back(101);
    const std::size_t dimension = 8;
    int compared = 0;
    for (std::uint32_t seed = 1; compared < 5; ++seed) {
        ASSERT_LT(seed, 200u) << "no inputs without near ties";
        const std::vector<float> x = randomUnitVectors(labels.size(), dimension, seed);
        const Reference reference = referenceLoss(config, x, dimension, labels);
        if (reference.decisionGap < 1e-4) {
            continue;  // float (ours) and double (oracle) may legitimately decide a near tie differently
        }
        ++compared;
        const TripletStats stats = loss.compute(view(x, dimension), labels, {});
        EXPECT_NEAR(stats.loss, reference.loss, 1e-5) << "seed " << seed;
        EXPECT_EQ(stats.tripletCount, reference.tripletCount) << "seed " << seed;
        EXPECT_FLOAT_EQ(stats.activeFraction,
                        static_cast<float>(static_cast<double>(reference.activeCount) / reference.tripletCount));
    }
}

// Central differences on every coordinate of every embedding. Inputs are drawn until every
// quantity the loss branches on (hinge arguments, candidate orderings) is at least
// kRequiredGap from its switching point: a step h moves each distance by at most h, so those
// quantities move by at most 2h < kRequiredGap and the loss is smooth on the stencil.
TEST_P(TripletLossVariantTest, GradientMatchesCentralDifferences)
{
    const TripletLossConfig config = GetParam().config;
    const std::vector<std::int64_t> labels = {0, 0, 0, 1, 1, 2, 2, 3};
    const std::size_t dimension = 3;
    constexpr float kStep = 1e-3F;
    constexpr double kRequiredGap = 6e-3;

    std::vector<float> x;
    Reference reference;
    std::uint32_t seed = 0;
    do {
        x = randomUnitVectors(labels.size(), dimension, ++seed);
        reference = referenceLoss(config, x, dimension, labels);
    } while (reference.decisionGap < kRequiredGap ||
             (!config.softMargin && (reference.activeCount == 0 || reference.activeCount == reference.tripletCount)));
    ASSERT_LT(seed, 2000u);

    TripletLoss loss(config);
    std::vector<float> gradient(x.size());
    loss.compute(view(x, dimension), labels, gradient);
    double largest = 0.0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        std::vector<float> plus = x;
        std::vector<float> minus = x;
        plus[i] += kStep;
        minus[i] -= kStep;
        const double numeric = (static_cast<double>(loss.compute(view(plus, dimension), labels, {}).loss) -
                                loss.compute(view(minus, dimension), labels, {}).loss) /
                               (2.0 * kStep);
        EXPECT_NEAR(gradient[i], numeric, 2e-3 + 1e-2 * std::abs(numeric))
            << GetParam().name << " seed " << seed << " coordinate " << i;
        largest = std::max(largest, std::abs(numeric));
    }
    EXPECT_GT(largest, 1e-2) << "the check is vacuous if the gradient is zero everywhere";
}

INSTANTIATE_TEST_SUITE_P(AllVariants, TripletLossVariantTest, ::testing::ValuesIn(allVariants()),
                         [](const ::testing::TestParamInfo<Variant>& info) { return info.param.name; });

// ---------------------------------------------------------------------------------------------
// The hinge's kink. margin 0, anchor x0 = (1, 0), positive x1 = (0, 1), negative x2 = (0, -1):
// d01 = d02 = sqrt(2) exactly (the Gram entries 0, 1 are exact in float), so the anchor's hinge
// argument d01 - d02 + 0 is exactly 0. Anchor 1's triplet (1, 0, 2) has d10 - d12 = sqrt2 - 2 < 0;
// anchor 2 has no positive. The documented subgradient at the kink is 0: loss 0, zero
// gradient, nothing active, for every mining mode that picks this triplet.
TEST(TripletLossTest, HingeKinkUsesZeroSubgradient)
{
    const std::vector<float> x = {1, 0, 0, 1, 0, -1};
    const std::vector<std::int64_t> labels = {0, 0, 1};
    for (const TripletMining mining : {TripletMining::BatchAll, TripletMining::BatchHard, TripletMining::SemiHard}) {
        TripletLoss loss({mining, 0.0F, false});
        std::vector<float> gradient(x.size(), 99.0F);
        const TripletStats stats = loss.compute(view(x, 2), labels, gradient);
        EXPECT_EQ(stats.loss, 0.0F);
        EXPECT_EQ(stats.tripletCount, 2u);
        EXPECT_EQ(stats.activeFraction, 0.0F);
        for (const float g : gradient) {
            EXPECT_EQ(g, 0.0F);
        }
        // It really is a kink: moving the negative towards the anchor makes the loss positive,
        // moving it away keeps it at 0, so the one-sided derivatives differ.
        std::vector<float> closer = x;
        closer[4] = 0.01F;  // x2 = (0.01, -1) is nearer to x0
        std::vector<float> farther = x;
        farther[4] = -0.01F;
        EXPECT_GT(loss.compute(view(closer, 2), labels, {}).loss, 1e-3F);
        EXPECT_EQ(loss.compute(view(farther, 2), labels, {}).loss, 0.0F);
    }
}

// ---------------------------------------------------------------------------------------------
// Edge cases and misuse.

TEST(TripletLossTest, BatchWithoutTripletsGivesZero)
{
    const std::vector<float> x = randomUnitVectors(4, 3, 7);
    TripletLoss loss({TripletMining::BatchHard, 0.2F, false});
    std::vector<float> gradient(x.size(), 1.0F);
    // One label only: no negatives.
    TripletStats stats = loss.compute(view(x, 3), std::vector<std::int64_t>{5, 5, 5, 5}, gradient);
    EXPECT_EQ(stats.tripletCount, 0u);
    EXPECT_EQ(stats.loss, 0.0F);
    EXPECT_TRUE(std::all_of(gradient.begin(), gradient.end(), [](float g) { return g == 0.0F; }));
    // All singletons: no positives.
    stats = loss.compute(view(x, 3), std::vector<std::int64_t>{1, 2, 3, 4}, gradient);
    EXPECT_EQ(stats.tripletCount, 0u);
    EXPECT_EQ(stats.meanPositiveDistance, 0.0F);
}

TEST(TripletLossTest, ReusedAcrossShapesGivesSameResults)
{
    TripletLoss loss({TripletMining::BatchAll, 0.5F, false});
    const std::vector<std::int64_t> smallLabels = {0, 0, 1, 1};
    const std::vector<std::int64_t> largeLabels = {0, 0, 1, 1, 2, 2, 3, 3};
    const std::vector<float> small = randomUnitVectors(4, 5, 3);
    const std::vector<float> large = randomUnitVectors(8, 5, 4);
    const float first = loss.compute(view(small, 5), smallLabels, {}).loss;
    const float second = loss.compute(view(large, 5), largeLabels, {}).loss;
    EXPECT_EQ(loss.compute(view(small, 5), smallLabels, {}).loss, first);
    EXPECT_EQ(loss.compute(view(large, 5), largeLabels, {}).loss, second);
    EXPECT_NEAR(first, referenceLoss(loss.config(), small, 5, smallLabels).loss, 1e-5);
    EXPECT_NEAR(second, referenceLoss(loss.config(), large, 5, largeLabels).loss, 1e-5);
}

TEST(TripletLossTest, RejectsBadInput)
{
    EXPECT_THROW(TripletLoss({TripletMining::BatchAll, -0.1F, false}), std::invalid_argument);
    TripletLoss loss({});
    std::vector<float> x = randomUnitVectors(4, 3, 1);
    EXPECT_THROW(loss.compute(view(x, 3), std::vector<std::int64_t>{0, 0, 1}, {}), std::invalid_argument);
    std::vector<float> shortGradient(5);
    EXPECT_THROW(loss.compute(view(x, 3), std::vector<std::int64_t>{0, 0, 1, 1}, shortGradient),
                 std::invalid_argument);
    x[7] = std::nanf("");
    try {
        loss.compute(view(x, 3), std::vector<std::int64_t>{0, 0, 1, 1}, {});
        FAIL() << "NaN accepted";
    } catch (const std::invalid_argument& error) {
        EXPECT_NE(std::string(error.what()).find("row 2"), std::string::npos) << error.what();
    }
}

TEST(TripletLossTest, CollapsedEmbeddingsGiveFiniteGradient)
{
    // All points identical: every distance is sqrt(epsilon), d_ap - d_an = 0 and the loss is
    // the margin; the epsilon keeps the gradient finite (here 0, since x_i - x_j = 0).
    std::vector<float> x(8 * 4, 0.5F);
    const std::vector<std::int64_t> labels = {0, 0, 1, 1, 2, 2, 3, 3};
    TripletLoss loss({TripletMining::BatchHard, 0.2F, false});
    std::vector<float> gradient(x.size());
    const TripletStats stats = loss.compute(view(x, 4), labels, gradient);
    EXPECT_NEAR(stats.loss, 0.2F, 1e-3F);
    EXPECT_LT(stats.meanPositiveDistance, 1e-2F);
    for (const float g : gradient) {
        EXPECT_TRUE(std::isfinite(g));
    }
}

}  // namespace
}  // namespace lookalike::metric
