// Fuzzes the product data import (services::importProductsCsv, behind `lookalike-cli products
// import` and the GUI) from the CSV bytes on: the CSV reader, the header, matching rows by file
// and by SKU (photos named after it), the SKU, price and url checks, and the product writes, on a
// fresh in-memory catalog of three items per input. The only allowed failure is the documented
// FileError (no file or sku column, unclosed quote) with nothing changed. After an import every
// row is accounted for and every stored SKU, price and url is one the checks accept.

#include "core/services/product_csv_import.h"
#include "core/util/errors.h"
#include "tests/fuzz/catalog_of_three.h"

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace lookalike;
    catalog::Catalog catalog = fuzz::catalogOfThree();
    std::istringstream csv(std::string(reinterpret_cast<const char*>(data), size));
    services::ProductCsvImportReport report;
    try {
        report = services::importProductsCsv(catalog, csv, "products.csv", fuzz::kLibraryFolder);
    } catch (const FileError&) {
        if (catalog.productCount() != 0)
            __builtin_trap();  // a refused CSV must change nothing
        return 0;
    }
    if (report.matched + report.unmatched + report.skipped != report.rows ||
        report.problems.size() != static_cast<std::size_t>(report.unmatched + report.skipped))
        __builtin_trap();
    for (const auto& [item, product] : catalog.photoProducts())
        if (!services::skuProblem(product.sku).empty() ||
            (!product.price.empty() && !services::priceProblem(product.price).empty()) ||
            (!product.url.empty() && !services::productUrlProblem(product.url).empty()))
            __builtin_trap();
    return 0;
}
