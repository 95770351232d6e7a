#pragma once
// lookalike-cli commands for look-alike search: similar, neighbors and export-embeddings.
// Curation is in group_commands.h, training and models in model_commands.h.

#include "app/cli/cli_options.h"

#include <iosfwd>
#include <vector>

namespace lookalike::catalog {
class Catalog;
}
namespace lookalike::services {
class Library;
struct SimilarItem;
}  // namespace lookalike::services

namespace lookalike::cli {

// After an import: embeds what is new and brings the index up to date, with a progress line,
// then prints "Look-alikes ready: N items, model M (kind)". Returns Interrupted (what was
// embedded so far is kept) when Ctrl+C stopped it.
int prepareLookalikes(services::Library& library, std::ostream& out, std::ostream& err);

// Look-alikes as `similar` prints them: "rank    item   score  path" and a row each.
void printLookalikes(catalog::Catalog& catalog, const std::vector<services::SimilarItem>& found, std::ostream& out);

// similar ITEM|PHOTO [--k N] [--format text|csv|json] [--group G | --folder DIR | --ungrouped]
int similarCommand(const Arguments& args, std::ostream& out, std::ostream& err);
// neighbors [--k N] [--format csv]
int neighborsCommand(const Arguments& args, std::ostream& out, std::ostream& err);
// export-embeddings [--format csv]
int exportEmbeddingsCommand(const Arguments& args, std::ostream& out, std::ostream& err);

}  // namespace lookalike::cli
