#pragma once
// Moving a library between backends: a SQLite folder into an empty PostgreSQL database, and
// back (lookalike-cli migrate FROM TO).
//
// Every table is copied row by row with its ids, so models, embeddings and their row numbers
// stay what they were, in one transaction: a failure or a cancel leaves the target as empty as
// it was. Index records are not copied (each location keeps its own index, rebuilt on first
// use), nor is a server library's id. The copy is then verified: the counts of every table and
// SHA-256 digests of the weights and of the embeddings, read back from both sides.

#include "core/catalog/catalog.h"
#include "core/util/progress.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lookalike::catalog {

struct TableCount {
    std::string table;
    std::int64_t rows = 0;
    bool operator==(const TableCount&) const = default;
};

// What a library holds, in a form two backends can be compared by.
struct LibraryDigest {
    std::vector<TableCount> counts;  // every copied table, in copy order
    std::string weights;             // SHA-256 (hex) of every model's id, recipe and weights
    std::string embeddings;          // SHA-256 (hex) of every (model, item, vector), by model and item
    bool operator==(const LibraryDigest&) const = default;
};

LibraryDigest digestLibrary(Catalog& catalog);

// Copies `from` into `to`. Throws LibraryError when `to` already holds items, groups or models
// (nothing is merged), Cancelled when cancelled, and whatever the backends throw (a full disk, a
// lost connection); `to` is then left unchanged. Progress names the table being copied; done
// and total count rows over all tables.
void copyLibrary(Catalog& from, Catalog& to, const ProgressCallback& progress = {},
                 const CancelToken* cancel = nullptr);

}  // namespace lookalike::catalog
