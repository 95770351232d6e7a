#pragma once
// An item as an import records it, for tests of what matches rows to items (the CSV imports):
// a 1×1 item at `path` whose content hash is `seed` repeated. The file need not exist.

#include "core/catalog/catalog.h"

#include <cstdint>
#include <filesystem>

namespace lookalike::fixtures {

inline catalog::ItemId addRecordedItem(catalog::Catalog& catalog, const std::filesystem::path& path, std::uint8_t seed) {
    catalog::ItemData item;
    item.contentHash.fill(seed);
    item.sourcePath = path.string();
    item.displayName = path.filename().string();
    item.width = item.height = 1;
    item.fileSize = 1;
    item.thumbnail = {1, 1, {0xFF, 0xD8, 0xFF, 0xD9}};  // the catalog requires one; never decoded here
    const catalog::ItemId id = catalog.addItem(item, 0);
    catalog.recordFile(path.string(), id, 1, 0);
    return id;
}

}  // namespace lookalike::fixtures
