#include "core/nn/layers/l2normalize.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <stdexcept>

namespace lookalike::nn::layers {

L2Normalize::L2Normalize(int rows, int cols) : m_rows(rows), m_cols(cols), m_norms(static_cast<std::size_t>(rows))
{
}

void L2Normalize::forward(std::span<const float> x, std::span<float> y)
{
    const std::size_t size = static_cast<std::size_t>(m_rows) * static_cast<std::size_t>(m_cols);
    if (x.size() != size || y.size() != size)
        throw std::invalid_argument("L2Normalize: expected [N, D] inputs");
    for (int row = 0; row < m_rows; ++row) {
        const float* in = x.data() + static_cast<std::size_t>(row) * m_cols;
        float* out = y.data() + static_cast<std::size_t>(row) * m_cols;
        float squares = 0.f;
#pragma omp simd reduction(+ : squares)
        for (int col = 0; col < m_cols; ++col)
            squares += in[col] * in[col];
        const float norm = std::max(std::sqrt(squares), kEpsilon);
        m_norms[static_cast<std::size_t>(row)] = norm;
        const float inverse = 1.f / norm;
#pragma omp simd
        for (int col = 0; col < m_cols; ++col)
            out[col] = in[col] * inverse;
    }
}

void L2Normalize::backward(std::span<const float> y, std::span<const float> diffY,
                           std::span<float> diffX) const
{
    const std::size_t size = static_cast<std::size_t>(m_rows) * static_cast<std::size_t>(m_cols);
    if (y.size() != size || diffY.size() != size || diffX.size() != size)
        throw std::invalid_argument("L2Normalize: expected [N, D] inputs");
    for (int row = 0; row < m_rows; ++row) {
        const std::size_t offset = static_cast<std::size_t>(row) * m_cols;
        const float* out = y.data() + offset;
        const float* diffOut = diffY.data() + offset;
        float* diffIn = diffX.data() + offset;
        const float norm = m_norms[static_cast<std::size_t>(row)];
        const float inverse = 1.f / norm;
        if (norm <= kEpsilon) {
            // The norm was clamped: y = x / epsilon is linear in x.
#pragma omp simd
            for (int col = 0; col < m_cols; ++col)
                diffIn[col] = diffOut[col] * inverse;
            continue;
        }
        float projection = 0.f;
#pragma omp simd reduction(+ : projection)
        for (int col = 0; col < m_cols; ++col)
            projection += out[col] * diffOut[col];
#pragma omp simd
        for (int col = 0; col < m_cols; ++col)
            diffIn[col] = (diffOut[col] - out[col] * projection) * inverse;
    }
}

}  // namespace lookalike::nn::layers
