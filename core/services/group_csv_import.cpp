#include "core/services/group_csv_import.h"

#include "core/services/catalog_csv.h"
#include "core/services/phase_progress.h"
#include "core/util/errors.h"
#include "core/util/unix_time.h"

#include <optional>

namespace lookalike::services {

namespace fs = std::filesystem;
using catalog::Catalog;
using catalog::ItemId;

GroupCsvImportReport importGroupsCsv(Catalog& catalog, std::istream& in, const std::string& csvName,
                                     const fs::path& csvFolder, const ProgressCallback& progress,
                                     const CancelToken* cancel) {
    catalog::requireSomeItems(catalog);
    const StreamProgress read(in, progress, "groups");
    CatalogCsv csv(in, csvName);
    csv.requireColumns({"file", "group"}, {}, "file,group");
    const std::optional<std::size_t> fileColumn = csv.column("file");
    const std::optional<std::size_t> groupColumn = csv.column("group");

    GroupCsvImportReport report;
    catalog::Transaction transaction(catalog.writer());
    while (std::optional<std::vector<std::string>> row = csv.next()) {
        checkCancel(cancel);
        ++report.rows;
        read.report(report.rows);
        const std::string file = CatalogCsv::field(*row, fileColumn);
        const std::string groupName = CatalogCsv::field(*row, groupColumn);
        const std::string where = csv.where();
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
        CsvFileMatch match = matchCsvFile(catalog, file, csvFolder);
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
    checkCancel(cancel);
    transaction.commit();
    read.finish();
    return report;
}

GroupCsvImportReport importGroupsCsv(Catalog& catalog, const fs::path& csvFile, const ProgressCallback& progress,
                                     const CancelToken* cancel) {
    CsvFile file = openCsvFile(csvFile);
    return importGroupsCsv(catalog, file.stream, file.name, file.folder, progress, cancel);
}

}  // namespace lookalike::services
