// Training a library on the shipped pretrained MobileNetV2 backbone
// (resources/models/mobilenetv2-nsfwjs-block13.lkckpt): without groups the head is fitted in
// closed form and nothing else changes; with groups the last blocks are fine-tuned and the
// frozen ones keep the pretrained weights; an old library moves to the backbone only through a
// new model version; a damaged backbone is refused without touching the active model.

#include "core/services/library.h"

#include "core/nn/checkpoint.h"
#include "core/nn/network.h"
#include "core/services/importer.h"
#include "core/services/key_values.h"
#include "core/services/library_models.h"
#include "tests/support/shape_photos.h"
#include "tests/support/temp_dir.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iterator>

using namespace lookalike;
using namespace lookalike::services;
namespace fs = std::filesystem;

namespace {

const fs::path kBackbone = fs::path(LOOKALIKE_SOURCE_DIR) / "resources/models/mobilenetv2-nsfwjs-block13.lkckpt";

std::vector<std::uint8_t> readAll(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The values of one tensor of a stored model's network.
std::vector<float> tensorOf(nn::Network& network, const std::string& name) {
    for (const nn::Parameter& parameter : network.parameters())
        if (parameter.name == name)
            return {parameter.data.begin(), parameter.data.end()};
    ADD_FAILURE() << "no tensor " << name;
    return {};
}

std::vector<float> backboneTensor(const std::string& name) {
    const std::vector<std::uint8_t> bytes = readAll(kBackbone);
    const nn::TensorFile file = nn::parseTensorFile(std::as_bytes(std::span(bytes)));
    for (const nn::StoredTensor& tensor : file.tensors)
        if (tensor.name == name) {
            std::vector<float> values(tensor.data.size() / sizeof(float));
            std::memcpy(values.data(), tensor.data.data(), tensor.data.size());
            return values;
        }
    ADD_FAILURE() << "the backbone has no " << name;
    return {};
}

class LibraryBackboneTest : public ::testing::Test {
protected:
    void SetUp() override { m_files = fixtures::writeShapePhotos(m_dir / "photos", 3); }

    std::unique_ptr<Library> openLibrary(const fs::path& backbone) {
        LibraryOptions options;
        options.pretrainedBackbone = backbone;
        return Library::open(m_dir / "library", options);
    }

    static LibraryTrainingOptions onBackbone(double epochs = 0.0) {
        LibraryTrainingOptions options;
        options.useBackbone = true;
        options.epochs = epochs;
        return options;
    }

    void importPhotos(Library& library) {
        std::vector<fs::path> roots{m_dir / "photos"};
        importFolders(library.catalog(), roots);
        library.refresh();
    }

    // One group per kind of photo, for the first `kinds` kinds.
    void curate(Library& library, int kinds) {
        std::map<std::string, GroupId> groups;
        for (const auto& file : m_files) {
            if (!groups.contains(file.kind)) {
                if (static_cast<int>(groups.size()) == kinds)
                    continue;
                groups[file.kind] = library.catalog().createGroup(file.kind, 0);
            }
            library.catalog().addToGroup(groups[file.kind], *library.catalog().findItemByPath(file.path.string()), 0);
        }
    }

    KeyValues recipeOf(Library& library, ModelId id) { return parseKeyValues(library.models().model(id)->recipe); }

    fixtures::TempDir m_dir;
    std::vector<fixtures::ShapePhotoFile> m_files;
};

TEST_F(LibraryBackboneTest, WithoutGroupsTheHeadIsFittedToTheLibraryAndNothingIsTrained) {
    auto library = openLibrary(kBackbone);
    importPhotos(*library);
    LibraryTrainingReport report = library->train(onBackbone());
    ASSERT_TRUE(report.activated);
    EXPECT_EQ(report.steps, 0);
    EXPECT_EQ(report.network, "mobilenetv2:block_10");
    KeyValues recipe = recipeOf(*library, report.model);
    EXPECT_EQ(recipe["architecture"].rfind("lookalike-mobilenetv2/1", 0), 0u) << recipe["architecture"];
    EXPECT_NE(recipe["backbone"].find("MobileNetV2"), std::string::npos);
    EXPECT_EQ(recipe["fine_tuned"], "no: no curated groups");
    EXPECT_EQ(recipe["descriptor_weight"], "0.8500");  // the descriptors' share without groups
    const double networkScale = std::sqrt(1.0 - std::stod(recipe["descriptor_weight"]));

    // The head is a whitening of this library's grid features: the network part of the stored
    // vectors is centred (features of a ReLU network share one large positive direction, so
    // without the fit their mean would have a norm near 1).
    StoredNetwork stored = readStoredNetwork(library->models().weights(report.model));
    const auto part = static_cast<std::size_t>(stored.network->config().embeddingDim);
    const auto dimension = static_cast<std::size_t>(library->models().model(report.model)->dimension);
    ASSERT_GT(dimension, part);
    std::vector<double> mean(part, 0.0);
    const std::vector<ItemId> items = library->catalog().itemIds();
    for (ItemId id : items) {
        std::optional<std::vector<float>> vector = library->models().embedding(report.model, id);
        ASSERT_TRUE(vector);
        for (std::size_t d = 0; d < part; ++d)
            mean[d] += (*vector)[d] / networkScale / static_cast<double>(items.size());
    }
    double norm = 0.0;
    for (double value : mean)
        norm += value * value;
    EXPECT_LT(std::sqrt(norm), 0.3);
    // The backbone itself is the pretrained one.
    EXPECT_EQ(tensorOf(*stored.network, "block_10_project.weight"), backboneTensor("block_10_project.weight"));
    EXPECT_EQ(library->similar(items.front(), 3).size(), 3u);
}

TEST_F(LibraryBackboneTest, WithGroupsTheLastBlocksAreFineTunedAndTheRestStaysPretrained) {
    auto library = openLibrary(kBackbone);
    importPhotos(*library);
    curate(*library, 6);
    LibraryTrainingReport report = library->train(onBackbone(2));
    ASSERT_NE(report.model, 0);
    EXPECT_GT(report.steps, 0);
    KeyValues recipe = recipeOf(*library, report.model);
    EXPECT_NE(recipe["fine_tuned"].find("the last 4 blocks"), std::string::npos) << recipe["fine_tuned"];
    StoredNetwork stored = readStoredNetwork(library->models().weights(report.model));
    for (const char* frozen : {"Conv1.weight", "bn_Conv1.running_var", "block_5_expand.weight", "block_6_project.weight"})
        if (std::string(frozen).ends_with("running_var")) {
            bool found = false;
            for (const nn::StateTensor& state : stored.network->states())
                if (state.name == frozen) {
                    found = true;
                    EXPECT_EQ(std::vector<float>(state.data.begin(), state.data.end()), backboneTensor(frozen));
                }
            EXPECT_TRUE(found);
        } else {
            EXPECT_EQ(tensorOf(*stored.network, frozen), backboneTensor(frozen)) << frozen;
        }
    for (const char* tuned : {"block_7_expand.weight", "block_10_project.weight"})
        EXPECT_NE(tensorOf(*stored.network, tuned), backboneTensor(tuned)) << tuned;
}

TEST_F(LibraryBackboneTest, HowManyBlocksFineTuneIsAnOption) {
    auto library = openLibrary(kBackbone);
    importPhotos(*library);
    curate(*library, 6);
    LibraryTrainingOptions options = onBackbone(1);
    options.fineTunedBlocks = 6;
    LibraryTrainingReport report = library->train(options);
    ASSERT_NE(report.model, 0);
    EXPECT_NE(recipeOf(*library, report.model)["fine_tuned"].find("the last 6 blocks and the head (5 blocks frozen)"),
              std::string::npos)
        << recipeOf(*library, report.model)["fine_tuned"];
    StoredNetwork stored = readStoredNetwork(library->models().weights(report.model));
    for (const char* frozen : {"Conv1.weight", "block_4_project.weight"})
        EXPECT_EQ(tensorOf(*stored.network, frozen), backboneTensor(frozen)) << frozen;
    for (const char* tuned : {"block_5_expand.weight", "block_6_project.weight", "block_10_project.weight"})
        EXPECT_NE(tensorOf(*stored.network, tuned), backboneTensor(tuned)) << tuned;
}

TEST_F(LibraryBackboneTest, AnOldLibraryMovesToTheBackboneInANewModelVersionAndCanRollBack) {
    ModelId old = 0;
    {
        auto library = openLibrary({});  // as before this change: no backbone
        importPhotos(*library);
        curate(*library, 9);
        LibraryTrainingOptions options;
        options.epochs = 1;
        options.inputSize = 32;
        options.width = 8;
        options.descriptorWeight = 0.5f;
        old = library->train(options).model;
        ASSERT_EQ(library->activeModel(), old);
        EXPECT_EQ(recipeOf(*library, old)["architecture"].rfind("lookalike-resnet/1", 0), 0u);
    }
    auto library = openLibrary(kBackbone);
    EXPECT_EQ(library->activeModel(), old);  // opening changes nothing
    LibraryTrainingOptions again;  // the ResNet stays unless the backbone is chosen
    again.epochs = 1;
    again.heldOutFraction = 0.0;
    again.descriptorWeight = 0.5f;
    EXPECT_EQ(recipeOf(*library, library->train(again).model)["architecture"].rfind("lookalike-resnet/1", 0), 0u);
    library->useModel(old);
    LibraryTrainingOptions options = onBackbone(1);
    options.heldOutFraction = 0.0;
    LibraryTrainingReport report = library->train(options);
    ASSERT_TRUE(report.activated);
    EXPECT_EQ(report.previous, old);
    EXPECT_EQ(recipeOf(*library, report.model)["architecture"].rfind("lookalike-mobilenetv2/1", 0), 0u);
    const ItemId query = library->catalog().itemIds().front();
    EXPECT_EQ(library->similar(query, 2).size(), 2u);
    // Once on the backbone, later runs stay on it unless the ResNet is asked for.
    again.descriptorWeight.reset();
    const ModelId followUp = library->train(again).model;
    EXPECT_EQ(recipeOf(*library, followUp)["architecture"].rfind("lookalike-mobilenetv2/1", 0), 0u);
    library->useModel(old);
    EXPECT_EQ(library->activeModel(), old);
    EXPECT_EQ(library->similar(query, 2).size(), 2u);
}

TEST_F(LibraryBackboneTest, TheBackboneCannotBeChosenWhenNoneIsInstalled) {
    auto library = openLibrary({});
    importPhotos(*library);
    try {
        library->train(onBackbone());
        FAIL() << "trained without a backbone";
    } catch (const LibraryError& error) {
        EXPECT_NE(std::string(error.what()).find("needs its backbone"), std::string::npos) << error.what();
    }
    EXPECT_EQ(library->models().models().size(), 1u);
}

TEST_F(LibraryBackboneTest, ADamagedBackboneIsRefusedAndTheActiveModelStays) {
    const std::vector<std::uint8_t> bytes = readAll(kBackbone);
    const fs::path truncated = m_dir / "truncated.lkckpt";
    fixtures::writeBytes(truncated, std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + bytes.size() / 2));
    auto library = openLibrary(truncated);
    importPhotos(*library);
    const std::optional<ModelId> active = library->activeModel();
    try {
        library->train(onBackbone());
        FAIL() << "a truncated backbone was used";
    } catch (const nn::CheckpointError& error) {
        EXPECT_NE(std::string(error.what()).find("checkpoint"), std::string::npos) << error.what();
    }
    EXPECT_EQ(library->activeModel(), active);
    EXPECT_EQ(library->models().models().size(), 1u);
}

// Files that are not a MobileNetV2 checkpoint: a foreign file is refused by the checkpoint
// reader, a Lookalike checkpoint of another network by name; neither changes the library.
TEST_F(LibraryBackboneTest, AForeignFileIsRefusedAndTheActiveModelStays) {
    const fs::path photo = m_dir / "photo.lkckpt";
    fs::copy_file(m_files.front().path, photo);
    const fs::path resnet = m_dir / "resnet.lkckpt";
    nn::Network network(nn::NetworkConfig::forInput(3, 32), 1);
    nn::saveCheckpoint(resnet, network);
    for (const fs::path& file : {photo, resnet}) {
        SCOPED_TRACE(file.filename().string());
        auto library = openLibrary(file);
        importPhotos(*library);
        const std::optional<ModelId> active = library->activeModel();
        try {
            library->train(onBackbone());
            FAIL() << "trained on " << file;
        } catch (const nn::CheckpointError& error) {
            EXPECT_EQ(file, photo);
            EXPECT_NE(std::string(error.what()).find("not a Lookalike checkpoint"), std::string::npos) << error.what();
        } catch (const LibraryError& error) {
            EXPECT_EQ(file, resnet);
            EXPECT_NE(std::string(error.what()).find("no MobileNetV2 backbone is in " + resnet.string()),
                      std::string::npos)
                << error.what();
        }
        EXPECT_EQ(library->activeModel(), active);
        EXPECT_EQ(library->models().models().size(), 1u);
    }
}

}  // namespace
