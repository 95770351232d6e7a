#pragma once
// All-pairs inner products through a oneDNN matmul primitive: the one heavy kernel that the
// triplet loss (Gram matrix) and the retrieval evaluation (query chunk x database) share.
// oneDNN stays behind a pimpl so that this header does not pull in dnnl.hpp.

#include "core/metric/embeddings_view.h"

#include <memory>
#include <span>

namespace lookalike::metric {

// Not thread-safe: one instance per thread. Primitives are built on first use of a shape and
// reused for later calls of the same shape (a few shapes are kept, e.g. a full chunk and the
// last, shorter one).
class InnerProductMatmul {
public:
    InnerProductMatmul();
    ~InnerProductMatmul();
    InnerProductMatmul(const InnerProductMatmul&) = delete;
    InnerProductMatmul& operator=(const InnerProductMatmul&) = delete;
    InnerProductMatmul(InnerProductMatmul&&) noexcept;
    InnerProductMatmul& operator=(InnerProductMatmul&&) noexcept;

    // left [M, D], right [N, D] -> products [M, N] with products[i, j] = <left_i, right_j>.
    // `left` and `right` may be the same matrix (Gram matrix). Throws std::invalid_argument on
    // mismatched shapes and std::runtime_error if oneDNN refuses the problem.
    void multiply(const EmbeddingsView& left, const EmbeddingsView& right, std::span<float> products);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace lookalike::metric
