#pragma once
// What the CSV imports (groups, product data) share: reading the rows of a spreadsheet export
// with a header, and matching a row's file to an item as the user means it.

#include "core/catalog/catalog.h"
#include "core/util/csv_reader.h"
#include "core/util/progress.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lookalike::services {

// The rows of a CSV with a header row, blank rows left out. Throws FileError naming the CSV
// for a quote never closed (callers let it roll their transaction back). Not thread-safe.
class CatalogCsv {
public:
    CatalogCsv(std::istream& in, std::string csvName);

    // The column whose header (trimmed, ignoring case) is `name`; nullopt when there is none.
    std::optional<std::size_t> column(std::string_view name) const;
    // Throws FileError "<csv>: the first row must name the columns: <expected>" unless the
    // header has one of `alternatives` (and each of `required`).
    void requireColumns(const std::vector<std::string_view>& required,
                        const std::vector<std::string_view>& alternatives, const std::string& expected) const;

    // The next row with anything in it.
    std::optional<std::vector<std::string>> next();
    // "line N: " for the row next() returned last, to start a problem's message.
    std::string where() const;
    // A row's field, trimmed; "" when the column is missing from the header or from the row.
    static std::string field(const std::vector<std::string>& row, std::optional<std::size_t> column);
    const std::string& name() const { return m_name; }

private:
    std::optional<std::vector<std::string>> record();

    CsvReader m_reader;
    std::string m_name;
    std::vector<std::string> m_header;
};

// An import's progress through its CSV stream, in bytes: the stream's size is measured once
// (total 0 when it cannot be), and report() passes the position on every 64th row.
class StreamProgress {
public:
    StreamProgress(std::istream& in, ProgressCallback progress, std::string current);
    void report(std::int64_t rows) const;
    void finish() const;  // done = total

private:
    std::int64_t position() const;

    std::istream& m_in;
    ProgressCallback m_progress;
    std::string m_current;
    std::int64_t m_start = 0;
    std::int64_t m_total = 0;
};

// A CSV file opened for an import: relative paths in it are tried against its folder first.
struct CsvFile {
    std::ifstream stream;
    std::string name;
    std::filesystem::path folder;
};
// Throws FileError when the file cannot be opened.
CsvFile openCsvFile(const std::filesystem::path& csvFile);

// A row's file: its path (absolute, or relative to the CSV's folder or to the current folder),
// else its file name when exactly one item was seen under that name; else why not.
struct CsvFileMatch {
    std::optional<catalog::ItemId> item;
    std::string problem;
};
CsvFileMatch matchCsvFile(catalog::Catalog& catalog, const std::string& file, const std::filesystem::path& csvFolder);

}  // namespace lookalike::services
