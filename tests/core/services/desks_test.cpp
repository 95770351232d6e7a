// Two desks on one library on a PostgreSQL server: each keeps its search index in its own
// cache, built from the server's embeddings and verified against them, and both give the same
// look-alikes for the same model; a desk catches up with what the other imported.

#include "core/services/library.h"

#include "core/catalog/library_lock.h"
#include "core/services/importer.h"
#include "tests/support/postgres_cluster.h"
#include "tests/support/scoped_environment.h"
#include "tests/support/shape_photos.h"
#include "tests/support/temp_dir.h"

#include <gtest/gtest.h>

using namespace lookalike;
using namespace lookalike::services;
namespace fs = std::filesystem;

namespace {

class DesksTest : public ::testing::Test {
protected:
    void SetUp() override {
        m_files = fixtures::writeShapePhotos(m_dir / "photos", 4);
        m_more = fixtures::writeShapePhotos(m_dir / "more", 1, 7);
    }

    // A desk: its own cache folder, the shared server library; HNSW from the first item on, so
    // that each desk builds and saves an index file.
    std::unique_ptr<Library> openDesk(const std::string& desk) {
        fixtures::ScopedEnvironment cache("XDG_CACHE_HOME", (m_dir / desk).c_str());
        LibraryOptions options;
        options.bruteForceBelow = 0;
        return Library::open(m_location, options);
    }

    std::vector<SimilarItem> lookalikes(Library& library) {
        std::vector<SimilarItem> all;
        for (catalog::ItemId item : library.catalog().itemIds()) {
            std::vector<SimilarItem> found = library.similar(item, 5);
            all.insert(all.end(), found.begin(), found.end());
        }
        return all;
    }

    fixtures::TempDir m_dir;
    catalog::LibraryLocation m_location =
        catalog::LibraryLocation::parse(fixtures::PostgresCluster::shared().createDatabase());
    std::vector<fixtures::ShapePhotoFile> m_files;
    std::vector<fixtures::ShapePhotoFile> m_more;
};

bool same(const std::vector<SimilarItem>& a, const std::vector<SimilarItem>& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](const auto& x, const auto& y) {
               return x.item == y.item && std::abs(x.similarity - y.similarity) < 1e-6f;
           });
}

TEST_F(DesksTest, TwoDesksGiveTheSameLookAlikesFromTheirOwnIndexes) {
    std::unique_ptr<Library> front = openDesk("front");
    {
        catalog::LibraryLock lock = catalog::LibraryLock::acquire(m_location, "front desk");
        std::vector<fs::path> roots{m_dir / "photos"};
        importFolders(front->catalog(), roots);
        EXPECT_EQ(front->refresh(), IndexLoad::BuiltNew);
    }
    std::unique_ptr<Library> back = openDesk("back");
    EXPECT_NE(front->catalog().libraryDir(), back->catalog().libraryDir());
    EXPECT_EQ(front->catalog().libraryId(), back->catalog().libraryId());
    // The back desk has no index of its own yet: it builds one from the server's vectors.
    EXPECT_EQ(back->refresh(), IndexLoad::BuiltNew);
    EXPECT_EQ(back->activeModel(), front->activeModel());
    EXPECT_TRUE(same(lookalikes(*front), lookalikes(*back)));
    const catalog::ModelId model = *back->activeModel();
    EXPECT_TRUE(fs::exists(back->catalog().libraryDir() / ("index-" + std::to_string(model) + ".lkidx")));
    EXPECT_TRUE(fs::exists(front->catalog().libraryDir() / ("index-" + std::to_string(model) + ".lkidx")));

    // The front desk imports more; the back desk catches up from the newest embedding it holds.
    {
        catalog::LibraryLock lock = catalog::LibraryLock::acquire(m_location, "front desk");
        std::vector<fs::path> roots{m_dir / "more"};
        importFolders(front->catalog(), roots);
        front->refresh();
    }
    back.reset();
    back = openDesk("back");
    EXPECT_EQ(back->refresh(), IndexLoad::BuiltStale);  // loaded from its cache, then caught up
    EXPECT_EQ(back->catalog().itemCount(), static_cast<std::int64_t>(m_files.size() + m_more.size()));
    EXPECT_TRUE(same(lookalikes(*front), lookalikes(*back)));

    // Reopened with nothing new, the back desk's own index checks out and is loaded as it is.
    back.reset();
    back = openDesk("back");
    EXPECT_EQ(back->refresh(), IndexLoad::Loaded);
}

TEST_F(DesksTest, ADeskIndexThatDoesNotMatchTheServerIsRebuilt) {
    std::unique_ptr<Library> front = openDesk("front");
    std::vector<fs::path> roots{m_dir / "photos"};
    importFolders(front->catalog(), roots);
    front->refresh();
    const std::vector<SimilarItem> expected = lookalikes(*front);
    const catalog::ModelId model = *front->activeModel();
    const fs::path index = front->catalog().libraryDir() / ("index-" + std::to_string(model) + ".lkidx");
    front.reset();
    fixtures::writeText(index, "not an index");  // a damaged cache file
    front = openDesk("front");
    EXPECT_EQ(front->refresh(), IndexLoad::BuiltCorrupt);
    EXPECT_TRUE(same(lookalikes(*front), expected));
}

}  // namespace
