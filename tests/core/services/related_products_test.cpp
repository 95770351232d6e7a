// Products in the look-alikes: each product once unless photos are asked for, and the web-shop
// export of related products by SKU (scores, order, k, min-score, cancel, the CSV and JSON).

#include "core/services/related_products.h"

#include "core/search/vector_math.h"
#include "core/services/importer.h"
#include "core/services/product_csv_import.h"
#include "core/util/errors.h"
#include "tests/support/backends.h"
#include "tests/support/expect_error.h"
#include "tests/support/shape_photos.h"

#include <gtest/gtest.h>

#include <set>
#include <sstream>

using namespace lookalike;
using namespace lookalike::services;
using catalog::ItemId;
namespace fs = std::filesystem;

namespace {

class RelatedProductsTest : public fixtures::BackendTest {
protected:
    void SetUp() override {
        fixtures::writeShapePhotos(m_dir / "photos", 3);  // 9 kinds x 3: red-circle/red-circle-0.png ...
        m_library = Library::open(location());
        std::vector<fs::path> roots{m_dir / "photos"};
        importFolders(m_library->catalog(), roots);
        m_library->refresh();
    }

    // One product per kind, its SKU the kind: the photos are named after it.
    void importSkus() {
        std::string csv = "sku,name\n";
        for (const char* colour : fixtures::kColourNames)
            for (const char* shape : fixtures::kShapeNames)
                csv += std::string(colour) + "-" + shape + "," + colour + " " + shape + "\n";
        std::istringstream in(csv);
        const ProductCsvImportReport report = importProductsCsv(m_library->catalog(), in, "skus.csv", m_dir.path());
        ASSERT_EQ(report.photosLinked, 27) << (report.problems.empty() ? "" : report.problems.front());
    }

    ItemId photo(const std::string& kind, int n) {
        const fs::path path = m_dir / "photos" / kind / (kind + "-" + std::to_string(n) + ".png");
        return m_library->catalog().findItemByPath(path.string()).value();
    }

    fixtures::TempDir m_dir;
    std::unique_ptr<Library> m_library;
};

INSTANTIATE_TEST_SUITE_P(Backends, RelatedProductsTest, fixtures::kBothBackends, fixtures::backendName);

TEST_P(RelatedProductsTest, LookalikesShowEachProductOnceUnlessPhotosAreAsked) {
    importSkus();
    catalog::Catalog& catalog = m_library->catalog();
    const ItemId query = photo("red-circle", 0);

    SimilarFilter photos;
    photos.eachProductOnce = false;
    const std::vector<SimilarItem> everyPhoto = m_library->similar(query, 4, photos);
    ASSERT_EQ(everyPhoto.size(), 4u);
    std::set<ItemId> top2{everyPhoto[0].item, everyPhoto[1].item};
    EXPECT_EQ(top2, (std::set<ItemId>{photo("red-circle", 1), photo("red-circle", 2)}));  // the same shape

    const std::vector<SimilarItem> products = m_library->similar(query, 5);
    ASSERT_EQ(products.size(), 5u);
    std::set<catalog::ProductId> seen;
    const catalog::ProductId own = catalog.productIdOf(query).value();
    for (const SimilarItem& result : products) {
        const catalog::ProductId product = catalog.productIdOf(result.item).value();
        EXPECT_NE(product, own) << "the query's own product's photos are not its look-alikes";
        EXPECT_TRUE(seen.insert(product).second) << "product " << product << " twice";
    }
    // Asking for more products than there are gives all the others, once each.
    EXPECT_EQ(m_library->similar(query, 100).size(), 8u);
}

TEST_P(RelatedProductsTest, RelatesEachSkuToItsMostAlikeProductsByTheirBestPhotos) {
    importSkus();
    catalog::Catalog& catalog = m_library->catalog();
    RelatedProductsOptions options;
    options.k = 3;
    std::vector<Progress> seen;
    const RelatedProductsExport related =
        relatedProducts(*m_library, options, [&](const Progress& progress) { seen.push_back(progress); });
    ASSERT_EQ(related.products.size(), 9u);
    EXPECT_EQ(related.photosWithoutSku, 0);
    EXPECT_EQ(related.products.front().sku, "blue-circle");  // by SKU
    EXPECT_EQ(related.products.front().name, "blue circle");
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.back().done, 9);

    // A product is as alike as its best pair of photos: brute force over the stored vectors.
    const auto bestPair = [&](const std::string& a, const std::string& b) {
        float best = -2.0f;
        for (ItemId x : catalog.productPhotos(catalog.findProduct(a)->id))
            for (ItemId y : catalog.productPhotos(catalog.findProduct(b)->id)) {
                const std::vector<float> u = m_library->embedding(x).value();
                const std::vector<float> v = m_library->embedding(y).value();
                best = std::max(best, search::innerProduct(u.data(), v.data(), u.size()));
            }
        return best;
    };
    for (const RelatedProducts& product : related.products) {
        ASSERT_EQ(product.related.size(), 3u) << product.sku;
        for (std::size_t i = 0; i < product.related.size(); ++i) {
            EXPECT_NE(product.related[i].sku, product.sku);
            EXPECT_NEAR(product.related[i].score, bestPair(product.sku, product.related[i].sku), 1e-4);
            if (i > 0) {
                EXPECT_GE(product.related[i - 1].score, product.related[i].score);
            }
        }
        // No product left out is more alike than the last one listed.
        for (const RelatedProducts& other : related.products) {
            const bool listed = std::any_of(product.related.begin(), product.related.end(),
                                            [&](const RelatedSku& r) { return r.sku == other.sku; });
            if (other.sku != product.sku && !listed) {
                EXPECT_LE(bestPair(product.sku, other.sku), product.related.back().score + 1e-4)
                    << product.sku << " left out " << other.sku;
            }
        }
    }

    options.minScore = 1.01f;  // above any cosine: every product is listed, with nothing related
    const RelatedProductsExport none = relatedProducts(*m_library, options);
    ASSERT_EQ(none.products.size(), 9u);
    for (const RelatedProducts& product : none.products)
        EXPECT_TRUE(product.related.empty());
}

TEST_P(RelatedProductsTest, PhotosWithoutASkuAreLeftOutAndCancelStops) {
    fixtures::expectErrorMentioning<LibraryError>([&] { relatedProducts(*m_library, {}); },
                                                  "No photo of this library has a SKU yet");
    std::istringstream csv("sku\nred-circle\nblue-square\n");
    importProductsCsv(m_library->catalog(), csv, "skus.csv", m_dir.path());
    const RelatedProductsExport related = relatedProducts(*m_library, {});
    ASSERT_EQ(related.products.size(), 2u);
    EXPECT_EQ(related.photosWithoutSku, 21);
    ASSERT_EQ(related.products[0].related.size(), 1u);
    EXPECT_EQ(related.products[0].related[0].sku, "red-circle");

    CancelToken cancel;
    cancel.cancel();
    EXPECT_THROW(relatedProducts(*m_library, {}, {}, &cancel), Cancelled);
}

TEST(RelatedProductsFormats, WritesTheShapesShopsImport) {
    RelatedProductsExport related;
    related.products.push_back({"DR-100", "Floral \"summer\" dress", {{"DR-200", "Maxi", 0.9375f}, {"BG 7", "Tote", 0.5f}}});
    related.products.push_back({"SC-1", "Scarf", {}});
    std::ostringstream csv;
    writeRelatedCsv(csv, related);
    EXPECT_EQ(csv.str(), "sku,related_skus\nDR-100,\"DR-200,BG 7\"\nSC-1,\n");
    std::ostringstream json;
    writeRelatedJson(json, related);
    EXPECT_EQ(json.str(),
              "[\n"
              "  {\"sku\": \"DR-100\", \"name\": \"Floral \\\"summer\\\" dress\", \"related\": [{\"sku\": \"DR-200\", "
              "\"name\": \"Maxi\", \"score\": 0.9375}, {\"sku\": \"BG 7\", \"name\": \"Tote\", \"score\": 0.5000}]},\n"
              "  {\"sku\": \"SC-1\", \"name\": \"Scarf\", \"related\": []}\n"
              "]\n");
    std::ostringstream empty;
    writeRelatedJson(empty, {});
    EXPECT_EQ(empty.str(), "[]\n");
}

}  // namespace
