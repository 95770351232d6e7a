#pragma once
// The catalog the CSV fuzz targets import into: three items under a folder that does not exist,
// so that matching never depends on this machine's files. In memory; a fresh one per input.

#include "core/catalog/catalog.h"
#include "tests/support/recorded_item.h"

#include <cstdint>

namespace lookalike::fuzz {

inline constexpr const char* kLibraryFolder = "/nonexistent-lookalike-fuzz";

inline catalog::Catalog catalogOfThree() {
    catalog::Catalog catalog = catalog::Catalog::openInMemory();
    const char* paths[] = {"/nonexistent-lookalike-fuzz/shoes/red.jpg", "/nonexistent-lookalike-fuzz/shoes/blue.png",
                           "/nonexistent-lookalike-fuzz/bags/red.jpg"};
    std::uint8_t seed = 1;
    for (const char* path : paths)
        fixtures::addRecordedItem(catalog, path, seed++);
    return catalog;
}

}  // namespace lookalike::fuzz
