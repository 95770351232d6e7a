// Importing product data (file/sku, name, price, url): rows matched by file or by SKU (the
// product's photos, or photos named after it), what is refused and why, that empty cells keep
// what is stored, and that a refused CSV changes nothing. On both backends.

#include "core/services/product_csv_import.h"

#include "core/util/errors.h"
#include "tests/support/backends.h"
#include "tests/support/expect_error.h"
#include "tests/support/progress_checks.h"
#include "tests/support/recorded_item.h"
#include "tests/support/temp_dir.h"

#include <gtest/gtest.h>

#include <sstream>

using namespace lookalike;
using namespace lookalike::services;
using catalog::Catalog;
using catalog::ItemId;
namespace fs = std::filesystem;

namespace {

class ProductCsvImportTest : public fixtures::BackendTest {
protected:
    void SetUp() override {
        m_catalog = std::make_unique<Catalog>(openCatalog());
        m_dressFront = addItem(m_dir / "photos" / "DR-100.jpg", 1);
        m_dressBack = addItem(m_dir / "photos" / "DR-100_back.jpg", 2);
        m_dressOther = addItem(m_dir / "photos" / "DR-1000.jpg", 3);  // another SKU's photo
        m_bag = addItem(m_dir / "photos" / "bags" / "tote.png", 4);
        m_scarf = addItem(m_dir / "photos" / "scarf.jpg", 5);
    }

    ItemId addItem(const fs::path& path, std::uint8_t seed) { return fixtures::addRecordedItem(*m_catalog, path, seed); }

    ProductCsvImportReport import(const std::string& text) {
        std::istringstream csv(text);
        return importProductsCsv(*m_catalog, csv, "products.csv", m_dir / "photos");
    }

    std::string skuOf(ItemId item) {
        std::optional<catalog::Product> product = m_catalog->productOf(item);
        return product ? product->sku : "(none)";
    }

    fixtures::TempDir m_dir;
    std::unique_ptr<Catalog> m_catalog;
    ItemId m_dressFront = 0, m_dressBack = 0, m_dressOther = 0, m_bag = 0, m_scarf = 0;
};

INSTANTIATE_TEST_SUITE_P(Backends, ProductCsvImportTest, fixtures::kBothBackends, fixtures::backendName);

TEST_P(ProductCsvImportTest, MatchesRowsByFileAndBySkuAndReportsEveryOtherRow) {
    const ProductCsvImportReport report = import(
        "SKU , Name,price,URL,file\n"                                                      // 1
        "DR-100,Floral dress,49.90,https://shop.example/dr-100,\n"                          // 2: photos named after it
        "BG-7,\"Tote, canvas\",\"EUR 29,00\",https://shop.example/bg-7,bags/tote.png\n"     // 3: by file
        ",Silk scarf,19,,scarf.jpg\n"                                                        // 4: file alone
        "NO-SUCH,Ghost,5,,\n"                                                                // 5: nothing named so
        "BAD\x01SKU,x,1,,scarf.jpg\n"                                                        // 6
        "DR-1000,Maxi dress,minus five,,\n"                                                 // 7
        "DR-1000,Maxi dress,-5,,\n"                                                          // 8
        "DR-1000,Maxi dress,59,ftp://shop.example/dr,\n"                                    // 9
        "\"A,B\",x,1,,\n"                                                                    // 10
        ",,,,\n"                                                                             // blank: not a row
        ",Nameless,1,,\n"                                                                    // 12
        ",,,,missing.jpg\n");                                                                // 13

    EXPECT_EQ(report.rows, 11);
    EXPECT_EQ(report.matched, 3);
    EXPECT_EQ(report.productsCreated, 3);
    EXPECT_EQ(report.photosLinked, 4);
    EXPECT_EQ(report.unmatched, 2);
    EXPECT_EQ(report.skipped, 6);
    ASSERT_EQ(report.problems.size(), 8u);
    EXPECT_EQ(report.problems[0].rfind("line 5: NO-SUCH: no product has this SKU and no photo is named after it", 0), 0u)
        << report.problems[0];
    EXPECT_EQ(report.problems[1], "line 6: scarf.jpg: the SKU holds a control character");
    EXPECT_EQ(report.problems[2].rfind("line 7: DR-1000: \"minus five\" is not a price", 0), 0u) << report.problems[2];
    EXPECT_EQ(report.problems[3], "line 8: DR-1000: a price cannot be negative");
    EXPECT_EQ(report.problems[4].rfind("line 9: DR-1000: \"ftp://shop.example/dr\" is not a web address", 0), 0u);
    EXPECT_EQ(report.problems[5].rfind("line 10: A,B: a SKU cannot hold a comma", 0), 0u) << report.problems[5];
    EXPECT_EQ(report.problems[6], "line 12: no file or SKU given");
    EXPECT_EQ(report.problems[7].rfind("line 13: missing.jpg: no item of this library", 0), 0u) << report.problems[7];

    // DR-100.jpg and DR-100_back.jpg are one product; DR-1000.jpg is not named after DR-100.
    EXPECT_EQ(skuOf(m_dressFront), "DR-100");
    EXPECT_EQ(skuOf(m_dressBack), "DR-100");
    EXPECT_EQ(skuOf(m_dressOther), "(none)");
    const catalog::Product dress = m_catalog->findProduct("DR-100").value();
    EXPECT_EQ(dress.name, "Floral dress");
    EXPECT_EQ(dress.price, "49.90");
    EXPECT_EQ(dress.url, "https://shop.example/dr-100");
    EXPECT_EQ(m_catalog->productPhotos(dress.id), (std::vector<ItemId>{m_dressFront, m_dressBack}));

    const catalog::Product bag = m_catalog->productOf(m_bag).value();
    EXPECT_EQ(bag.sku, "BG-7");
    EXPECT_EQ(bag.name, "Tote, canvas");
    EXPECT_EQ(bag.price, "EUR 29,00");

    const catalog::Product scarf = m_catalog->productOf(m_scarf).value();
    EXPECT_EQ(scarf.sku, "");
    EXPECT_EQ(scarf.name, "Silk scarf");
    EXPECT_EQ(m_catalog->productCount(), 3);
}

TEST_P(ProductCsvImportTest, EmptyCellsKeepWhatIsStoredAndAKnownSkuUpdatesItsProduct) {
    import("sku,name,price,url\nDR-100,Floral dress,49.90,https://shop.example/dr-100\n");
    // A price update by SKU: the product's photos, whatever their names; the name stays.
    const ProductCsvImportReport report = import("sku,name,price\nDR-100,,39.90\n");
    EXPECT_EQ(report.matched, 1);
    EXPECT_EQ(report.productsCreated, 0);
    EXPECT_EQ(report.photosLinked, 0);
    const catalog::Product dress = m_catalog->findProduct("DR-100").value();
    EXPECT_EQ(dress.name, "Floral dress");
    EXPECT_EQ(dress.price, "39.90");
    EXPECT_EQ(dress.url, "https://shop.example/dr-100");
    EXPECT_EQ(m_catalog->productPhotos(dress.id).size(), 2u);
}

TEST_P(ProductCsvImportTest, AFileRowMovesAPhotoToAnotherProduct) {
    import("file,sku,name\nscarf.jpg,,Silk scarf\n");
    const catalog::ProductId ownData = m_catalog->productOf(m_scarf)->id;
    import("sku,name\nDR-100,Floral dress\n");
    const ProductCsvImportReport report = import("file,sku\nDR-100_back.jpg,DR-200\nscarf.jpg,DR-200\n");
    EXPECT_EQ(report.productsCreated, 1);
    EXPECT_EQ(report.photosLinked, 2);
    EXPECT_EQ(report.moved, 2);
    EXPECT_EQ(skuOf(m_dressBack), "DR-200");
    EXPECT_EQ(skuOf(m_scarf), "DR-200");
    EXPECT_EQ(m_catalog->productPhotos(m_catalog->findProduct("DR-100")->id), std::vector<ItemId>{m_dressFront});
    // The scarf's SKU-less data went with its last photo.
    EXPECT_FALSE(m_catalog->product(ownData).has_value());
}

TEST_P(ProductCsvImportTest, AnUnclosedQuoteChangesNothing) {
    fixtures::expectErrorMentioning<FileError>(
        [&] { import("sku,name\nDR-100,Floral dress\n\"BG-7,Tote\n"); },
        "products.csv: line 3: a quoted field is never closed");
    EXPECT_FALSE(m_catalog->findProduct("DR-100").has_value());
    EXPECT_EQ(m_catalog->productCount(), 0);
}

TEST_P(ProductCsvImportTest, RefusesACsvThatNamesNeitherFileNorSku) {
    fixtures::expectErrorMentioning<FileError>([&] { import("name,price\nFloral dress,49.90\n"); },
                                               "the first row must name the columns: file or sku");
    fixtures::expectErrorMentioning<FileError>([&] { import(""); }, "file or sku");
}

TEST_P(ProductCsvImportTest, RemovingAPhotoKeepsItsSkuProductButNotDataOfItsOwn) {
    import("file,sku,name\nscarf.jpg,,Silk scarf\nbags/tote.png,BG-7,Tote\n");
    const catalog::ProductId scarf = m_catalog->productOf(m_scarf)->id;
    const catalog::ProductId tote = m_catalog->productOf(m_bag)->id;
    EXPECT_TRUE(m_catalog->removeItem(m_scarf));
    EXPECT_TRUE(m_catalog->removeItem(m_bag));
    EXPECT_FALSE(m_catalog->product(scarf).has_value());
    // A SKU's data waits for the product's photos to come back.
    EXPECT_EQ(m_catalog->product(tote)->name, "Tote");
    EXPECT_EQ(m_catalog->productCount(), 0);
    const ProductCsvImportReport again = import("sku\nBG-7\n");  // known SKU, no photos: nothing to update
    EXPECT_EQ(again.matched, 1);
}

TEST(ProductFieldChecks, AcceptWhatShopsWrite) {
    for (const char* price : {"49.90", "1,299.00", "49,90 EUR", "$12", "12 kr", "\xE2\x82\xAC" "49,90", "1 299,00"})
        EXPECT_EQ(priceProblem(price), "") << price;
    for (const char* price : {"free", "12 dollars", "1+1", "-3"})
        EXPECT_NE(priceProblem(price), "") << price;
    EXPECT_EQ(productUrlProblem("https://shop.example/p/1?colour=red"), "");
    EXPECT_EQ(productUrlProblem("HTTP://SHOP.EXAMPLE/"), "");
    EXPECT_NE(productUrlProblem("shop.example/p/1"), "");
    EXPECT_NE(productUrlProblem("https://"), "");
    EXPECT_NE(productUrlProblem("https://shop.example/a b"), "");
    EXPECT_EQ(skuProblem("DR-100/XL"), "");
    EXPECT_NE(skuProblem(std::string(201, 'x')), "");
}

}  // namespace

TEST_P(ProductCsvImportTest, ReportsProgressThroughTheCsvAndACancelChangesNothing) {
    std::string text = "file,sku,name\n";
    for (int row = 0; row < 300; ++row)
        text += (row % 2 == 0 ? "scarf.jpg" : "bags/tote.png") + std::string(",SKU-") + std::to_string(row % 2) +
                ",Name " + std::to_string(row) + "\n";
    std::vector<Progress> seen;
    {
        std::istringstream csv(text);
        const ProductCsvImportReport report = importProductsCsv(*m_catalog, csv, "products.csv", m_dir / "photos",
                                                                [&](const Progress& update) { seen.push_back(update); });
        EXPECT_EQ(report.matched, 300);
    }
    ASSERT_GE(seen.size(), 5u);  // the start, every 64th row of 300, the end
    fixtures::expectProgressThroughBytes(seen, static_cast<std::int64_t>(text.size()), "products");
    EXPECT_EQ(skuOf(m_scarf), "SKU-0");

    // A cancel in the middle rolls the whole import back: the stored data stays as it was.
    CancelToken cancel;
    std::string renamed = "file,sku,name\n";
    for (int row = 0; row < 300; ++row)
        renamed += "scarf.jpg,SKU-9,Renamed\n";
    std::istringstream csv(renamed);
    EXPECT_THROW(importProductsCsv(*m_catalog, csv, "products.csv", m_dir / "photos",
                                   [&](const Progress& update) {
                                       if (update.done > 0)
                                           cancel.cancel();
                                   },
                                   &cancel),
                 Cancelled);
    EXPECT_EQ(skuOf(m_scarf), "SKU-0");
    EXPECT_FALSE(m_catalog->findProduct("SKU-9"));
    EXPECT_EQ(m_catalog->productOf(m_scarf)->name, "Name 298");
}
