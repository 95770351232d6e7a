// Fuzzes the groups CSV import (services::importGroupsCsv, behind `lookalike-cli groups import`
// and the GUI) from the CSV bytes on: the CSV
// reader, the header, row matching against the catalog and group creation, on a fresh
// in-memory catalog of three items per input. The only allowed failures are the documented
// FileError (no header, unclosed quote) with nothing changed; nothing is written to disk.

#include "core/catalog/catalog.h"
#include "core/services/group_csv_import.h"
#include "core/util/errors.h"

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

namespace {

using lookalike::catalog::Catalog;

// Paths under a folder that does not exist, so matching never depends on this machine's files.
constexpr const char* kLibraryFolder = "/nonexistent-lookalike-fuzz";

Catalog libraryOfThree() {
    Catalog catalog = Catalog::openInMemory();
    const char* paths[] = {"/nonexistent-lookalike-fuzz/shoes/red.jpg",
                           "/nonexistent-lookalike-fuzz/shoes/blue.png",
                           "/nonexistent-lookalike-fuzz/bags/red.jpg"};
    std::uint8_t seed = 1;
    for (const char* path : paths) {
        lookalike::catalog::ItemData item;
        item.contentHash.fill(seed++);
        item.sourcePath = path;
        item.displayName = "item";
        item.width = item.height = 1;
        item.fileSize = 1;
        item.thumbnail = {1, 1, {0xFF, 0xD8, 0xFF, 0xD9}};  // the catalog requires one; never decoded here
        const lookalike::catalog::ItemId id = catalog.addItem(item, 0);
        catalog.recordFile(path, id, 1, 0);
    }
    return catalog;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Catalog catalog = libraryOfThree();
    std::istringstream csv(std::string(reinterpret_cast<const char*>(data), size));
    try {
        lookalike::services::importGroupsCsv(catalog, csv, "groups.csv", kLibraryFolder);
    } catch (const lookalike::FileError&) {
        if (!catalog.groups().empty())
            __builtin_trap();  // a refused CSV must change nothing
    }
    return 0;
}
