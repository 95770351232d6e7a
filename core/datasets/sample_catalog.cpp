#include "core/datasets/sample_catalog.h"

#include "core/util/errors.h"
#include "core/util/file_util.h"
#include "core/util/install_paths.h"

#include <cstdlib>
#include <string>
#include <system_error>
#include <vector>

namespace lookalike::datasets {

namespace fs = std::filesystem;

fs::path sampleCatalogDir() {
    std::error_code error;
    // An explicit choice that does not exist is a mistake to report, not to paper over.
    if (const char* chosen = std::getenv("LOOKALIKE_SAMPLE_CATALOG"); chosen && *chosen) {
        if (fs::is_directory(chosen, error))
            return chosen;
        throw FileError("LOOKALIKE_SAMPLE_CATALOG is " + std::string(chosen) +
                        ", which is not a folder: point it at a folder of photos or unset it.");
    }
    std::vector<fs::path> candidates;
    if (fs::path installed = installedDataDir(); !installed.empty())
        candidates.push_back(installed / "sample-catalog");
    candidates.push_back(sourceResourcesDir() / "sample-catalog");
    std::string searched;
    for (const fs::path& candidate : candidates) {
        if (fs::is_directory(candidate, error))
            return candidate;
        searched += (searched.empty() ? "" : ", ") + displayPath(candidate);
    }
    throw FileError("The built-in sample catalog is missing (looked in " + searched +
                    "): reinstall Lookalike, or set LOOKALIKE_SAMPLE_CATALOG to a folder of photos.");
}

fs::path sampleGroupsCsv() {
    std::error_code error;
    fs::path csv = sampleCatalogDir() / "demo-groups.csv";
    return fs::is_regular_file(csv, error) ? csv : fs::path();
}

}  // namespace lookalike::datasets
