// File helpers, the XDG data folder and the progress/cancel primitives.

#include "core/util/file_util.h"

#include "core/util/errors.h"
#include "core/util/progress.h"
#include "tests/support/scoped_environment.h"
#include "tests/support/temp_dir.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace lookalike;
using fixtures::ScopedEnvironment;
namespace fs = std::filesystem;

namespace {

std::vector<std::uint8_t> someBytes(std::size_t size) {
    std::vector<std::uint8_t> bytes(size);
    for (std::size_t i = 0; i < size; ++i)
        bytes[i] = static_cast<std::uint8_t>(i * 31 + 7);
    return bytes;
}

std::vector<std::string> namesIn(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir))
        names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace

TEST(FileUtilTest, ReadFileBytesReadsEverythingAcrossChunks) {
    fixtures::TempDir dir;
    std::vector<std::uint8_t> bytes = someBytes(200'000);  // several 64 KiB reads
    fixtures::writeBytes(dir / "a.bin", bytes);
    EXPECT_EQ(readFileBytes(dir / "a.bin", 1 << 20), bytes);
    fixtures::writeBytes(dir / "empty.bin", {});
    EXPECT_TRUE(readFileBytes(dir / "empty.bin", 10).empty());
}

TEST(FileUtilTest, ReadFileBytesRefusesFilesOverTheLimit) {
    fixtures::TempDir dir;
    fixtures::writeBytes(dir / "a.bin", someBytes(3 << 20));
    EXPECT_EQ(readFileBytes(dir / "a.bin", 3 << 20).size(), 3u << 20);  // the limit is inclusive
    try {
        readFileBytes(dir / "a.bin", 2 << 20);
        FAIL() << "read a file over the limit";
    } catch (const FileError& error) {
        std::string message = error.what();
        EXPECT_TRUE(message.starts_with((dir / "a.bin").string() + ": ")) << message;
        EXPECT_NE(message.find("file too large (over 2 MB)"), std::string::npos) << message;
    }
}

TEST(FileUtilTest, ReadFileBytesNamesAFileItCannotOpen) {
    fixtures::TempDir dir;
    try {
        readFileBytes(dir / "missing.jpg", 100);
        FAIL() << "read a missing file";
    } catch (const FileError& error) {
        EXPECT_EQ(std::string(error.what()),
                  (dir / "missing.jpg").string() + ": cannot open (No such file or directory)");
    }
    EXPECT_THROW(readFileBytes(dir.path(), 100), FileError);  // a folder cannot be read as a file
}

TEST(FileUtilTest, WriteFileAtomicallyCreatesAndReplacesLeavingNoTemporaryFile) {
    fixtures::TempDir dir;
    std::vector<std::uint8_t> first = someBytes(1000);
    writeFileAtomically(dir / "model.bin", first);
    EXPECT_EQ(fixtures::readBytes(dir / "model.bin"), first);
    std::vector<std::uint8_t> second = someBytes(10);
    writeFileAtomically(dir / "model.bin", second);
    EXPECT_EQ(fixtures::readBytes(dir / "model.bin"), second);
    writeFileAtomically(dir / "empty.bin", {});
    EXPECT_EQ(fs::file_size(dir / "empty.bin"), 0u);
    EXPECT_EQ(namesIn(dir.path()), (std::vector<std::string>{"empty.bin", "model.bin"}));
}

TEST(FileUtilTest, WriteFileAtomicallyIntoAMissingFolderIsAFileError) {
    fixtures::TempDir dir;
    try {
        writeFileAtomically(dir / "no" / "such" / "x.bin", someBytes(5));
        FAIL() << "wrote into a missing folder";
    } catch (const StorageFullError&) {
        FAIL() << "a missing folder is not a full disk";
    } catch (const FileError& error) {
        EXPECT_NE(std::string(error.what()).find("cannot write"), std::string::npos) << error.what();
    }
    EXPECT_TRUE(namesIn(dir.path()).empty());
}

TEST(FileUtilTest, WriteFileAtomicallyOverAFolderFailsAndCleansUp) {
    fixtures::TempDir dir;
    fs::create_directory(dir / "taken");
    fixtures::writeText(dir / "taken" / "inside", "x");
    EXPECT_THROW(writeFileAtomically(dir / "taken", someBytes(5)), FileError);
    EXPECT_EQ(namesIn(dir.path()), std::vector<std::string>{"taken"});  // no temporary left
}

TEST(FileUtilTest, StorageFullIsALibraryError) {
    // The job stops on a full disk, so callers catch it with the library errors.
    StorageFullError error("full");
    const LibraryError& base = error;
    EXPECT_STREQ(base.what(), "full");
}

// Regression: a writer killed between write and rename left its temporary file behind for good
// (the crash harness found index files' copies piling up in the library folder).
TEST(FileUtilTest, AbandonedTemporaryFilesOfDeadWritersAreRemoved) {
    fixtures::TempDir dir;
    const pid_t dead = ::fork();
    if (dead == 0)
        ::_exit(0);
    int status = 0;
    ::waitpid(dead, &status, 0);  // reaped: its pid names no process now
    const std::string own = "index-2.lkidx.tmp-" + std::to_string(::getpid()) + "-123";
    const std::string abandoned = "index-2.lkidx.tmp-" + std::to_string(dead) + "-456";
    for (const std::string& name : {own, abandoned, std::string("index-2.lkidx"), std::string("photo.tmp-x-1"),
                                    std::string("init.tmp-1-7")})
        fixtures::writeText(dir / name, "x");
    EXPECT_EQ(removeAbandonedTemporaryFiles(dir.path()), 1);
    EXPECT_FALSE(fs::exists(dir / abandoned));
    EXPECT_TRUE(fs::exists(dir / own));            // being written by this process
    EXPECT_TRUE(fs::exists(dir / "index-2.lkidx"));
    EXPECT_TRUE(fs::exists(dir / "photo.tmp-x-1"));  // not a pid
    EXPECT_TRUE(fs::exists(dir / "init.tmp-1-7"));   // pid 1 is alive
    EXPECT_EQ(removeAbandonedTemporaryFiles(dir / "no-such-folder"), 0);
}

TEST(FileUtilTest, XdgDataHomeFollowsTheSpecification) {
    ScopedEnvironment home("HOME", "/home/shop");
    {
        ScopedEnvironment xdg("XDG_DATA_HOME", "/data/xdg");
        EXPECT_EQ(xdgDataHome(), fs::path("/data/xdg"));
    }
    {
        ScopedEnvironment xdg("XDG_DATA_HOME", "relative/path");  // must be absolute: ignored
        EXPECT_EQ(xdgDataHome(), fs::path("/home/shop/.local/share"));
    }
    {
        ScopedEnvironment xdg("XDG_DATA_HOME", "");
        EXPECT_EQ(xdgDataHome(), fs::path("/home/shop/.local/share"));
    }
    {
        ScopedEnvironment xdg("XDG_DATA_HOME", nullptr);
        EXPECT_EQ(xdgDataHome(), fs::path("/home/shop/.local/share"));
    }
}

TEST(FileUtilTest, DisplayPathIsThePathText) {
    EXPECT_EQ(displayPath("/photos/caf\xC3\xA9 shop/a.jpg"), "/photos/caf\xC3\xA9 shop/a.jpg");
}

TEST(ProgressTest, CancelTokenIsSeenAcrossThreads) {
    CancelToken token;
    EXPECT_FALSE(token.isCancelled());
    std::thread canceller([&] { token.cancel(); });
    canceller.join();
    EXPECT_TRUE(token.isCancelled());
    token.cancel();  // idempotent
    EXPECT_TRUE(token.isCancelled());
    EXPECT_STREQ(Cancelled().what(), "cancelled");
}
