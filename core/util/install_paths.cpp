#include "core/util/install_paths.h"

#include <system_error>

#ifndef LOOKALIKE_BIN_TO_DATA_DIR
#error "LOOKALIKE_BIN_TO_DATA_DIR must give the data folder relative to the executable's folder"
#endif
#ifndef LOOKALIKE_SOURCE_DIR
#error "LOOKALIKE_SOURCE_DIR must name the source tree"
#endif

namespace lookalike {

namespace fs = std::filesystem;

fs::path installedDataDirFor(const fs::path& executable) {
    return (executable.parent_path() / LOOKALIKE_BIN_TO_DATA_DIR).lexically_normal();
}

fs::path installedDataDir() {
    std::error_code error;
    fs::path executable = fs::read_symlink("/proc/self/exe", error);
    if (error || executable.empty())
        return {};
    return installedDataDirFor(executable);
}

fs::path sourceResourcesDir() {
    return fs::path(LOOKALIKE_SOURCE_DIR) / "resources";
}

}  // namespace lookalike
