// Near-duplicate benchmark: precision and recall of the perceptual hashes and of the embedding
// on real product photos (Fashion-MNIST) with edited copies, and the finder's time on 10,000
// photos against an exact brute-force peer. Not a ctest test; see README.md beside it.
//
//   bench_duplicates [--mode quality|speed|all] [--dir DIR] [--originals N] [--copied M]
//                    [--count C] [--runs R]
//
// quality: N=2000 Fashion-MNIST test photos, upscaled to 112..224 px; M=500 of them get two
//          edited copies each (JPEG quality 30..90, resize 0.5x..2x, crop 3..10% off the edges,
//          one edit each, seeded). Imported into a fresh library; every pair of the library is
//          scored by each method; a pair is a duplicate when both come from the same original.
// speed:   C=10,000 photos (the whole test split at 112..224 px) imported once into DIR, then
//          the finder and the brute-force peer timed R=3 times each (median).

#include "tests/bench/bench_support.h"
#include "core/datasets/fashion_mnist.h"
#include "core/imaging/perceptual_hash.h"
#include "core/imaging/thumbnail.h"
#include "core/services/importer.h"
#include "core/services/library.h"
#include "core/services/near_duplicates.h"
#include "tests/support/near_duplicate_photos.h"
#include "tests/support/temp_dir.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

using namespace lookalike;
using namespace lookalike::services;
using catalog::ItemId;
using fixtures::PhotoEdit;
namespace fs = std::filesystem;

namespace {

struct Options {
    std::string mode = "all";
    fs::path dir = fs::temp_directory_path() / "lookalike-bench-duplicates";
    int originals = 2000;
    int copied = 500;
    int count = 10000;
    int runs = 3;
};

[[noreturn]] void usage(const std::string& problem) {
    std::cerr << "bench_duplicates: " << problem
              << "\nusage: bench_duplicates [--mode quality|speed|all] [--dir DIR] [--originals N] [--copied M]"
                 " [--count C] [--runs R]\n";
    std::exit(2);
}

Options parseOptions(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (i + 1 >= argc)
            usage(arg + " needs a value");
        const std::string value = argv[++i];
        const auto number = [&] { return static_cast<int>(bench::positiveNumber(value, arg, usage)); };
        if (arg == "--mode")
            options.mode = value;
        else if (arg == "--dir")
            options.dir = value;
        else if (arg == "--originals")
            options.originals = number();
        else if (arg == "--copied")
            options.copied = number();
        else if (arg == "--count")
            options.count = number();
        else if (arg == "--runs")
            options.runs = number();
        else
            usage("unknown option '" + arg + "'");
    }
    if (options.mode != "quality" && options.mode != "speed" && options.mode != "all")
        usage("--mode is quality, speed or all");
    if (options.copied > options.originals)
        usage("--copied cannot exceed --originals");
    return options;
}

double seconds(std::chrono::steady_clock::duration elapsed) {
    return std::chrono::duration<double>(elapsed).count();
}

template <typename Work>
double timed(Work&& work) {
    const auto start = std::chrono::steady_clock::now();
    work();
    return seconds(std::chrono::steady_clock::now() - start);
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

// A Fashion-MNIST photo (28x28 grey) upscaled to `side` px, as a shop's photo would be.
cv::Mat upscaled(const datasets::LabelledImages& images, int index, int side) {
    const cv::Mat small(images.rows, images.cols, CV_8UC1, const_cast<std::uint8_t*>(images.image(index)));
    cv::Mat large, colour;
    cv::resize(small, large, cv::Size(side, side), 0, 0, cv::INTER_CUBIC);
    cv::cvtColor(large, colour, cv::COLOR_GRAY2BGR);
    return colour;
}

// Writes photo-<index>.png (and its copies) unless there already.
void writeOnce(const fs::path& path, const std::function<fixtures::Bytes()>& encode) {
    if (!fs::exists(path))
        fixtures::writeBytes(path, encode());
}

std::unique_ptr<Library> importedLibrary(const fs::path& photos, const fs::path& libraryDir) {
    LibraryOptions options;
    options.pretrainedModel.clear();  // the descriptors: what a fresh library without the shipped model serves
    std::unique_ptr<Library> library = Library::open(catalog::LibraryLocation(libraryDir), options);
    const std::vector<fs::path> roots{photos};
    ImportOptions importOptions;
    const ImportReport report = importFolders(library->catalog(), roots, importOptions);
    if (report.counts.failed > 0) {
        std::cerr << "bench_duplicates: " << report.counts.failed << " photos failed to import\n";
        std::exit(1);
    }
    return library;
}

// --- quality ---

struct Truth {
    std::unordered_map<ItemId, int> source;      // item -> original index
    std::unordered_map<ItemId, PhotoEdit> edit;  // copies only
    std::int64_t positives = 0;                  // pairs with the same source
};

// "photo-17.png" -> 17; "photo-17-cropped-1.jpg" -> 17 and the edit.
Truth readTruth(Library& library) {
    Truth truth;
    std::map<int, int> members;
    for (ItemId id : library.catalog().itemIds()) {
        const std::string name = fs::path(library.catalog().item(id)->sourcePath).stem().string();
        const std::size_t dash = name.find('-', 6);
        const int source = std::stoi(name.substr(6, dash == std::string::npos ? std::string::npos : dash - 6));
        truth.source[id] = source;
        ++members[source];
        if (dash != std::string::npos)
            for (PhotoEdit edit : {PhotoEdit::Recompress, PhotoEdit::Resize, PhotoEdit::Crop})
                if (name.find(fixtures::photoEditName(edit)) != std::string::npos)
                    truth.edit[id] = edit;
    }
    for (const auto& [source, count] : members)
        truth.positives += static_cast<std::int64_t>(count) * (count - 1) / 2;
    return truth;
}

void printSweep(const std::string& method, const std::vector<DuplicatePair>& pairs, const Truth& truth,
                const std::vector<double>& thresholds, const std::function<std::string(double)>& label) {
    std::cout << "\n" << method << " (" << truth.positives << " duplicate pairs among " << truth.source.size()
              << " photos)\n  threshold          pairs   true  false  precision  recall     F1   recall by edit: "
                 "recompressed resized cropped\n";
    for (double threshold : thresholds) {
        std::int64_t found = 0, correct = 0;
        std::map<PhotoEdit, std::pair<std::int64_t, std::int64_t>> byEdit;  // original-copy pairs: found, all
        for (const DuplicatePair& pair : pairs) {
            if (pair.score < threshold - 1e-9)
                continue;
            ++found;
            correct += truth.source.at(pair.first) == truth.source.at(pair.second);
        }
        // Recall per edit: an original-copy pair counted once per copy.
        std::set<std::pair<ItemId, ItemId>> kept;
        for (const DuplicatePair& pair : pairs)
            if (pair.score >= threshold - 1e-9)
                kept.emplace(pair.first, pair.second);
        std::unordered_map<int, ItemId> originalOf;
        for (const auto& [item, source] : truth.source)
            if (!truth.edit.contains(item))
                originalOf[source] = item;
        for (const auto& [copy, edit] : truth.edit) {
            const ItemId original = originalOf.at(truth.source.at(copy));
            ++byEdit[edit].second;
            byEdit[edit].first += kept.contains({std::min(copy, original), std::max(copy, original)});
        }
        const double precision = found ? static_cast<double>(correct) / found : 1.0;
        const double recall = static_cast<double>(correct) / truth.positives;
        const double f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
        std::cout << "  " << std::left << std::setw(16) << label(threshold) << std::right << std::setw(8) << found
                  << std::setw(7) << correct << std::setw(7) << found - correct << std::fixed << std::setprecision(4)
                  << std::setw(11) << precision << std::setw(8) << recall << std::setw(7) << f1 << "   ";
        for (PhotoEdit edit : {PhotoEdit::Recompress, PhotoEdit::Resize, PhotoEdit::Crop}) {
            const auto [hit, all] = byEdit[edit];
            std::cout << std::setw(12) << (all ? static_cast<double>(hit) / all : 0.0);
        }
        std::cout << "\n";
    }
}

void runQuality(const Options& options) {
    const datasets::LabelledImages images =
        datasets::loadFashionMnist(datasets::defaultFashionMnistDir(), datasets::Split::Test, options.originals);
    const fixtures::TempDir work;
    const fs::path photos = work / "photos";
    fs::create_directories(photos);
    std::mt19937_64 random(2026);
    const auto uniform = [&](double low, double high) { return std::uniform_real_distribution<double>(low, high)(random); };
    const PhotoEdit edits[] = {PhotoEdit::Recompress, PhotoEdit::Resize, PhotoEdit::Crop};
    for (int index = 0; index < images.count; ++index) {
        const int side = 112 + static_cast<int>(random() % 113);
        const cv::Mat photo = upscaled(images, index, side);
        const std::string stem = "photo-" + std::to_string(index);
        fixtures::writeBytes(photos / (stem + ".png"), fixtures::encodeImage(photo, ".png"));
        if (index >= options.copied)
            continue;
        for (int copy = 0; copy < 2; ++copy) {
            const PhotoEdit edit = edits[random() % 3];
            const double amount = edit == PhotoEdit::Recompress ? std::round(uniform(30, 90))
                                  : edit == PhotoEdit::Resize   ? uniform(0.5, 2.0)
                                                                : uniform(0.03, 0.10);
            fixtures::writeBytes(photos / (stem + "-" + fixtures::photoEditName(edit) + "-" + std::to_string(copy) + ".jpg"),
                                 fixtures::encodeEdited(photo, edit, amount, random()));
        }
    }
    std::unique_ptr<Library> library = importedLibrary(photos, work / "library");
    const Truth truth = readTruth(*library);
    std::cout << "Quality: " << images.count << " Fashion-MNIST test photos (112..224 px), " << options.copied
              << " with two edited copies each; " << truth.source.size() << " items\n";

    std::map<std::pair<ItemId, ItemId>, double> phashScores;  // for the combination below
    for (DuplicateMethod method : {DuplicateMethod::DctHash, DuplicateMethod::DifferenceHash}) {
        NearDuplicateOptions finder;
        finder.method = method;
        finder.threshold = 1.0 - 20.0 / 64.0;  // everything up to 20 bits apart, swept below
        const NearDuplicateReport report = findNearDuplicates(*library, finder);
        if (method == DuplicateMethod::DctHash)
            for (const DuplicatePair& pair : report.pairs)
                phashScores[{pair.first, pair.second}] = pair.score;
        std::vector<double> thresholds;
        for (int distance = 0; distance <= 20; distance += distance < 12 ? 1 : 2)
            thresholds.push_back(1.0 - distance / 64.0);
        printSweep(std::string(duplicateMethodName(method)), report.pairs, truth, thresholds, [](double t) {
            std::ostringstream text;
            text << std::fixed << std::setprecision(4) << t << " (<=" << maxHashDistance(t) << ")";
            return text.str();
        });
    }
    NearDuplicateOptions finder;
    finder.method = DuplicateMethod::Embedding;
    finder.threshold = 0.80;
    const NearDuplicateReport report = findNearDuplicates(*library, finder);
    printSweep("embedding (descriptors model, cosine)", report.pairs, truth,
               {0.80, 0.85, 0.90, 0.92, 0.94, 0.95, 0.96, 0.97, 0.98, 0.99, 0.995},
               [](double t) {
                   std::ostringstream text;
                   text << std::fixed << std::setprecision(3) << t;
                   return text.str();
               });
    // Both at once: the embedding's cosine, kept only where the pHash agrees within N bits.
    for (int distance : {8, 12, 16, 20}) {
        std::vector<DuplicatePair> both;
        for (const DuplicatePair& pair : report.pairs)
            if (auto found = phashScores.find({pair.first, pair.second});
                found != phashScores.end() &&
                64.0 * (1.0 - found->second) <= distance + 1e-9)
                both.push_back(pair);
        printSweep("embedding cosine and phash <= " + std::to_string(distance) + " bits", both, truth,
                   {0.90, 0.94, 0.96, 0.97, 0.98, 0.99, 0.995}, [](double t) {
                       std::ostringstream text;
                       text << std::fixed << std::setprecision(3) << t;
                       return text.str();
                   });
    }
}

// --- speed ---

void runSpeed(const Options& options) {
    const fs::path photos = options.dir / ("photos-" + std::to_string(options.count));
    const fs::path libraryDir = options.dir / ("library-" + std::to_string(options.count));
    if (!fs::exists(libraryDir)) {
        const datasets::LabelledImages images = datasets::loadFashionMnist(
            datasets::defaultFashionMnistDir(), datasets::Split::Test, std::min(options.count, 10000));
        if (images.count < options.count)
            usage("--count is at most " + std::to_string(images.count) + " (the test split)");
        std::mt19937_64 random(10000);
        for (int index = 0; index < images.count; ++index) {
            const fs::path folder = photos / ("batch-" + std::to_string(index / 1000));
            fs::create_directories(folder);
            const int side = 112 + static_cast<int>(random() % 113);
            writeOnce(folder / ("photo-" + std::to_string(index) + ".png"),
                      [&] { return fixtures::encodeImage(upscaled(images, index, side), ".png"); });
        }
        const double importSeconds = timed([&] { importedLibrary(photos, libraryDir)->refresh(); });
        std::cout << "Imported and embedded " << options.count << " photos in " << std::fixed << std::setprecision(1)
                  << importSeconds << " s (once; reused by later runs from " << libraryDir << ")\n";
    }
    LibraryOptions libraryOptions;
    libraryOptions.pretrainedModel.clear();
    std::unique_ptr<Library> library = Library::open(catalog::LibraryLocation(libraryDir), libraryOptions);
    library->refresh();
    catalog::Catalog& catalog = library->catalog();
    const std::int64_t items = catalog.itemCount();
    std::cout << "\nSpeed: " << items << " items, " << options.runs << " runs each, median; load " << bench::loadAverage()
              << "\n";

    // The cost of a hash: reading the thumbnails, decoding them in full or at 1/4 scale.
    std::vector<std::vector<std::uint8_t>> jpegs;
    const double readSeconds = timed([&] {
        for (ItemId id : catalog.itemIds())
            jpegs.push_back(catalog.thumbnail(id)->jpeg);
    });
    std::vector<double> full, reduced;
    for (int run = 0; run < options.runs; ++run) {
        full.push_back(timed([&] {
            for (const auto& jpeg : jpegs)
                (void)imaging::perceptualHash(imaging::decodeThumbnail(jpeg), imaging::PerceptualHashKind::Dct);
        }));
        reduced.push_back(timed([&] {
            for (const auto& jpeg : jpegs)
                (void)imaging::thumbnailHash(jpeg, imaging::PerceptualHashKind::Dct);
        }));
    }
    const double perItem = 1e3 / static_cast<double>(jpegs.size());
    std::cout << std::fixed << std::setprecision(3) << "  reading thumbnails from the catalog: " << readSeconds * perItem
              << " ms/item\n  pHash, full decode:      " << median(full) * perItem
              << " ms/item (1 thread)\n  pHash, 1/4-scale decode: " << median(reduced) * perItem << " ms/item (1 thread)\n";

    const ItemHashes hashes = hashThumbnails(catalog, imaging::PerceptualHashKind::Dct, 2);
    const int distance = maxHashDistance(defaultDuplicateThreshold(DuplicateMethod::DctHash));
    const catalog::ModelId model = *library->activeModel();
    const int dimension = library->models().model(model)->dimension;
    const catalog::EmbeddingSet embeddings = library->models().embeddings(model);
    const double cosine = defaultDuplicateThreshold(DuplicateMethod::Embedding);

    struct Row {
        std::string name;
        std::function<std::size_t()> finder, peer;
    };
    const std::vector<Row> rows = {
        {"duplicates (combined, the default), whole run",
         [&] { return findNearDuplicates(*library, NearDuplicateOptions{}).pairs.size(); },
         [&] {
             // The same work with every pair compared one dot product at a time.
             const ItemHashes all = hashThumbnails(catalog, imaging::PerceptualHashKind::Dct, 2);
             std::unordered_map<ItemId, imaging::PerceptualHash> hashOf;
             for (std::size_t i = 0; i < all.ids.size(); ++i)
                 hashOf.emplace(all.ids[i], all.hashes[i]);
             std::vector<DuplicatePair> pairs = embeddingPairsBruteForce(
                 library->models().embeddings(model), dimension, defaultDuplicateThreshold(DuplicateMethod::Combined));
             std::erase_if(pairs, [&](const DuplicatePair& pair) {
                 return imaging::hammingDistance(hashOf.at(pair.first), hashOf.at(pair.second)) > kCombinedMaxHashDistance;
             });
             return pairs.size();
         }},
        {"duplicates (phash), whole run: thumbnails + pairs",
         [&] {
             NearDuplicateOptions finder;
             finder.method = DuplicateMethod::DctHash;
             return findNearDuplicates(*library, finder).pairs.size();
         },
         [&] {
             const ItemHashes all = hashThumbnails(catalog, imaging::PerceptualHashKind::Dct, 2);
             return hashPairsBruteForce(all.ids, all.hashes, distance).size();
         }},
        {"phash pairs only (multi-index vs all pairs)",
         [&] { return hashPairs(hashes.ids, hashes.hashes, distance).size(); },
         [&] { return hashPairsBruteForce(hashes.ids, hashes.hashes, distance).size(); }},
        {"embedding pairs (oneDNN matmul vs dot per pair), dim " + std::to_string(dimension),
         [&] { return embeddingPairs(embeddings, dimension, cosine).size(); },
         [&] { return embeddingPairsBruteForce(embeddings, dimension, cosine).size(); }},
    };
    std::cout << "\n  " << std::left << std::setw(58) << "what" << std::right << std::setw(12) << "finder s"
              << std::setw(12) << "peer s" << std::setw(10) << "ratio" << std::setw(10) << "pairs\n";
    for (const Row& row : rows) {
        std::vector<double> finderTimes, peerTimes;
        std::size_t finderPairs = 0, peerPairs = 0;
        for (int run = 0; run < options.runs; ++run) {
            finderTimes.push_back(timed([&] { finderPairs = row.finder(); }));
            peerTimes.push_back(timed([&] { peerPairs = row.peer(); }));
        }
        std::cout << "  " << std::left << std::setw(58) << row.name << std::right << std::fixed << std::setprecision(3)
                  << std::setw(12) << median(finderTimes) << std::setw(12) << median(peerTimes) << std::setw(9)
                  << std::setprecision(2) << median(peerTimes) / median(finderTimes) << "x" << std::setw(9)
                  << finderPairs << (finderPairs == peerPairs ? "" : "  MISMATCH with the peer") << "\n";
        if (finderPairs != peerPairs)
            std::exit(1);
    }
}

}  // namespace

int main(int argc, char** argv) {
    const Options options = parseOptions(argc, argv);
    try {
        if (options.mode != "speed")
            runQuality(options);
        if (options.mode != "quality")
            runSpeed(options);
    } catch (const std::exception& error) {
        std::cerr << "bench_duplicates: " << error.what() << "\n";
        return 1;
    }
    return 0;
}
