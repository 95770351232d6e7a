#include "core/services/product_csv_import.h"

#include "core/services/catalog_csv.h"
#include "core/services/phase_progress.h"
#include "core/util/errors.h"
#include "core/util/text.h"
#include "core/util/unix_time.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>

namespace lookalike::services {

namespace fs = std::filesystem;
using catalog::Catalog;
using catalog::ItemId;
using catalog::ProductId;

std::string skuProblem(const std::string& sku) {
    if (sku.size() > 200)
        return "the SKU is longer than 200 characters";
    if (sku.find(',') != std::string::npos)
        return "a SKU cannot hold a comma (exports list related SKUs separated by commas)";
    if (std::any_of(sku.begin(), sku.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
        return "the SKU holds a control character";
    return {};
}

std::string priceProblem(const std::string& price) {
    // A number as shops write it, with a currency before or after: 49.90, 1,299.00, 49,90 EUR,
    // $12, 12 kr. Non-ASCII bytes are currency signs such as the euro's.
    int digits = 0;
    int letters = 0;
    for (char c : price) {
        const auto byte = static_cast<unsigned char>(c);
        if (std::isdigit(byte))
            ++digits;
        else if (std::isalpha(byte))
            ++letters;
        else if (c == '-')
            return "a price cannot be negative";
        else if (byte < 0x80 && std::string_view(".,' $").find(c) == std::string_view::npos)
            return "\"" + price + "\" is not a price (a number such as 49.90, optionally with its currency)";
    }
    if (digits == 0 || letters > 3 || price.size() > 32)
        return "\"" + price + "\" is not a price (a number such as 49.90, optionally with its currency)";
    return {};
}

std::string productUrlProblem(const std::string& url) {
    const std::string lower = lowercase(url);
    const bool web = lower.starts_with("http://") || lower.starts_with("https://");
    if (!web || url.size() <= std::string_view("https://").size())
        return "\"" + url + "\" is not a web address (http:// or https://)";
    if (std::any_of(url.begin(), url.end(), [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; }))
        return "a web address cannot hold spaces or control characters";
    return {};
}

namespace {

// The catalog's photos by file name without its extension, ignoring case, for SKU-only rows.
class PhotosByStem {
public:
    explicit PhotosByStem(Catalog& catalog) {
        for (const catalog::ItemSummary& item : catalog.listItems(0, catalog.itemCount()))
            m_stems[lowercase(fs::path(item.sourcePath).stem().string())].push_back(item.id);
    }

    // Photos named SKU.*, and those named SKU-*, SKU_*, "SKU *" or SKU.*.* that `claimable` allows.
    template <typename Claimable>
    std::vector<ItemId> namedAfter(const std::string& sku, Claimable&& claimable) const {
        const std::string key = lowercase(sku);
        std::vector<ItemId> found;
        if (auto exact = m_stems.find(key); exact != m_stems.end())
            found = exact->second;
        for (char separator : {'-', '_', ' ', '.'}) {
            const std::string prefix = key + separator;
            for (auto it = m_stems.lower_bound(prefix); it != m_stems.end() && it->first.starts_with(prefix); ++it)
                for (ItemId item : it->second)
                    if (claimable(item))
                        found.push_back(item);
        }
        std::sort(found.begin(), found.end());
        found.erase(std::unique(found.begin(), found.end()), found.end());
        return found;
    }

private:
    std::map<std::string, std::vector<ItemId>> m_stems;
};

}  // namespace

ProductCsvImportReport importProductsCsv(Catalog& catalog, std::istream& in, const std::string& csvName,
                                         const fs::path& csvFolder, const ProgressCallback& progress,
                                         const CancelToken* cancel) {
    catalog::requireSomeItems(catalog);
    const StreamProgress read(in, progress, "products");
    CatalogCsv csv(in, csvName);
    csv.requireColumns({}, {"file", "sku"}, "file or sku, and name, price, url");
    const std::optional<std::size_t> fileColumn = csv.column("file");
    const std::optional<std::size_t> skuColumn = csv.column("sku");
    const std::optional<std::size_t> nameColumn = csv.column("name");
    const std::optional<std::size_t> priceColumn = csv.column("price");
    const std::optional<std::size_t> urlColumn = csv.column("url");

    ProductCsvImportReport report;
    std::optional<PhotosByStem> photosByStem;
    catalog::Transaction transaction(catalog.writer());
    while (std::optional<std::vector<std::string>> row = csv.next()) {
        checkCancel(cancel);
        ++report.rows;
        read.report(report.rows);
        const std::string file = CatalogCsv::field(*row, fileColumn);
        const std::string sku = CatalogCsv::field(*row, skuColumn);
        const std::string where = csv.where() + (file.empty() ? sku : file) + ": ";
        const auto skip = [&](const std::string& problem) {
            ++report.skipped;
            report.problems.push_back(where + problem);
        };
        if (file.empty() && sku.empty()) {
            ++report.skipped;
            report.problems.push_back(csv.where() + "no file or SKU given");
            continue;
        }
        catalog::ProductFields fields;
        const auto take = [&](std::optional<std::size_t> column, std::optional<std::string>& into) {
            if (std::string value = CatalogCsv::field(*row, column); !value.empty())
                into = std::move(value);
        };
        take(nameColumn, fields.name);
        take(priceColumn, fields.price);
        take(urlColumn, fields.url);
        std::string problem = skuProblem(sku);
        if (problem.empty() && fields.price)
            problem = priceProblem(*fields.price);
        if (problem.empty() && fields.url)
            problem = productUrlProblem(*fields.url);
        if (!problem.empty()) {
            skip(problem);
            continue;
        }

        std::optional<catalog::Product> product = sku.empty() ? std::nullopt : catalog.findProduct(sku);
        std::vector<ItemId> photos;
        if (!file.empty()) {
            CsvFileMatch match = matchCsvFile(catalog, file, csvFolder);
            if (!match.item) {
                ++report.unmatched;
                report.problems.push_back(where + match.problem);
                continue;
            }
            photos.push_back(*match.item);
            if (sku.empty())
                product = catalog.productOf(*match.item);  // the photo's data, with or without a SKU
        } else if (!product) {
            if (!photosByStem)
                photosByStem.emplace(catalog);
            photos = photosByStem->namedAfter(sku, [&](ItemId item) { return !catalog.productIdOf(item); });
            if (photos.empty()) {
                ++report.unmatched;
                report.problems.push_back(where + "no product has this SKU and no photo is named after it (" + sku +
                                          ".jpg, " + sku + "-2.jpg, ...)");
                continue;
            }
        }
        const std::int64_t now = unixNow();
        if (!product) {
            product = catalog.product(catalog.createProduct(sku, now));
            ++report.productsCreated;
        }
        catalog.updateProduct(product->id, fields, now);
        for (ItemId photo : photos) {
            const std::optional<ProductId> before = catalog.productIdOf(photo);
            if (before == product->id)
                continue;
            catalog.setProductOf(photo, product->id);
            ++report.photosLinked;
            if (before)
                ++report.moved;
        }
        ++report.matched;
    }
    checkCancel(cancel);
    transaction.commit();
    read.finish();
    return report;
}

ProductCsvImportReport importProductsCsv(Catalog& catalog, const fs::path& csvFile, const ProgressCallback& progress,
                                         const CancelToken* cancel) {
    CsvFile file = openCsvFile(csvFile);
    return importProductsCsv(catalog, file.stream, file.name, file.folder, progress, cancel);
}

}  // namespace lookalike::services
