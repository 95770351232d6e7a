#pragma once
// lookalike-cli commands for the shop's product data: products import|list, and the web-shop
// export of related products (export-related).

#include "app/cli/cli_options.h"

#include <iosfwd>

namespace lookalike::services {
struct ProductCsvImportReport;
}

namespace lookalike::cli {

// products import FILE.csv | products list
int productsCommand(const Arguments& args, std::ostream& out, std::ostream& err);
// "Rows: 10, matched: 9, products created: 4, photos linked: 9, unmatched: 1." and a line per
// row not imported.
void printProductImport(const services::ProductCsvImportReport& report, std::ostream& out);
// export-related [--format csv|json] [--k N] [--min-score X]
int exportRelatedCommand(const Arguments& args, std::ostream& out, std::ostream& err);

}  // namespace lookalike::cli
