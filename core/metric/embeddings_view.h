#pragma once
// A read-only view of a row-major float matrix holding one embedding per row. The caller
// owns the values; the view must not outlive them.

#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>

namespace lookalike::metric {

// values [rows, dimension], row-major and contiguous.
struct EmbeddingsView {
    std::span<const float> values;
    std::size_t rows = 0;
    std::size_t dimension = 0;

    std::span<const float> row(std::size_t index) const
    {
        return values.subspan(index * dimension, dimension);
    }

    // Throws std::invalid_argument (naming `owner`) when values.size() != rows * dimension
    // or dimension is 0 while rows is not.
    void checkShape(const std::string& owner) const
    {
        if (values.size() != rows * dimension || (rows > 0 && dimension == 0)) {
            throw std::invalid_argument(owner + ": embedding matrix of " + std::to_string(rows) + " x " +
                                        std::to_string(dimension) + " does not match its " +
                                        std::to_string(values.size()) + " values");
        }
    }
};

}  // namespace lookalike::metric
