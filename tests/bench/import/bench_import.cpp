// Import benchmark: Lookalike's importer against a plain OpenCV loop on the same JPEGs, and
// the importer's peak memory on a large folder. Not a ctest test; see README.md beside it.
//
//   bench_import [--mode speed|memory] [--dir DIR] [--count N] [--repeat R]
//
// speed  (default) imports N=2000 photos R=3 times into fresh libraries (threads=2) and times
//        the peer (read + cv::imdecode full size + cv::resize to 256 longest side) single
//        threaded and with 2 std::threads; prints medians in images/s and the ratios.
// memory imports N=10000 photos once into a fresh library and prints the peak RSS (VmHWM).
// Photos are 1200x900 JPEGs generated once into DIR (default $TMPDIR/lookalike-bench-import)
// in folders of 1000, and reused by later runs.

#include "tests/bench/bench_support.h"
#include "core/catalog/catalog.h"
#include "core/services/importer.h"
#include "tests/support/test_images.h"

#include <opencv2/core/utility.hpp>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

using namespace lookalike;
namespace fs = std::filesystem;

namespace {

constexpr int kWidth = 1200;
constexpr int kHeight = 900;
constexpr int kPerFolder = 1000;
constexpr int kThumbnailSide = 256;

struct Options {
    std::string mode = "speed";
    fs::path dir = fs::temp_directory_path() / "lookalike-bench-import";
    int count = -1;  // per mode default
    int repeat = 3;
};

[[noreturn]] void usage(const std::string& problem) {
    std::cerr << "bench_import: " << problem
              << "\nusage: bench_import [--mode speed|memory] [--dir DIR] [--count N] [--repeat R]\n";
    std::exit(2);
}

int parseInt(const std::string& text, const std::string& name) {
    return static_cast<int>(bench::positiveNumber(text, name, usage));
}

Options parseOptions(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (i + 1 >= argc)
            usage(arg + " needs a value");
        std::string value = argv[++i];
        if (arg == "--mode")
            options.mode = value;
        else if (arg == "--dir")
            options.dir = value;
        else if (arg == "--count")
            options.count = parseInt(value, arg);
        else if (arg == "--repeat")
            options.repeat = parseInt(value, arg);
        else
            usage("unknown option '" + arg + "'");
    }
    if (options.mode != "speed" && options.mode != "memory")
        usage("--mode is speed or memory");
    if (options.count < 0)
        options.count = options.mode == "speed" ? 2000 : 10000;
    return options;
}

fs::path photoPath(const fs::path& dir, int index) {
    char name[64];
    std::snprintf(name, sizeof name, "batch-%03d/photo-%05d.jpg", index / kPerFolder, index);
    return dir / name;
}

// The folders that hold photos 0 .. count-1 (whole folders; count is rounded up to them).
std::vector<fs::path> photoFolders(const fs::path& dir, int count) {
    std::vector<fs::path> folders;
    for (int folder = 0; folder * kPerFolder < count; ++folder)
        folders.push_back(photoPath(dir, folder * kPerFolder).parent_path());
    return folders;
}

// Writes the photos that are missing (a folder counts as done once its marker exists), on two
// threads. Photo i always has the same content, so runs and machines compare alike.
void generatePhotos(const fs::path& dir, int count) {
    int folders = (count + kPerFolder - 1) / kPerFolder;
    std::vector<int> missing;
    for (int folder = 0; folder < folders; ++folder)
        if (!fs::exists(photoPath(dir, folder * kPerFolder).parent_path() / ".complete"))
            missing.push_back(folder);
    if (missing.empty())
        return;
    std::cerr << "generating " << missing.size() * kPerFolder << " JPEGs of " << kWidth << "x"
              << kHeight << " in " << dir.string() << " (once; later runs reuse them)...\n";
    auto start = std::chrono::steady_clock::now();
    for (int folder : missing) {
        fs::create_directories(photoPath(dir, folder * kPerFolder).parent_path());
        std::atomic<int> next{folder * kPerFolder};
        int end = (folder + 1) * kPerFolder;
        auto work = [&] {
            for (int i = next++; i < end; i = next++) {
                cv::Mat photo = fixtures::makePhoto(kWidth, kHeight, static_cast<std::uint64_t>(i));
                fixtures::Bytes jpeg = fixtures::encodeImage(photo, ".jpg", {cv::IMWRITE_JPEG_QUALITY, 90});
                std::ofstream(photoPath(dir, i), std::ios::binary)
                    .write(reinterpret_cast<const char*>(jpeg.data()), static_cast<std::streamsize>(jpeg.size()));
            }
        };
        std::thread helper(work);
        work();
        helper.join();
        std::ofstream(photoPath(dir, folder * kPerFolder).parent_path() / ".complete") << "ok\n";
    }
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    std::cerr << "generated in " << took.count() << " s\n";
}

std::vector<fs::path> listPhotos(const fs::path& dir, int count) {
    std::vector<fs::path> files;
    for (int i = 0; i < count; ++i)
        files.push_back(photoPath(dir, i));
    return files;
}

double seconds(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    std::size_t n = values.size();
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// Reads a "VmHWM:    1234 kB"-style line of /proc/self/status, in MB.
double procStatusMb(const std::string& key) {
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
        if (line.starts_with(key + ":"))
            return std::stod(line.substr(key.size() + 1)) / 1024.0;
    return -1;
}

// Peak RSS so far is reset to the current RSS (Linux >= 4.0), so that generating the photos
// does not count towards the importer's peak.
bool resetPeakRss() {
    std::ofstream clear("/proc/self/clear_refs");
    clear << "5";
    clear.flush();
    return static_cast<bool>(clear);
}

// One import into a fresh library; returns seconds. Exits when the import is not complete.
double timeImport(const fs::path& library, const std::vector<fs::path>& roots, int expected,
                  services::ImportReport* reportOut = nullptr) {
    fs::remove_all(library);
    auto start = std::chrono::steady_clock::now();
    catalog::Catalog catalog = catalog::Catalog::open(library);
    services::ImportOptions options;
    options.threads = 2;
    services::ImportReport report = services::importFolders(catalog, roots, options);
    double took = seconds(start);
    if (report.counts.imported != expected || report.counts.failed != 0) {
        std::cerr << "bench_import: import incomplete: imported " << report.counts.imported
                  << ", failed " << report.counts.failed << " of " << expected << "\n";
        std::exit(1);
    }
    if (reportOut)
        *reportOut = report;
    return took;
}

// What a plain program would do for thumbnails: read, decode at full size, resize.
void peerProcess(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
    cv::Mat image = cv::imdecode(bytes, cv::IMREAD_COLOR);
    if (image.empty()) {
        std::cerr << "bench_import: peer cannot decode " << path << "\n";
        std::exit(1);
    }
    double scale = static_cast<double>(kThumbnailSide) / std::max(image.cols, image.rows);
    cv::Mat thumbnail;
    cv::resize(image, thumbnail, cv::Size(), scale, scale, cv::INTER_AREA);
}

double timePeer(const std::vector<fs::path>& files, int threads) {
    auto start = std::chrono::steady_clock::now();
    if (threads == 1) {
        for (const fs::path& file : files)
            peerProcess(file);
    } else {
        std::atomic<std::size_t> next{0};
        auto work = [&] {
            for (std::size_t i = next++; i < files.size(); i = next++)
                peerProcess(files[i]);
        };
        std::vector<std::thread> pool;
        for (int t = 0; t < threads; ++t)
            pool.emplace_back(work);
        for (std::thread& thread : pool)
            thread.join();
    }
    return seconds(start);
}

void printRuns(const std::string& label, const std::vector<double>& runs, int count) {
    std::vector<double> rates;
    std::printf("%-44s runs:", label.c_str());
    for (double run : runs) {
        std::printf(" %.2f s", run);
        rates.push_back(count / run);
    }
    std::printf("  median %.1f images/s\n", median(rates));
}

double medianRate(const std::vector<double>& runs, int count) {
    std::vector<double> rates;
    for (double run : runs)
        rates.push_back(count / run);
    return median(rates);
}

std::uintmax_t totalBytes(const std::vector<fs::path>& files) {
    std::uintmax_t bytes = 0;
    for (const fs::path& file : files)
        bytes += fs::file_size(file);
    return bytes;
}

int runSpeed(const Options& options) {
    int count = options.count;
    if (count % kPerFolder != 0)
        usage("--count must be a multiple of 1000 in speed mode");
    generatePhotos(options.dir, count);
    std::vector<fs::path> files = listPhotos(options.dir, count);
    std::vector<fs::path> roots = photoFolders(options.dir, count);
    fs::path library = options.dir / "bench-library";

    std::printf("bench_import speed: %d JPEGs %dx%d (%.2f MP, average %.0f KB) in %s\n", count,
                kWidth, kHeight, kWidth * kHeight / 1e6, totalBytes(files) / 1024.0 / count,
                options.dir.string().c_str());
    std::printf("machine: %u hardware threads; OpenCV %s with %d threads\n",
                std::thread::hardware_concurrency(), CV_VERSION, cv::getNumThreads());
    // One untimed pass so that every side reads from the page cache.
    timePeer(files, 2);

    std::vector<double> lookalike, peer1, peer2;
    for (int run = 0; run < options.repeat; ++run) {
        lookalike.push_back(timeImport(library, roots, count));
        peer1.push_back(timePeer(files, 1));
        peer2.push_back(timePeer(files, 2));
    }
    fs::remove_all(library);
    printRuns("lookalike importFolders (threads=2)", lookalike, count);
    printRuns("peer: read+imdecode+resize, 1 thread", peer1, count);
    printRuns("peer: read+imdecode+resize, 2 std::threads", peer2, count);
    double rate = medianRate(lookalike, count);
    std::printf("ratio lookalike/peer(1 thread)  = %.2f\n", rate / medianRate(peer1, count));
    std::printf("ratio lookalike/peer(2 threads) = %.2f\n", rate / medianRate(peer2, count));
    std::printf("peak RSS (VmHWM) of this process: %.1f MB\n", procStatusMb("VmHWM"));
    return 0;
}

int runMemory(const Options& options) {
    int count = options.count;
    if (count % kPerFolder != 0)
        usage("--count must be a multiple of 1000 in memory mode");
    generatePhotos(options.dir, count);
    std::vector<fs::path> files = listPhotos(options.dir, count);
    std::vector<fs::path> roots = photoFolders(options.dir, count);
    fs::path library = options.dir / "bench-library-memory";

    std::printf("bench_import memory: %d JPEGs %dx%d (%.2f MP, average %.0f KB, %.2f GB) in %s\n",
                count, kWidth, kHeight, kWidth * kHeight / 1e6, totalBytes(files) / 1024.0 / count,
                totalBytes(files) / 1e9, options.dir.string().c_str());
    bool reset = resetPeakRss();
    double before = procStatusMb("VmRSS");
    services::ImportReport report;
    double took = timeImport(library, roots, count, &report);
    double peak = procStatusMb("VmHWM");
    std::uintmax_t catalogBytes = fs::file_size(catalog::catalogPath(library));
    std::printf("imported %lld photos in %.1f s (%.1f images/s, threads=2)\n",
                static_cast<long long>(report.counts.imported), took, count / took);
    std::printf("catalog.db: %.1f MB\n", catalogBytes / 1048576.0);
    std::printf("RSS before import: %.1f MB\n", before);
    std::printf("peak RSS (VmHWM) at the end: %.1f MB%s\n", peak,
                reset ? " (peak reset just before the import)" : " (includes generation)");
    fs::remove_all(library);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    Options options = parseOptions(argc, argv);
    try {
        return options.mode == "speed" ? runSpeed(options) : runMemory(options);
    } catch (const std::exception& error) {
        std::cerr << "bench_import: " << error.what() << "\n";
        return 1;
    }
}
