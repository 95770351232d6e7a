#pragma once
// The catalog the CSV fuzz targets import into: three items under a folder that does not exist,
// so that matching never depends on this machine's files. In memory; a fresh one per input.

#include "core/catalog/catalog.h"

#include <cstdint>

namespace lookalike::fuzz {

inline constexpr const char* kLibraryFolder = "/nonexistent-lookalike-fuzz";

inline catalog::Catalog catalogOfThree() {
    catalog::Catalog catalog = catalog::Catalog::openInMemory();
    const char* paths[] = {"/nonexistent-lookalike-fuzz/shoes/red.jpg", "/nonexistent-lookalike-fuzz/shoes/blue.png",
                           "/nonexistent-lookalike-fuzz/bags/red.jpg"};
    std::uint8_t seed = 1;
    for (const char* path : paths) {
        catalog::ItemData item;
        item.contentHash.fill(seed++);
        item.sourcePath = path;
        item.displayName = "item";
        item.width = item.height = 1;
        item.fileSize = 1;
        item.thumbnail = {1, 1, {0xFF, 0xD8, 0xFF, 0xD9}};  // the catalog requires one; never decoded here
        const catalog::ItemId id = catalog.addItem(item, 0);
        catalog.recordFile(path, id, 1, 0);
    }
    return catalog;
}

}  // namespace lookalike::fuzz
