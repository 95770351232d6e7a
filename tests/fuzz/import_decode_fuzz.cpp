// Fuzzes what an import does with a photo's bytes (services::itemFromPhotoBytes): the header
// check against the pixel limit, the decode, EXIF orientation, the thumbnail and the hash.
// The only allowed failure is imaging::DecodeError; anything else (another exception, a crash,
// a sanitizer report, a leak) is a finding. A photo that imports must give a sane item.

#include "core/imaging/image_header.h"
#include "core/imaging/thumbnail.h"
#include "core/services/importer.h"

#include <opencv2/core/utility.hpp>

#include <cstddef>
#include <cstdint>
#include <span>

namespace {

lookalike::services::ImportOptions fuzzOptions() {
    lookalike::services::ImportOptions options;
    // The same check as the 50 MP default, at a bound that keeps each input fast under ASan.
    options.maxPixels = 4'000'000;
    return options;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    cv::setNumThreads(1);  // one input at a time, on this thread: reproducible and no pool
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const lookalike::services::ImportOptions options = fuzzOptions();
    try {
        const lookalike::catalog::ItemData item =
            lookalike::services::itemFromPhotoBytes(std::span(data, size), options);
        const int longest = std::max(item.thumbnail.width, item.thumbnail.height);
        const bool sane = item.width > 0 && item.height > 0 &&
                          static_cast<std::int64_t>(item.width) * item.height <= options.maxPixels &&
                          item.thumbnail.width > 0 && item.thumbnail.height > 0 &&
                          longest <= options.thumbnailSize && !item.thumbnail.jpeg.empty() &&
                          item.fileSize == static_cast<std::int64_t>(size);
        if (!sane)
            __builtin_trap();
        const cv::Mat thumbnail = lookalike::imaging::decodeThumbnail(item.thumbnail.jpeg);
        if (thumbnail.cols != item.thumbnail.width || thumbnail.rows != item.thumbnail.height)
            __builtin_trap();
    } catch (const lookalike::imaging::DecodeError&) {
        // Refused with a reason: the expected outcome for most inputs.
    }
    return 0;
}
