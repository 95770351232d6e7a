#pragma once
// Synthetic embeddings for the search tests and benchmark, from fixed seeds. Header-only;
// every generator returns row-major [N, D] unit vectors.
//
// - randomUnitVectors: uniform on the unit sphere. In 128 dimensions every pair has cosine
//   about 0 +- 0.09, so the 10 nearest neighbours are barely nearer than the rest: the worst
//   case for a graph index, which needs a much larger efSearch for the same recall.
// - ClusteredSpace: embedding-like. Trained models place look-alikes in clusters and vary along
//   a few directions (low intrinsic dimension) plus noise. A space draws cluster centres in a
//   latent space (32-d by default) and a random linear map into D dimensions; each sample is a
//   centre plus latent noise (`spread`), mapped, normalised, then perturbed by isotropic noise
//   of relative size `noise` and normalised again.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace lookalike::fixtures {

inline void normalizeRow(std::span<float> values) {
    double sum = 0.0;
    for (float value : values)
        sum += static_cast<double>(value) * value;
    const double scale = 1.0 / std::sqrt(sum);
    for (float& value : values)
        value = static_cast<float>(value * scale);
}

// [count, dimension], uniform on the unit sphere.
inline std::vector<float> randomUnitVectors(std::size_t count, std::size_t dimension, std::uint64_t seed) {
    std::mt19937_64 random(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> rows(count * dimension);
    for (float& value : rows)
        value = normal(random);
    for (std::size_t i = 0; i < count; ++i)
        normalizeRow(std::span<float>(rows).subspan(i * dimension, dimension));
    return rows;
}

class ClusteredSpace {
public:
    ClusteredSpace(std::size_t dimension, std::size_t clusterCount, std::uint64_t seed,
                   std::size_t latentDimension = 32, float spread = 0.7f, float noise = 0.5f)
        : m_dimension(dimension), m_latentDimension(latentDimension), m_clusterCount(clusterCount),
          m_spread(spread), m_noise(noise) {
        std::mt19937_64 random(seed);
        std::normal_distribution<float> normal(0.0f, 1.0f);
        m_centres.resize(clusterCount * latentDimension);  // [clusters, latent]
        for (float& value : m_centres)
            value = normal(random);
        m_map.resize(dimension * latentDimension);  // [D, latent]
        for (float& value : m_map)
            value = normal(random);
    }

    // [count, D]; row i belongs to cluster i % clusterCount. Samples drawn with different seeds
    // share the space's clusters (queries that resemble the indexed vectors).
    std::vector<float> sample(std::size_t count, std::uint64_t seed) const {
        std::mt19937_64 random(seed);
        std::normal_distribution<float> normal(0.0f, 1.0f);
        const float noiseScale = m_noise / std::sqrt(static_cast<float>(m_dimension));
        std::vector<float> rows(count * m_dimension);
        std::vector<float> latent(m_latentDimension);
        for (std::size_t i = 0; i < count; ++i) {
            const float* centre = m_centres.data() + (i % m_clusterCount) * m_latentDimension;
            for (std::size_t l = 0; l < m_latentDimension; ++l)
                latent[l] = centre[l] + m_spread * normal(random);
            const std::span<float> out = std::span<float>(rows).subspan(i * m_dimension, m_dimension);
            for (std::size_t d = 0; d < m_dimension; ++d) {
                float value = 0.0f;
                for (std::size_t l = 0; l < m_latentDimension; ++l)
                    value += m_map[d * m_latentDimension + l] * latent[l];
                out[d] = value;
            }
            normalizeRow(out);
            for (float& value : out)
                value += noiseScale * normal(random);
            normalizeRow(out);
        }
        return rows;
    }

private:
    std::size_t m_dimension;
    std::size_t m_latentDimension;
    std::size_t m_clusterCount;
    float m_spread;
    float m_noise;
    std::vector<float> m_centres;
    std::vector<float> m_map;
};

inline std::span<const float> row(const std::vector<float>& rows, std::size_t dimension, std::size_t index) {
    return std::span<const float>(rows).subspan(index * dimension, dimension);
}

}  // namespace lookalike::fixtures
