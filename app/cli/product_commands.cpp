#include "app/cli/product_commands.h"

#include "app/cli/command_support.h"
#include "app/cli/commands.h"

#include "core/services/product_csv_import.h"
#include "core/services/related_products.h"
#include "core/util/errors.h"
#include "core/util/text_formats.h"

#include <map>
#include <ostream>

namespace lookalike::cli {

namespace fs = std::filesystem;
using catalog::Catalog;

namespace {

int productsImport(const Arguments& args, std::ostream& out, std::ostream& err) {
    if (args.positional.size() != 2)
        throw UsageError("products import needs one CSV file with the columns file or sku, and name, price, url");
    const catalog::LibraryLock lock = lockExistingLibrary(args);
    Catalog catalog = openExistingLibrary(args);
    TerminalProgress progress(err);
    services::ProductCsvImportReport report;
    try {
        report = services::importProductsCsv(catalog, fs::path(args.positional[1]), progress.callback(), &interruptToken());
    } catch (const Cancelled&) {
        progress.clear();
        err << "Interrupted; no product data was changed.\n";
        return Interrupted;
    }
    progress.clear();
    printProductImport(report, out);
    return Success;
}

// sku, name, price, url and photo count, tab-separated, by SKU (products without one last).
int productsList(const Arguments& args, std::ostream& out) {
    if (args.positional.size() != 1)
        throw UsageError("products list takes no arguments");
    Catalog catalog = openExistingLibrary(args);
    std::map<catalog::ProductId, std::pair<catalog::Product, int>> products;
    for (auto& [item, product] : catalog.photoProducts()) {
        auto [entry, added] = products.try_emplace(product.id, product, 0);
        ++entry->second.second;
    }
    std::vector<std::pair<catalog::Product, int>> rows;
    for (auto& [id, row] : products)
        rows.push_back(std::move(row));
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
        return a.first.sku.empty() != b.first.sku.empty() ? b.first.sku.empty() : a.first.sku < b.first.sku;
    });
    if (rows.empty()) {
        out << "No product data yet (lookalike-cli products import FILE.csv).\n";
        return Success;
    }
    out << "sku\tname\tprice\turl\tphotos\n";
    for (const auto& [product, photos] : rows)
        out << oneLine(product.sku) << '\t' << oneLine(product.name) << '\t' << oneLine(product.price) << '\t'
            << oneLine(product.url) << '\t' << photos << '\n';
    return Success;
}

}  // namespace

int productsCommand(const Arguments& args, std::ostream& out, std::ostream& err) {
    const std::string action = args.positional.empty() ? "" : args.positional[0];
    if (action == "import")
        return productsImport(args, out, err);
    if (action == "list")
        return productsList(args, out);
    throw UsageError(action.empty() ? "products needs what to do: import or list"
                                    : "unknown products action '" + action + "' (import or list)");
}

void printProductImport(const services::ProductCsvImportReport& report, std::ostream& out) {
    out << "Rows: " << report.rows << ", matched: " << report.matched << ", products created: " << report.productsCreated
        << ", photos linked: " << report.photosLinked << ", unmatched: " << report.unmatched;
    if (report.skipped > 0)
        out << ", skipped: " << report.skipped;
    out << ".\n";
    if (report.moved > 0)
        out << plural(report.moved, "photo") << " moved from another product.\n";
    if (!report.problems.empty()) {
        out << "Not imported:\n";
        for (const std::string& problem : report.problems)
            out << "  " << problem << "\n";
    }
}

int exportRelatedCommand(const Arguments& args, std::ostream& out, std::ostream& err) {
    if (!args.positional.empty())
        throw UsageError("export-related takes no arguments");
    const OutputFormat format = parseFormat(args, {"csv", "json"});
    services::RelatedProductsOptions options;
    options.k = static_cast<std::size_t>(args.intOption("k", 8, 1, 1000));
    options.minScore = static_cast<float>(args.doubleOption("min-score", -1.0, -1.0, 1.0));
    std::unique_ptr<services::Library> library = openExistingLookalikes(args, ItemsNeeded::Yes);
    TerminalProgress progress(err);
    services::RelatedProductsExport related;
    try {
        related = services::relatedProducts(*library, options, progress.callback(), &interruptToken());
    } catch (const Cancelled&) {
        progress.clear();
        err << "Interrupted; nothing was written.\n";
        return Interrupted;
    }
    progress.clear();
    if (format == OutputFormat::Json)
        services::writeRelatedJson(out, related);
    else
        services::writeRelatedCsv(out, related);
    if (related.photosWithoutSku > 0)
        err << "Left out " << plural(related.photosWithoutSku, "photo") << " without a SKU.\n";
    return Success;
}

}  // namespace lookalike::cli
