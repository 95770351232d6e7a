#pragma once
// lookalike-cli commands for curation: groups (list, create, import, rename, delete, merge,
// add, remove) and not-similar marks.

#include "app/cli/cli_options.h"

#include <iosfwd>

namespace lookalike::services {
struct GroupCsvImportReport;
}

namespace lookalike::cli {

// groups list|create|import|rename|delete|merge|add|remove ...
// (groups import CSV: services::importGroupsCsv, then its summary)
int groupsCommand(const Arguments& args, std::ostream& out, std::ostream& err);
// "Rows: 100, matched: 98, groups created: 10, unmatched: 2." and a line per row not imported.
void printGroupImport(const services::GroupCsvImportReport& report, std::ostream& out);
// not-similar ITEM ITEM
int notSimilarCommand(const Arguments& args, std::ostream& out, std::ostream& err);

}  // namespace lookalike::cli
