#pragma once
// Internal to core/nn: one flat, 64-byte aligned arena for all parameter values, one for their
// gradients and one for state tensors (BN running statistics). Optimizers walk these as plain
// buffers; layers wrap slices of them as oneDNN memory. Register every tensor, then allocate()
// once: pointers never move afterwards.

#include "core/nn/parameter.h"

#include <cstddef>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace lookalike::nn {

class ParameterStore {
public:
    explicit ParameterStore(bool withGradients = true) : m_withGradients(withGradients) {}

    void addParameter(std::string name, std::vector<std::int64_t> shape, bool weightDecay);
    void addState(std::string name, std::vector<std::int64_t> shape, float initialValue);
    // Zero-initialises gradients and parameters, sets states to their initial values.
    void allocate();

    // Throw std::logic_error for unknown names (a bug, not bad input).
    float* value(std::string_view name);
    float* gradient(std::string_view name);  // null without gradients
    float* state(std::string_view name);

    std::vector<Parameter> parameters();
    std::vector<StateTensor> states();
    void zeroGradients();

private:
    struct Slot {
        std::string name;
        std::vector<std::int64_t> shape;
        std::size_t offset = 0;
        std::size_t size = 0;
        bool weightDecay = false;
        float initialValue = 0.f;
    };
    struct FreeDeleter {
        void operator()(float* pointer) const { std::free(pointer); }
    };
    using Arena = std::unique_ptr<float[], FreeDeleter>;

    static Arena allocateArena(std::size_t floats);
    static void addSlot(std::vector<Slot>& slots, std::size_t& total, Slot slot);
    const Slot& find(const std::vector<Slot>& slots, std::string_view name) const;

    bool m_withGradients;
    std::vector<Slot> m_parameterSlots;
    std::vector<Slot> m_stateSlots;
    std::size_t m_parameterFloats = 0;
    std::size_t m_stateFloats = 0;
    Arena m_values;
    Arena m_gradients;
    Arena m_states;
};

}  // namespace lookalike::nn
