#include "core/nn/linearembedding.h"

#include "core/nn/checkpoint.h"
#include "core/nn/layers/context.h"
#include "core/nn/layers/l2normalize.h"
#include "core/nn/layers/linear.h"
#include "core/nn/threadscope.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <optional>
#include <stdexcept>

namespace lookalike::nn {

using namespace layers;

namespace {

constexpr const char* kArchitecturePrefix = "lookalike-linear-embedding/1";

std::string architectureOf(int inputDim, int outputDim) {
    return std::string(kArchitecturePrefix) + " input_dim=" + std::to_string(inputDim) +
           " output_dim=" + std::to_string(outputDim);
}

// One batch size and mode: input buffer -> inner product -> plain features -> L2 norm.
class Plan {
public:
    Plan(int batch, int inputDim, int outputDim, float* weights, float* weightsGradient, float* bias,
         float* biasGradient, Mode mode)
        : m_batch(batch),
          m_input(plainDesc({batch, inputDim}), m_context.engine()),
          m_normalize(batch, outputDim),
          m_embeddings(static_cast<std::size_t>(batch) * outputDim) {
        m_linear.emplace(m_context, outputDim, m_input,
                         LinearParameters{weights, weightsGradient, bias, biasGradient}, mode);
        const memory::desc featuresDesc = plainDesc({batch, outputDim});
        m_features = LayoutAdapter(m_context, m_linear->dst(), featuresDesc);
        if (mode == Mode::Training) {
            m_diffFeatures = memory(featuresDesc, m_context.engine());
            m_linear->prepareBackward(m_diffFeatures, false);
        }
    }

    int batch() const { return m_batch; }

    std::span<const float> forward(std::span<const float> features) {
        std::copy(features.begin(), features.end(), static_cast<float*>(m_input.get_data_handle()));
        m_linear->forward();
        m_features.apply(m_context);
        m_context.stream().wait();
        m_normalize.forward(floats(m_features.output()), m_embeddings);
        return m_embeddings;
    }

    void backward(std::span<const float> gradEmbeddings) {
        m_normalize.backward(m_embeddings, gradEmbeddings, floats(m_diffFeatures));
        m_linear->backward();
        m_context.stream().wait();
    }

private:
    Context m_context;
    int m_batch;
    memory m_input;
    std::optional<Linear> m_linear;
    LayoutAdapter m_features;
    memory m_diffFeatures;
    L2Normalize m_normalize;
    std::vector<float> m_embeddings;
};

}  // namespace

struct LinearEmbedding::Impl {
    int inputDim = 0;
    int outputDim = 0;
    std::vector<float> weights, weightsGradient, bias, biasGradient;
    int threads = 0;
    // The last plan of each mode: training uses one batch size, inference mostly one too.
    std::unique_ptr<Plan> training, inference;
    Plan* lastTraining = nullptr;
};

LinearEmbedding::LinearEmbedding(int inputDim, int outputDim) : m_impl(std::make_unique<Impl>()) {
    if (inputDim < 1 || inputDim > kMaxDimension || outputDim < 1 || outputDim > kMaxDimension)
        throw std::invalid_argument("LinearEmbedding: dimensions must be 1.." + std::to_string(kMaxDimension));
    m_impl->inputDim = inputDim;
    m_impl->outputDim = outputDim;
    const auto size = static_cast<std::size_t>(inputDim) * outputDim;
    m_impl->weights.assign(size, 0.0f);
    m_impl->weightsGradient.assign(size, 0.0f);
    m_impl->bias.assign(static_cast<std::size_t>(outputDim), 0.0f);
    m_impl->biasGradient.assign(static_cast<std::size_t>(outputDim), 0.0f);
}

LinearEmbedding::~LinearEmbedding() = default;
LinearEmbedding::LinearEmbedding(LinearEmbedding&&) noexcept = default;
LinearEmbedding& LinearEmbedding::operator=(LinearEmbedding&&) noexcept = default;

LinearEmbedding LinearEmbedding::clone() const {
    LinearEmbedding copy(m_impl->inputDim, m_impl->outputDim);
    copy.m_impl->weights = m_impl->weights;
    copy.m_impl->bias = m_impl->bias;
    copy.m_impl->threads = m_impl->threads;
    return copy;
}

int LinearEmbedding::inputDim() const { return m_impl->inputDim; }
int LinearEmbedding::outputDim() const { return m_impl->outputDim; }
std::span<const float> LinearEmbedding::weights() const { return m_impl->weights; }
std::span<const float> LinearEmbedding::bias() const { return m_impl->bias; }

std::vector<Parameter> LinearEmbedding::parameters() {
    Impl& impl = *m_impl;
    return {Parameter{"weight", {impl.outputDim, impl.inputDim}, impl.weights, impl.weightsGradient, true},
            Parameter{"bias", {impl.outputDim}, impl.bias, impl.biasGradient, false}};
}

std::span<const float> LinearEmbedding::forward(std::span<const float> features, int batch, bool training) {
    Impl& impl = *m_impl;
    if (batch < 1 || batch > 65536 || features.size() != static_cast<std::size_t>(batch) * impl.inputDim)
        throw std::invalid_argument("LinearEmbedding::forward: expected features [N, " + std::to_string(impl.inputDim) +
                                    "] with N in 1..65536");
    ThreadScope threads(impl.threads);
    std::unique_ptr<Plan>& plan = training ? impl.training : impl.inference;
    if (!plan || plan->batch() != batch) {
        plan.reset();  // free the old buffers first
        plan = std::make_unique<Plan>(batch, impl.inputDim, impl.outputDim, impl.weights.data(),
                                      impl.weightsGradient.data(), impl.bias.data(), impl.biasGradient.data(),
                                      training ? Mode::Training : Mode::Inference);
    }
    impl.lastTraining = training ? plan.get() : nullptr;
    return plan->forward(features);
}

void LinearEmbedding::backward(std::span<const float> gradEmbeddings) {
    Impl& impl = *m_impl;
    if (!impl.lastTraining)
        throw std::logic_error("LinearEmbedding::backward: call forward(..., training = true) first");
    if (gradEmbeddings.size() != static_cast<std::size_t>(impl.lastTraining->batch()) * impl.outputDim)
        throw std::invalid_argument("LinearEmbedding::backward: expected gradEmbeddings [N, D] of the last forward");
    ThreadScope threads(impl.threads);
    impl.lastTraining->backward(gradEmbeddings);
}

void LinearEmbedding::setThreadCount(int threads) {
    m_impl->threads = std::max(threads, 0);
}

std::vector<std::byte> LinearEmbedding::serialize() const {
    const Impl& impl = *m_impl;
    return serializeTensorFile(architectureOf(impl.inputDim, impl.outputDim),
                               {TensorView{"weight", {impl.outputDim, impl.inputDim}, impl.weights},
                                TensorView{"bias", {impl.outputDim}, impl.bias}});
}

LinearEmbedding LinearEmbedding::deserialize(std::span<const std::byte> bytes) {
    using Reason = CheckpointError::Reason;
    const TensorFile file = parseTensorFile(bytes);
    // "lookalike-linear-embedding/1 input_dim=I output_dim=O", nothing else.
    int inputDim = 0, outputDim = 0;
    const std::string prefix = std::string(kArchitecturePrefix) + " input_dim=";
    const std::string& text = file.architecture;
    bool parsed = text.starts_with(prefix);
    if (parsed) {
        const char* end = text.data() + text.size();
        auto [afterInput, inputError] = std::from_chars(text.data() + prefix.size(), end, inputDim);
        const std::string_view middle = " output_dim=";
        parsed = inputError == std::errc() && std::string_view(afterInput, end).starts_with(middle);
        if (parsed) {
            auto [afterOutput, outputError] = std::from_chars(afterInput + middle.size(), end, outputDim);
            parsed = outputError == std::errc() && afterOutput == end;
        }
    }
    if (!parsed || inputDim < 1 || inputDim > kMaxDimension || outputDim < 1 || outputDim > kMaxDimension)
        throw CheckpointError(Reason::ArchitectureMismatch,
                              "checkpoint: not a linear embedding ('" + text.substr(0, 80) + "')");
    LinearEmbedding embedding(inputDim, outputDim);
    const std::vector<std::pair<std::string, std::vector<std::int64_t>>> expected{
        {"weight", {outputDim, inputDim}}, {"bias", {outputDim}}};
    if (file.tensors.size() != expected.size())
        throw CheckpointError(Reason::TensorMismatch, "checkpoint: a linear embedding has 2 tensors, this one " +
                                                          std::to_string(file.tensors.size()));
    std::vector<float>* targets[] = {&embedding.m_impl->weights, &embedding.m_impl->bias};
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const StoredTensor& stored = file.tensors[i];
        if (stored.name != expected[i].first || stored.shape != expected[i].second)
            throw CheckpointError(Reason::TensorMismatch, "checkpoint: linear embedding tensor '" + stored.name +
                                                              "' is not the expected '" + expected[i].first + "'");
        std::memcpy(targets[i]->data(), stored.data.data(), stored.data.size());
        if (!std::all_of(targets[i]->begin(), targets[i]->end(), [](float value) { return std::isfinite(value); }))
            throw CheckpointError(Reason::TensorMismatch,
                                  "checkpoint: linear embedding tensor '" + stored.name + "' contains NaN or infinity");
    }
    return embedding;
}

}  // namespace lookalike::nn
