// Server-catalog benchmark: a library on PostgreSQL at catalog scale, through the catalog API the
// app uses. Not a ctest test; see README.md beside it.
//
//   bench_server_catalog [--items N] [--dim D] [--queries Q] [--k K] [--uri URI]
//                        [--incremental M] [--probe P]
//
// Against a private server (fixtures::PostgresCluster::startPrivate()) or --uri's database, one
// run measures:
//   1. import: N items (a real JPEG thumbnail each, and the path they were seen at) and N
//      embeddings of D dimensions, 1,000 items per transaction, as the importer writes them;
//   2. what the server stores per item, by table;
//   3. a fresh desk's catch-up: reading all N vectors (ModelStore::embeddings) and building the
//      HnswIndex over them, with the peak resident memory; then M more vectors added on the
//      server and the incremental catch-up of just those;
//   4. search latency of the HnswIndex (efSearch as the app's default) against exact brute force
//      on the same vectors, and recall@K;
//   5. the cost of one round trip per embedding: P vectors written with putEmbedding, one
//      statement each, against the same rows in multi-row INSERTs (what a batched
//      putEmbeddings could do), and an empty statement's round trip.
// Figures are printed as a table and as one JSON line at the end. Nothing is asserted on time.

#include "tests/bench/bench_support.h"
#include "core/catalog/catalog.h"
#include "core/catalog/library_location.h"
#include "core/catalog/model_store.h"
#include "core/search/brute_force_index.h"
#include "core/search/hnsw_index.h"
#include "tests/core/search/random_vectors.h"
#include "tests/core/search/recall.h"
#include "tests/support/postgres_cluster.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace lookalike;

namespace {

// The dimension of the vectors the app's networks serve: NetworkConfig's embeddingDim (128), the
// size of the pretrained backbone's head as well (core/nn/topology.h: "with grid 2 and
// embedding 128"). Not taken from nn::NetworkConfig so that the benchmark links only the catalog
// and the search index.
constexpr std::size_t kAppEmbeddingDimension = 128;
constexpr std::size_t kItemsPerTransaction = 1000;  // as the importer batches its writes
constexpr std::size_t kClusters = 1000;
constexpr std::uint64_t kSpaceSeed = 20261202;
constexpr std::uint64_t kQuerySeed = 777;
constexpr std::int64_t kNow = 1764700000;  // a fixed "now": every row gets the same timestamps

struct Options {
    std::size_t items = 1000000;
    std::size_t dimension = kAppEmbeddingDimension;
    std::size_t queries = 1000;
    std::size_t k = 10;
    std::size_t incremental = 10000;
    std::size_t probe = 20000;
    std::string uri;  // empty: a private server
};

[[noreturn]] void usage(const std::string& problem) {
    std::cerr << "bench_server_catalog: " << problem
              << "\nusage: bench_server_catalog [--items N] [--dim D] [--queries Q] [--k K] [--uri URI]"
                 " [--incremental M] [--probe P]\n";
    std::exit(2);
}

Options parseOptions(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (i + 1 >= argc)
            usage(arg + " needs a value");
        const std::string value = argv[++i];
        if (arg == "--items")
            options.items = bench::positiveNumber(value, arg, usage);
        else if (arg == "--dim")
            options.dimension = bench::positiveNumber(value, arg, usage);
        else if (arg == "--queries")
            options.queries = bench::positiveNumber(value, arg, usage);
        else if (arg == "--k")
            options.k = bench::positiveNumber(value, arg, usage);
        else if (arg == "--incremental")
            options.incremental = bench::positiveNumber(value, arg, usage);
        else if (arg == "--probe")
            options.probe = bench::positiveNumber(value, arg, usage);
        else if (arg == "--uri")
            options.uri = value;
        else
            usage("unknown option '" + arg + "'");
    }
    if (options.dimension > search::SimilarityIndex::kMaxDimension)
        usage("--dim is at most " + std::to_string(search::SimilarityIndex::kMaxDimension));
    if (!options.uri.empty() && !catalog::LibraryLocation::looksLikeServer(options.uri))
        usage("--uri expects postgresql://...");
    options.probe = std::min(options.probe, options.items);
    return options;
}

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// A "VmHWM:   1234 kB"-style line of /proc/self/status, in bytes; -1 when it cannot be read.
double procStatusBytes(const std::string& key) {
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
        if (line.starts_with(key + ":"))
            return std::stod(line.substr(key.size() + 1)) * 1024.0;
    return -1.0;
}

double megabytes(double bytes) { return bytes / (1024.0 * 1024.0); }

// A thumbnail as the importer makes one (imaging/thumbnail.h: 256 px on the long side, JPEG
// quality 85) of a photo-like picture: smooth shading, a few shapes and sensor-like noise, so that
// it compresses like a photo rather than like a flat test card.
std::vector<std::uint8_t> makeThumbnailJpeg() {
    cv::Mat image(192, 256, CV_8UC3);
    for (int y = 0; y < image.rows; ++y)
        for (int x = 0; x < image.cols; ++x)
            image.at<cv::Vec3b>(y, x) = cv::Vec3b(static_cast<uchar>(60 + x / 3), static_cast<uchar>(90 + y / 2),
                                                  static_cast<uchar>(140 + (x + y) / 8));
    cv::circle(image, {90, 100}, 50, {30, 60, 200}, cv::FILLED, cv::LINE_AA);
    cv::rectangle(image, {150, 40}, {230, 150}, {200, 200, 40}, cv::FILLED, cv::LINE_AA);
    cv::Mat noise(image.size(), CV_8UC3);
    cv::randn(noise, cv::Scalar::all(0), cv::Scalar::all(12));
    cv::Mat blurred;
    cv::GaussianBlur(noise, blurred, {3, 3}, 0.8);
    image += blurred;
    std::vector<std::uint8_t> jpeg;
    cv::imencode(".jpg", image, jpeg, {cv::IMWRITE_JPEG_QUALITY, 85});
    return jpeg;
}

// Item number i: a unique content hash (i in the first 8 bytes, pseudo-random after), a path in
// a folder of 1,000 photos, a camera-like size.
catalog::ItemData makeItem(std::size_t i, const std::vector<std::uint8_t>& jpeg) {
    catalog::ItemData item;
    std::uint64_t state = i * 0x9E3779B97F4A7C15ull + 1;
    for (std::size_t byte = 0; byte < item.contentHash.size(); ++byte) {
        if (byte < 8) {
            item.contentHash[byte] = static_cast<std::uint8_t>(i >> (8 * byte));
        } else {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            item.contentHash[byte] = static_cast<std::uint8_t>(state);
        }
    }
    char name[32];
    std::snprintf(name, sizeof name, "IMG_%07zu.jpg", i);
    char folder[64];
    std::snprintf(folder, sizeof folder, "/srv/photos/shoot_%04zu/", i / 1000);
    item.displayName = name;
    item.sourcePath = std::string(folder) + name;
    item.width = 4032;
    item.height = 3024;
    item.fileSize = 2'500'000 + static_cast<std::int64_t>(i % 1'000'000);
    item.mtimeNs = 1'700'000'000'000'000'000 + static_cast<std::int64_t>(i);
    item.thumbnail = {256, 192, jpeg};
    return item;
}

// One integer from a query without parameters.
std::int64_t queryInt(catalog::Catalog& catalog, const std::string& sql) {
    catalog::Statement query = catalog.writer().prepare(sql);
    return query.step() ? query.columnInt64(0) : -1;
}

struct ImportTimes {
    double totalSeconds = 0.0;
    double itemSeconds = 0.0;       // addItem + recordFile
    double embeddingSeconds = 0.0;  // putEmbedding
    double commitSeconds = 0.0;
};

// Items [first, first + count) with their files and one embedding each, 1,000 per transaction,
// vectors drawn from `space` in chunks (the chunk's seed is its first item number).
ImportTimes importItems(catalog::Catalog& catalog, catalog::ModelStore& store, catalog::ModelId model,
                        const fixtures::ClusteredSpace& space, std::size_t dimension, std::size_t first,
                        std::size_t count, const std::vector<std::uint8_t>& jpeg, bool verbose) {
    ImportTimes times;
    const auto start = Clock::now();
    std::size_t nextReport = count / 10;
    for (std::size_t begin = first; begin < first + count; begin += kItemsPerTransaction) {
        const std::size_t rows = std::min(kItemsPerTransaction, first + count - begin);
        const std::vector<float> vectors = space.sample(rows, kSpaceSeed + 1 + begin);
        catalog::Transaction transaction(catalog.writer());
        for (std::size_t r = 0; r < rows; ++r) {
            const catalog::ItemData item = makeItem(begin + r, jpeg);
            auto phase = Clock::now();
            const catalog::ItemId id = catalog.addItem(item, kNow);
            catalog.recordFile(item.sourcePath, id, item.fileSize, item.mtimeNs);
            times.itemSeconds += secondsSince(phase);
            phase = Clock::now();
            store.putEmbedding(model, id, fixtures::row(vectors, dimension, r));
            times.embeddingSeconds += secondsSince(phase);
        }
        const auto phase = Clock::now();
        transaction.commit();
        times.commitSeconds += secondsSince(phase);
        const std::size_t done = begin + rows - first;
        if (verbose && done >= nextReport) {
            std::fprintf(stderr, "  import: %zu / %zu items, %.0f s, load %s\n", done, count, secondsSince(start),
                         bench::loadAverage().c_str());
            nextReport += count / 10;
        }
    }
    times.totalSeconds = secondsSince(start);
    return times;
}

struct Latency {
    double medianMs = 0.0;
    double p95Ms = 0.0;
};

// Each query timed alone on this thread after an untimed warm-up of 50; nearest-rank percentiles.
template <typename Query>
Latency measureLatency(std::size_t count, const Query& query) {
    for (std::size_t i = 0; i < std::min<std::size_t>(count, 50); ++i)
        query(i);
    std::vector<double> milliseconds;
    for (std::size_t i = 0; i < count; ++i) {
        const auto start = Clock::now();
        query(i);
        milliseconds.push_back(secondsSince(start) * 1e3);
    }
    std::sort(milliseconds.begin(), milliseconds.end());
    const auto rank = [&](double fraction) {
        const auto index = static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(milliseconds.size())));
        return milliseconds[std::clamp<std::size_t>(index, 1, milliseconds.size()) - 1];
    };
    return {rank(0.5), rank(0.95)};
}

// An empty directory under $TMPDIR, removed at exit: this run's $XDG_CACHE_HOME.
class TempDir {
public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "bench_server_catalog.XXXXXX").string();
        if (!mkdtemp(pattern.data()))
            throw std::runtime_error("cannot create a temporary folder");
        m_path = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(m_path, ignored);
    }
    const std::filesystem::path& path() const { return m_path; }

private:
    std::filesystem::path m_path;
};

// The embeddings table's insert, as putEmbedding's, with `rows` rows of VALUES.
std::string multiRowInsert(std::size_t rows) {
    std::string sql = "INSERT INTO embeddings (model_id, item_id, vector) VALUES ";
    for (std::size_t r = 0; r < rows; ++r)
        sql += r == 0 ? "(?, ?, ?)" : ", (?, ?, ?)";
    return sql + " ON CONFLICT (model_id, item_id) DO UPDATE SET vector = excluded.vector, id = excluded.id";
}

std::span<const std::uint8_t> bytesOf(std::span<const float> vector) {
    return {reinterpret_cast<const std::uint8_t*>(vector.data()), vector.size_bytes()};
}

}  // namespace

int main(int argc, char** argv) try {
    const Options options = parseOptions(argc, argv);
    const std::size_t n = options.items;
    const std::size_t dimension = options.dimension;

    TempDir cache;
    setenv("XDG_CACHE_HOME", cache.path().c_str(), 1);

    std::unique_ptr<fixtures::PostgresCluster> cluster;
    std::string uri = options.uri;
    if (uri.empty()) {
        cluster = fixtures::PostgresCluster::startPrivate();
        uri = cluster->createDatabase("lookalike_bench");
    }
    const catalog::LibraryLocation location = catalog::LibraryLocation::parse(uri);
    catalog::Catalog catalog = catalog::Catalog::open(location);
    catalog::ModelStore store(catalog);
    const std::string serverVersion = [&] {
        catalog::Statement query = catalog.writer().prepare("SHOW server_version");
        return query.step() ? query.columnText(0) : std::string("unknown");
    }();

    const std::vector<std::uint8_t> jpeg = makeThumbnailJpeg();
    const fixtures::ClusteredSpace space(dimension, kClusters, kSpaceSeed);
    std::printf("bench_server_catalog: %zu items, %zu-d embeddings (%zu clusters, ClusteredSpace), thumbnail "
                "JPEG %zu B (256x192, quality 85), %zu queries, k=%zu\n",
                n, dimension, kClusters, jpeg.size(), options.queries, options.k);
    std::printf("server: PostgreSQL %s, %s; load %s\n", serverVersion.c_str(), location.display().c_str(),
                bench::loadAverage().c_str());
    std::fflush(stdout);

    // --- 1. import ---
    const std::string recipe = "embedder=synthetic\nbenchmark=bench_server_catalog\n";
    const catalog::ModelId model =
        store.createModel(catalog::ModelKind::Network, std::nullopt, static_cast<int>(dimension), recipe, {}, kNow);
    const std::string importLoad = bench::loadAverage();
    const ImportTimes import = importItems(catalog, store, model, space, dimension, 0, n, jpeg, true);
    store.setState(model, catalog::ModelState::Ready);
    store.setActiveModel(model);
    const std::string importLoadAfter = bench::loadAverage();
    std::printf("\n1. import (1,000 items per transaction; load %s -> %s)\n", importLoad.c_str(),
                importLoadAfter.c_str());
    std::printf("   total %.1f s, %.0f items/s  (addItem+recordFile %.1f s, putEmbedding %.1f s, commit %.1f s)\n",
                import.totalSeconds, static_cast<double>(n) / import.totalSeconds, import.itemSeconds,
                import.embeddingSeconds, import.commitSeconds);
    std::fflush(stdout);

    // --- 2. storage ---
    const double perItem = 1.0 / static_cast<double>(n);
    const auto tableBytes = [&](const char* table) {
        return static_cast<double>(queryInt(catalog, std::string("SELECT pg_total_relation_size('") + table + "')"));
    };
    const double databaseBytes = static_cast<double>(queryInt(catalog, "SELECT pg_database_size(current_database())"));
    const double itemsBytes = tableBytes("items");
    const double thumbnailsBytes = tableBytes("thumbnails");
    const double embeddingsBytes = tableBytes("embeddings");
    const double filesBytes = tableBytes("item_files");
    const double otherBytes = databaseBytes - itemsBytes - thumbnailsBytes - embeddingsBytes - filesBytes;
    std::printf("\n2. server storage (pg_database_size %.1f MB)            bytes/item\n", megabytes(databaseBytes));
    std::printf("   thumbnails  (JPEG %zu B)                          %8.0f\n", jpeg.size(), thumbnailsBytes * perItem);
    std::printf("   embeddings  (vector %zu B)                        %8.0f\n", dimension * sizeof(float),
                embeddingsBytes * perItem);
    std::printf("   items                                             %8.0f\n", itemsBytes * perItem);
    std::printf("   item_files                                        %8.0f\n", filesBytes * perItem);
    std::printf("   rest of the database (system catalogs, other      %8.0f   (%.1f MB, mostly fixed)\n"
                "   tables)\n", otherBytes * perItem, megabytes(otherBytes));
    std::printf("   total                                             %8.0f\n", databaseBytes * perItem);
    std::fflush(stdout);

    // --- 3. a fresh desk catches up ---
    // A second Catalog on the same database: its own connection, as another desk opens it.
    catalog::Catalog desk = catalog::Catalog::open(location);
    catalog::ModelStore deskStore(desk);
    const double rssBefore = procStatusBytes("VmRSS");
    const std::string catchUpLoad = bench::loadAverage();
    auto start = Clock::now();
    catalog::EmbeddingSet set = deskStore.embeddings(model);
    const double readSeconds = secondsSince(start);
    const double peakAfterRead = procStatusBytes("VmHWM");
    const std::int64_t firstLastRow = set.lastRow;

    search::HnswIndex hnsw(dimension);
    start = Clock::now();
    std::size_t nextBuildReport = 1;
    hnsw.addBatch(set.ids, set.vectors, [&](const Progress& progress) {
        if (progress.total > 0 && progress.done * 10 >= static_cast<std::int64_t>(nextBuildReport) * progress.total) {
            std::fprintf(stderr, "  hnsw: %lld / %lld, %.0f s, load %s\n", static_cast<long long>(progress.done),
                         static_cast<long long>(progress.total), secondsSince(start), bench::loadAverage().c_str());
            ++nextBuildReport;
        }
    });
    const double buildSeconds = secondsSince(start);
    const double peakAfterBuild = procStatusBytes("VmHWM");
    const std::string catchUpLoadAfter = bench::loadAverage();
    std::printf("\n3. fresh desk catch-up (load %s -> %s)\n", catchUpLoad.c_str(), catchUpLoadAfter.c_str());
    std::printf("   read %zu vectors (ModelStore::embeddings)   %8.1f s  %8.0f vectors/s\n", set.ids.size(),
                readSeconds, static_cast<double>(set.ids.size()) / readSeconds);
    std::printf("   build HnswIndex (M 16, efConstruction 200)  %8.1f s  %8.0f vectors/s\n", buildSeconds,
                static_cast<double>(set.ids.size()) / buildSeconds);
    std::printf("   peak RSS (VmHWM): %.0f MB after the read, %.0f MB after the build (%.0f MB before)\n",
                megabytes(peakAfterRead), megabytes(peakAfterBuild), megabytes(rssBefore));
    std::fflush(stdout);

    // Incremental: more items arrive on the server (another desk imports them), this desk reads
    // only the rows after its last one.
    const std::size_t more = options.incremental;
    const ImportTimes moreImport = importItems(catalog, store, model, space, dimension, n, more, jpeg, false);
    start = Clock::now();
    const catalog::EmbeddingSet fresh = deskStore.embeddings(model, firstLastRow);
    const double incrementalReadSeconds = secondsSince(start);
    start = Clock::now();
    hnsw.addBatch(fresh.ids, fresh.vectors);
    const double incrementalBuildSeconds = secondsSince(start);
    std::printf("   incremental: %zu more imported on the server in %.1f s; desk reads them in %.3f s "
                "(embeddings(model, lastRow)), adds them in %.2f s\n",
                fresh.ids.size(), moreImport.totalSeconds, incrementalReadSeconds, incrementalBuildSeconds);
    std::fflush(stdout);
    set.ids.insert(set.ids.end(), fresh.ids.begin(), fresh.ids.end());
    set.vectors.insert(set.vectors.end(), fresh.vectors.begin(), fresh.vectors.end());

    // --- 4. search ---
    search::BruteForceIndex exact(dimension);
    exact.addBatch(set.ids, set.vectors);
    set = {};
    const std::vector<float> queries = space.sample(options.queries, kQuerySeed);  // not among the items
    const auto query = [&](std::size_t i) { return fixtures::row(queries, dimension, i); };
    std::vector<std::vector<search::Match>> found(options.queries), truth(options.queries);
    const std::string searchLoad = bench::loadAverage();
    const Latency hnswLatency = measureLatency(options.queries, [&](std::size_t i) {
        found[i] = hnsw.search(query(i), options.k);
    });
    const Latency exactLatency = measureLatency(options.queries, [&](std::size_t i) {
        truth[i] = exact.search(query(i), options.k);
    });
    const double recall = fixtures::meanRecall(found, truth);
    const std::size_t searched = hnsw.size();
    std::printf("\n4. search, %zu vectors, k=%zu, one query at a time (load %s -> %s)\n", searched, options.k,
                searchLoad.c_str(), bench::loadAverage().c_str());
    std::printf("   %-28s %10s %10s %10s\n", "", "median ms", "p95 ms", "recall@k");
    std::printf("   %-28s %10.3f %10.3f %10.4f\n", "HnswIndex (efSearch 128)", hnswLatency.medianMs, hnswLatency.p95Ms,
                recall);
    std::printf("   %-28s %10.3f %10.3f %10.4f\n", "BruteForceIndex (exact)", exactLatency.medianMs, exactLatency.p95Ms,
                1.0);
    std::printf("   %-28s %9.1fx %9.1fx\n", "exact / HNSW", exactLatency.medianMs / hnswLatency.medianMs,
                exactLatency.p95Ms / hnswLatency.p95Ms);
    std::fflush(stdout);

    // --- 5. what one statement per embedding costs ---
    // A second model's vectors for the first P items, written twice in 1,000-row transactions:
    // putEmbedding per row, then multi-row INSERTs of 100 rows (300 parameters) each. Run last,
    // so that its rows (deleted afterwards) never count in the storage figures.
    const std::size_t probe = options.probe;
    const std::vector<catalog::ItemId> probeIds = [&] {
        std::vector<catalog::ItemId> ids = catalog.itemIds();
        ids.resize(probe);
        return ids;
    }();
    const std::vector<float> probeVectors = space.sample(probe, kSpaceSeed + 99);
    const catalog::ModelId probeModel =
        store.createModel(catalog::ModelKind::Network, model, static_cast<int>(dimension), recipe, {}, kNow);
    start = Clock::now();
    for (std::size_t begin = 0; begin < probe; begin += kItemsPerTransaction) {
        catalog::Transaction transaction(catalog.writer());
        for (std::size_t r = begin; r < std::min(probe, begin + kItemsPerTransaction); ++r)
            store.putEmbedding(probeModel, probeIds[r], fixtures::row(probeVectors, dimension, r));
        transaction.commit();
    }
    const double perRowSeconds = secondsSince(start);
    store.deleteEmbeddings(probeModel);
    constexpr std::size_t kRowsPerInsert = 100;
    start = Clock::now();
    for (std::size_t begin = 0; begin < probe; begin += kItemsPerTransaction) {
        catalog::Transaction transaction(catalog.writer());
        const std::size_t end = std::min(probe, begin + kItemsPerTransaction);
        for (std::size_t chunk = begin; chunk < end; chunk += kRowsPerInsert) {
            const std::size_t rows = std::min(kRowsPerInsert, end - chunk);
            catalog::Statement insert = catalog.writer().prepare(multiRowInsert(rows));
            for (std::size_t r = 0; r < rows; ++r) {
                const int index = static_cast<int>(3 * r);
                insert.bind(index + 1, probeModel)
                    .bind(index + 2, probeIds[chunk + r])
                    .bind(index + 3, bytesOf(fixtures::row(probeVectors, dimension, chunk + r)));
            }
            insert.run();
        }
        transaction.commit();
    }
    const double multiRowSeconds = secondsSince(start);
    const std::int64_t probeCount = store.embeddingCount(probeModel);
    store.deleteEmbeddings(probeModel);
    constexpr int kPings = 2000;
    start = Clock::now();
    for (int i = 0; i < kPings; ++i)
        queryInt(catalog, "SELECT 1");
    const double roundTripMs = secondsSince(start) * 1e3 / kPings;
    std::printf("\n5. writing %zu embeddings (1,000 per transaction; load %s)\n", probe, bench::loadAverage().c_str());
    std::printf("   putEmbedding, one statement per row   %7.2f s  %8.0f rows/s\n", perRowSeconds,
                static_cast<double>(probe) / perRowSeconds);
    std::printf("   INSERT of 100 rows per statement      %7.2f s  %8.0f rows/s  (%.1fx; %lld rows written)\n",
                multiRowSeconds, static_cast<double>(probe) / multiRowSeconds, perRowSeconds / multiRowSeconds,
                static_cast<long long>(probeCount));
    std::printf("   one round trip (SELECT 1)             %7.3f ms\n", roundTripMs);

    std::ostringstream json;
    json.precision(6);
    json << "{\"bench\":\"bench_server_catalog\",\"items\":" << n << ",\"dim\":" << dimension
         << ",\"clusters\":" << kClusters << ",\"thumbnail_bytes\":" << jpeg.size() << ",\"queries\":"
         << options.queries << ",\"k\":" << options.k << ",\"server\":\"PostgreSQL " << serverVersion << "\""
         << ",\"import_seconds\":" << import.totalSeconds
         << ",\"import_items_per_second\":" << static_cast<double>(n) / import.totalSeconds
         << ",\"import_item_seconds\":" << import.itemSeconds << ",\"import_embedding_seconds\":"
         << import.embeddingSeconds << ",\"import_commit_seconds\":" << import.commitSeconds
         << ",\"database_bytes_per_item\":" << databaseBytes * perItem
         << ",\"thumbnails_bytes_per_item\":" << thumbnailsBytes * perItem
         << ",\"embeddings_bytes_per_item\":" << embeddingsBytes * perItem
         << ",\"items_bytes_per_item\":" << itemsBytes * perItem << ",\"item_files_bytes_per_item\":"
         << filesBytes * perItem << ",\"other_bytes_per_item\":" << otherBytes * perItem
         << ",\"catchup_read_seconds\":" << readSeconds << ",\"catchup_build_seconds\":" << buildSeconds
         << ",\"peak_rss_after_read_mb\":" << megabytes(peakAfterRead)
         << ",\"peak_rss_after_build_mb\":" << megabytes(peakAfterBuild) << ",\"incremental_vectors\":"
         << fresh.ids.size() << ",\"incremental_read_seconds\":" << incrementalReadSeconds
         << ",\"incremental_build_seconds\":" << incrementalBuildSeconds << ",\"searched_vectors\":" << searched
         << ",\"hnsw_median_ms\":" << hnswLatency.medianMs << ",\"hnsw_p95_ms\":" << hnswLatency.p95Ms
         << ",\"exact_median_ms\":" << exactLatency.medianMs << ",\"exact_p95_ms\":" << exactLatency.p95Ms
         << ",\"recall_at_k\":" << recall << ",\"probe_rows\":" << probe << ",\"put_embedding_rows_per_second\":"
         << static_cast<double>(probe) / perRowSeconds << ",\"multirow_insert_rows_per_second\":"
         << static_cast<double>(probe) / multiRowSeconds << ",\"round_trip_ms\":" << roundTripMs
         << ",\"load_end\":\"" << bench::loadAverage() << "\"}";
    std::printf("\n%s\n", json.str().c_str());
    return 0;
} catch (const std::exception& error) {
    std::cerr << "bench_server_catalog: " << error.what() << "\n";
    return 1;
}
