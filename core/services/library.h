#pragma once
// A shop's library as the GUI and the CLI use it: the catalog plus look-alike search, curation
// feedback and training on the library's own photos.
//
// Models. Model 1 of every library is the built-in descriptors (HOG + colour layout; see
// training/embedding_model.h), which need no training. When a pretrained network is given
// (LibraryOptions::pretrainedModel) a fresh library adds it as model 2, fused with the
// descriptors, and searches with it until the first training; else the descriptors serve.
// train() adds a network model trained on the library: on the pretrained MobileNetV2 backbone
// when that file holds one (its head refitted to the library; with curated groups its last
// blocks fine-tuned), else the compact ResNet (fine-tuning the active one, or from scratch);
// every model is kept, and useModel() switches between them.
//
// Embeddings and the index. Every item gets a vector from the active model, stored in the
// catalog, and an index over them answers similar(). The index file is saved next to the
// catalog and recorded there (model, count, dimension, checksum); it is checked before use and
// rebuilt when missing, stale or corrupt. Libraries under `bruteForceBelow` items search
// exactly instead.
//
// Switching is atomic: a new model's embeddings and index are built while the old ones keep
// serving; the switch is one catalog transaction at the end. A cancel, a failure or a crash
// before it leaves the previous model, embeddings and index in use.
//
// Not thread-safe: one thread at a time (the catalog has one connection).
//
// The parts behind this facade: active_model.h (embeddings and index of the active model,
// switching), library_models.h (models as the catalog keeps them) and library_trainer.h.

#include "core/catalog/catalog.h"
#include "core/catalog/model_store.h"
#include "core/imaging/photo_region.h"
#include "core/util/progress.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lookalike::services {

using catalog::GroupId;
using catalog::ItemId;
using catalog::ModelId;
using imaging::PhotoRegion;

struct LibraryOptions {
    std::size_t bruteForceBelow = 2000;  // exact search for fewer items than this
    std::size_t efSearch = 128;          // HNSW candidates per search
    int threads = 2;
    // A network checkpoint that a fresh library starts from (see defaultPretrainedModel());
    // empty: none, the descriptors serve until the first training.
    std::filesystem::path pretrainedModel;
    // The pretrained MobileNetV2 backbone training can start from (defaultPretrainedBackbone());
    // empty: none (training on the backbone is refused).
    std::filesystem::path pretrainedBackbone;
    // false: refresh() and similar() only serve the vectors already stored (catching up with
    // new ones) and never embed or save the index; another Library on the same folder does
    // that work. The GUI queries through such a library while its job library imports/trains.
    bool embedOnDemand = true;
};

// The pretrained model a fresh library starts from (resources/models/emoji-pretrained.lkckpt,
// installed under <datadir>/lookalike/models; not shipped, see resources/models/README.md):
// $LOOKALIKE_PRETRAINED when set (an empty value disables it), else the installed file next to the
// running executable (installedDataDir()), else the one in the source tree; empty when none
// exists. When it holds a MobileNetV2 backbone, training on the backbone may take it from there.
std::filesystem::path defaultPretrainedModel();
// The converted MobileNetV2 backbone Lookalike ships (resources/models/
// mobilenetv2-nsfwjs-block13.lkckpt): $LOOKALIKE_BACKBONE when set (empty disables it), else the
// installed file, else the source tree's; empty when none exists.
std::filesystem::path defaultPretrainedBackbone();

struct SimilarFilter {
    enum class Scope { All, Group, Folder, Ungrouped };
    Scope scope = Scope::All;
    GroupId group = 0;   // Scope::Group
    std::string folder;  // Scope::Folder: items seen at a path inside it
    // Photos that share a product (a SKU) count once, by the best of them, and an item's own
    // product's other photos are left out; false: every photo (the owner asked for photos).
    bool eachProductOnce = true;
};

struct SimilarItem {
    ItemId item = 0;
    float similarity = 0.0f;  // cosine, in [-1, 1]
};

struct RetrievalScore {
    std::int64_t groups = 0;  // held-out groups measured
    std::int64_t items = 0;
    double recallAt1 = 0.0;
    double mapAtR = 0.0;
};

// One optimisation step, as the GUI's loss curve shows it.
struct TrainingStep {
    std::int64_t step = 0;  // 1-based
    std::int64_t totalSteps = 0;
    float loss = 0.0f;
    float activeFraction = 0.0f;  // triplets that still violate the margin
    float meanPositiveDistance = 0.0f;
    float meanNegativeDistance = 0.0f;
};

struct LibraryTrainingOptions {
    double epochs = 0.0;          // passes over the photos; 0: chosen from the library's size
    // Which network: true, the pretrained MobileNetV2 backbone (LibraryOptions::pretrainedBackbone,
    // or a pretrainedModel that holds one): its head refitted to the library and, with curated
    // groups, its last blocks fine-tuned; false, the compact ResNet; unset, what the active
    // model uses (a library trained on the backbone stays on it). Opt-in: on the quality bench it
    // does not yet beat the ResNet by the margin that would make it the default (README).
    std::optional<bool> useBackbone;
    // The compact ResNet from scratch (implies useBackbone = false); else fine-tuning the active
    // ResNet model (if there is one).
    bool fromScratch = false;
    // With the backbone and curated groups: how many of its last blocks fine-tune (the head
    // always does); unset, the measured default (library_trainer.cpp).
    std::optional<int> fineTunedBlocks;
    // AdamW's peak learning rate; unset, the measured default for the network (library_trainer.cpp).
    std::optional<float> learningRate;
    int inputSize = 96;           // the ResNet's input, RGB (the backbone's is its own, 128)
    int width = 32;               // channels of the ResNet's first stage
    // The descriptor branch's share of the cosine while training (see training/embedding_model.h);
    // unset: with the pretrained backbone 0.85 without curated groups and 0.5 with them; with the
    // ResNet 1 (the descriptors' learned projection alone; the network is not trained) while the
    // library has no curated groups, else 0.85. With held-out groups the served share is then
    // re-chosen on them. Measured in tests/bench/quality: without groups the ResNet part only
    // lowered look-alike quality, on product photos and on cross-style icons.
    std::optional<float> descriptorWeight;
    double heldOutFraction = 0.2; // of curated groups, kept out of training to validate (when >= 2)
    std::uint64_t seed = 1;
    // Called on the training thread after every step; must be cheap and must not throw.
    std::function<void(const TrainingStep&)> onStep;
};

struct LibraryTrainingReport {
    ModelId model = 0;                    // the new model (0 when none was kept)
    std::optional<ModelId> previous;      // the model active before
    bool activated = false;               // the new model is now the active one (not when its
                                          // held-out scores are below the previous model's)
    std::optional<RetrievalScore> before; // held-out groups, with the previous model
    std::optional<RetrievalScore> after;  // the same groups, with the new model
    std::int64_t curatedGroups = 0;       // groups trained on
    std::int64_t instances = 0;           // ungrouped photos trained on as their own label
    std::int64_t notSimilarPairs = 0;
    std::int64_t steps = 0;
    double trainingSeconds = 0.0;
    std::string network;                  // the new model's, as catalog::modelBackbone names it
    std::string collapse;                 // non-empty when training collapsed (not activated)
};

// Why the index was rebuilt, for logs and tests.
enum class IndexLoad { Loaded, BuiltMissing, BuiltStale, BuiltCorrupt, BuiltNew, Exact };

class Library {
public:
    // Opens (creating when missing) the library: a folder, or a database on a server. Throws
    // LibraryError when unusable.
    static std::unique_ptr<Library> open(const catalog::LibraryLocation& location, const LibraryOptions& options = {});
    ~Library();

    catalog::Catalog& catalog();
    catalog::ModelStore& models();

    // Makes the active model's embeddings and index complete: on a fresh library it creates the
    // descriptor model; it embeds items that have no vector yet (new imports, changed photos)
    // and loads, updates or rebuilds the index. Progress.current names the phase. Cancel
    // throws Cancelled; embeddings committed so far stay.
    IndexLoad refresh(const ProgressCallback& progress = {}, const CancelToken* cancel = nullptr);

    // Items most like `item`, best first, without the item itself and without items marked
    // "not similar" to it. Throws LibraryError for an unknown item. Calls refresh() first when
    // needed.
    std::vector<SimilarItem> similar(ItemId item, std::size_t k, const SimilarFilter& filter = {});
    // Items most like a photo file (decoded and preprocessed as an import would); an item with
    // the very same bytes is left out. Throws DecodeError/FileError for an unusable photo.
    std::vector<SimilarItem> similar(const std::filesystem::path& photo, std::size_t k,
                                     const SimilarFilter& filter = {});

    // Items most like a region of a photo (PhotoRegion: fractions of the upright photo, clipped
    // to it), preprocessed as the whole photo is: decoded as an import decodes it, cropped, made
    // into the import's thumbnail and embedded by the active model. For an item, its photo file
    // (the first recorded path that still holds the imported bytes) and the same exclusions as
    // similar(item): the item itself, its product's other photos, its not-similar marks; for a
    // photo file, an item with the very same bytes is left out. {0, 0, 1, 1} is the whole photo
    // (for an item, the same results as similar(item) on what was imported). Throws
    // std::invalid_argument for a region that is not finite, has no area, lies outside the
    // photo or is under imaging::kMinimumRegionSide pixels of it; LibraryError for an unknown
    // item; FileError when the photo cannot be read or decoded, or an item's file is gone or
    // changed since the import.
    std::vector<SimilarItem> similarToRegion(ItemId item, const PhotoRegion& region, std::size_t k,
                                             const SimilarFilter& filter = {});
    std::vector<SimilarItem> similarToRegion(const std::filesystem::path& photo, const PhotoRegion& region,
                                             std::size_t k, const SimilarFilter& filter = {});

    // Items most like `item` under a ready model that need not be the active one, by exact
    // search over that model's stored vectors (to compare models side by side). Throws
    // LibraryError when the model or the item's vector under it is unknown.
    std::vector<SimilarItem> similarUnder(ModelId model, ItemId item, std::size_t k);

    // Trains a network model on the library (groups, ungrouped photos, not-similar marks),
    // embeds every item with it, indexes, and switches to it unless it collapsed or scores
    // below the previous model on the held-out groups (it is then kept, not switched to).
    // Cancel throws Cancelled and leaves the previous model active.
    LibraryTrainingReport train(const LibraryTrainingOptions& options, const ProgressCallback& progress = {},
                                const CancelToken* cancel = nullptr);

    // Switches to a ready model, embedding and indexing what it lacks first.
    void useModel(ModelId model, const ProgressCallback& progress = {}, const CancelToken* cancel = nullptr);
    std::optional<ModelId> activeModel();

    // Retrieval quality of the active model on labelled items (leave-one-out among them).
    RetrievalScore score(const std::vector<ItemId>& items, const std::vector<std::int64_t>& labels);

    // Removes an item from the catalog and the index.
    bool removeItem(ItemId item);

    // The active model's vector for an item (refresh() first).
    std::optional<std::vector<float>> embedding(ItemId item);

    // Problems that did not stop the work but that the user should hear of (an unusable
    // pretrained model file, an index that could not be saved); cleared by the call.
    std::vector<std::string> takeNotices();

private:
    struct Impl;
    explicit Library(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

}  // namespace lookalike::services
