#pragma once
// Where an installed Lookalike finds its read-only data (the sample catalog, shipped models).
// Found relative to the running executable, so a package unpacked anywhere (a .deb extracted
// into a temporary root, a relocated prefix) uses its own data rather than a path fixed at
// build time. Linux only: it reads /proc/self/exe.

#include <filesystem>

namespace lookalike {

// The data folder that belongs to `executable` (<prefix>/bin/x -> <prefix>/share/lookalike, or
// whatever CMAKE_INSTALL_BINDIR and CMAKE_INSTALL_DATADIR were at build time). Pure path
// arithmetic: the folder may not exist.
std::filesystem::path installedDataDirFor(const std::filesystem::path& executable);

// installedDataDirFor() the running executable; an empty path when /proc/self/exe cannot be
// read. The folder may not exist (a binary run from the build folder): callers check for the
// file they need. Never throws; thread-safe.
std::filesystem::path installedDataDir();

// The source tree's resources/ folder, so that binaries run from a build folder find the
// committed data. Fixed at build time; the folder may not exist on the machine running this.
std::filesystem::path sourceResourcesDir();

}  // namespace lookalike
