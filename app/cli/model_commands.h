#pragma once
// lookalike-cli commands for a library's models: train, and models list|use|export.

#include "app/cli/cli_options.h"

#include <iosfwd>

namespace lookalike::cli {

// train [--epochs N] [--from-scratch]
int trainCommand(const Arguments& args, std::ostream& out, std::ostream& err);
// models list | models use ID | models export ID FILE
int modelsCommand(const Arguments& args, std::ostream& out, std::ostream& err);

}  // namespace lookalike::cli
