#include "core/nn/pretrained.h"

#include <cmath>
#include <cstring>
#include <map>

namespace lookalike::nn {

namespace {

bool isHead(const std::string& name)
{
    return name.starts_with("head.");
}

std::string shapeText(const std::vector<std::int64_t>& shape)
{
    std::string text = "[";
    for (std::size_t i = 0; i < shape.size(); ++i)
        text += (i ? ", " : "") + std::to_string(shape[i]);
    return text + "]";
}

struct Target {
    std::string name;
    std::vector<std::int64_t> shape;
    std::span<float> data;
};

}  // namespace

int loadPretrainedBackbone(Network& network, const TensorFile& file)
{
    std::map<std::string, const StoredTensor*, std::less<>> stored;
    for (const StoredTensor& tensor : file.tensors)
        stored.emplace(tensor.name, &tensor);

    std::vector<Target> targets;
    for (const Parameter& parameter : network.parameters())
        if (!isHead(parameter.name))
            targets.push_back({parameter.name, parameter.shape, parameter.data});
    for (const StateTensor& state : network.states())
        if (!isHead(state.name))
            targets.push_back({state.name, state.shape, state.data});

    // Check everything before copying anything, so a bad file leaves the network as it was.
    std::vector<const StoredTensor*> sources;
    for (const Target& target : targets) {
        const auto found = stored.find(target.name);
        if (found == stored.end())
            throw CheckpointError(CheckpointError::Reason::TensorMismatch,
                                  "pretrained backbone: missing tensor " + target.name);
        const StoredTensor& source = *found->second;
        if (source.shape != target.shape || source.data.size() != target.data.size_bytes())
            throw CheckpointError(CheckpointError::Reason::TensorMismatch,
                                  "pretrained backbone: tensor " + target.name + " has shape "
                                      + shapeText(source.shape) + ", the network needs " + shapeText(target.shape));
        for (std::size_t offset = 0; offset < source.data.size(); offset += sizeof(float)) {
            float value;
            std::memcpy(&value, source.data.data() + offset, sizeof(float));
            if (!std::isfinite(value))
                throw CheckpointError(CheckpointError::Reason::TensorMismatch,
                                      "pretrained backbone: tensor " + target.name + " contains NaN or infinity");
        }
        sources.push_back(&source);
    }
    for (std::size_t i = 0; i < targets.size(); ++i)
        std::memcpy(targets[i].data.data(), sources[i]->data.data(), targets[i].data.size_bytes());
    return static_cast<int>(targets.size());
}

}  // namespace lookalike::nn
