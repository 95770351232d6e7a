// Search benchmark: HnswIndex against exact brute force on the same vectors, in one run. Not a
// ctest test; see README.md beside it.
//
//   bench_search [--count N] [--queries Q] [--k K] [--threads T] [--data clustered|uniform]
//                [--repeat R]
//
// Builds an HnswIndex (default config) and a BruteForceIndex over N=100,000 unit vectors of
// 128 dimensions, runs Q=1,000 queries (not among the indexed vectors) through each, and a plain
// loop that scores every vector and sorts; prints build time, queries/s (median of R=3 passes),
// recall@K of HNSW against the exact top K, the speed-ups, an efSearch sweep, and the time to
// serialise and reload the index. T=1 or 2 threads run the queries (split between them).

#include "core/search/brute_force_index.h"
#include "core/search/hnsw_index.h"
#include "tests/core/search/random_vectors.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
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
    int threads = 1;
    std::string data = "clustered";
    int repeat = 3;
};

[[noreturn]] void usage(const std::string& problem) {
    std::cerr << "bench_search: " << problem
              << "\nusage: bench_search [--count N] [--queries Q] [--k K] [--threads 1|2]"
                 " [--data clustered|uniform] [--repeat R]\n";
    std::exit(2);
}

std::size_t parseCount(const std::string& text, const std::string& name) {
    std::size_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value < 1)
        usage(name + " expects a positive whole number, not '" + text + "'");
    return value;
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

// The loop anyone would write first: score every vector, sort the scores.
std::vector<std::int64_t> plainBruteForce(const std::vector<float>& rows, std::span<const float> query, std::size_t k) {
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
    std::vector<std::int64_t> ids(kept);
    for (std::size_t i = 0; i < kept; ++i)
        ids[i] = scores[i].second;
    return ids;
}

// Mean over queries of |found ∩ truth| / |truth|.
double recall(const std::vector<std::vector<std::int64_t>>& found, const std::vector<std::vector<Match>>& truth) {
    double sum = 0.0;
    for (std::size_t q = 0; q < truth.size(); ++q) {
        std::size_t hits = 0;
        for (std::int64_t id : found[q])
            hits += static_cast<std::size_t>(
                std::count_if(truth[q].begin(), truth[q].end(), [&](const Match& match) { return match.id == id; }));
        sum += static_cast<double>(hits) / static_cast<double>(std::max<std::size_t>(truth[q].size(), 1));
    }
    return sum / static_cast<double>(truth.size());
}

std::vector<std::int64_t> idsOf(const std::vector<Match>& matches) {
    std::vector<std::int64_t> ids;
    for (const Match& match : matches)
        ids.push_back(match.id);
    return ids;
}

std::string loadAverage() {
    std::ifstream file("/proc/loadavg");
    std::string one, five, fifteen;
    file >> one >> five >> fifteen;
    return file ? one + " " + five + " " + fifteen : "unknown";
}

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
    std::vector<ItemId> ids(options.count);
    for (std::size_t i = 0; i < options.count; ++i)
        ids[i] = static_cast<ItemId>(i);
    std::printf("data generated in %.2f s\n\n", secondsSince(start));
    auto query = [&](std::size_t q) { return fixtures::row(queries, kDimension, q); };

    // --- build ---
    const HnswConfig config;
    HnswIndex hnsw(kDimension, config);
    start = std::chrono::steady_clock::now();
    hnsw.addBatch(ids, vectors);
    const double hnswBuild = secondsSince(start);
    BruteForceIndex exact(kDimension);
    start = std::chrono::steady_clock::now();
    exact.addBatch(ids, vectors);
    const double exactBuild = secondsSince(start);
    std::printf("build  HnswIndex (M=%zu, efConstruction=%zu, 1 thread): %.2f s (%.0f vectors/s)\n", config.m,
                config.efConstruction, hnswBuild, static_cast<double>(options.count) / hnswBuild);
    std::printf("build  BruteForceIndex (copy and normalise): %.2f s\n\n", exactBuild);

    // --- exact answers and the exact searches' speed ---
    std::vector<std::vector<Match>> truth(options.queries);
    const double exactRate = queriesPerSecond(options.queries, options.threads, options.repeat,
                                              [&](std::size_t q) { truth[q] = exact.search(query(q), options.k); });
    std::vector<std::vector<std::int64_t>> plainFound(options.queries);
    const double plainRate = queriesPerSecond(options.queries, options.threads, options.repeat, [&](std::size_t q) {
        plainFound[q] = plainBruteForce(vectors, query(q), options.k);
    });

    // --- HNSW at its default efSearch, then a sweep ---
    std::vector<std::vector<std::int64_t>> hnswFound(options.queries);
    const double hnswRate = queriesPerSecond(options.queries, options.threads, options.repeat,
                                             [&](std::size_t q) { hnswFound[q] = idsOf(hnsw.search(query(q), options.k)); });
    const double hnswRecall = recall(hnswFound, truth);

    std::printf("queries/s, k=%zu:\n", options.k);
    std::printf("  HnswIndex (efSearch=%zu)      %10.0f   recall@%zu %.4f\n", config.efSearch, hnswRate, options.k,
                hnswRecall);
    std::printf("  BruteForceIndex (exact)       %10.0f   recall@%zu 1 (the reference)\n", exactRate, options.k);
    std::printf("  plain loop + partial_sort     %10.0f   recall@%zu %.4f (differs only on near ties)\n", plainRate,
                options.k, recall(plainFound, truth));
    std::printf("speed-up of HnswIndex: %.1fx over BruteForceIndex, %.1fx over the plain loop\n\n",
                hnswRate / exactRate, hnswRate / plainRate);

    std::printf("efSearch sweep (HnswIndex, same graph):\n");
    for (std::size_t ef : {16u, 32u, 64u, 128u, 256u, 512u}) {
        hnsw.setEfSearch(ef);
        const double rate = queriesPerSecond(options.queries, options.threads, options.repeat,
                                             [&](std::size_t q) { hnswFound[q] = idsOf(hnsw.search(query(q), options.k)); });
        std::printf("  efSearch %4zu: %10.0f queries/s (%5.1fx exact)  recall@%zu %.4f\n", ef, rate, rate / exactRate,
                    options.k, recall(hnswFound, truth));
    }
    hnsw.setEfSearch(config.efSearch);

    // --- persistence ---
    start = std::chrono::steady_clock::now();
    const std::vector<std::uint8_t> bytes = hnsw.toBytes("bench");
    const double serialise = secondsSince(start);
    start = std::chrono::steady_clock::now();
    const auto loaded = HnswIndex::loadFromBytes(bytes, kDimension, "bench");
    const double load = secondsSince(start);
    std::printf("\nindex file: %.1f MB; serialised in %.3f s, checked and loaded in %.3f s\n",
                static_cast<double>(bytes.size()) / 1e6, serialise, load);
    return loaded->size() == options.count ? 0 : 1;
}
