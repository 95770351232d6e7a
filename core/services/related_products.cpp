#include "core/services/related_products.h"

#include "core/services/phase_progress.h"
#include "core/util/errors.h"
#include "core/util/text_formats.h"

#include <algorithm>
#include <map>
#include <ostream>
#include <unordered_map>

namespace lookalike::services {

using catalog::ItemId;
using catalog::Product;
using catalog::ProductId;

RelatedProductsExport relatedProducts(Library& library, const RelatedProductsOptions& options,
                                      const ProgressCallback& progress, const CancelToken* cancel) {
    catalog::Catalog& catalog = library.catalog();
    catalog::requireSomeItems(catalog);
    std::map<ProductId, Product> withSku;
    std::map<ProductId, std::vector<ItemId>> photosOf;
    std::int64_t photosWithProduct = 0;
    for (auto& [item, product] : catalog.photoProducts()) {
        if (product.sku.empty())
            continue;
        ++photosWithProduct;
        photosOf[product.id].push_back(item);
        withSku.emplace(product.id, std::move(product));
    }
    if (withSku.empty())
        throw LibraryError("No photo of this library has a SKU yet; import product data first "
                           "(lookalike-cli products import FILE.csv).");
    RelatedProductsExport result;
    result.photosWithoutSku = catalog.itemCount() - photosWithProduct;
    library.refresh(progress, cancel);

    const auto total = static_cast<std::int64_t>(withSku.size());
    std::int64_t done = 0;
    for (const auto& [id, product] : withSku) {
        checkCancel(cancel);
        if (progress)
            progress({done, total, product.sku});
        std::unordered_map<ProductId, float> best;
        for (ItemId photo : photosOf[id]) {
            // Photos without a SKU take places in the answer; ask for more until k products
            // with a SKU are found or every photo was seen.
            for (std::size_t asked = 3 * options.k + 16;; asked *= 4) {
                std::vector<SimilarItem> found;
                try {
                    found = library.similar(photo, asked);
                } catch (const LibraryError&) {
                    break;  // a photo without a usable vector relates nothing
                }
                std::size_t named = 0;
                for (const SimilarItem& match : found) {
                    const std::optional<ProductId> other = catalog.productIdOf(match.item);
                    if (!other || !withSku.contains(*other) || match.similarity < options.minScore)
                        continue;
                    ++named;
                    auto [entry, added] = best.emplace(*other, match.similarity);
                    if (!added)
                        entry->second = std::max(entry->second, match.similarity);
                }
                if (named >= options.k || found.size() < asked)
                    break;
            }
        }
        RelatedProducts row{product.sku, product.name, {}};
        for (const auto& [other, score] : best)
            row.related.push_back({withSku.at(other).sku, withSku.at(other).name, score});
        std::sort(row.related.begin(), row.related.end(), [](const RelatedSku& a, const RelatedSku& b) {
            return a.score != b.score ? a.score > b.score : a.sku < b.sku;
        });
        if (row.related.size() > options.k)
            row.related.resize(options.k);
        result.products.push_back(std::move(row));
        ++done;
    }
    std::sort(result.products.begin(), result.products.end(),
              [](const RelatedProducts& a, const RelatedProducts& b) { return a.sku < b.sku; });
    if (progress)
        progress({total, total, "done"});
    return result;
}

void writeRelatedCsv(std::ostream& out, const RelatedProductsExport& related) {
    out << "sku,related_skus\n";
    for (const RelatedProducts& product : related.products) {
        std::string joined;
        for (const RelatedSku& other : product.related)
            joined += (joined.empty() ? "" : ",") + other.sku;
        out << csvField(product.sku) << ',' << csvField(joined) << '\n';
    }
}

void writeRelatedJson(std::ostream& out, const RelatedProductsExport& related) {
    out << "[";
    for (std::size_t i = 0; i < related.products.size(); ++i) {
        const RelatedProducts& product = related.products[i];
        out << (i == 0 ? "\n" : ",\n") << "  {\"sku\": " << jsonString(product.sku)
            << ", \"name\": " << jsonString(product.name) << ", \"related\": [";
        for (std::size_t j = 0; j < product.related.size(); ++j) {
            const RelatedSku& other = product.related[j];
            out << (j == 0 ? "" : ", ") << "{\"sku\": " << jsonString(other.sku) << ", \"name\": "
                << jsonString(other.name) << ", \"score\": " << fixed4(other.score) << "}";
        }
        out << "]}";
    }
    out << (related.products.empty() ? "]\n" : "\n]\n");
}

}  // namespace lookalike::services
