#pragma once
// "You may also like" for a web shop: each product's look-alike products by SKU, in the shapes
// shops import (a CSV of sku,related_skus for WooCommerce cross-sells or a Shopify metafield,
// and JSON), for `lookalike-cli export-related` and File > Export Related Products.

#include "core/services/library.h"
#include "core/util/progress.h"

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace lookalike::services {

struct RelatedProductsOptions {
    std::size_t k = 8;        // related products per product, at most
    float minScore = -1.0f;   // cosine; products less alike are left out
};

struct RelatedSku {
    std::string sku;
    std::string name;
    float score = 0.0f;  // the best cosine between a photo of each product
};

struct RelatedProducts {
    std::string sku;
    std::string name;
    std::vector<RelatedSku> related;  // best first
};

struct RelatedProductsExport {
    std::vector<RelatedProducts> products;  // by SKU
    std::int64_t photosWithoutSku = 0;      // photos that no SKU names: neither listed nor related
};

// Every product with a SKU and its k most alike other products with a SKU: a product is as
// alike as its best pair of photos. Embeds and indexes what the library lacks first. Progress
// counts products; cancel throws Cancelled. Throws LibraryError for a library without items or
// without a product that has a SKU.
RelatedProductsExport relatedProducts(Library& library, const RelatedProductsOptions& options,
                                      const ProgressCallback& progress = {}, const CancelToken* cancel = nullptr);

// sku,related_skus with the related SKUs joined by commas (one field, quoted), best first.
void writeRelatedCsv(std::ostream& out, const RelatedProductsExport& related);
// [{"sku": ..., "name": ..., "related": [{"sku": ..., "name": ..., "score": 0.9312}, ...]}, ...]
void writeRelatedJson(std::ostream& out, const RelatedProductsExport& related);

}  // namespace lookalike::services
