#pragma once
// Importing groups from a CSV file with the columns file,group (a spreadsheet export, another
// tool's curation), for the GUI and `lookalike-cli groups import`.

#include "core/catalog/catalog.h"
#include "core/util/progress.h"

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

namespace lookalike::services {

struct GroupCsvImportReport {
    std::int64_t rows = 0;       // rows with anything in them, after the header
    std::int64_t matched = 0;    // rows whose item was put in (or already was in) its group
    std::int64_t created = 0;    // groups created
    std::int64_t unmatched = 0;  // rows whose file names no item
    std::int64_t skipped = 0;    // rows without a file, a group or with an unusable group name
    std::int64_t moved = 0;      // items moved out of another group
    // Why each unmatched or skipped row was not imported: "line 4: red.jpg: ...", in file order.
    std::vector<std::string> problems;
};

// Puts each row's file (a path, absolute or relative to csvFolder or to the current folder,
// or a file name seen once) in the row's group, creating groups as needed (names ignore case),
// in one transaction. csvName names the CSV in messages. Throws LibraryError for a library
// without items and FileError for a CSV without the file,group header or with a quote never
// closed (nothing is changed then). Progress counts the bytes read of the CSV (total 0 when the
// stream cannot tell its size), with current "groups"; cancel throws Cancelled and changes
// nothing. No byte string causes undefined behaviour (tests/fuzz/groups_csv_fuzz.cpp). Uses the
// catalog's writer: one thread at a time.
GroupCsvImportReport importGroupsCsv(catalog::Catalog& catalog, std::istream& csv, const std::string& csvName,
                                     const std::filesystem::path& csvFolder, const ProgressCallback& progress = {},
                                     const CancelToken* cancel = nullptr);
// The same for a CSV file; relative paths in it are tried against its folder first. Throws
// FileError when the file cannot be opened.
GroupCsvImportReport importGroupsCsv(catalog::Catalog& catalog, const std::filesystem::path& csvFile,
                                     const ProgressCallback& progress = {}, const CancelToken* cancel = nullptr);

}  // namespace lookalike::services
