#pragma once
// lookalike-cli command for near-duplicate photos (services/near_duplicates.h).

#include "app/cli/cli_options.h"

#include <iosfwd>

namespace lookalike::cli {

// duplicates [--method phash|dhash|embedding|combined] [--threshold X] [--format text|csv|json]
int duplicatesCommand(const Arguments& args, std::ostream& out, std::ostream& err);

}  // namespace lookalike::cli
