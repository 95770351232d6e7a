#pragma once
// Imports folders of photos into a library's catalog.
//
// Files are found recursively (photo extensions only; hidden files and other types are
// ignored), decoded in parallel by worker threads and written in order by the calling thread
// in one transaction per batch. A file that cannot be used is recorded with its reason and the
// import goes on. Unchanged files (same path, size and mtime) are skipped without reading;
// identical bytes at another path join the existing item; a changed file updates its item.

#include "core/catalog/catalog.h"
#include "core/imaging/photo_region.h"
#include "core/util/progress.h"

#include <filesystem>
#include <functional>
#include <string>
#include <span>
#include <vector>

namespace lookalike::services {

struct ImportOptions {
    int threads = 2;                        // decoding threads
    int batchSize = 32;                     // results per transaction
    int thumbnailSize = 256;                // longest side, pixels
    std::int64_t maxPixels = 50'000'000;    // refused above this, before decoding
    std::uintmax_t maxFileBytes = 256ull << 20;
    // Called on a decoding thread just before each file is read. For tests that change files
    // in the middle of an import (deleted, replaced); must be thread-safe.
    std::function<void(const std::string& path)> beforeReading;
};

struct ImportReport {
    std::int64_t runId = 0;
    std::int64_t found = 0;    // photo files found under the roots
    std::int64_t ignored = 0;  // other files (not a photo type, hidden)
    catalog::ImportCounts counts;
    bool cancelled = false;
    std::vector<catalog::ImportErrorRecord> failures;
};

// True for the file extensions the importer reads (case-insensitive).
bool isPhotoFile(const std::filesystem::path& path);

// What an import makes of one photo's bytes: the header's pixel count is checked against
// options.maxPixels, then the photo is decoded and its thumbnail and content hash made. Fills
// contentHash, width, height, fileSize and thumbnail; sourcePath, displayName and mtimeNs are
// the caller's. importFolders() reads each file (refusing more than maxFileBytes) and calls this.
// Throws imaging::DecodeError with a reason a person can act on; no byte string causes
// undefined behaviour (tests/fuzz/import_decode_fuzz.cpp). Thread-safe.
catalog::ItemData itemFromPhotoBytes(std::span<const std::uint8_t> bytes, const ImportOptions& options);

// The thumbnail an import makes of a photo's bytes, of the whole photo or of a region of it
// (imaging::clipToPhoto's result): decoded upright at no more than the size the region needs,
// cropped, scaled to options.thumbnailSize. What itemFromPhotoBytes stores and what a search
// by photo embeds. Throws imaging::DecodeError, and std::invalid_argument for a region under
// imaging::kMinimumRegionSide pixels of the photo. Thread-safe.
struct PhotoThumbnail {
    int width = 0;  // the full-size photo, after EXIF orientation
    int height = 0;
    catalog::Thumbnail thumbnail;  // the JPEG, of the region
};
PhotoThumbnail thumbnailOfPhoto(std::span<const std::uint8_t> bytes, const ImportOptions& options,
                                const imaging::PhotoRegion& region = imaging::kWholePhoto);

// Throws FileError before starting when a root does not exist, and LibraryError or
// StorageFullError when the catalog cannot be written (what was committed stays). A set
// cancel token ends the import after the current batch; the report says so.
ImportReport importFolders(catalog::Catalog& catalog,
                           std::span<const std::filesystem::path> roots,
                           const ImportOptions& options = {},
                           const ProgressCallback& progress = {},
                           const CancelToken* cancel = nullptr);

}  // namespace lookalike::services
