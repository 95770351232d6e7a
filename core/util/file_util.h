#pragma once
// Small file-system helpers shared by the catalog, the importer and checkpoints.

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace lookalike {

// Reads a whole file. Throws FileError naming the file when it cannot be opened or read, or
// when it is larger than maxBytes (checked before anything is allocated).
std::vector<std::uint8_t> readFileBytes(const std::filesystem::path& path, std::uintmax_t maxBytes);

// Writes through a temporary file in the same folder, flushes it to disk and renames it over
// `path`, so a crash leaves either the old or the new file. Throws StorageFullError when the
// disk is full and FileError otherwise; the temporary file is removed on failure.
void writeFileAtomically(const std::filesystem::path& path, std::span<const std::uint8_t> bytes);

// Removes the temporary files that writeFileAtomically() left in `folder` when its process was
// killed before the rename (the process named in the file name is gone). Returns how many were
// removed; errors are ignored, as the files are only litter.
int removeAbandonedTemporaryFiles(const std::filesystem::path& folder);

// $XDG_DATA_HOME, else $HOME/.local/share (the XDG Base Directory default).
std::filesystem::path xdgDataHome();

// $XDG_CACHE_HOME, else $HOME/.cache.
std::filesystem::path xdgCacheHome();

// A path as UTF-8 text for messages and the catalog.
std::string displayPath(const std::filesystem::path& path);

}  // namespace lookalike
