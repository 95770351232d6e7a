#include "core/metric/inner_product_matmul.h"

#include <dnnl.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace lookalike::metric {

namespace {

// Enough for the loss (one batch shape, plus a shorter last batch) and for the evaluation
// (full chunk plus the remainder) without growing without bound when shapes keep changing.
constexpr std::size_t kMaxCachedShapes = 4;

struct Shape {
    std::int64_t leftRows = 0;
    std::int64_t rightRows = 0;
    std::int64_t dimension = 0;
    bool operator==(const Shape&) const = default;
};

}  // namespace

struct InnerProductMatmul::Impl {
    struct CachedPrimitive {
        Shape shape;
        dnnl::matmul primitive;
        dnnl::memory left;
        dnnl::memory right;
        dnnl::memory products;
    };

    dnnl::engine engine{dnnl::engine::kind::cpu, 0};
    dnnl::stream stream{engine};
    std::vector<CachedPrimitive> cache;  // most recently built last

    CachedPrimitive& primitiveFor(const Shape& shape)
    {
        for (auto& cached : cache) {
            if (cached.shape == shape) {
                return cached;
            }
        }
        if (cache.size() == kMaxCachedShapes) {
            cache.erase(cache.begin());
        }
        using dt = dnnl::memory::data_type;
        const dnnl::memory::dim m = shape.leftRows;
        const dnnl::memory::dim n = shape.rightRows;
        const dnnl::memory::dim d = shape.dimension;
        // left [M, D] row-major; right is stored [N, D] row-major and read as its transpose
        // [D, N] through strides, so no copy is made; products [M, N] row-major.
        const dnnl::memory::desc leftDesc({m, d}, dt::f32, dnnl::memory::dims{d, 1});
        const dnnl::memory::desc rightDesc({d, n}, dt::f32, dnnl::memory::dims{1, d});
        const dnnl::memory::desc productsDesc({m, n}, dt::f32, dnnl::memory::dims{n, 1});
        const dnnl::matmul::desc operation(leftDesc, rightDesc, productsDesc);
        const dnnl::matmul::primitive_desc primitiveDesc(operation, engine);
        cache.push_back(CachedPrimitive{shape, dnnl::matmul(primitiveDesc),
                                        dnnl::memory(leftDesc, engine, DNNL_MEMORY_NONE),
                                        dnnl::memory(rightDesc, engine, DNNL_MEMORY_NONE),
                                        dnnl::memory(productsDesc, engine, DNNL_MEMORY_NONE)});
        return cache.back();
    }
};

InnerProductMatmul::InnerProductMatmul() : m_impl(std::make_unique<Impl>()) {}
InnerProductMatmul::~InnerProductMatmul() = default;
InnerProductMatmul::InnerProductMatmul(InnerProductMatmul&&) noexcept = default;
InnerProductMatmul& InnerProductMatmul::operator=(InnerProductMatmul&&) noexcept = default;

void InnerProductMatmul::multiply(const EmbeddingsView& left, const EmbeddingsView& right,
                                  std::span<float> products)
{
    left.checkShape("inner products (left)");
    right.checkShape("inner products (right)");
    if (left.dimension != right.dimension) {
        throw std::invalid_argument("inner products: dimensions differ (" + std::to_string(left.dimension) +
                                    " vs " + std::to_string(right.dimension) + ")");
    }
    if (products.size() != left.rows * right.rows) {
        throw std::invalid_argument("inner products: output holds " + std::to_string(products.size()) +
                                    " values, expected " + std::to_string(left.rows * right.rows));
    }
    if (left.rows == 0 || right.rows == 0) {
        return;
    }
    const Shape shape{static_cast<std::int64_t>(left.rows), static_cast<std::int64_t>(right.rows),
                      static_cast<std::int64_t>(left.dimension)};
    try {
        auto& cached = m_impl->primitiveFor(shape);
        // oneDNN only reads src and weights; its API takes non-const handles.
        cached.left.set_data_handle(const_cast<float*>(left.values.data()));
        cached.right.set_data_handle(const_cast<float*>(right.values.data()));
        cached.products.set_data_handle(products.data());
        cached.primitive.execute(m_impl->stream, {{DNNL_ARG_SRC, cached.left},
                                                  {DNNL_ARG_WEIGHTS, cached.right},
                                                  {DNNL_ARG_DST, cached.products}});
        m_impl->stream.wait();
    } catch (const dnnl::error& error) {
        throw std::runtime_error(std::string("inner products: oneDNN matmul failed: ") + error.what());
    }
}

}  // namespace lookalike::metric
