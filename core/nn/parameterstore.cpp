#include "core/nn/parameterstore.h"

#include <algorithm>
#include <new>
#include <numeric>
#include <stdexcept>

namespace lookalike::nn {

namespace {
constexpr std::size_t kAlignmentFloats = 16;  // 64 bytes: one cache line, one AVX-512 vector
}

void ParameterStore::addSlot(std::vector<Slot>& slots, std::size_t& total, Slot slot)
{
    slot.size = static_cast<std::size_t>(std::accumulate(slot.shape.begin(), slot.shape.end(),
                                                         std::int64_t{1}, std::multiplies<>()));
    slot.offset = total;
    total += (slot.size + kAlignmentFloats - 1) / kAlignmentFloats * kAlignmentFloats;
    slots.push_back(std::move(slot));
}

void ParameterStore::addParameter(std::string name, std::vector<std::int64_t> shape, bool weightDecay)
{
    addSlot(m_parameterSlots, m_parameterFloats,
            Slot{std::move(name), std::move(shape), 0, 0, weightDecay, 0.f});
}

void ParameterStore::addState(std::string name, std::vector<std::int64_t> shape, float initialValue)
{
    addSlot(m_stateSlots, m_stateFloats, Slot{std::move(name), std::move(shape), 0, 0, false, initialValue});
}

ParameterStore::Arena ParameterStore::allocateArena(std::size_t floats)
{
    const std::size_t bytes = std::max<std::size_t>(floats, kAlignmentFloats) * sizeof(float);
    auto* pointer = static_cast<float*>(std::aligned_alloc(kAlignmentFloats * sizeof(float), bytes));
    if (!pointer)
        throw std::bad_alloc();
    std::fill_n(pointer, bytes / sizeof(float), 0.f);
    return Arena(pointer);
}

void ParameterStore::allocate()
{
    m_values = allocateArena(m_parameterFloats);
    if (m_withGradients)
        m_gradients = allocateArena(m_parameterFloats);
    m_states = allocateArena(m_stateFloats);
    for (const Slot& slot : m_stateSlots)
        std::fill_n(m_states.get() + slot.offset, slot.size, slot.initialValue);
}

const ParameterStore::Slot& ParameterStore::find(const std::vector<Slot>& slots, std::string_view name) const
{
    for (const Slot& slot : slots)
        if (slot.name == name)
            return slot;
    throw std::logic_error("ParameterStore: no tensor named " + std::string(name));
}

float* ParameterStore::value(std::string_view name)
{
    return m_values.get() + find(m_parameterSlots, name).offset;
}

float* ParameterStore::gradient(std::string_view name)
{
    return m_gradients ? m_gradients.get() + find(m_parameterSlots, name).offset : nullptr;
}

float* ParameterStore::state(std::string_view name)
{
    return m_states.get() + find(m_stateSlots, name).offset;
}

std::vector<Parameter> ParameterStore::parameters()
{
    std::vector<Parameter> result;
    result.reserve(m_parameterSlots.size());
    for (const Slot& slot : m_parameterSlots) {
        std::span<float> grad;
        if (m_gradients)
            grad = {m_gradients.get() + slot.offset, slot.size};
        result.push_back({slot.name, slot.shape, {m_values.get() + slot.offset, slot.size}, grad,
                          slot.weightDecay});
    }
    return result;
}

std::vector<StateTensor> ParameterStore::states()
{
    std::vector<StateTensor> result;
    result.reserve(m_stateSlots.size());
    for (const Slot& slot : m_stateSlots)
        result.push_back({slot.name, slot.shape, {m_states.get() + slot.offset, slot.size}});
    return result;
}

void ParameterStore::zeroGradients()
{
    if (m_gradients)
        std::fill_n(m_gradients.get(), m_parameterFloats, 0.f);
}

}  // namespace lookalike::nn
