#pragma once
// Internal to core/nn: standard normal samples from a seed, identical on every platform and
// standard library (std::normal_distribution is implementation-defined; std::mt19937_64 is not).

#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>

namespace lookalike::nn {

class RandomNormal {
public:
    explicit RandomNormal(std::uint64_t seed) : m_engine(seed) {}

    // Box-Muller; uses both values of each pair.
    double next()
    {
        if (m_hasSpare) {
            m_hasSpare = false;
            return m_spare;
        }
        const double u1 = uniformOpen();
        const double u2 = uniformOpen();
        const double radius = std::sqrt(-2.0 * std::log(u1));
        const double angle = 2.0 * std::numbers::pi * u2;
        m_spare = radius * std::sin(angle);
        m_hasSpare = true;
        return radius * std::cos(angle);
    }

private:
    double uniformOpen()  // (0, 1]: 53 random bits, never 0 so log() is finite
    {
        return (static_cast<double>(m_engine() >> 11) + 1.0) * 0x1.0p-53;
    }

    std::mt19937_64 m_engine;
    double m_spare = 0.0;
    bool m_hasSpare = false;
};

}  // namespace lookalike::nn
