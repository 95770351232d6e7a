#pragma once
// lookalike-cli commands for a library's models: train, and models list|use|export.

#include "app/cli/cli_options.h"

#include <iosfwd>

namespace lookalike::services {
class Library;
struct LibraryTrainingOptions;
}  // namespace lookalike::services

namespace lookalike::cli {

// train [--epochs N] [--from-scratch]
int trainCommand(const Arguments& args, std::ostream& out, std::ostream& err);
// Trains with a progress line and prints the report: steps and time, what it learned from, the
// held-out Recall@1 and MAP@R before -> after, and which model is active. Returns Interrupted
// on Ctrl+C (nothing switched), Failure when no model was kept or training collapsed.
int trainAndReport(services::Library& library, const services::LibraryTrainingOptions& options, std::ostream& out,
                   std::ostream& err);
// models list | models use ID | models export ID FILE
int modelsCommand(const Arguments& args, std::ostream& out, std::ostream& err);

}  // namespace lookalike::cli
