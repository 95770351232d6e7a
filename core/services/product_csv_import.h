#pragma once
// Importing a shop's product data from a CSV (a web-shop or spreadsheet export) with the
// columns file and/or sku, and name, price, url, for the GUI and `lookalike-cli products import`.
//
// A row names its photo by `file` (matched as the groups import does) or, without a file, by
// its `sku`: the product's photos when the catalog knows the SKU, else the photos named after
// it (SKU.jpg, or SKU-2.jpg, SKU_back.png ... for photos that have no product yet). Photos with
// the same SKU are one product. An empty cell keeps what is stored.

#include "core/catalog/catalog.h"
#include "core/util/progress.h"

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

namespace lookalike::services {

struct ProductCsvImportReport {
    std::int64_t rows = 0;             // rows with anything in them, after the header
    std::int64_t matched = 0;          // rows whose data was stored
    std::int64_t productsCreated = 0;
    std::int64_t photosLinked = 0;     // photos that became a product's (or another product's)
    std::int64_t moved = 0;            // of them, photos moved out of another product
    std::int64_t unmatched = 0;        // rows whose file or SKU names no photo
    std::int64_t skipped = 0;          // rows with an unusable SKU, price or url
    // Why each unmatched or skipped row was not imported: "line 4: red.jpg: ...", in file order.
    std::vector<std::string> problems;
};

// Why a SKU, a price or a product page cannot be stored, or "" when it can. A SKU holds no
// comma (exports join SKUs with commas) and no control character.
std::string skuProblem(const std::string& sku);
std::string priceProblem(const std::string& price);
std::string productUrlProblem(const std::string& url);

// Stores every row's data in one transaction. Throws LibraryError for a library without items
// and FileError for a CSV whose header names neither file nor sku, or with a quote never
// closed (nothing is changed then). Progress counts the bytes read of the CSV (total 0 when the
// stream cannot tell its size), with current "products"; cancel throws Cancelled and changes
// nothing. Uses the catalog's writer: one thread at a time.
ProductCsvImportReport importProductsCsv(catalog::Catalog& catalog, std::istream& csv, const std::string& csvName,
                                         const std::filesystem::path& csvFolder, const ProgressCallback& progress = {},
                                         const CancelToken* cancel = nullptr);
// The same for a CSV file. Throws FileError when the file cannot be opened.
ProductCsvImportReport importProductsCsv(catalog::Catalog& catalog, const std::filesystem::path& csvFile,
                                         const ProgressCallback& progress = {}, const CancelToken* cancel = nullptr);

}  // namespace lookalike::services
