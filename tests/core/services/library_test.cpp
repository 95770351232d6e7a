// The look-alike library: embeddings and index after import, similar() with its filters and
// exclusions, index persistence (loaded, stale, corrupt, missing), curation, training on the
// library and atomic model switching.

#include "core/services/library.h"

#include "core/catalog/library_lock.h"
#include "core/nn/checkpoint.h"
#include "core/services/importer.h"
#include "tests/support/backends.h"
#include "tests/support/expect_error.h"
#include "tests/support/shape_photos.h"
#include "tests/support/temp_dir.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <sys/wait.h>
#include <unistd.h>

using namespace lookalike;
using namespace lookalike::services;
namespace fs = std::filesystem;

namespace {

// Every case runs on both backends: a library folder (SQLite) and a database on the test
// suite's PostgreSQL server.
class LibraryTest : public fixtures::BackendTest {
protected:
    void SetUp() override {
        m_files = fixtures::writeShapePhotos(m_dir / "photos", 4);
    }

    std::unique_ptr<Library> openLibrary(const LibraryOptions& options = {}) {
        return Library::open(location(), options);
    }

    // As the app does: import, then embed and index.
    IndexLoad importPhotos(Library& library, const fs::path& folder) {
        std::vector<fs::path> roots{folder};
        importFolders(library.catalog(), roots);
        return library.refresh();
    }

    ItemId itemOf(Library& library, const fs::path& path) {
        std::optional<ItemId> id = library.catalog().findItemByPath(path.string());
        EXPECT_TRUE(id.has_value()) << path;
        return id.value_or(0);
    }

    std::string kindOf(Library& library, ItemId id) {
        std::string path = library.catalog().item(id)->sourcePath;
        for (const auto& file : m_files)
            if (file.path.string() == path)
                return file.kind;
        return "?";
    }

    // Fraction of queries whose best look-alike is of the same kind.
    double recallAt1(Library& library) {
        int hits = 0;
        for (const auto& file : m_files) {
            ItemId id = itemOf(library, file.path);
            auto results = library.similar(id, 1);
            hits += !results.empty() && kindOf(library, results[0].item) == file.kind;
        }
        return static_cast<double>(hits) / static_cast<double>(m_files.size());
    }

    fixtures::TempDir m_dir;
    std::vector<fixtures::ShapePhotoFile> m_files;
};

INSTANTIATE_TEST_SUITE_P(Backends, LibraryTest, fixtures::kBothBackends, fixtures::backendName);

TEST_P(LibraryTest, FreshLibraryFindsLookAlikesWithTheDescriptorModel) {
    auto library = openLibrary();
    EXPECT_EQ(importPhotos(*library, m_dir / "photos"), IndexLoad::Exact);
    ASSERT_TRUE(library->activeModel().has_value());
    auto model = library->models().model(*library->activeModel());
    EXPECT_EQ(model->kind, catalog::ModelKind::Descriptors);
    EXPECT_EQ(library->models().embeddingCount(model->id), static_cast<std::int64_t>(m_files.size()));
    EXPECT_GE(recallAt1(*library), 0.9);
}

TEST_P(LibraryTest, SimilarRanksBestFirstAndExcludesTheQuery) {
    auto library = openLibrary();
    importPhotos(*library, m_dir / "photos");
    ItemId query = itemOf(*library, m_files[0].path);
    auto results = library->similar(query, 5);
    ASSERT_EQ(results.size(), 5u);
    for (std::size_t i = 0; i < results.size(); ++i) {
        EXPECT_NE(results[i].item, query);
        EXPECT_LE(results[i].similarity, 1.0001f);
        if (i > 0) {
            EXPECT_GE(results[i - 1].similarity, results[i].similarity);
        }
    }
    // The three other photos of the same kind come first.
    for (std::size_t i = 0; i < 3; ++i)
        EXPECT_EQ(kindOf(*library, results[i].item), m_files[0].kind) << i;
    EXPECT_EQ(library->similar(query, 1000).size(), m_files.size() - 1);
}

TEST_P(LibraryTest, NotSimilarMarksLeaveTheResults) {
    auto library = openLibrary();
    importPhotos(*library, m_dir / "photos");
    ItemId query = itemOf(*library, m_files[0].path);
    ItemId best = library->similar(query, 1).at(0).item;
    library->catalog().markNotSimilar(best, query, 1);
    for (const SimilarItem& result : library->similar(query, 100))
        EXPECT_NE(result.item, best);
    for (const SimilarItem& result : library->similar(best, 100))
        EXPECT_NE(result.item, query);
}

TEST_P(LibraryTest, FiltersRestrictToAGroupAFolderOrUngroupedItems) {
    auto library = openLibrary();
    importPhotos(*library, m_dir / "photos");
    catalog::Catalog& catalog = library->catalog();
    ItemId query = itemOf(*library, m_files[0].path);
    GroupId group = catalog.createGroup("picked", 1);
    std::vector<ItemId> members{itemOf(*library, m_files[5].path), itemOf(*library, m_files[9].path), query};
    for (ItemId member : members)
        catalog.addToGroup(group, member, 1);

    SimilarFilter inGroup{SimilarFilter::Scope::Group, group, {}};
    auto grouped = library->similar(query, 10, inGroup);
    ASSERT_EQ(grouped.size(), 2u);
    for (const SimilarItem& result : grouped)
        EXPECT_TRUE(result.item == members[0] || result.item == members[1]);

    SimilarFilter ungrouped{SimilarFilter::Scope::Ungrouped, 0, {}};
    auto loose = library->similar(query, 1000, ungrouped);
    EXPECT_EQ(loose.size(), m_files.size() - 3);
    for (const SimilarItem& result : loose)
        EXPECT_FALSE(catalog.groupOf(result.item).has_value());

    const fs::path folder = m_files[20].path.parent_path();
    SimilarFilter inFolder{SimilarFilter::Scope::Folder, 0, folder.string()};
    auto local = library->similar(query, 1000, inFolder);
    EXPECT_EQ(local.size(), 4u);
    for (const SimilarItem& result : local)
        EXPECT_EQ(fs::path(catalog.item(result.item)->sourcePath).parent_path(), folder);

    EXPECT_THROW(library->similar(query, 3, SimilarFilter{SimilarFilter::Scope::Group, 999, {}}), LibraryError);
    EXPECT_THROW(library->similar(ItemId{424242}, 3), LibraryError);
}

TEST_P(LibraryTest, SearchesWithAnOutsidePhoto) {
    auto library = openLibrary();
    importPhotos(*library, m_dir / "photos");
    const fs::path outside = m_dir / "query.jpg";
    fixtures::writeBytes(outside, fixtures::encodeImage(fixtures::makeShapePhoto(fixtures::Shape::Triangle, 2, 99, 200), ".jpg"));
    auto results = library->similar(outside, 3);
    ASSERT_EQ(results.size(), 3u);
    for (const SimilarItem& result : results)
        EXPECT_EQ(kindOf(*library, result.item), "blue-triangle");
    // A photo that is in the catalog is not its own look-alike.
    ItemId same = itemOf(*library, m_files[0].path);
    for (const SimilarItem& result : library->similar(m_files[0].path, 100))
        EXPECT_NE(result.item, same);
    fixtures::writeText(m_dir / "broken.jpg", "not a photo");
    EXPECT_THROW(library->similar(m_dir / "broken.jpg", 3), FileError);
}

// Index persistence: HNSW from the first item on.
class LibraryIndexTest : public LibraryTest {
protected:
    LibraryOptions hnswOptions() {
        LibraryOptions options;
        options.bruteForceBelow = 0;
        return options;
    }
    fs::path indexFile(Library& library) {
        auto record = library.models().indexRecord(*library.activeModel());
        EXPECT_TRUE(record.has_value());
        return library.catalog().libraryDir() / (record ? record->fileName : "missing");
    }
    std::vector<SimilarItem> probe(Library& library) { return library.similar(itemOf(library, m_files[7].path), 8); }
};

bool sameResults(const std::vector<SimilarItem>& a, const std::vector<SimilarItem>& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](const auto& x, const auto& y) {
               return x.item == y.item && x.similarity == y.similarity;
           });
}

INSTANTIATE_TEST_SUITE_P(Backends, LibraryIndexTest, fixtures::kBothBackends, fixtures::backendName);

// Crop-to-search: a red circle and a blue square imported on their own, and pasted side by side.
class LibraryRegionTest : public LibraryTest {
protected:
    void SetUp() override {
        LibraryTest::SetUp();
        m_left = fixtures::makeShapePhoto(fixtures::Shape::Circle, 0, 501);
        m_right = fixtures::makeShapePhoto(fixtures::Shape::Square, 2, 502);
        fixtures::writeBytes(m_dir / "pair" / "left.png", fixtures::encodeImage(m_left, ".png"));
        fixtures::writeBytes(m_dir / "pair" / "right.png", fixtures::encodeImage(m_right, ".png"));
        fixtures::writeBytes(m_composite, fixtures::encodeImage(fixtures::sideBySide(m_left, m_right), ".png"));
    }

    std::unique_ptr<Library> openWithPair() {
        auto library = openLibrary();
        importFolders(library->catalog(), std::vector<fs::path>{m_dir / "photos", m_dir / "pair"});
        library->refresh();
        return library;
    }

    ItemId left(Library& library) { return itemOf(library, m_dir / "pair" / "left.png"); }
    ItemId right(Library& library) { return itemOf(library, m_dir / "pair" / "right.png"); }

    static constexpr PhotoRegion kLeftHalf{0.0, 0.0, 0.5, 1.0};
    static constexpr PhotoRegion kRightHalf{0.5, 0.0, 0.5, 1.0};
    cv::Mat m_left;
    cv::Mat m_right;
    fs::path m_composite = m_dir / "composite.png";  // not imported
};

INSTANTIATE_TEST_SUITE_P(Backends, LibraryRegionTest, fixtures::kBothBackends, fixtures::backendName);

TEST_P(LibraryRegionTest, AHalfOfAnOutsidePhotoFindsThePhotoPastedThere) {
    auto library = openWithPair();
    auto fromLeft = library->similarToRegion(m_composite, kLeftHalf, 5);
    auto fromRight = library->similarToRegion(m_composite, kRightHalf, 5);
    ASSERT_FALSE(fromLeft.empty());
    ASSERT_FALSE(fromRight.empty());
    EXPECT_EQ(fromLeft[0].item, left(*library));
    EXPECT_EQ(fromRight[0].item, right(*library));
    // The same pixels, preprocessed the same way, give the very vector the import stored.
    EXPECT_NEAR(fromLeft[0].similarity, 1.0f, 1e-4f);
    EXPECT_NEAR(fromRight[0].similarity, 1.0f, 1e-4f);
    // A region reaching past the photo is clipped to it.
    auto clipped = library->similarToRegion(m_composite, {0.5, -0.25, 0.75, 1.5}, 5);
    EXPECT_TRUE(sameResults(clipped, fromRight));
}

TEST_P(LibraryRegionTest, AHalfOfAnItemsPhotoFindsThePhotoPastedThereAndLeavesTheItemOut) {
    fs::copy_file(m_composite, m_dir / "pair" / "composite.png");
    auto library = openWithPair();
    ItemId composite = itemOf(*library, m_dir / "pair" / "composite.png");
    auto fromLeft = library->similarToRegion(composite, kLeftHalf, 100);
    auto fromRight = library->similarToRegion(composite, kRightHalf, 100);
    ASSERT_FALSE(fromLeft.empty());
    EXPECT_EQ(fromLeft[0].item, left(*library));
    EXPECT_EQ(fromRight.at(0).item, right(*library));
    for (const auto& result : fromLeft)
        EXPECT_NE(result.item, composite);
    // Not-similar marks of the item apply to its regions too.
    library->catalog().markNotSimilar(composite, left(*library), 1);
    EXPECT_NE(library->similarToRegion(composite, kLeftHalf, 1).at(0).item, left(*library));
}

TEST_P(LibraryRegionTest, TheWholePhotoAsARegionGivesTheItemsOwnLookAlikes) {
    // A JPEG large enough to be decoded reduced, as the import decodes it.
    cv::Mat large;
    cv::resize(fixtures::sideBySide(m_left, m_right), large, {}, 4.0, 4.0, cv::INTER_LINEAR);
    fixtures::writeBytes(m_dir / "pair" / "large.jpg", fixtures::encodeImage(large, ".jpg"));
    fs::copy_file(m_composite, m_dir / "pair" / "composite.png");
    auto library = openWithPair();
    for (const char* name : {"composite.png", "large.jpg"}) {
        ItemId item = itemOf(*library, m_dir / "pair" / name);
        auto whole = library->similarToRegion(item, imaging::kWholePhoto, 10);
        EXPECT_EQ(whole.size(), 10u) << name;
        EXPECT_TRUE(sameResults(whole, library->similar(item, 10))) << name;
    }
    EXPECT_TRUE(sameResults(library->similarToRegion(m_composite, imaging::kWholePhoto, 10), library->similar(m_composite, 10)));
}

TEST_P(LibraryRegionTest, RegionsAreOfTheUprightPhoto) {
    // Stored turned a quarter to the left; EXIF orientation 6 turns it back.
    cv::Mat stored;
    cv::rotate(fixtures::sideBySide(m_left, m_right), stored, cv::ROTATE_90_COUNTERCLOCKWISE);
    const fs::path turned = m_dir / "turned.png";
    fixtures::writeBytes(turned, fixtures::pngWithExifOrientation(fixtures::encodeImage(stored, ".png"), 6));
    auto library = openWithPair();
    auto fromLeft = library->similarToRegion(turned, kLeftHalf, 1);
    EXPECT_EQ(fromLeft.at(0).item, left(*library));
    EXPECT_NEAR(fromLeft[0].similarity, 1.0f, 1e-4f);
    EXPECT_EQ(library->similarToRegion(turned, kRightHalf, 1).at(0).item, right(*library));
}

TEST_P(LibraryRegionTest, BadRegionsAreRefused) {
    auto library = openWithPair();
    const double nan = std::nan("");
    for (PhotoRegion bad : {PhotoRegion{0, 0, 0, 1}, PhotoRegion{0, 0, 1, -0.5}, PhotoRegion{1.2, 0, 0.5, 0.5},
                            PhotoRegion{-0.5, 0, 0.4, 1}, PhotoRegion{nan, 0, 0.5, 0.5}}) {
        EXPECT_THROW(library->similarToRegion(m_composite, bad, 3), std::invalid_argument) << bad.x << "," << bad.width;
        EXPECT_THROW(library->similarToRegion(left(*library), bad, 3), std::invalid_argument) << bad.x;
    }
    // 0.03 of 192 pixels is under the minimum of 8.
    fixtures::expectErrorMentioning<std::invalid_argument>(
        [&] { library->similarToRegion(m_composite, {0.0, 0.0, 0.03, 1.0}, 3); }, "at least 8 x 8");
    EXPECT_NO_THROW(library->similarToRegion(m_composite, {0.0, 0.0, 8.0 / 192, 8.0 / 96}, 3));
    EXPECT_THROW(library->similarToRegion(ItemId{424242}, kLeftHalf, 3), LibraryError);
    EXPECT_THROW(library->similarToRegion(m_dir / "nowhere.png", kLeftHalf, 3), FileError);
    // An item whose file is gone since the import cannot be cropped (its thumbnail still serves similar()).
    ItemId gone = left(*library);
    fs::remove(m_dir / "pair" / "left.png");
    fixtures::expectErrorMentioning<FileError>([&] { library->similarToRegion(gone, kLeftHalf, 3); },
                                               "missing or has changed");
    EXPECT_FALSE(library->similar(gone, 3).empty());
}

TEST_P(LibraryIndexTest, SavedIndexIsLoadedOnReopen) {
    std::vector<SimilarItem> before;
    {
        auto library = openLibrary(hnswOptions());
        EXPECT_EQ(importPhotos(*library, m_dir / "photos"), IndexLoad::BuiltNew);
        before = probe(*library);
        auto record = library->models().indexRecord(*library->activeModel());
        ASSERT_TRUE(record.has_value());
        EXPECT_EQ(record->elementCount, static_cast<std::int64_t>(m_files.size()));
        EXPECT_TRUE(fs::exists(indexFile(*library)));
    }
    auto library = openLibrary(hnswOptions());
    EXPECT_EQ(library->refresh(), IndexLoad::Loaded);
    EXPECT_TRUE(sameResults(probe(*library), before));
}

TEST_P(LibraryIndexTest, CorruptOrMissingIndexIsRebuilt) {
    std::vector<SimilarItem> before;
    fs::path file;
    {
        auto library = openLibrary(hnswOptions());
        importPhotos(*library, m_dir / "photos");
        library->refresh();
        before = probe(*library);
        file = indexFile(*library);
    }
    std::vector<std::uint8_t> bytes = fixtures::readBytes(file);
    bytes[bytes.size() / 2] ^= 0x5a;
    fixtures::writeBytes(file, bytes);
    {
        auto library = openLibrary(hnswOptions());
        EXPECT_EQ(library->refresh(), IndexLoad::BuiltCorrupt);
        EXPECT_TRUE(sameResults(probe(*library), before));
    }
    fixtures::writeBytes(file, std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + 100));  // truncated
    {
        auto library = openLibrary(hnswOptions());
        EXPECT_EQ(library->refresh(), IndexLoad::BuiltCorrupt);
        EXPECT_TRUE(sameResults(probe(*library), before));
    }
    fs::remove(file);
    {
        auto library = openLibrary(hnswOptions());
        EXPECT_EQ(library->refresh(), IndexLoad::BuiltMissing);
        EXPECT_TRUE(sameResults(probe(*library), before));
    }
    auto library = openLibrary(hnswOptions());
    EXPECT_EQ(library->refresh(), IndexLoad::Loaded);
}

TEST_P(LibraryIndexTest, StaleIndexCatchesUpWithNewImportsAndRemovals) {
    {
        auto library = openLibrary(hnswOptions());
        importPhotos(*library, m_dir / "photos");
        library->refresh();
    }
    auto more = fixtures::writeShapePhotos(m_dir / "more", 1, 7);
    {
        // Imported by another process: the recorded index no longer covers every embedding.
        auto catalog = catalog::Catalog::open(location());
        std::vector<fs::path> roots{m_dir / "more"};
        importFolders(catalog, roots);
    }
    auto library = openLibrary(hnswOptions());
    EXPECT_EQ(library->refresh(), IndexLoad::BuiltStale);
    ItemId added = itemOf(*library, more[0].path);
    auto results = library->similar(itemOf(*library, m_files[0].path), 200);
    EXPECT_EQ(results.size(), m_files.size() + more.size() - 1);
    EXPECT_TRUE(std::any_of(results.begin(), results.end(), [&](const auto& r) { return r.item == added; }));
    EXPECT_TRUE(library->removeItem(added));
    for (const SimilarItem& result : library->similar(itemOf(*library, m_files[0].path), 200))
        EXPECT_NE(result.item, added);
    library->refresh();
    auto reopened = openLibrary(hnswOptions());
    EXPECT_EQ(reopened->refresh(), IndexLoad::Loaded);
    EXPECT_EQ(reopened->similar(itemOf(*reopened, m_files[0].path), 200).size(), m_files.size() + more.size() - 2);
}

// Training on the library and switching models.
class LibraryTrainingTest : public LibraryTest {
protected:
    // Trains the network too (a share below 1), also without curated groups.
    LibraryTrainingOptions quick() {
        LibraryTrainingOptions options;
        options.epochs = 2;
        options.inputSize = 32;
        options.width = 8;
        options.descriptorWeight = 0.85f;
        return options;
    }
};

// Without curated groups the library's choice is the descriptors' projection alone, fitted in
// closed form: no network steps, a 128-value vector, and look-alikes at least as good.
INSTANTIATE_TEST_SUITE_P(Backends, LibraryTrainingTest, fixtures::kBothBackends, fixtures::backendName);

TEST_P(LibraryTrainingTest, WithoutGroupsTrainingFitsTheDescriptorProjectionAlone) {
    auto library = openLibrary();
    importPhotos(*library, m_dir / "photos");
    const double before = recallAt1(*library);
    LibraryTrainingOptions options = quick();
    options.descriptorWeight.reset();
    LibraryTrainingReport report = library->train(options);
    EXPECT_TRUE(report.activated);
    EXPECT_EQ(report.steps, 0);
    auto model = library->models().model(report.model);
    EXPECT_EQ(model->dimension, 128);
    EXPECT_NE(model->recipe.find("descriptor_weight=1.0000\n"), std::string::npos) << model->recipe;
    EXPECT_NE(model->recipe.find("network=not trained"), std::string::npos) << model->recipe;
    EXPECT_EQ(catalog::modelServes(*model), "tuned-descriptors");
    EXPECT_NE(model->recipe.find("descriptor_projection=372 -> 128: whitening"), std::string::npos) << model->recipe;
    EXPECT_EQ(model->recipe.find("curated groups"), std::string::npos) << model->recipe;
    EXPECT_GE(recallAt1(*library), before - 0.05);
    // The stored weights (network, then projection) load again in a new session.
    auto query = itemOf(*library, m_files[0].path);
    auto results = library->similar(query, 5);
    library.reset();
    auto reopened = openLibrary();
    EXPECT_EQ(reopened->activeModel(), report.model);
    EXPECT_TRUE(sameResults(reopened->similar(query, 5), results));
}

TEST_P(LibraryTrainingTest, TrainingAddsAModelAndSwitchesToIt) {
    auto library = openLibrary();
    importPhotos(*library, m_dir / "photos");
    const ModelId first = library->activeModel().value_or(0);
    std::vector<std::string> phases;
    LibraryTrainingReport report = library->train(quick(), [&](const Progress& p) {
        if (phases.empty() || phases.back() != p.current)
            phases.push_back(p.current);
    });
    EXPECT_TRUE(report.activated) << report.collapse;
    EXPECT_EQ(report.previous, first);
    EXPECT_GT(report.steps, 0);
    EXPECT_EQ(report.instances, static_cast<std::int64_t>(m_files.size()));
    EXPECT_EQ(library->activeModel(), report.model);
    EXPECT_NE(report.model, first);
    EXPECT_NE(std::find(phases.begin(), phases.end(), "training"), phases.end());
    EXPECT_NE(std::find(phases.begin(), phases.end(), "embedding"), phases.end());
    auto model = library->models().model(report.model);
    EXPECT_EQ(model->kind, catalog::ModelKind::Network);
    EXPECT_EQ(model->state, catalog::ModelState::Ready);
    EXPECT_NE(model->recipe.find("descriptor_weight="), std::string::npos);
    EXPECT_EQ(library->models().embeddingCount(report.model), static_cast<std::int64_t>(m_files.size()));
    EXPECT_GE(recallAt1(*library), 0.8);

    library->useModel(first);
    EXPECT_EQ(library->activeModel(), first);
    EXPECT_GE(recallAt1(*library), 0.9);
    auto reopened = openLibrary();
    EXPECT_EQ(reopened->activeModel(), first);
    reopened->useModel(report.model);
    EXPECT_EQ(reopened->activeModel(), report.model);
}

TEST_P(LibraryTrainingTest, TheLearningRateIsAnOptionRecordedInTheRecipe) {
    auto library = openLibrary();
    importPhotos(*library, m_dir / "photos");
    const std::optional<ModelId> first = library->activeModel();
    LibraryTrainingOptions options = quick();
    for (float refused : {0.0f, -1e-3f, std::nanf("")}) {
        options.learningRate = refused;
        EXPECT_THROW(library->train(options), std::invalid_argument) << refused;
        EXPECT_EQ(library->activeModel(), first);
    }
    options.learningRate = 2e-3f;
    LibraryTrainingReport report = library->train(options);
    ASSERT_NE(report.model, 0);
    auto model = library->models().model(report.model);
    EXPECT_NE(model->recipe.find("learning_rate=0.0020\n"), std::string::npos) << model->recipe;
}

TEST_P(LibraryTrainingTest, ReportsEveryStepAndComparesModelsSideBySide) {
    auto library = openLibrary();
    importPhotos(*library, m_dir / "photos");
    const ModelId first = library->activeModel().value_or(0);
    const ItemId query = itemOf(*library, m_files[0].path);
    const auto underFirst = library->similar(query, 5);
    std::vector<TrainingStep> steps;
    LibraryTrainingOptions options = quick();
    options.onStep = [&](const TrainingStep& step) { steps.push_back(step); };
    LibraryTrainingReport report = library->train(options);
    ASSERT_EQ(static_cast<std::int64_t>(steps.size()), report.steps);
    for (std::size_t i = 0; i < steps.size(); ++i) {
        EXPECT_EQ(steps[i].step, static_cast<std::int64_t>(i) + 1);
        EXPECT_EQ(steps[i].totalSteps, report.steps);
        EXPECT_GE(steps[i].loss, 0.0f);
    }
    // The previous model still answers, from its stored vectors, as it did.
    auto nearlySame = [](const std::vector<SimilarItem>& a, const std::vector<SimilarItem>& b) {
        return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](const auto& x, const auto& y) {
                   return x.item == y.item && std::abs(x.similarity - y.similarity) < 1e-5f;
               });
    };
    EXPECT_TRUE(nearlySame(library->similarUnder(first, query, 5), underFirst));
    EXPECT_TRUE(nearlySame(library->similarUnder(report.model, query, 5), library->similar(query, 5)));
    EXPECT_THROW(library->similarUnder(999, query, 5), LibraryError);
}

// The GUI's two libraries on one folder: the job side imports and embeds, the query side only
// serves what is stored and catches up.
TEST_P(LibraryTest, AQueryLibraryServesWhatTheJobLibraryStored) {
    auto jobs = openLibrary();
    importPhotos(*jobs, m_dir / "photos");
    LibraryOptions servingOnly;
    servingOnly.embedOnDemand = false;
    auto queries = openLibrary(servingOnly);
    const ItemId first = itemOf(*queries, m_files[0].path);
    EXPECT_EQ(queries->similar(first, 100).size(), m_files.size() - 1);

    auto more = fixtures::writeShapePhotos(m_dir / "more", 1, /*seed=*/2);  // other photos than the first ones
    std::vector<fs::path> roots{m_dir / "more"};
    importFolders(jobs->catalog(), roots);
    const ItemId added = itemOf(*queries, more[0].path);
    EXPECT_THROW(queries->similar(added, 5), LibraryError);  // not embedded yet: no work done here
    EXPECT_EQ(queries->models().embeddingCount(*queries->activeModel()), static_cast<std::int64_t>(m_files.size()));
    jobs->refresh();
    EXPECT_EQ(queries->similar(added, 200).size(), m_files.size() + more.size() - 1);
}

TEST_P(LibraryTrainingTest, CancelAtAnyPhaseLeavesThePreviousModel) {
    auto library = openLibrary();
    importPhotos(*library, m_dir / "photos");
    const ModelId first = library->activeModel().value_or(0);
    const ItemId query = itemOf(*library, m_files[0].path);
    const auto before = library->similar(query, 5);
    for (std::string phase : {"training", "embedding"}) {
        CancelToken cancel;
        EXPECT_THROW(library->train(quick(), [&](const Progress& p) { if (p.current == phase) cancel.cancel(); }, &cancel),
                     Cancelled) << phase;
        EXPECT_EQ(library->activeModel(), first) << phase;
        EXPECT_TRUE(sameResults(library->similar(query, 5), before)) << phase;
    }
    for (const catalog::ModelRecord& model : library->models().models())
        if (model.id != first) {
            EXPECT_EQ(model.state, catalog::ModelState::Failed);
            EXPECT_EQ(library->models().embeddingCount(model.id), 0);
        }
    auto reopened = openLibrary();
    EXPECT_EQ(reopened->activeModel(), first);
    EXPECT_TRUE(sameResults(reopened->similar(query, 5), before));
}

TEST_P(LibraryTrainingTest, AnInterruptedBuildIsMarkedFailedOnReopen) {
    ModelId first = 0;
    {
        auto library = openLibrary();
        importPhotos(*library, m_dir / "photos");
        library->refresh();
        first = *library->activeModel();
        // What a crash in the middle of embedding leaves behind.
        ModelId orphan = library->models().createModel(catalog::ModelKind::Descriptors, first, 8, "crash", {}, 1);
        std::vector<float> vector(8, 0.5f);
        library->models().putEmbedding(orphan, itemOf(*library, m_files[0].path), vector);
    }
    auto library = openLibrary();
    EXPECT_EQ(library->activeModel(), first);
    auto models = library->models().models();
    ASSERT_EQ(models.size(), 2u);
    EXPECT_EQ(models[1].state, catalog::ModelState::Failed);
    EXPECT_EQ(library->models().embeddingCount(models[1].id), 0);
    EXPECT_THROW(library->useModel(models[1].id), LibraryError);
    EXPECT_EQ(library->activeModel(), first);
}

TEST_P(LibraryTrainingTest, CuratedGroupsAreHeldOutAndScored) {
    auto library = openLibrary();
    importPhotos(*library, m_dir / "photos");
    catalog::Catalog& catalog = library->catalog();
    std::map<std::string, GroupId> groups;
    for (const auto& file : m_files) {
        if (!groups.contains(file.kind))
            groups[file.kind] = catalog.createGroup(file.kind, 1);
        catalog.addToGroup(groups[file.kind], itemOf(*library, file.path), 1);
    }
    catalog.markNotSimilar(itemOf(*library, m_files[0].path), itemOf(*library, m_files[4].path), 1);
    LibraryTrainingReport report = library->train(quick());
    ASSERT_TRUE(report.before.has_value());
    ASSERT_TRUE(report.after.has_value());
    EXPECT_EQ(report.before->groups, 2);  // 20 % of 9 groups
    EXPECT_EQ(report.curatedGroups, 7);
    EXPECT_EQ(report.notSimilarPairs, 1);
    EXPECT_GT(report.before->recallAt1, 0.5);
    auto model = library->models().model(report.model);
    EXPECT_NE(model->metrics.find("held_out_recall_at_1="), std::string::npos);
    // The descriptors' projection learned from the 7 training groups too.
    EXPECT_NE(model->recipe.find("then within-group whitening of 7 curated groups"), std::string::npos) << model->recipe;
}

}  // namespace

namespace {

// A shipped pretrained model: a fresh library adds it as model 2 and serves with it; an
// unusable file is reported and the descriptors serve instead.
TEST_P(LibraryTest, AFreshLibraryStartsFromThePretrainedModel) {
    nn::NetworkConfig architecture = nn::NetworkConfig::forInput(3, 32);
    architecture.width = 8;
    nn::Network network(architecture, 5);
    std::vector<std::byte> bytes = nn::serializeCheckpoint(network);
    const fs::path checkpoint = m_dir / "pretrained.lkckpt";
    fixtures::writeBytes(checkpoint, std::vector<std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                                               reinterpret_cast<const std::uint8_t*>(bytes.data()) + bytes.size()));
    LibraryOptions options;
    options.pretrainedModel = checkpoint;
    auto library = openLibrary(options);
    importPhotos(*library, m_dir / "photos");
    EXPECT_TRUE(library->takeNotices().empty());
    auto models = library->models().models();
    ASSERT_EQ(models.size(), 2u);
    EXPECT_EQ(models[0].kind, catalog::ModelKind::Descriptors);
    EXPECT_EQ(models[1].kind, catalog::ModelKind::Network);
    EXPECT_EQ(library->activeModel(), models[1].id);
    EXPECT_NE(models[1].recipe.find("pretrained.lkckpt"), std::string::npos);
    EXPECT_EQ(library->models().embeddingCount(models[1].id), static_cast<std::int64_t>(m_files.size()));
    // Fused with the descriptors, even a random network keeps the look-alikes sensible.
    EXPECT_GE(recallAt1(*library), 0.8);
    // Training fine-tunes it.
    LibraryTrainingOptions quick;
    quick.epochs = 1;
    LibraryTrainingReport report = library->train(quick);
    EXPECT_NE(library->models().model(report.model)->recipe.find("fine-tune of model " + std::to_string(models[1].id)),
              std::string::npos);
}

TEST_P(LibraryTest, AnUnusablePretrainedModelLeavesTheDescriptors) {
    const fs::path checkpoint = m_dir / "truncated.lkckpt";
    fixtures::writeText(checkpoint, "LKNNCKPT and then nothing");
    LibraryOptions options;
    options.pretrainedModel = checkpoint;
    auto library = openLibrary(options);
    importPhotos(*library, m_dir / "photos");
    std::vector<std::string> notices = library->takeNotices();
    ASSERT_EQ(notices.size(), 1u);
    EXPECT_NE(notices[0].find("truncated.lkckpt"), std::string::npos);
    auto models = library->models().models();
    ASSERT_EQ(models.size(), 1u);
    EXPECT_EQ(library->activeModel(), models[0].id);
    EXPECT_GE(recallAt1(*library), 0.9);
}

}  // namespace

// Regression: every Library::open used to mark "building" models failed and delete their
// embeddings, so a reader (lookalike-cli similar) opened while another process trained
// destroyed that training run's work. Only a crashed build, with nobody holding the library's
// lock, is cleared now.
TEST_P(LibraryTest, OpeningDoesNotClearAModelThatAnotherProcessIsBuilding) {
    catalog::ModelId building = 0;
    {
        std::unique_ptr<Library> library = openLibrary();
        importPhotos(*library, m_dir / "photos");
        building = library->models().createModel(catalog::ModelKind::Network, library->activeModel(), 4, "", {}, 0);
        library->models().putEmbedding(building, library->catalog().itemIds().front(), std::vector<float>{1, 0, 0, 0});
    }
    int ready[2];
    int release[2];
    ASSERT_EQ(::pipe(ready), 0);
    ASSERT_EQ(::pipe(release), 0);
    const pid_t trainer = ::fork();
    if (trainer == 0) {  // stands for the process that is training
        ::close(ready[0]);
        ::close(release[1]);  // else the read below never sees the parent close its end
        catalog::LibraryLock lock = catalog::LibraryLock::acquire(location(), "trainer");
        [[maybe_unused]] ssize_t written = ::write(ready[1], "x", 1);
        char byte;
        [[maybe_unused]] ssize_t got = ::read(release[0], &byte, 1);
        ::_exit(0);
    }
    ::close(ready[1]);
    ::close(release[0]);
    char byte;
    ASSERT_EQ(::read(ready[0], &byte, 1), 1);
    {
        std::unique_ptr<Library> reader = openLibrary();
        EXPECT_EQ(reader->models().model(building)->state, catalog::ModelState::Building);
        EXPECT_EQ(reader->models().embeddingCount(building), 1);
    }
    ::close(release[1]);
    int status = 0;
    ::waitpid(trainer, &status, 0);
    // A server notices a closed session a moment after the process is gone.
    for (int wait = 0; wait < 50 && catalog::LibraryLock::heldByAnotherProcess(location()); ++wait)
        ::usleep(100'000);
    // The trainer is gone without finishing: now the build is a crashed one.
    std::unique_ptr<Library> after = openLibrary();
    EXPECT_EQ(after->models().model(building)->state, catalog::ModelState::Failed);
    EXPECT_EQ(after->models().embeddingCount(building), 0);
    ::close(ready[0]);
}

TEST_P(LibraryTest, OpeningWhileThisProcessHoldsTheLockClearsACrashedBuild) {
    catalog::ModelId building = 0;
    {
        std::unique_ptr<Library> library = openLibrary();
        importPhotos(*library, m_dir / "photos");
        building = library->models().createModel(catalog::ModelKind::Network, library->activeModel(), 4, "", {}, 0);
    }
    catalog::LibraryLock lock = catalog::LibraryLock::acquire(location(), "gui");
    std::unique_ptr<Library> library = openLibrary();
    EXPECT_EQ(library->models().model(building)->state, catalog::ModelState::Failed);
}
