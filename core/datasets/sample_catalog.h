#pragma once
// The built-in sample catalog: about 200 Fashion-MNIST product photos as PNG files, one folder
// per class, committed under resources/sample-catalog and installed to
// <datadir>/lookalike/sample-catalog. The CLI's `demo` and the GUI's `--demo` import it.

#include <filesystem>

namespace lookalike::datasets {

// The sample catalog folder, first found of:
//   1. $LOOKALIKE_SAMPLE_CATALOG when set and not empty (then it must exist);
//   2. sample-catalog in the installed data folder next to the running executable
//      (installedDataDir(), e.g. /usr/bin/lookalike -> /usr/share/lookalike/sample-catalog);
//   3. the source tree's resources/sample-catalog (binaries run from a build folder).
// Throws FileError saying where it looked when none is a folder. Thread-safe.
std::filesystem::path sampleCatalogDir();

// The demo's curation: demo-groups.csv (file,group) in the sample catalog folder, grouping the
// first half of each class folder by its class, as a shop owner might have grouped them. Empty
// when the folder has none (a LOOKALIKE_SAMPLE_CATALOG of the user's own photos).
std::filesystem::path sampleGroupsCsv();

}  // namespace lookalike::datasets
