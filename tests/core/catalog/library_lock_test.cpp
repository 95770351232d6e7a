// The library lock between processes: a second holder is refused with a message naming the
// first, and a holder that exits or is killed leaves nothing that blocks.

#include "core/catalog/library_lock.h"

#include "core/catalog/catalog.h"
#include "core/util/errors.h"
#include "tests/support/temp_dir.h"

#include <gtest/gtest.h>

#include <csignal>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

using namespace lookalike;
using namespace lookalike::catalog;

namespace {

// What a child process got when it tried to take the lock: "ok" or the error message.
std::string tryAcquireInChild(const std::filesystem::path& library) {
    int pipe[2];
    if (::pipe(pipe) != 0)
        return "pipe failed";
    const pid_t child = ::fork();
    if (child == 0) {
        ::close(pipe[0]);
        std::string answer;
        try {
            LibraryLock lock = LibraryLock::acquire(library, "child");
            answer = "ok";
        } catch (const LibraryInUseError& error) {
            answer = std::string("in use: ") + error.what();
        } catch (const std::exception& error) {
            answer = std::string("other: ") + error.what();
        }
        [[maybe_unused]] ssize_t written = ::write(pipe[1], answer.data(), answer.size());
        ::_exit(0);
    }
    ::close(pipe[1]);
    std::string answer;
    char buffer[512];
    for (ssize_t length; (length = ::read(pipe[0], buffer, sizeof buffer)) > 0;)
        answer.append(buffer, static_cast<std::size_t>(length));
    ::close(pipe[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    return answer;
}

// A child that takes the lock, says so on a pipe and then waits to be killed or told to exit.
class HoldingChild {
public:
    explicit HoldingChild(const std::filesystem::path& library) {
        int ready[2];
        int release[2];
        if (::pipe(ready) != 0 || ::pipe(release) != 0)
            throw std::runtime_error("pipe failed");
        m_pid = ::fork();
        if (m_pid == 0) {
            ::close(ready[0]);
            ::close(release[1]);
            LibraryLock lock = LibraryLock::acquire(library, "lookalike");
            [[maybe_unused]] ssize_t written = ::write(ready[1], "x", 1);
            char byte;
            [[maybe_unused]] ssize_t got = ::read(release[0], &byte, 1);  // until told, or killed
            ::_exit(0);  // the lock's destructor does not run: the kernel releases it
        }
        ::close(ready[1]);
        ::close(release[0]);
        m_release = release[1];
        char byte;
        if (::read(ready[0], &byte, 1) != 1)
            throw std::runtime_error("the holding child did not start");
        ::close(ready[0]);
    }
    ~HoldingChild() {
        if (m_pid > 0) {
            ::kill(m_pid, SIGKILL);
            wait();
        }
        ::close(m_release);
    }
    HoldingChild(const HoldingChild&) = delete;
    HoldingChild& operator=(const HoldingChild&) = delete;

    pid_t pid() const { return m_pid; }
    void exit() {
        ::close(m_release);
        m_release = -1;
        wait();
    }
    void kill() {
        ::kill(m_pid, SIGKILL);
        wait();
    }

private:
    void wait() {
        int status = 0;
        ::waitpid(m_pid, &status, 0);
        m_pid = -1;
    }
    pid_t m_pid = -1;
    int m_release = -1;
};

}  // namespace

TEST(LibraryLockTest, CreatesTheFolderAndNamesTheHolderInTheLockFile) {
    fixtures::TempDir dir;
    const std::filesystem::path library = dir / "new" / "library";
    LibraryLock lock = LibraryLock::acquire(library, "lookalike-cli");
    EXPECT_EQ(lock.path(), library / "lock");
    EXPECT_EQ(fixtures::readText(library / "lock"), "lookalike-cli\n" + std::to_string(::getpid()) + "\n");
}

TEST(LibraryLockTest, SecondProcessIsRefusedWithAMessageNamingTheHolder) {
    fixtures::TempDir dir;
    LibraryLock lock = LibraryLock::acquire(dir.path(), "lookalike");
    const std::string answer = tryAcquireInChild(dir.path());
    EXPECT_EQ(answer, "in use: library " + dir.path().string() + " is in use by lookalike (pid " +
                          std::to_string(::getpid()) + "); close it first");
}

TEST(LibraryLockTest, IsReleasedWhenTheHolderExitsOrIsKilled) {
    fixtures::TempDir dir;
    {
        HoldingChild holder(dir.path());
        EXPECT_NE(tryAcquireInChild(dir.path()).find("(pid " + std::to_string(holder.pid()) + ")"), std::string::npos);
        holder.exit();
        EXPECT_EQ(tryAcquireInChild(dir.path()), "ok");
    }
    HoldingChild killed(dir.path());
    EXPECT_NE(tryAcquireInChild(dir.path()).find("in use"), std::string::npos);
    killed.kill();
    // The stale lock file is still there, naming a dead process; it must not block.
    EXPECT_TRUE(std::filesystem::exists(dir / "lock"));
    LibraryLock lock = LibraryLock::acquire(dir.path(), "lookalike");
}

TEST(LibraryLockTest, DestructorReleasesAndMovesKeepTheLock) {
    fixtures::TempDir dir;
    {
        LibraryLock first = LibraryLock::acquire(dir.path(), "gui");
        LibraryLock moved = std::move(first);
        EXPECT_NE(tryAcquireInChild(dir.path()).find("in use by gui"), std::string::npos);
        LibraryLock assigned = LibraryLock::acquire(dir / "other", "gui");
        assigned = std::move(moved);  // releases "other", keeps this library's lock
        EXPECT_EQ(tryAcquireInChild(dir / "other"), "ok");
        EXPECT_NE(tryAcquireInChild(dir.path()).find("in use"), std::string::npos);
    }
    EXPECT_EQ(tryAcquireInChild(dir.path()), "ok");
}

TEST(LibraryLockTest, SecondAcquireInTheSameProcessIsRefusedToo) {
    fixtures::TempDir dir;
    LibraryLock lock = LibraryLock::acquire(dir.path(), "gui");
    EXPECT_THROW(LibraryLock::acquire(dir.path(), "gui"), LibraryInUseError);
}

TEST(LibraryLockTest, CatalogConnectionsDoNotNeedTheLock) {
    // The front ends lock; the catalog does not, so a locked library stays readable and a
    // process may hold several connections.
    fixtures::TempDir dir;
    LibraryLock lock = LibraryLock::acquire(dir.path(), "gui");
    Catalog first = Catalog::open(dir.path());
    Catalog second = Catalog::open(dir.path());
    EXPECT_EQ(second.itemCount(), 0);
}

TEST(LibraryLockTest, UnwritableFolderIsALibraryErrorNotACrash) {
    EXPECT_THROW(LibraryLock::acquire(std::filesystem::path("/proc/lookalike-no-such-library"), "gui"), LibraryError);
}
