#pragma once
// L2 normalisation of embeddings, y_n = x_n / max(||x_n||, epsilon), in plain C++.
// oneDNN 2.6 has no L2-norm primitive (lrn is a different operation), and on [N, D] = [64, 128]
// this is ~8 k multiply-adds: a simple vectorisable loop costs less than any primitive call.
// Rows are processed independently, so results do not depend on the thread count.

#include <span>
#include <vector>

namespace lookalike::nn::layers {

class L2Normalize {
public:
    static constexpr float kEpsilon = 1e-12f;

    L2Normalize(int rows, int cols);

    // x [N, D] -> y [N, D] (plain, row-major); remembers the norms for backward.
    void forward(std::span<const float> x, std::span<float> y);
    // y [N, D] from forward, diffY [N, D] -> diffX [N, D]:
    // diffX = (diffY - y * <y, diffY>) / ||x||  (or diffY / epsilon where the norm was clamped).
    void backward(std::span<const float> y, std::span<const float> diffY, std::span<float> diffX) const;

private:
    int m_rows;
    int m_cols;
    std::vector<float> m_norms;  // [N], clamped at epsilon
};

}  // namespace lookalike::nn::layers
