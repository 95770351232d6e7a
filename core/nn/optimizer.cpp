#include "core/nn/optimizer.h"

#include <cmath>
#include <cstddef>
#include <stdexcept>

namespace lookalike::nn {

namespace {

std::vector<std::vector<float>> zerosLike(const std::vector<Parameter>& parameters)
{
    std::vector<std::vector<float>> buffers;
    buffers.reserve(parameters.size());
    for (const Parameter& parameter : parameters)
        buffers.emplace_back(parameter.data.size(), 0.f);
    return buffers;
}

}  // namespace

Optimizer::Optimizer(std::vector<Parameter> parameters) : m_parameters(std::move(parameters))
{
    for (const Parameter& parameter : m_parameters)
        if (parameter.grad.size() != parameter.data.size())
            throw std::invalid_argument("Optimizer: parameter " + parameter.name + " has no gradient");
}

AdamW::AdamW(std::vector<Parameter> parameters, const AdamWOptions& options)
    : Optimizer(std::move(parameters)),
      m_options(options),
      m_firstMoment(zerosLike(m_parameters)),
      m_secondMoment(zerosLike(m_parameters))
{
}

void AdamW::step(float learningRate)
{
    ++m_stepCount;
    const float beta1 = m_options.beta1;
    const float beta2 = m_options.beta2;
    const float epsilon = m_options.epsilon;
    const auto t = static_cast<double>(m_stepCount);
    const auto firstCorrection = static_cast<float>(1.0 / (1.0 - std::pow(double{beta1}, t)));
    const auto secondCorrectionRoot = static_cast<float>(1.0 / std::sqrt(1.0 - std::pow(double{beta2}, t)));
    const std::size_t count = m_parameters.size();
#pragma omp parallel
    for (std::size_t index = 0; index < count; ++index) {
        const Parameter& parameter = m_parameters[index];
        float* p = parameter.data.data();
        const float* g = parameter.grad.data();
        float* m = m_firstMoment[index].data();
        float* v = m_secondMoment[index].data();
        const float decay = parameter.weightDecay ? 1.f - learningRate * m_options.weightDecay : 1.f;
        const auto size = static_cast<std::ptrdiff_t>(parameter.data.size());
        // nowait: elements are independent, so threads move straight on to the next tensor.
#pragma omp for simd schedule(static) nowait
        for (std::ptrdiff_t i = 0; i < size; ++i) {
            m[i] = beta1 * m[i] + (1.f - beta1) * g[i];
            v[i] = beta2 * v[i] + (1.f - beta2) * g[i] * g[i];
            // PyTorch: p -= lr * m_hat / (sqrt(v) / sqrt(1 - beta2^t) + eps)
            const float denominator = std::sqrt(v[i]) * secondCorrectionRoot + epsilon;
            p[i] = p[i] * decay - learningRate * firstCorrection * m[i] / denominator;
        }
    }
}

Sgd::Sgd(std::vector<Parameter> parameters, const SgdOptions& options)
    : Optimizer(std::move(parameters)), m_options(options), m_velocity(zerosLike(m_parameters))
{
}

void Sgd::step(float learningRate)
{
    const bool first = m_stepCount == 0;
    ++m_stepCount;
    const float momentum = m_options.momentum;
    const bool nesterov = m_options.nesterov;
    const std::size_t count = m_parameters.size();
#pragma omp parallel
    for (std::size_t index = 0; index < count; ++index) {
        const Parameter& parameter = m_parameters[index];
        float* p = parameter.data.data();
        const float* g = parameter.grad.data();
        float* velocity = m_velocity[index].data();
        const float decay = parameter.weightDecay ? m_options.weightDecay : 0.f;
        const auto size = static_cast<std::ptrdiff_t>(parameter.data.size());
#pragma omp for simd schedule(static) nowait
        for (std::ptrdiff_t i = 0; i < size; ++i) {
            const float gradient = g[i] + decay * p[i];
            velocity[i] = first ? gradient : momentum * velocity[i] + gradient;
            const float direction = nesterov ? gradient + momentum * velocity[i] : velocity[i];
            p[i] -= learningRate * direction;
        }
    }
}

}  // namespace lookalike::nn
