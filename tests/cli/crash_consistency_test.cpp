// Crash consistency: lookalike-cli is SIGKILLed at seeded random moments while it imports,
// trains and switches models, and the library must survive every kill. On both backends: a
// library folder (SQLite) and a database on the test suite's PostgreSQL server.
//  - SQLite's integrity_check and foreign_key_check pass (the server enforces its own);
//  - every item (and every ready model) a reader saw just before the kill is still there, and
//    every item is whole (a thumbnail and a file record);
//  - the active model loads and `similar` works, and its answer equals an exact search over
//    the active model's vectors (`export-embeddings`): the index is consistent or rebuilt;
//  - running the same command again completes the job and leaves no temporary files behind.
// Libraries search with HNSW from 20 items on (LOOKALIKE_EXACT_SEARCH_BELOW), so that kills
// also land while index files are written. Each kill point is printed with what it hit.

#include "core/catalog/catalog.h"
#include "core/catalog/database.h"
#include "core/catalog/schema.h"
#include "tests/cli/cli_runner.h"
#include "tests/cli/output_parsers.h"
#include "tests/support/backends.h"
#include "tests/support/shape_photos.h"
#include "tests/support/temp_dir.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <thread>

using namespace lookalike;
using fixtures::contains;
using fixtures::RunResult;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kKillPoints = 20;  // per operation
constexpr std::uint64_t kSeed = 20261129;
const std::vector<std::string> kEnvironment = {"LOOKALIKE_EXACT_SEARCH_BELOW=20"};

// A library under test: a folder, or a database on the test server.
struct Target {
    std::string arg;  // what --library gets
    bool server = false;
    fs::path folder() const { return arg; }
};

// The test server's maintenance database, to copy databases with.
catalog::Connection serverAdmin() {
    fixtures::PostgresCluster& cluster = fixtures::PostgresCluster::shared();
    return catalog::Connection::openServer("postgresql:///postgres?host=" + cluster.socketDirectory() +
                                           "&port=" + std::to_string(cluster.port()) + "&user=postgres");
}

std::string databaseName(const std::string& uri) {
    const std::size_t start = uri.find(":///") + 4;
    return uri.substr(start, uri.find('?') - start);
}

// What a reader sees of a library, through its own connection.
struct LibraryView {
    std::string integrity;
    std::int64_t foreignKeyProblems = 0;
    std::set<std::int64_t> items;
    std::int64_t itemsWithoutThumbnail = 0;
    std::int64_t itemsWithoutFile = 0;
    std::optional<std::int64_t> activeModel;
    std::set<std::int64_t> readyModels;
    std::int64_t buildingModels = 0;  // a training run's model before its switch
};

LibraryView readLibrary(const Target& library, bool full) {
    LibraryView view;
    catalog::Connection db = library.server ? catalog::Connection::openServer(library.arg)
                                            : catalog::Connection::open(catalog::catalogPath(library.folder()),
                                                                        catalog::Connection::Mode::ReadOnly);
    // One read transaction: a consistent snapshot while the writer goes on.
    db.execute(library.server ? "BEGIN ISOLATION LEVEL REPEATABLE READ" : "BEGIN");
    if (db.userVersion() < catalog::latestSchemaVersion()) {
        // Killed after SQLite created the file but before every migration committed (each
        // commits on its own): a library without items yet, which the next open finishes
        // migrating (the rerun checks that).
        if (full && !library.server) {
            catalog::Statement integrity = db.prepare("PRAGMA integrity_check");
            while (integrity.step())
                view.integrity += integrity.columnText(0);
        } else {
            view.integrity = "ok";
        }
        db.execute("COMMIT");
        return view;
    }
    for (catalog::Statement query = db.prepare("SELECT id FROM items"); query.step();)
        view.items.insert(query.columnInt64(0));
    for (catalog::Statement query = db.prepare("SELECT id FROM models WHERE state = 'ready'"); query.step();)
        view.readyModels.insert(query.columnInt64(0));
    catalog::Statement building = db.prepare("SELECT COUNT(*) FROM models WHERE state = 'building'");
    building.step();
    view.buildingModels = building.columnInt64(0);
    if (catalog::Statement query = db.prepare("SELECT value FROM settings WHERE key = 'active_model'"); query.step())
        view.activeModel = std::stoll(query.columnText(0));
    if (full && library.server) {
        view.integrity = "ok";  // the server checks its pages and foreign keys itself
    } else if (full) {
        catalog::Statement integrity = db.prepare("PRAGMA integrity_check");
        while (integrity.step())
            view.integrity += integrity.columnText(0);
        for (catalog::Statement query = db.prepare("PRAGMA foreign_key_check"); query.step();)
            ++view.foreignKeyProblems;
    }
    if (full) {
        catalog::Statement thumbnails =
            db.prepare("SELECT COUNT(*) FROM items WHERE id NOT IN (SELECT item_id FROM thumbnails)");
        thumbnails.step();
        view.itemsWithoutThumbnail = thumbnails.columnInt64(0);
        catalog::Statement files = db.prepare("SELECT COUNT(*) FROM items WHERE id NOT IN (SELECT item_id FROM item_files)");
        files.step();
        view.itemsWithoutFile = files.columnInt64(0);
    }
    db.execute("COMMIT");
    return view;
}

double cosine(const std::vector<double>& a, const std::vector<double>& b) {
    double dot = 0, na = 0, nb = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        dot += a[i] * b[i];
        na += a[i] * a[i];
        nb += b[i] * b[i];
    }
    return dot / std::sqrt(na * nb);
}

// One operation under test: how to start from a fresh copy of its starting library, the
// command, and how to tell that a run of it completed the job.
struct Operation {
    std::string name;
    std::optional<Target> startingLibrary;  // copied for every kill point; none: start without a library
    std::vector<std::string> command;
    std::function<void(const RunResult&, const LibraryView&)> expectCompleted;
};

class CrashConsistencyTest : public ::testing::TestWithParam<fixtures::Backend> {
protected:
    static void SetUpTestSuite() {
        s_shared = std::make_unique<fixtures::TempDir>();
        // 180 photos of 9 kinds to import: several batches and an embedding chunk boundary.
        s_photoCount = static_cast<std::int64_t>(fixtures::writeShapePhotos(*s_shared / "photos", 20).size());
        // 36 to train on and switch models with: a training run of about a second, so that
        // 20 kills and reruns fit in a minute.
        s_smallCount = static_cast<std::int64_t>(fixtures::writeShapePhotos(*s_shared / "small", 4, 2).size());
    }
    static void TearDownTestSuite() { s_shared.reset(); }

    static fs::path photos() { return *s_shared / "photos"; }
    static fs::path smallPhotos() { return *s_shared / "small"; }

    bool server() const { return GetParam() == fixtures::Backend::Postgres; }

    // A name for a library; for a server, a new empty database (the name only labels it).
    Target target(const std::string& name) {
        if (!server())
            return {(work / name).string(), false};
        return {fixtures::PostgresCluster::shared().createDatabase("crash"), true};
    }

    // The folder of the library's own files on this desk: the library folder, or the server
    // library's cache under the CLI's home (empty until the library has its id).
    fs::path localFolder(const Target& library) {
        if (!library.server)
            return library.folder();
        catalog::Connection db = catalog::Connection::openServer(library.arg);
        if (db.userVersion() == 0)
            return {};
        catalog::Statement id = db.prepare("SELECT value FROM settings WHERE key = 'library_id'");
        return id.step() ? home / ".cache" / "lookalike" / id.columnText(0) : fs::path();
    }

    bool exists(const Target& library) {
        return library.server || fs::exists(catalog::catalogPath(library.folder()));
    }

    RunResult run(const Target& library, std::vector<std::string> args) {
        args.insert(args.begin(), {"--library", library.arg});
        fixtures::CliProcess process(args, home.path(), work.path(), {}, "", kEnvironment);
        return process.wait();
    }

    // A library named `name` in the state an operation starts from. A server library is a copy
    // of the starting database with an id of its own, so that desks never mix their caches.
    Target makeStartingLibrary(const Operation& operation, const std::string& name) {
        Target library = target(name);
        if (!library.server) {
            std::error_code ignored;
            fs::remove_all(library.folder(), ignored);
            if (operation.startingLibrary)
                fs::copy(operation.startingLibrary->folder(), library.folder(), fs::copy_options::recursive);
            return library;
        }
        if (operation.startingLibrary) {
            catalog::Connection admin = serverAdmin();
            admin.execute("DROP DATABASE " + databaseName(library.arg));
            admin.execute("CREATE DATABASE " + databaseName(library.arg) + " TEMPLATE " +
                          databaseName(operation.startingLibrary->arg));
            catalog::Connection copy = catalog::Connection::openServer(library.arg);
            copy.execute("DELETE FROM settings WHERE key = 'library_id'");
        }
        return library;
    }

    // `similar` on a few items must equal an exact search over the exported vectors.
    void expectSimilarMatchesExactSearch(const Target& library, const std::string& where) {
        RunResult exported = run(library, {"export-embeddings"});
        ASSERT_EQ(exported.exitCode, 0) << where << exported.err;
        std::vector<std::vector<std::string>> rows = fixtures::parseCsv(exported.out);
        ASSERT_GT(rows.size(), 1u) << where;
        std::map<std::string, std::vector<double>> vectors;
        for (std::size_t r = 1; r < rows.size(); ++r) {
            std::vector<double> vector;
            for (std::size_t c = 1; c < rows[r].size(); ++c)
                vector.push_back(std::stod(rows[r][c]));
            vectors[rows[r][0]] = vector;
        }
        // One query per check keeps the harness within minutes; which one varies with the kill.
        const std::string query = rows[1 + std::hash<std::string>{}(where) % (rows.size() - 1)][0];
        {
            RunResult similar = run(library, {"similar", query, "--k", "5", "--format", "csv"});
            ASSERT_EQ(similar.exitCode, 0) << where << similar.err;
            std::vector<std::vector<std::string>> ranked = fixtures::parseCsv(similar.out);
            std::vector<double> exact;
            for (const auto& [path, vector] : vectors)
                if (path != query)
                    exact.push_back(cosine(vectors[query], vector));
            std::sort(exact.rbegin(), exact.rend());
            ASSERT_EQ(ranked.size(), 1 + std::min<std::size_t>(5, exact.size())) << where << similar.out;
            for (std::size_t rank = 1; rank < ranked.size(); ++rank) {
                EXPECT_NEAR(std::stod(ranked[rank][2]), exact[rank - 1], 2e-4) << where << " query " << query;
                EXPECT_NEAR(cosine(vectors[query], vectors[ranked[rank][3]]), std::stod(ranked[rank][2]), 2e-4)
                    << where << " the score must be the cosine of the stored vectors";
            }
        }
    }

    // Runs the operation once to the end and returns how long it took.
    Clock::duration calibrate(const Operation& operation) {
        const Target library = makeStartingLibrary(operation, "calibration");
        const auto start = Clock::now();
        RunResult result = run(library, operation.command);
        const auto took = Clock::now() - start;
        EXPECT_EQ(result.exitCode, 0) << result.err;
        operation.expectCompleted(result, readLibrary(library, true));
        return took;
    }

    void killAtRandomMoments(const Operation& operation) {
        const Clock::duration full = calibrate(operation);
        const auto fullMs = std::chrono::duration_cast<std::chrono::milliseconds>(full).count();
        std::cout << operation.name << ": an uninterrupted run takes " << fullMs << " ms\n";
        std::mt19937_64 random(kSeed + std::hash<std::string>{}(operation.name));
        std::uniform_int_distribution<long> moment(0, fullMs);
        int survived = 0;
        for (int kill = 1; kill <= kKillPoints; ++kill) {
            const long killAtMs = moment(random);
            const std::string where = operation.name + " killed at " + std::to_string(killAtMs) + " ms: ";
            const Target library = makeStartingLibrary(operation, operation.name + "-" + std::to_string(kill));

            std::vector<std::string> args = {"--library", library.arg};
            args.insert(args.end(), operation.command.begin(), operation.command.end());
            fixtures::CliProcess process(args, home.path(), work.path(), {}, "-killed", kEnvironment);
            const auto start = Clock::now();
            // What a reader sees just before the kill: all of it must survive.
            std::this_thread::sleep_until(start + std::chrono::milliseconds(killAtMs));
            std::optional<LibraryView> before;
            if (exists(library) && !process.finished()) {
                try {
                    before = readLibrary(library, false);
                } catch (const std::exception&) {
                    // the catalog is being created right now: nothing committed yet
                }
            }
            process.signal(SIGKILL);
            RunResult killed = process.wait();
            const bool finishedFirst = !killed.killedBySignal;

            LibraryView after;
            if (exists(library)) {
                ASSERT_NO_THROW(after = readLibrary(library, true)) << where;
                EXPECT_EQ(after.integrity, "ok") << where;
                EXPECT_EQ(after.foreignKeyProblems, 0) << where;
                EXPECT_EQ(after.itemsWithoutThumbnail, 0) << where;
                EXPECT_EQ(after.itemsWithoutFile, 0) << where;
            }
            if (before) {
                EXPECT_TRUE(std::includes(after.items.begin(), after.items.end(), before->items.begin(), before->items.end()))
                    << where << before->items.size() << " items seen before the kill, " << after.items.size() << " after";
                EXPECT_TRUE(std::includes(after.readyModels.begin(), after.readyModels.end(), before->readyModels.begin(),
                                          before->readyModels.end()))
                    << where << "a ready model was lost";
                if (after.activeModel) {
                    EXPECT_TRUE(after.readyModels.contains(*after.activeModel)) << where << "the active model is not ready";
                }
            }
            if (!after.items.empty())
                expectSimilarMatchesExactSearch(library, where);  // loads the active model
            // Running the command again finishes the job.
            RunResult again = run(library, operation.command);
            EXPECT_EQ(again.exitCode, 0) << where << again.out << again.err;
            LibraryView finished = readLibrary(library, true);
            EXPECT_EQ(finished.integrity, "ok") << where;
            operation.expectCompleted(again, finished);
            const fs::path local = localFolder(library);
            EXPECT_TRUE(fs::is_directory(local)) << where << "no folder for the library's own files: " << local;
            for (const fs::directory_entry& entry : fs::directory_iterator(local, std::filesystem::directory_options::none))
                EXPECT_EQ(entry.path().filename().string().find(".tmp-"), std::string::npos)
                    << where << "a killed writer's temporary file was left behind: " << entry.path();
            if (kill == kKillPoints)  // once per operation: each check costs two CLI runs
                expectSimilarMatchesExactSearch(library, where + "after the rerun: ");

            std::cout << operation.name << " kill " << kill << " at " << killAtMs << " ms: "
                      << (finishedFirst ? "had already finished"
                                        : std::to_string(before ? before->items.size() : 0) + " items and " +
                                              std::to_string(before ? before->readyModels.size() : 0) +
                                              " ready models seen before, " + std::to_string(after.items.size()) +
                                              " items and " + std::to_string(after.readyModels.size()) +
                                              " ready models after" +
                                              (after.buildingModels > 0 ? " (and a half-built one)" : ""))
                      << (HasFailure() ? "; FAILED\n" : "; survived, rerun completed\n");
            if (HasFailure())
                return;
            ++survived;
            if (!library.server)
                fs::remove_all(library.folder());
        }
        std::cout << operation.name << ": " << survived << " of " << kKillPoints << " kill points survived\n";
        RecordProperty(operation.name + "_kill_points_survived", survived);
        if (server())
            std::cout << "(PostgreSQL)\n";
    }

    static inline std::unique_ptr<fixtures::TempDir> s_shared;
    static inline std::int64_t s_photoCount = 0;
    static inline std::int64_t s_smallCount = 0;
    fixtures::TempDir home;
    fixtures::TempDir work;
};

}  // namespace

INSTANTIATE_TEST_SUITE_P(Backends, CrashConsistencyTest, fixtures::kBothBackends, fixtures::backendName);

TEST_P(CrashConsistencyTest, ImportSurvivesKillsAtRandomMoments) {
    Operation import{"import", {}, {"import", photos().string()}, {}};
    import.expectCompleted = [](const RunResult& result, const LibraryView& view) {
        EXPECT_EQ(static_cast<std::int64_t>(view.items.size()), s_photoCount);
        EXPECT_TRUE(contains(result.out, "Look-alikes ready: " + std::to_string(s_photoCount) + " items")) << result.out;
    };
    killAtRandomMoments(import);
}

TEST_P(CrashConsistencyTest, TrainingSurvivesKillsAtRandomMoments) {
    const Target imported = target("imported");
    ASSERT_EQ(run(imported, {"import", smallPhotos().string()}).exitCode, 0);
    Operation train{"train", imported, {"train", "--epochs", "1"}, {}};
    train.expectCompleted = [](const RunResult& result, const LibraryView& view) {
        EXPECT_TRUE(contains(result.out, "Trained model")) << result.out << result.err;
        // The descriptors and the trained network; a run killed after its switch committed
        // leaves one more ready model, and killed builds leave failed ones.
        EXPECT_GE(view.readyModels.size(), 2u);
        EXPECT_EQ(view.activeModel, *view.readyModels.rbegin());
        EXPECT_EQ(static_cast<std::int64_t>(view.items.size()), s_smallCount);
    };
    killAtRandomMoments(train);
}

TEST_P(CrashConsistencyTest, ModelSwitchSurvivesKillsAtRandomMoments) {
    // A library with a trained network (model 2) whose vectors and index are gone, serving
    // the descriptors: `models use 2` must embed every item again and build the index.
    const Target library = target("two-models");
    ASSERT_EQ(run(library, {"import", smallPhotos().string()}).exitCode, 0);
    ASSERT_EQ(run(library, {"train", "--epochs", "1"}).exitCode, 0);
    ASSERT_EQ(run(library, {"models", "use", "1"}).exitCode, 0);
    {
        catalog::Connection db = library.server ? catalog::Connection::openServer(library.arg)
                                                : catalog::Connection::open(catalog::catalogPath(library.folder()));
        db.execute("DELETE FROM embeddings WHERE model_id = 2; DELETE FROM search_indexes WHERE model_id = 2");
    }
    fs::remove(localFolder(library) / "index-2.lkidx");
    fs::remove(localFolder(library) / "index-2.record");
    Operation use{"models-use", library, {"models", "use", "2"}, {}};
    use.expectCompleted = [](const RunResult& result, const LibraryView& view) {
        EXPECT_TRUE(contains(result.out, "Look-alikes ready: " + std::to_string(s_smallCount) + " items, model 2"))
            << result.out << result.err;
        EXPECT_EQ(view.activeModel, 2);
    };
    killAtRandomMoments(use);
}
