// Fuzzes the groups CSV import (services::importGroupsCsv, behind `lookalike-cli groups import`
// and the GUI) from the CSV bytes on: the CSV
// reader, the header, row matching against the catalog and group creation, on a fresh
// in-memory catalog of three items per input. The only allowed failures are the documented
// FileError (no header, unclosed quote) with nothing changed; nothing is written to disk.

#include "core/services/group_csv_import.h"
#include "core/util/errors.h"
#include "tests/fuzz/catalog_of_three.h"

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    lookalike::catalog::Catalog catalog = lookalike::fuzz::catalogOfThree();
    std::istringstream csv(std::string(reinterpret_cast<const char*>(data), size));
    try {
        lookalike::services::importGroupsCsv(catalog, csv, "groups.csv", lookalike::fuzz::kLibraryFolder);
    } catch (const lookalike::FileError&) {
        if (!catalog.groups().empty())
            __builtin_trap();  // a refused CSV must change nothing
    }
    return 0;
}
