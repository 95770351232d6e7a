#include "core/services/group_csv_import.h"

#include "core/util/csv_reader.h"
#include "core/util/errors.h"
#include "core/util/file_util.h"
#include "core/util/text.h"
#include "core/util/unix_time.h"

#include <algorithm>
#include <fstream>
#include <optional>

namespace lookalike::services {

namespace fs = std::filesystem;
using catalog::Catalog;
using catalog::ItemId;

namespace {

// A CSV row's file: its path (absolute, or relative to the CSV's folder or to the current
// folder), else its file name when exactly one item was seen under that name.
struct RowMatch {
    std::optional<ItemId> item;
    std::string problem;
};

RowMatch matchFile(Catalog& catalog, const std::string& file, const fs::path& csvFolder) {
    const fs::path path(file);
    std::vector<fs::path> candidates = {path};
    if (path.is_relative())
        candidates = {csvFolder / path, path};
    for (const fs::path& candidate : candidates)
        if (std::optional<ItemId> item = catalog::findItemAtPath(catalog, candidate))
            return {item, {}};
    const std::string name = displayPath(path.filename());
    std::vector<ItemId> named = name.empty() ? std::vector<ItemId>{} : catalog.findItemsByFileName(name);
    if (named.size() == 1)
        return {named.front(), {}};
    if (named.empty())
        return {std::nullopt, "no item of this library was imported from a file of that name or path"};
    std::string ids;
    for (std::size_t i = 0; i < named.size(); ++i)
        ids += (i == 0 ? "" : ", ") + std::to_string(named[i]);
    return {std::nullopt, std::to_string(named.size()) + " items have the file name " + name + " (ids " + ids +
                              "); give the file's path instead"};
}

std::optional<std::size_t> columnNamed(const std::vector<std::string>& header, const std::string& name) {
    for (std::size_t i = 0; i < header.size(); ++i)
        if (lowercase(trimmed(header[i])) == name)
            return i;
    return std::nullopt;
}

}  // namespace

GroupCsvImportReport importGroupsCsv(Catalog& catalog, std::istream& in, const std::string& csvName,
                                     const fs::path& csvFolder) {
    catalog::requireSomeItems(catalog);
    CsvReader reader(in);
    const auto nextRecord = [&] {
        try {
            return reader.next();
        } catch (const std::runtime_error& csvError) {
            throw FileError(csvName + ": " + csvError.what());  // rolls back what the rows did
        }
    };
    const std::optional<std::vector<std::string>> header = nextRecord();
    const std::optional<std::size_t> fileColumn = header ? columnNamed(*header, "file") : std::nullopt;
    const std::optional<std::size_t> groupColumn = header ? columnNamed(*header, "group") : std::nullopt;
    if (!fileColumn || !groupColumn)
        throw FileError(csvName + ": the first row must name the columns: file,group");

    GroupCsvImportReport report;
    catalog::Transaction transaction(catalog.writer());
    while (std::optional<std::vector<std::string>> row = nextRecord()) {
        if (std::all_of(row->begin(), row->end(), [](const std::string& field) { return trimmed(field).empty(); }))
            continue;
        ++report.rows;
        const auto field = [&](std::size_t column) { return column < row->size() ? trimmed((*row)[column]) : ""; };
        const std::string file = field(*fileColumn);
        const std::string groupName = field(*groupColumn);
        const std::string where = "line " + std::to_string(reader.line()) + ": ";
        if (file.empty() || groupName.empty()) {
            ++report.skipped;
            report.problems.push_back(where + (file.empty() ? "no file given" : file + ": no group given"));
            continue;
        }
        if (const std::string problem = catalog::groupNameProblem(groupName); !problem.empty()) {
            ++report.skipped;
            report.problems.push_back(where + file + ": " + problem);
            continue;
        }
        RowMatch match = matchFile(catalog, file, csvFolder);
        if (!match.item) {
            ++report.unmatched;
            report.problems.push_back(where + file + ": " + match.problem);
            continue;
        }
        std::optional<catalog::Group> group = catalog.findGroup(groupName);
        if (!group) {
            group = catalog.group(catalog.createGroup(groupName, unixNow()));
            ++report.created;
        }
        bool alreadyThere = false;
        if (catalog::putInGroup(catalog, group->id, *match.item, unixNow(), alreadyThere))
            ++report.moved;
        ++report.matched;
    }
    transaction.commit();
    return report;
}

GroupCsvImportReport importGroupsCsv(Catalog& catalog, const fs::path& csvFile) {
    std::ifstream in(csvFile, std::ios::binary);
    if (!in)
        throw FileError(csvFile.string() + ": cannot open the file");
    std::error_code error;
    const fs::path csvFolder = fs::absolute(csvFile, error).parent_path();
    return importGroupsCsv(catalog, in, csvFile.string(), csvFolder);
}

}  // namespace lookalike::services
