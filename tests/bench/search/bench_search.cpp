// Search benchmark: HnswIndex against exact brute force on the same vectors, in one run. Not a
// ctest test; see README.md beside it.
//
//   bench_search [--count N] [--queries Q] [--k K] [--ef E] [--threads T]
//                [--data clustered|uniform] [--repeat R] [--plain-loop on|off] [--sweep E1,E2,...]
//
// Builds an HnswIndex (default config, efSearch E, by default the config's) and a
// BruteForceIndex over N=100,000 unit vectors of 128 dimensions (--count 1000000 for the large
// case), and prints for each the build time and the memory it added (VmRSS and VmHWM growth per
// vector, beside hnswlib's theoretical bytes per vector); then, for Q=1,000 queries (not among
// the indexed vectors): the latency of one query on one thread (median and p99), queries/s
// (median of R=3 passes, T=1 or 2 threads splitting the queries), the same for a plain loop that
// scores every vector and sorts, recall@K of HNSW against the exact top K, the ratios, an
// efSearch sweep, and the time to serialise and reload the index.

#include "tests/bench/bench_support.h"
#include "core/search/brute_force_index.h"
#include "core/search/hnsw_index.h"
#include "tests/core/search/random_vectors.h"
#include "tests/core/search/recall.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace lookalike;
using namespace lookalike::search;

namespace {

constexpr std::size_t kDimension = 128;

struct Options {
    std::size_t count = 100000;
    std::size_t queries = 1000;
    std::size_t k = 10;
    std::size_t efSearch = HnswConfig{}.efSearch;
    int threads = 1;
    std::string data = "clustered";
    int repeat = 3;
    bool plainLoop = true;
    std::vector<std::size_t> sweep{16, 32, 64, 96, 128, 256, 512, 1024};
};

[[noreturn]] void usage(const std::string& problem) {
    std::cerr << "bench_search: " << problem
              << "\nusage: bench_search [--count N] [--queries Q] [--k K] [--ef E] [--threads 1|2]"
                 " [--data clustered|uniform] [--repeat R] [--plain-loop on|off]"
                 " [--sweep E1,E2,...]\n";
    std::exit(2);
}

std::size_t parseCount(const std::string& text, const std::string& name) {
    return bench::positiveNumber(text, name, usage);
}

// "16,32,64" -> {16, 32, 64}
std::vector<std::size_t> parseList(const std::string& text, const std::string& name) {
    std::vector<std::size_t> values;
    for (std::size_t begin = 0; begin <= text.size();) {
        const std::size_t end = std::min(text.find(',', begin), text.size());
        values.push_back(parseCount(text.substr(begin, end - begin), name));
        begin = end + 1;
    }
    return values;
}

Options parseOptions(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (i + 1 >= argc)
            usage(arg + " needs a value");
        const std::string value = argv[++i];
        if (arg == "--count")
            options.count = parseCount(value, arg);
        else if (arg == "--queries")
            options.queries = parseCount(value, arg);
        else if (arg == "--k")
            options.k = parseCount(value, arg);
        else if (arg == "--ef")
            options.efSearch = parseCount(value, arg);
        else if (arg == "--sweep")
            options.sweep = parseList(value, arg);
        else if (arg == "--plain-loop" && (value == "on" || value == "off"))
            options.plainLoop = value == "on";
        else if (arg == "--plain-loop")
            usage("--plain-loop is on or off");
        else if (arg == "--threads")
            options.threads = static_cast<int>(parseCount(value, arg));
        else if (arg == "--repeat")
            options.repeat = static_cast<int>(parseCount(value, arg));
        else if (arg == "--data")
            options.data = value;
        else
            usage("unknown option '" + arg + "'");
    }
    if (options.threads > 2)
        usage("--threads is 1 or 2 (the benchmark shares the machine)");
    if (options.data != "clustered" && options.data != "uniform")
        usage("--data is clustered or uniform");
    for (std::size_t ef : options.sweep)
        if (ef > HnswIndex::kMaxEf)
            usage("--sweep values are at most " + std::to_string(HnswIndex::kMaxEf));
    if (options.efSearch > HnswIndex::kMaxEf)
        usage("--ef is at most " + std::to_string(HnswIndex::kMaxEf));
    return options;
}

double secondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Runs query(i) for every i in [0, count), split into contiguous halves when threads == 2, and
// returns the wall time in seconds.
double timeQueries(std::size_t count, int threads, const std::function<void(std::size_t)>& query) {
    const auto start = std::chrono::steady_clock::now();
    if (threads == 1) {
        for (std::size_t i = 0; i < count; ++i)
            query(i);
    } else {
        std::thread other([&] {
            for (std::size_t i = count / 2; i < count; ++i)
                query(i);
        });
        for (std::size_t i = 0; i < count / 2; ++i)
            query(i);
        other.join();
    }
    return secondsSince(start);
}

// Median queries/s over `repeat` passes, after an untimed warm-up on a few queries (caches,
// page faults, lazily allocated search state).
double queriesPerSecond(std::size_t count, int threads, int repeat, const std::function<void(std::size_t)>& query) {
    timeQueries(std::min<std::size_t>(count, 50), threads, query);
    std::vector<double> rates;
    for (int pass = 0; pass < repeat; ++pass)
        rates.push_back(static_cast<double>(count) / timeQueries(count, threads, query));
    std::sort(rates.begin(), rates.end());
    return rates[rates.size() / 2];
}

struct Latency {
    double medianMs = 0.0;
    double p99Ms = 0.0;
};

// Times each query on its own, on this thread, over `repeat` passes after an untimed warm-up,
// and returns the median and the 99th percentile (nearest rank) of all Q x repeat timings: what
// one person searching the catalog waits, with nothing else running in the program.
Latency measureLatency(std::size_t count, int repeat, const std::function<void(std::size_t)>& query) {
    for (std::size_t i = 0; i < std::min<std::size_t>(count, 50); ++i)
        query(i);
    std::vector<double> milliseconds;
    milliseconds.reserve(count * static_cast<std::size_t>(repeat));
    for (int pass = 0; pass < repeat; ++pass) {
        for (std::size_t i = 0; i < count; ++i) {
            const auto start = std::chrono::steady_clock::now();
            query(i);
            milliseconds.push_back(secondsSince(start) * 1e3);
        }
    }
    std::sort(milliseconds.begin(), milliseconds.end());
    const auto rank = [&](double fraction) {
        const auto index = static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(milliseconds.size())));
        return milliseconds[std::clamp<std::size_t>(index, 1, milliseconds.size()) - 1];
    };
    return {rank(0.5), rank(0.99)};
}

// A "VmRSS:   1234 kB"-style line of /proc/self/status, in bytes; -1 when it cannot be read.
double procStatusBytes(const std::string& key) {
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
        if (line.starts_with(key + ":"))
            return std::stod(line.substr(key.size() + 1)) * 1024.0;
    return -1.0;
}

// What building an index added to the process: resident memory after it (VmRSS) and at its
// peak (VmHWM, reset first through /proc/self/clear_refs, Linux >= 4.0), both less the resident
// memory before. The input vectors exist before and are not counted.
struct MemoryGrowth {
    double residentBytes = 0.0;
    double peakBytes = 0.0;
};

template <typename Build>
MemoryGrowth measureGrowth(const Build& build) {
    std::ofstream("/proc/self/clear_refs") << "5";
    const double before = procStatusBytes("VmRSS");
    build();
    return {procStatusBytes("VmRSS") - before, procStatusBytes("VmHWM") - before};
}

// hnswlib 0.6.2's memory per vector (hnswalg.h), M links per node on the upper layers and 2M on
// the bottom one: what the graph itself needs, then the fixed bookkeeping of every slot.
struct HnswTheory {
    double vector = 0.0;       // D floats
    double bottomLinks = 0.0;  // u32 count + 2M u32 ids, in the same block as the vector
    double upperLinks = 0.0;   // (u32 count + M ids) per upper level; a node reaches level l with
                               // probability M^-l, so E[levels] = 1 / (M - 1)
    double label = 0.0;        // the 64-bit item id, in the same block
    double bookkeeping = 0.0;  // per slot: a std::mutex, its level (int), a pointer to its upper
                               // links, a u16 in the visited list, and a label_lookup_ hash
                               // node (~32 B with malloc's header) plus its bucket pointer
    double graph() const { return vector + bottomLinks + upperLinks; }
    double total() const { return graph() + label + bookkeeping; }
};

HnswTheory hnswTheory(std::size_t dimension, std::size_t m) {
    HnswTheory theory;
    theory.vector = static_cast<double>(dimension * sizeof(float));
    theory.bottomLinks = static_cast<double>(sizeof(std::uint32_t) * (1 + 2 * m));
    theory.upperLinks = static_cast<double>(sizeof(std::uint32_t) * (1 + m)) / static_cast<double>(m - 1);
    theory.label = sizeof(ItemId);
    theory.bookkeeping = static_cast<double>(sizeof(std::mutex) + sizeof(int) + sizeof(void*) +
                                             sizeof(std::uint16_t) + 32 + sizeof(void*));
    return theory;
}

// The loop anyone would write first: score every vector, sort the scores.
std::vector<Match> plainBruteForce(const std::vector<float>& rows, std::span<const float> query, std::size_t k) {
    const std::size_t count = rows.size() / kDimension;
    std::vector<std::pair<float, std::int64_t>> scores(count);
    for (std::size_t i = 0; i < count; ++i) {
        float sum = 0.0f;
        for (std::size_t d = 0; d < kDimension; ++d)
            sum += query[d] * rows[i * kDimension + d];
        scores[i] = {sum, static_cast<std::int64_t>(i)};
    }
    const std::size_t kept = std::min(k, count);
    std::partial_sort(scores.begin(), scores.begin() + static_cast<std::ptrdiff_t>(kept), scores.end(),
                      [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<Match> matches(kept);
    for (std::size_t i = 0; i < kept; ++i)
        matches[i] = {scores[i].second, scores[i].first};
    return matches;
}

using bench::loadAverage;

}  // namespace

int main(int argc, char** argv) {
    const Options options = parseOptions(argc, argv);
    const std::size_t clusters = std::max<std::size_t>(1, options.count / 100);
    std::printf("bench_search: %zu x %zu-d unit vectors (%s), %zu queries, k=%zu, %d thread%s, median of %d pass(es)\n",
                options.count, kDimension,
                options.data == "clustered" ? (std::to_string(clusters) + " clusters, 32-d latent space").c_str()
                                            : "uniform on the sphere",
                options.queries, options.k, options.threads, options.threads == 1 ? "" : "s", options.repeat);
    std::printf("machine: %u hardware threads, load average %s at start\n", std::thread::hardware_concurrency(),
                loadAverage().c_str());

    auto start = std::chrono::steady_clock::now();
    std::vector<float> vectors;
    std::vector<float> queries;
    if (options.data == "clustered") {
        const fixtures::ClusteredSpace space(kDimension, clusters, 2024);
        vectors = space.sample(options.count, 1);
        queries = space.sample(options.queries, 2);
    } else {
        vectors = fixtures::randomUnitVectors(options.count, kDimension, 1);
        queries = fixtures::randomUnitVectors(options.queries, kDimension, 2);
    }
    const std::vector<ItemId> ids = fixtures::sequentialIds(options.count);
    std::printf("data generated in %.2f s\n\n", secondsSince(start));
    auto query = [&](std::size_t q) { return fixtures::row(queries, kDimension, q); };
    const double count = static_cast<double>(options.count);

    // --- build, and the memory each index adds ---
    HnswConfig config;
    config.efSearch = options.efSearch;
    HnswIndex hnsw(kDimension, config);
    // The API inserts one vector at a time (a fixed seed and order give a fixed graph), so the
    // build runs on one thread; at a million vectors that takes minutes, hence the progress.
    auto reportBuild = [&](const Progress& progress) {
        if (options.count >= 200000 && progress.done % 100000 < 256)
            std::fprintf(stderr, "  HNSW build: %lld of %lld vectors, %.0f s\n", static_cast<long long>(progress.done),
                         static_cast<long long>(progress.total), secondsSince(start));
    };
    start = std::chrono::steady_clock::now();
    const MemoryGrowth hnswMemory = measureGrowth([&] { hnsw.addBatch(ids, vectors, reportBuild); });
    const double hnswBuild = secondsSince(start);
    BruteForceIndex exact(kDimension);
    start = std::chrono::steady_clock::now();
    const MemoryGrowth exactMemory = measureGrowth([&] { exact.addBatch(ids, vectors); });
    const double exactBuild = secondsSince(start);
    std::printf("build  HnswIndex (M=%zu, efConstruction=%zu, 1 thread): %.2f s (%.0f vectors/s), load %s\n", config.m,
                config.efConstruction, hnswBuild, count / hnswBuild, loadAverage().c_str());
    std::printf("build  BruteForceIndex (copy and normalise): %.2f s\n\n", exactBuild);

    const HnswTheory theory = hnswTheory(kDimension, config.m);
    std::printf("memory per vector (growth of the process across each build / %zu):\n", options.count);
    std::printf("  HnswIndex        resident %6.0f B, peak %6.0f B\n", hnswMemory.residentBytes / count,
                hnswMemory.peakBytes / count);
    std::printf("  BruteForceIndex  resident %6.0f B, peak %6.0f B  (vector %zu B + id 8 B + hash entry)\n",
                exactMemory.residentBytes / count, exactMemory.peakBytes / count, kDimension * sizeof(float));
    std::printf("  hnswlib in theory: vector %.0f + links %.1f (bottom %.0f, upper %.1f) = %.1f B;\n"
                "    with the label (%.0f B) and per-slot bookkeeping (~%.0f B): ~%.0f B\n\n",
                theory.vector, theory.bottomLinks + theory.upperLinks, theory.bottomLinks, theory.upperLinks,
                theory.graph(), theory.label, theory.bookkeeping, theory.total());

    // --- latency of one query on one thread, HNSW at the chosen efSearch against exact ---
    std::vector<std::vector<Match>> truth(options.queries);
    std::vector<std::vector<Match>> hnswFound(options.queries);
    const Latency exactLatency =
        measureLatency(options.queries, options.repeat, [&](std::size_t q) { truth[q] = exact.search(query(q), options.k); });
    const Latency hnswLatency = measureLatency(options.queries, options.repeat, [&](std::size_t q) {
        hnswFound[q] = hnsw.search(query(q), options.k);
    });
    std::printf("latency of one query, 1 thread, k=%zu (%zu queries x %d passes), load %s:\n", options.k,
                options.queries, options.repeat, loadAverage().c_str());
    std::printf("                                   median        p99\n");
    std::printf("  HnswIndex (efSearch=%4zu)    %9.3f ms %9.3f ms   recall@%zu %.4f\n", config.efSearch,
                hnswLatency.medianMs, hnswLatency.p99Ms, options.k, fixtures::meanRecall(hnswFound, truth));
    std::printf("  BruteForceIndex (exact)      %9.3f ms %9.3f ms\n", exactLatency.medianMs, exactLatency.p99Ms);
    std::printf("  exact / HNSW                 %9.1fx  %9.1fx\n\n", exactLatency.medianMs / hnswLatency.medianMs,
                exactLatency.p99Ms / hnswLatency.p99Ms);

    // --- throughput of the exact searches ---
    const double exactRate = queriesPerSecond(options.queries, options.threads, options.repeat,
                                              [&](std::size_t q) { truth[q] = exact.search(query(q), options.k); });
    std::vector<std::vector<Match>> plainFound(options.queries);
    const double plainRate = options.plainLoop ? queriesPerSecond(options.queries, options.threads, options.repeat,
                                                                  [&](std::size_t q) {
                                                                      plainFound[q] = plainBruteForce(vectors, query(q), options.k);
                                                                  })
                                               : 0.0;

    // --- HNSW at the chosen efSearch, then a sweep ---
    const double hnswRate = queriesPerSecond(options.queries, options.threads, options.repeat,
                                             [&](std::size_t q) { hnswFound[q] = hnsw.search(query(q), options.k); });
    const double hnswRecall = fixtures::meanRecall(hnswFound, truth);

    std::printf("queries/s, k=%zu, load %s:\n", options.k, loadAverage().c_str());
    std::printf("  HnswIndex (efSearch=%zu)      %10.0f   recall@%zu %.4f\n", config.efSearch, hnswRate, options.k,
                hnswRecall);
    std::printf("  BruteForceIndex (exact)       %10.0f   recall@%zu 1 (the reference)\n", exactRate, options.k);
    if (options.plainLoop) {
        std::printf("  plain loop + partial_sort     %10.0f   recall@%zu %.4f (differs only on near ties)\n", plainRate,
                    options.k, fixtures::meanRecall(plainFound, truth));
        std::printf("speed-up of HnswIndex: %.1fx over BruteForceIndex, %.1fx over the plain loop\n\n",
                    hnswRate / exactRate, hnswRate / plainRate);
    } else {
        std::printf("speed-up of HnswIndex: %.1fx over BruteForceIndex (plain loop skipped)\n\n", hnswRate / exactRate);
    }

    std::printf("efSearch sweep (HnswIndex, same graph, %d thread%s):\n", options.threads, options.threads == 1 ? "" : "s");
    for (std::size_t ef : options.sweep) {
        hnsw.setEfSearch(ef);
        const double rate = queriesPerSecond(options.queries, options.threads, options.repeat,
                                             [&](std::size_t q) { hnswFound[q] = hnsw.search(query(q), options.k); });
        std::printf("  efSearch %4zu: %10.0f queries/s (%6.1fx exact)  recall@%zu %.4f\n", ef, rate, rate / exactRate,
                    options.k, fixtures::meanRecall(hnswFound, truth));
    }
    hnsw.setEfSearch(config.efSearch);

    // --- persistence ---
    start = std::chrono::steady_clock::now();
    const std::vector<std::uint8_t> bytes = hnsw.toBytes("bench");
    const double serialise = secondsSince(start);
    start = std::chrono::steady_clock::now();
    const auto loaded = HnswIndex::loadFromBytes(bytes, kDimension, "bench");
    const double load = secondsSince(start);
    std::printf("\nindex file: %.1f MB (%.0f B per vector); serialised in %.3f s, checked and loaded in %.3f s\n",
                static_cast<double>(bytes.size()) / 1e6, static_cast<double>(bytes.size()) / count, serialise, load);
    std::printf("load average %s at the end\n", loadAverage().c_str());
    return loaded->size() == options.count ? 0 : 1;
}
