#pragma once
// The smallest network the checkpoint seeds are written for: the seed corpus's first checkpoint
// (make_seed_corpus.cpp) and the network checkpoint_fuzz.cpp loads inputs into must agree.

#include "core/nn/networkconfig.h"

namespace lookalike::fuzz {

inline nn::NetworkConfig smallestSeedNetwork() {
    nn::NetworkConfig config;
    config.inChannels = 1;
    config.inputSize = 8;
    config.width = 2;
    config.embeddingDim = 2;
    config.blocksPerStage = {1};
    config.downsampleStem = false;
    return config;
}

}  // namespace lookalike::fuzz
