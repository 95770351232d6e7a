#pragma once
// lookalike-cli commands that train and time the embedding network.

#include "app/cli/cli_options.h"

#include <iosfwd>

namespace lookalike::cli {

// eval fashion-mnist [--epochs N] [--size S] ...
int evalCommand(const Arguments& args, std::ostream& out, std::ostream& err);
// bench train|infer [--size 96] [--batch 64] [--threads 2] [--iters N]
int benchCommand(const Arguments& args, std::ostream& out, std::ostream& err);

}  // namespace lookalike::cli
