#pragma once
// Shared helpers for the layer tests: plain <-> blocked tensors, seeded random data, and the
// central finite-difference gradient check every layer test uses.

#include "core/nn/layers/context.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <numeric>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

namespace lookalike::nn::testing {

using layers::Context;
using dnnl::memory;

inline std::size_t elementCount(const memory::dims& dims)
{
    return static_cast<std::size_t>(
        std::accumulate(dims.begin(), dims.end(), memory::dim{1}, std::multiplies<>()));
}

inline std::vector<float> randomVector(std::size_t size, std::uint32_t seed, float low = -1.f, float high = 1.f)
{
    std::mt19937 random(seed);
    std::uniform_real_distribution<float> uniform(low, high);
    std::vector<float> values(size);
    for (float& value : values)
        value = uniform(random);
    return values;
}

// Values at least `gap` apart from each other and from 0, in random order: no ReLU kink and no
// max-pool tie lies within a finite-difference step smaller than gap / 2.
inline std::vector<float> separatedVector(std::size_t size, std::uint32_t seed, float gap = 0.05f)
{
    std::vector<float> values(size);
    for (std::size_t i = 0; i < size; ++i) {
        const float rank = static_cast<float>(i) - static_cast<float>(size) / 2.f;
        values[i] = (rank + 0.5f) * gap;
    }
    std::shuffle(values.begin(), values.end(), std::mt19937(seed));
    return values;
}

// A tensor the test fills in plain layout; layers read `bound`, which is either the plain
// memory itself or a blocked copy (nChw16c) refreshed by upload(), to test the layouts the
// network really runs in.
class TestTensor {
public:
    TestTensor(Context& context, const memory::dims& dims, bool blocked)
        : m_context(context), m_plain(layers::plainDesc(dims), context.engine())
    {
        if (blocked && dims.size() == 4) {
            m_bound = memory({dims, memory::data_type::f32, memory::format_tag::nChw16c}, context.engine());
            m_reorder = dnnl::reorder(m_plain, m_bound);
        } else {
            m_bound = m_plain;
        }
    }

    std::span<float> values() { return layers::floats(m_plain); }
    void set(const std::vector<float>& values)
    {
        std::copy(values.begin(), values.end(), this->values().begin());
        upload();
    }
    void upload()
    {
        if (m_reorder)
            m_reorder->execute(m_context.stream(), m_plain, m_bound);
        m_context.stream().wait();
    }
    const memory& bound() const { return m_bound; }

private:
    Context& m_context;
    memory m_plain;
    memory m_bound;
    std::optional<dnnl::reorder> m_reorder;
};

// Any memory, read back in plain layout.
inline std::vector<float> toPlain(Context& context, const memory& source)
{
    memory plain(layers::plainDesc(source.get_desc().dims()), context.engine());
    memory input = source;  // a handle copy: reorder::execute takes non-const references
    dnnl::reorder(input, plain).execute(context.stream(), input, plain);
    context.stream().wait();
    const auto values = layers::floats(plain);
    return {values.begin(), values.end()};
}

inline double weightedSum(const std::vector<float>& values, const std::vector<float>& weights)
{
    double sum = 0.0;
    for (std::size_t i = 0; i < values.size(); ++i)
        sum += static_cast<double>(values[i]) * weights[i];
    return sum;
}

struct Tolerance {
    double absolute = 1e-3;
    double relative = 1e-2;
};

// Compares analytic[i] with the central difference (loss(x + h) - loss(x - h)) / 2h for every
// coordinate of `variable`. `perturbed` is called after each change of variable (to upload
// it); `loss` runs the forward pass. A coordinate is skipped when `crossesKink` says the two
// evaluations straddle a non-smooth point. Returns the number of coordinates checked.
inline int expectGradientMatches(const std::string& what, std::span<float> variable,
                                 const std::vector<float>& analytic, double step,
                                 const std::function<void()>& perturbed,
                                 const std::function<double()>& loss, Tolerance tolerance,
                                 const std::function<bool()>& crossesKink = {})
{
    EXPECT_EQ(variable.size(), analytic.size()) << what;
    int checked = 0;
    int failures = 0;
    double maxError = 0.0;
    for (std::size_t i = 0; i < variable.size(); ++i) {
        const float original = variable[i];
        variable[i] = original + static_cast<float>(step);
        perturbed();
        const double plus = loss();
        const bool kinkPlus = crossesKink ? crossesKink() : false;
        variable[i] = original - static_cast<float>(step);
        perturbed();
        const double minus = loss();
        const bool kinkMinus = crossesKink ? crossesKink() : false;
        variable[i] = original;
        perturbed();
        if (kinkPlus || kinkMinus)
            continue;
        ++checked;
        const double numeric = (plus - minus) / (2.0 * step);
        const double error = std::abs(numeric - analytic[i]);
        maxError = std::max(maxError, error);
        const double bound = tolerance.absolute + tolerance.relative * std::max(std::abs(numeric), std::abs(double{analytic[i]}));
        if (error > bound && ++failures <= 5)
            ADD_FAILURE() << what << "[" << i << "]: analytic " << analytic[i] << ", numeric " << numeric;
    }
    // In the XML report (--gtest_output=xml), to see how much headroom each tolerance leaves.
    ::testing::Test::RecordProperty(what + ".maxAbsError", std::to_string(maxError));
    EXPECT_EQ(failures, 0) << what << ": " << failures << " of " << checked << " coordinates differ";
    return checked;
}

// Up to `count` distinct coordinates of [0, size), chosen by seed.
inline std::vector<std::size_t> sampleIndices(std::size_t size, std::size_t count, std::uint32_t seed)
{
    std::vector<std::size_t> indices(size);
    std::iota(indices.begin(), indices.end(), std::size_t{0});
    std::shuffle(indices.begin(), indices.end(), std::mt19937(seed));
    indices.resize(std::min(size, count));
    return indices;
}

// For compositions whose ReLU kinks are hidden inside (residual block, whole network). With
// L0 = loss(x), the one-sided differences (L(x + h) - L0) / h and (L0 - L(x - h)) / h agree up
// to h * curvature when no kink lies within h; a kink at distance d changes one of them by
// slope_jump * (h - d) / h, twice what it adds to the central difference. So a coordinate whose
// one-sided differences disagree is skipped, and any kink left undetected shifts the central
// difference by less than the tolerance. Returns how many coordinates were skipped; callers
// bound the total. `indices` selects the coordinates (empty: all).
inline int expectGradientMatchesAwayFromKinks(const std::string& what, std::span<float> variable,
                                               std::span<const float> analytic, double step,
                                               const std::function<double()>& loss, Tolerance tolerance,
                                               std::vector<std::size_t> indices = {})
{
    if (indices.empty()) {
        indices.resize(variable.size());
        std::iota(indices.begin(), indices.end(), std::size_t{0});
    }
    const double base = loss();
    int skipped = 0, failures = 0;
    for (const std::size_t i : indices) {
        const float original = variable[i];
        const float up = original + static_cast<float>(step), down = original - static_cast<float>(step);
        variable[i] = up;
        const double plus = loss();
        variable[i] = down;
        const double minus = loss();
        variable[i] = original;
        // Divide by the float steps actually taken, not the requested one.
        const double forward = (plus - base) / (double{up} - original);
        const double backward = (base - minus) / (double{original} - down);
        const double central = (plus - minus) / (double{up} - down);
        const double bound = tolerance.absolute + tolerance.relative * std::max(std::abs(central), std::abs(double{analytic[i]}));
        if (std::abs(forward - backward) > bound) {
            ++skipped;
            continue;
        }
        if (std::abs(central - analytic[i]) > bound && ++failures <= 5)
            ADD_FAILURE() << what << "[" << i << "]: analytic " << analytic[i] << ", numeric " << central;
    }
    loss();  // leave the network evaluated at the unperturbed point
    EXPECT_EQ(failures, 0) << what << ": " << failures << " of " << indices.size() << " coordinates differ";
    return skipped;
}

inline void expectNear(const std::vector<float>& actual, const std::vector<double>& expected, double tolerance,
                       const std::string& what)
{
    ASSERT_EQ(actual.size(), expected.size()) << what;
    int failures = 0;
    for (std::size_t i = 0; i < actual.size(); ++i)
        if (!(std::abs(actual[i] - expected[i]) <= tolerance * (1.0 + std::abs(expected[i]))) && ++failures <= 5)
            ADD_FAILURE() << what << "[" << i << "]: got " << actual[i] << ", expected " << expected[i];
    EXPECT_EQ(failures, 0) << what;
}

}  // namespace lookalike::nn::testing
