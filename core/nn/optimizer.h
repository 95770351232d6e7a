#pragma once
// Optimizers over a Network's parameters (parameter.h): AdamW and SGD with momentum.
//
//   nn::AdamW optimizer(net.parameters(), {.weightDecay = 1e-4f});
//   net.backward(grad);            // fills the grads
//   optimizer.step(schedule.at(step));
//
// Updates follow PyTorch's torch.optim.AdamW / torch.optim.SGD exactly (tests check values by
// hand). Weight decay applies only to parameters with Parameter::weightDecay (conv and linear
// weights, not BN or biases). Each update is an elementwise loop over the plain buffers,
// OpenMP-parallel and vectorised; results do not depend on the thread count.
// Not thread-safe; the parameter spans must outlive the optimizer.

#include "core/nn/parameter.h"

#include <cstdint>
#include <vector>

namespace lookalike::nn {

class Optimizer {
public:
    explicit Optimizer(std::vector<Parameter> parameters);
    virtual ~Optimizer() = default;
    Optimizer(const Optimizer&) = delete;
    Optimizer& operator=(const Optimizer&) = delete;

    // One update with learning rate lr, from the current grads.
    virtual void step(float learningRate) = 0;
    std::int64_t stepCount() const { return m_stepCount; }

protected:
    std::vector<Parameter> m_parameters;
    std::int64_t m_stepCount = 0;
};

struct AdamWOptions {
    float beta1 = 0.9f;
    float beta2 = 0.999f;
    float epsilon = 1e-8f;
    float weightDecay = 0.01f;  // decoupled: p -= lr * weightDecay * p
};

// Adam with decoupled weight decay (Loshchilov & Hutter), bias-corrected moments.
class AdamW final : public Optimizer {
public:
    AdamW(std::vector<Parameter> parameters, const AdamWOptions& options);
    void step(float learningRate) override;

private:
    AdamWOptions m_options;
    std::vector<std::vector<float>> m_firstMoment;
    std::vector<std::vector<float>> m_secondMoment;
};

struct SgdOptions {
    float momentum = 0.9f;
    float weightDecay = 0.f;  // L2 (coupled): grad += weightDecay * p
    bool nesterov = false;
};

// SGD with momentum: v = momentum * v + g (v = g at the first step), p -= lr * v
// (nesterov: p -= lr * (g + momentum * v)).
class Sgd final : public Optimizer {
public:
    Sgd(std::vector<Parameter> parameters, const SgdOptions& options);
    void step(float learningRate) override;

private:
    SgdOptions m_options;
    std::vector<std::vector<float>> m_velocity;
};

}  // namespace lookalike::nn
