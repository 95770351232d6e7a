#pragma once
// lookalike-cli commands for curation: groups (list, create, import, rename, delete, merge,
// add, remove) and not-similar marks.

#include "app/cli/cli_options.h"

#include <iosfwd>

namespace lookalike::cli {

// groups list|create|import|rename|delete|merge|add|remove ...
// (groups import CSV: services::importGroupsCsv, then its summary)
int groupsCommand(const Arguments& args, std::ostream& out, std::ostream& err);
// not-similar ITEM ITEM
int notSimilarCommand(const Arguments& args, std::ostream& out, std::ostream& err);

}  // namespace lookalike::cli
