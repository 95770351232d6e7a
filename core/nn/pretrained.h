#pragma once
// Pretrained backbones: copying a converted checkpoint (e.g. Keras' ImageNet MobileNetV2, with
// the tensor names of topology.h) into a freshly built Network before fine-tuning.

#include "core/nn/checkpoint.h"

namespace lookalike::nn {

// Copies every backbone tensor (every parameter and BN state except the head's "head.*") from
// file into network; the file may hold more (layers beyond the network's cut, a classifier),
// which are ignored, and the head stays as initialised. The file's architecture string is not
// looked at. Throws CheckpointError(TensorMismatch) naming the tensor when one the network needs
// is missing, has another shape or holds NaN/infinity; the network is unchanged then.
// Returns the number of tensors copied. Not thread-safe with other uses of network.
int loadPretrainedBackbone(Network& network, const TensorFile& file);

}  // namespace lookalike::nn
