// NetworkModel, the served embedding: its vector is the fusion of the network's embedding and
// the descriptors', and the inference network it keeps between calls gives every photo the
// same vector whatever the calls' sizes.

#include "core/training/embedding_model.h"
#include "core/training/trainer.h"

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <random>

using namespace lookalike;

namespace {

// Colour photos on white: a disc and a bar of random colours, positions and sizes.
std::vector<cv::Mat> photos(int count) {
    std::mt19937 random(7);
    std::uniform_int_distribution<int> position(8, 40), size(4, 12), colour(0, 200);
    std::vector<cv::Mat> images;
    for (int i = 0; i < count; ++i) {
        cv::Mat image(48, 48, CV_8UC3, cv::Scalar::all(255));
        cv::circle(image, {position(random), position(random)}, size(random),
                   cv::Scalar(colour(random), colour(random), colour(random)), cv::FILLED);
        const cv::Point corner(position(random), position(random));
        cv::rectangle(image, corner, corner + cv::Point(size(random), 3), cv::Scalar::all(colour(random)), cv::FILLED);
        images.push_back(image);
    }
    return images;
}

std::shared_ptr<nn::Network> smallNetwork() {
    nn::NetworkConfig config = nn::NetworkConfig::forInput(3, 32);
    config.width = 8;
    config.blocksPerStage = {1, 1};
    config.embeddingDim = 16;
    return std::make_shared<nn::Network>(config, 5);
}

double dot(std::span<const float> a, std::span<const float> b) {
    double sum = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i)
        sum += static_cast<double>(a[i]) * b[i];
    return sum;
}

TEST(NetworkModel, TheCosineIsTheWeightedSumOfTheNetworkAndDescriptorCosines) {
    const std::vector<cv::Mat> images = photos(6);
    const std::shared_ptr<nn::Network> network = smallNetwork();
    const float w = 0.3f;
    training::NetworkModel model(network, {w, true, 2, 4, nullptr});
    std::vector<float> served(images.size() * model.dimension());
    model.embed(images, served);

    const std::vector<float> alone = training::embedImages(*network, images, {4, 2, true});
    training::DescriptorModel descriptors;
    std::vector<float> described(images.size() * descriptors.dimension());
    descriptors.embed(images, described);
    const std::size_t n = model.networkDimension(), d = descriptors.dimension(), all = model.dimension();
    ASSERT_EQ(all, n + d);
    for (std::size_t a = 0; a < images.size(); ++a)
        for (std::size_t b = a + 1; b < images.size(); ++b) {
            const double expected = (1.0 - w) * dot({alone.data() + a * n, n}, {alone.data() + b * n, n}) +
                                    w * dot({described.data() + a * d, d}, {described.data() + b * d, d});
            EXPECT_NEAR(dot({served.data() + a * all, all}, {served.data() + b * all, all}), expected, 1e-4)
                << a << ", " << b;
        }
}

// The kept inference network caches a plan per batch size (and drops them past a few, or when
// released): calls of many sizes, one after another, must give each photo the vector one call
// gives it.
TEST(NetworkModel, CallsOfAnySizeGiveEachPhotoTheSameVector) {
    const std::vector<cv::Mat> images = photos(40);
    training::NetworkModel model(smallNetwork(), {0.5f, true, 2, 8, nullptr});
    const std::size_t dimension = model.dimension();
    std::vector<float> whole(images.size() * dimension);
    model.embed(images, whole);

    std::size_t first = 0;
    for (const std::size_t count : {1, 7, 3, 8, 5, 2, 9, 1, 4}) {
        if (count == 2)
            model.releaseWorkspace();  // the next call builds its plan again
        const std::vector<cv::Mat> part(images.begin() + static_cast<std::ptrdiff_t>(first),
                                        images.begin() + static_cast<std::ptrdiff_t>(first + count));
        std::vector<float> vectors(count * dimension);
        model.embed(part, vectors);
        for (std::size_t i = 0; i < count * dimension; ++i)
            ASSERT_NEAR(vectors[i], whole[first * dimension + i], 1e-5) << "photo " << first + i / dimension;
        first += count;
    }
    EXPECT_EQ(first, images.size());
}

}  // namespace
