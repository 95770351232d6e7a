#pragma once
// The one inner product every index scores with, so HnswIndex reports exactly the similarity
// BruteForceIndex computes for the same pair and the exact oracle can be compared with ==.

#include <cstddef>

namespace lookalike::search {

// a [n], b [n] -> sum over i of a[i] * b[i].
// Eight interleaved partial sums: float addition is not associative, so a single running sum
// cannot be vectorised without -ffast-math, while eight independent ones map onto SIMD lanes.
inline float innerProduct(const float* a, const float* b, std::size_t n) noexcept {
    float lanes[8] = {};
    const std::size_t whole = n - n % 8;
    for (std::size_t i = 0; i < whole; i += 8) {
        for (std::size_t lane = 0; lane < 8; ++lane)
            lanes[lane] += a[i + lane] * b[i + lane];
    }
    float sum = ((lanes[0] + lanes[4]) + (lanes[1] + lanes[5])) +
                ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7]));
    for (std::size_t i = whole; i < n; ++i)
        sum += a[i] * b[i];
    return sum;
}

}  // namespace lookalike::search
