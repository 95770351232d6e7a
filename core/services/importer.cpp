#include "core/services/importer.h"

#include "core/imaging/decoder.h"
#include "core/util/sha256.h"
#include "core/imaging/thumbnail.h"
#include "core/util/file_util.h"
#include "core/util/text.h"
#include "core/util/unix_time.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sys/stat.h>
#include <thread>

namespace lookalike::services {

namespace fs = std::filesystem;
using catalog::Catalog;
using catalog::ImportErrorRecord;

namespace {

struct FileStat {
    std::int64_t size = 0;
    std::int64_t mtimeNs = 0;
};

std::optional<FileStat> statFile(const fs::path& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0)
        return std::nullopt;
    return FileStat{info.st_size,
                    std::int64_t{info.st_mtim.tv_sec} * 1'000'000'000 + info.st_mtim.tv_nsec};
}

// A photo to read, and what the catalog knew about its path.
struct WorkItem {
    std::string path;
    FileStat stat;
    std::optional<catalog::FileRecord> known;
};

struct Result {
    std::optional<catalog::ItemData> item;
    std::string error;
};

Result processFile(const WorkItem& work, const ImportOptions& options) {
    Result result;
    try {
        if (options.beforeReading)
            options.beforeReading(work.path);
        // No shortcut on the stat size: a file that vanished after the walk has size 0 too,
        // and must be reported as unreadable, not as empty. Empty files fail in decodeImage.
        std::vector<std::uint8_t> bytes = readFileBytes(work.path, options.maxFileBytes);
        catalog::ItemData item = itemFromPhotoBytes(bytes, options);
        item.sourcePath = work.path;
        item.displayName = fs::path(work.path).stem().string();
        item.mtimeNs = work.stat.mtimeNs;
        result.item = std::move(item);
    } catch (const FileError& error) {
        // FileError messages already name the file.
        std::string message = error.what();
        std::string prefix = work.path + ": ";
        result.error = message.starts_with(prefix) ? message.substr(prefix.size()) : message;
    } catch (const imaging::DecodeError& error) {
        result.error = error.what();
    } catch (const std::bad_alloc&) {
        result.error = "not enough memory to decode this image";
    } catch (const std::exception& error) {
        result.error = std::string("cannot decode: ") + error.what();
    }
    return result;
}

// Walks the roots without following directory symlinks (so loops cannot trap it), and records
// folders that cannot be read instead of silently skipping them.
class PhotoFinder {
public:
    void walk(const fs::path& root) {
        std::error_code error;
        if (fs::is_regular_file(root, error)) {
            add(root);
            return;
        }
        // Roots may repeat or nest ("photos photos/shoes"): each folder is walked and each
        // file found once, so that none is counted twice or taken for a duplicate of itself.
        if (!m_visited.insert(root).second)
            return;
        fs::directory_iterator entries(root, error);
        if (error) {
            unreadable.push_back({root.string(), "cannot read folder (" + error.message() + ")"});
            return;
        }
        std::vector<fs::path> subfolders;
        std::vector<fs::path> files;
        for (const fs::directory_entry& entry : entries) {
            std::string name = entry.path().filename().string();
            if (name.starts_with(".")) {
                ++ignored;
                continue;
            }
            std::error_code typeError;
            if (entry.is_directory(typeError) && !entry.is_symlink(typeError))
                subfolders.push_back(entry.path());
            else if (entry.is_regular_file(typeError))
                files.push_back(entry.path());
            else
                ++ignored;  // sockets, broken links, linked folders
        }
        // Sorted, so that item ids follow file names the same way on every run.
        std::sort(files.begin(), files.end());
        for (const fs::path& file : files)
            add(file);
        std::sort(subfolders.begin(), subfolders.end());
        for (const fs::path& folder : subfolders)
            walk(folder);
    }

    std::vector<std::string> photos;
    std::vector<ImportErrorRecord> unreadable;
    std::int64_t ignored = 0;

private:
    void add(const fs::path& path) {
        if (!m_visited.insert(path).second)
            return;
        if (isPhotoFile(path))
            photos.push_back(path.string());
        else
            ++ignored;
    }

    std::set<fs::path> m_visited;  // folders walked and files found
};

// Decodes work items on worker threads, at most `window` ahead of the writer, and hands the
// results back in input order so the catalog is the same however threads interleave.
class DecodePipeline {
public:
    DecodePipeline(const std::vector<WorkItem>& work, const ImportOptions& options,
                   const CancelToken* cancel)
        : m_work(work), m_options(options), m_cancel(cancel),
          m_window(static_cast<std::size_t>(std::max(4, 2 * options.batchSize))) {
        int threads = std::max(1, options.threads);
        for (int i = 0; i < threads; ++i)
            m_threads.emplace_back([this] { run(); });
    }

    ~DecodePipeline() { stop(); }

    void stop() {
        {
            std::lock_guard lock(m_mutex);
            m_stopping = true;
        }
        m_changed.notify_all();
        for (std::thread& thread : m_threads)
            if (thread.joinable())
                thread.join();
    }

    // The result for work item `index`, waiting for it; items must be taken in order.
    Result take(std::size_t index) {
        std::unique_lock lock(m_mutex);
        m_changed.wait(lock, [&] { return m_done.contains(index); });
        Result result = std::move(m_done[index]);
        m_done.erase(index);
        m_taken = index + 1;
        m_changed.notify_all();
        return result;
    }

private:
    void run() {
        for (;;) {
            std::size_t index;
            {
                std::unique_lock lock(m_mutex);
                m_changed.wait(lock, [&] {
                    return m_stopping || m_next >= m_work.size() || m_next < m_taken + m_window;
                });
                if (m_stopping || m_next >= m_work.size())
                    return;
                index = m_next++;
            }
            Result result;
            if (m_cancel && m_cancel->isCancelled())
                result.error = "cancelled";
            else
                result = processFile(m_work[index], m_options);
            {
                std::lock_guard lock(m_mutex);
                m_done.emplace(index, std::move(result));
            }
            m_changed.notify_all();
        }
    }

    const std::vector<WorkItem>& m_work;
    const ImportOptions& m_options;
    const CancelToken* m_cancel;
    const std::size_t m_window;
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::map<std::size_t, Result> m_done;
    std::size_t m_next = 0;
    std::size_t m_taken = 0;
    bool m_stopping = false;
    std::vector<std::thread> m_threads;
};

// Applies one decoded photo to the catalog; returns which count it adds to.
enum class Outcome { Imported, Updated, Unchanged, Duplicate };

Outcome store(Catalog& catalog, const WorkItem& work, const catalog::ItemData& item,
              std::int64_t now) {
    std::optional<catalog::ItemId> sameContent = catalog.findItemByHash(item.contentHash);
    if (sameContent) {
        catalog.recordFile(work.path, *sameContent, item.fileSize, item.mtimeNs);
        bool samePath = work.known && work.known->itemId == *sameContent;
        return samePath ? Outcome::Unchanged : Outcome::Duplicate;
    }
    // New content at a known path: the photo was edited. Update its item when no other path
    // still holds the old bytes; otherwise the edited file becomes an item of its own.
    if (work.known && catalog.filesOf(work.known->itemId).size() == 1) {
        catalog.updateItem(work.known->itemId, item, now);
        catalog.recordFile(work.path, work.known->itemId, item.fileSize, item.mtimeNs);
        return Outcome::Updated;
    }
    catalog::ItemId id = catalog.addItem(item, now);
    catalog.recordFile(work.path, id, item.fileSize, item.mtimeNs);
    return Outcome::Imported;
}

std::string joinRoots(std::span<const fs::path> roots) {
    std::string joined;
    for (const fs::path& root : roots)
        joined += (joined.empty() ? "" : "\n") + root.string();
    return joined;
}

}  // namespace

bool isPhotoFile(const fs::path& path) {
    static const std::array<std::string_view, 9> extensions = {
        ".jpg", ".jpeg", ".jpe", ".png", ".webp", ".tif", ".tiff", ".bmp", ".dib"};
    const std::string extension = lowercase(path.extension().string());
    return std::find(extensions.begin(), extensions.end(), extension) != extensions.end();
}

PhotoThumbnail thumbnailOfPhoto(std::span<const std::uint8_t> bytes, const ImportOptions& options,
                                const imaging::PhotoRegion& region) {
    imaging::DecodeOptions decodeOptions;
    decodeOptions.maxPixels = options.maxPixels;
    decodeOptions.minLongestSide = imaging::decodeSideForRegion(region, options.thumbnailSize);
    imaging::DecodedImage image = imaging::decodeImage(bytes, decodeOptions);
    cv::Mat cropped = imaging::cropToRegion(image.bgr, region, image.width, image.height);
    imaging::EncodedThumbnail thumbnail = imaging::makeThumbnail(cropped, options.thumbnailSize);
    return {image.width, image.height, {thumbnail.width, thumbnail.height, std::move(thumbnail.jpeg)}};
}

catalog::ItemData itemFromPhotoBytes(std::span<const std::uint8_t> bytes, const ImportOptions& options) {
    PhotoThumbnail photo = thumbnailOfPhoto(bytes, options);
    catalog::ItemData item;
    item.contentHash = Sha256::of(bytes);
    item.width = photo.width;
    item.height = photo.height;
    // The bytes we hashed are the truth; the size from stat may be stale.
    item.fileSize = static_cast<std::int64_t>(bytes.size());
    item.thumbnail = std::move(photo.thumbnail);
    return item;
}

ImportReport importFolders(Catalog& catalog, std::span<const fs::path> roots,
                           const ImportOptions& options, const ProgressCallback& progress,
                           const CancelToken* cancel) {
    std::vector<fs::path> absoluteRoots;
    for (const fs::path& root : roots) {
        std::error_code error;
        if (!fs::exists(root, error))
            throw FileError(displayPath(root) + ": no such file or folder");
        fs::path absolute = fs::absolute(root).lexically_normal();
        // "photos/" and "photos" are one folder: drop the trailing separator.
        if (!absolute.has_filename() && absolute.has_relative_path())
            absolute = absolute.parent_path();
        absoluteRoots.push_back(absolute);
    }

    ImportReport report;
    PhotoFinder finder;
    for (const fs::path& root : absoluteRoots)
        finder.walk(root);
    report.found = static_cast<std::int64_t>(finder.photos.size());
    report.ignored = finder.ignored;
    auto isCancelled = [&] { return cancel && cancel->isCancelled(); };

    std::int64_t now = unixNow();
    {
        catalog::Transaction transaction(catalog.writer());
        report.runId = catalog.beginImportRun(joinRoots(absoluteRoots), now);
        for (const fs::path& root : absoluteRoots)
            if (fs::is_directory(root))
                catalog.addFolder(root.string(), now);
        for (const ImportErrorRecord& failure : finder.unreadable) {
            catalog.recordImportError(report.runId, failure.path, failure.reason);
            report.failures.push_back(failure);
        }
        transaction.commit();
    }
    report.counts.failed = static_cast<std::int64_t>(finder.unreadable.size());

    Progress status;
    status.total = report.found;
    auto advance = [&](const std::string& path) {
        ++status.done;
        if (progress) {
            status.current = path;
            progress(status);
        }
    };

    // Unchanged files are skipped without being read.
    std::vector<WorkItem> work;
    for (std::string& path : finder.photos) {
        WorkItem item;
        item.path = std::move(path);
        item.known = catalog.findFile(item.path);
        std::optional<FileStat> stat = statFile(item.path);
        if (stat)
            item.stat = *stat;
        if (item.known && stat && item.known->fileSize == stat->size &&
            item.known->mtimeNs == stat->mtimeNs) {
            ++report.counts.skipped;
            advance(item.path);
            continue;
        }
        work.push_back(std::move(item));
    }

    DecodePipeline pipeline(work, options, cancel);
    // A batch of zero would commit empty transactions forever.
    const auto batchSize = static_cast<std::size_t>(std::max(1, options.batchSize));
    std::size_t index = 0;
    while (index < work.size() && !isCancelled()) {
        catalog::Transaction transaction(catalog.writer());
        std::size_t batchEnd = std::min(work.size(), index + batchSize);
        for (; index < batchEnd; ++index) {
            Result result = pipeline.take(index);
            const WorkItem& item = work[index];
            if (isCancelled() && !result.item && result.error == "cancelled")
                break;
            if (!result.item) {
                catalog.recordImportError(report.runId, item.path, result.error);
                report.failures.push_back({item.path, result.error});
                ++report.counts.failed;
            } else {
                switch (store(catalog, item, *result.item, now)) {
                case Outcome::Imported: ++report.counts.imported; break;
                case Outcome::Updated: ++report.counts.updated; break;
                case Outcome::Unchanged: ++report.counts.skipped; break;
                case Outcome::Duplicate: ++report.counts.duplicates; break;
                }
            }
            advance(item.path);
        }
        // Completed photos of a cancelled batch are whole items: keep them.
        transaction.commit();
    }
    pipeline.stop();

    report.cancelled = isCancelled() && index < work.size();
    {
        catalog::Transaction transaction(catalog.writer());
        catalog.finishImportRun(report.runId, report.counts, report.cancelled, unixNow());
        transaction.commit();
    }
    return report;
}

}  // namespace lookalike::services
