#include "core/metric/triplet_loss.h"

#include "core/metric/inner_product_matmul.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace lookalike::metric {

namespace {

double softplus(double x)
{
    // Written so that exp never overflows for large |x|.
    return std::max(x, 0.0) + std::log1p(std::exp(-std::abs(x)));
}

double sigmoid(double x)
{
    if (x >= 0.0) {
        return 1.0 / (1.0 + std::exp(-x));
    }
    const double e = std::exp(x);
    return e / (1.0 + e);
}

void checkInputs(const EmbeddingsView& embeddings, std::span<const std::int64_t> labels,
                 std::span<const float> gradient)
{
    embeddings.checkShape("triplet loss");
    if (labels.size() != embeddings.rows) {
        throw std::invalid_argument("triplet loss: " + std::to_string(labels.size()) + " labels for " +
                                    std::to_string(embeddings.rows) + " embeddings");
    }
    if (!gradient.empty() && gradient.size() != embeddings.values.size()) {
        throw std::invalid_argument("triplet loss: gradient holds " + std::to_string(gradient.size()) +
                                    " values, expected " + std::to_string(embeddings.values.size()));
    }
    for (std::size_t i = 0; i < embeddings.values.size(); ++i) {
        if (!std::isfinite(embeddings.values[i])) {
            throw std::invalid_argument("triplet loss: embedding row " + std::to_string(i / embeddings.dimension) +
                                        " contains NaN or infinity (training has diverged)");
        }
    }
}

}  // namespace

float tripletLossValue(const TripletLossConfig& config, float distanceDifference)
{
    if (config.softMargin) {
        return static_cast<float>(softplus(distanceDifference));
    }
    return std::max(0.0F, distanceDifference + config.margin);
}

struct TripletLoss::Impl {
    InnerProductMatmul matmul;
    std::vector<float> gram;                // [N, N]
    std::vector<float> distance;            // [N, N]
    std::vector<double> distanceGradient;   // [N, N] dLoss/dDistance, before normalisation
    std::vector<double> rowGradient;        // [D]

    // Per-step accumulators.
    std::size_t tripletCount = 0;
    std::size_t activeCount = 0;
    double lossSum = 0.0;
    std::size_t n = 0;

    float distanceBetween(std::size_t i, std::size_t j) const { return distance[i * n + j]; }

    void addTriplet(const TripletLossConfig& config, std::size_t anchor, std::size_t positive,
                    std::size_t negative)
    {
        const double difference = static_cast<double>(distanceBetween(anchor, positive)) - distanceBetween(anchor, negative);
        const double argument = config.softMargin ? difference : difference + config.margin;
        ++tripletCount;
        double derivative = 0.0;
        if (config.softMargin) {
            lossSum += softplus(argument);
            derivative = sigmoid(argument);
        } else if (argument > 0.0) {
            lossSum += argument;
            derivative = 1.0;  // 0 at and below the kink: see the header
        }
        if (argument > 0.0) {
            ++activeCount;
        }
        distanceGradient[anchor * n + positive] += derivative;
        distanceGradient[anchor * n + negative] -= derivative;
    }

    void mineBatchAll(const TripletLossConfig& config, std::span<const std::int64_t> labels)
    {
        for (std::size_t a = 0; a < n; ++a) {
            for (std::size_t p = 0; p < n; ++p) {
                if (p == a || labels[p] != labels[a]) {
                    continue;
                }
                for (std::size_t k = 0; k < n; ++k) {
                    if (labels[k] != labels[a]) {
                        addTriplet(config, a, p, k);
                    }
                }
            }
        }
    }

    void mineBatchHard(const TripletLossConfig& config, std::span<const std::int64_t> labels)
    {
        for (std::size_t a = 0; a < n; ++a) {
            std::size_t hardestPositive = n;
            std::size_t hardestNegative = n;
            for (std::size_t j = 0; j < n; ++j) {
                if (j == a) {
                    continue;
                }
                if (labels[j] == labels[a]) {
                    if (hardestPositive == n || distanceBetween(a, j) > distanceBetween(a, hardestPositive)) {
                        hardestPositive = j;
                    }
                } else if (hardestNegative == n || distanceBetween(a, j) < distanceBetween(a, hardestNegative)) {
                    hardestNegative = j;
                }
            }
            if (hardestPositive != n && hardestNegative != n) {
                addTriplet(config, a, hardestPositive, hardestNegative);
            }
        }
    }

    void mineSemiHard(const TripletLossConfig& config, std::span<const std::int64_t> labels)
    {
        for (std::size_t a = 0; a < n; ++a) {
            for (std::size_t p = 0; p < n; ++p) {
                if (p == a || labels[p] != labels[a]) {
                    continue;
                }
                const float positiveDistance = distanceBetween(a, p);
                std::size_t nearestFarther = n;  // min d_an with d_an > d_ap
                std::size_t farthestCloser = n;  // max d_an with d_an <= d_ap (fallback)
                for (std::size_t k = 0; k < n; ++k) {
                    if (labels[k] == labels[a]) {
                        continue;
                    }
                    const float d = distanceBetween(a, k);
                    if (d > positiveDistance) {
                        if (nearestFarther == n || d < distanceBetween(a, nearestFarther)) {
                            nearestFarther = k;
                        }
                    } else if (farthestCloser == n || d > distanceBetween(a, farthestCloser)) {
                        farthestCloser = k;
                    }
                }
                const std::size_t negative = nearestFarther != n ? nearestFarther : farthestCloser;
                if (negative != n) {
                    addTriplet(config, a, p, negative);
                }
            }
        }
    }
};

TripletLoss::TripletLoss(const TripletLossConfig& config) : m_config(config), m_impl(std::make_unique<Impl>())
{
    if (!std::isfinite(config.margin) || config.margin < 0.0F) {
        throw std::invalid_argument("triplet loss: the margin must be a finite number >= 0, got " +
                                    std::to_string(config.margin));
    }
}

TripletLoss::~TripletLoss() = default;
TripletLoss::TripletLoss(TripletLoss&&) noexcept = default;
TripletLoss& TripletLoss::operator=(TripletLoss&&) noexcept = default;

TripletStats TripletLoss::compute(const EmbeddingsView& embeddings, std::span<const std::int64_t> labels,
                                  std::span<float> gradient)
{
    checkInputs(embeddings, labels, gradient);
    Impl& impl = *m_impl;
    const std::size_t n = embeddings.rows;
    const std::size_t dimension = embeddings.dimension;
    impl.n = n;
    impl.gram.resize(n * n);
    impl.distance.resize(n * n);
    impl.distanceGradient.assign(n * n, 0.0);
    impl.rowGradient.resize(dimension);
    impl.tripletCount = 0;
    impl.activeCount = 0;
    impl.lossSum = 0.0;

    // gram [N, N] = embeddings [N, D] x embeddings^T [D, N]
    impl.matmul.multiply(embeddings, embeddings, impl.gram);

    // Computed once per unordered pair so that the matrix is exactly symmetric even if the
    // matmul rounds g_ij and g_ji differently.
    TripletStats stats;
    double positiveSum = 0.0;
    double negativeSum = 0.0;
    std::size_t positivePairs = 0;
    std::size_t negativePairs = 0;
    for (std::size_t i = 0; i < n; ++i) {
        impl.distance[i * n + i] = std::sqrt(kDistanceEpsilon);
        for (std::size_t j = i + 1; j < n; ++j) {
            const float squared = impl.gram[i * n + i] + impl.gram[j * n + j] - 2.0F * impl.gram[i * n + j];
            const float d = std::sqrt(std::max(squared, 0.0F) + kDistanceEpsilon);
            impl.distance[i * n + j] = d;
            impl.distance[j * n + i] = d;
            if (labels[i] == labels[j]) {
                positiveSum += d;
                ++positivePairs;
            } else {
                negativeSum += d;
                ++negativePairs;
            }
        }
    }
    stats.meanPositiveDistance = positivePairs > 0 ? static_cast<float>(positiveSum / positivePairs) : 0.0F;
    stats.meanNegativeDistance = negativePairs > 0 ? static_cast<float>(negativeSum / negativePairs) : 0.0F;

    switch (m_config.mining) {
    case TripletMining::BatchAll:
        impl.mineBatchAll(m_config, labels);
        break;
    case TripletMining::BatchHard:
        impl.mineBatchHard(m_config, labels);
        break;
    case TripletMining::SemiHard:
        impl.mineSemiHard(m_config, labels);
        break;
    }

    stats.tripletCount = impl.tripletCount;
    stats.activeFraction =
        impl.tripletCount > 0 ? static_cast<float>(static_cast<double>(impl.activeCount) / impl.tripletCount) : 0.0F;
    // Batch-all with the hinge averages over active triplets only, so that the many easy
    // triplets do not dilute the loss as training progresses (Hermans et al.).
    const std::size_t normaliser =
        (m_config.mining == TripletMining::BatchAll && !m_config.softMargin) ? impl.activeCount : impl.tripletCount;
    stats.loss = normaliser > 0 ? static_cast<float>(impl.lossSum / normaliser) : 0.0F;

    if (gradient.empty()) {
        return stats;
    }
    std::fill(gradient.begin(), gradient.end(), 0.0F);
    if (normaliser == 0) {
        return stats;
    }
    // dd_ij/dx_i = (x_i - x_j) / d_ij and dd_ij/dx_j = -(x_i - x_j) / d_ij, so
    // grad_i = sum_j c_ij (x_i - x_j) with c_ij = (g_ij + g_ji) / (d_ij * normaliser), where
    // g is dLoss/dDistance accumulated by the mining above.
    const double scale = 1.0 / static_cast<double>(normaliser);
    for (std::size_t i = 0; i < n; ++i) {
        std::fill(impl.rowGradient.begin(), impl.rowGradient.end(), 0.0);
        const auto xi = embeddings.row(i);
        bool touched = false;
        for (std::size_t j = 0; j < n; ++j) {
            const double weight = impl.distanceGradient[i * n + j] + impl.distanceGradient[j * n + i];
            if (j == i || weight == 0.0) {
                continue;
            }
            touched = true;
            const double coefficient = weight * scale / impl.distance[i * n + j];
            const auto xj = embeddings.row(j);
            for (std::size_t k = 0; k < dimension; ++k) {
                impl.rowGradient[k] += coefficient * (static_cast<double>(xi[k]) - xj[k]);
            }
        }
        if (touched) {
            for (std::size_t k = 0; k < dimension; ++k) {
                gradient[i * dimension + k] = static_cast<float>(impl.rowGradient[k]);
            }
        }
    }
    return stats;
}

}  // namespace lookalike::metric
