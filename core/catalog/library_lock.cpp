#include "core/catalog/library_lock.h"

#include "core/util/errors.h"
#include "core/util/file_util.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <set>
#include <sys/file.h>
#include <unistd.h>
#include <utility>

namespace lookalike::catalog {

namespace fs = std::filesystem;

namespace {

// "lookalike (pid 1234)" from the lock file's "lookalike\n1234\n"; the holder may not have
// written it yet, or be an older build, so anything unreadable becomes "another process".
std::string describeHolder(int descriptor) {
    char text[512] = {};
    const ssize_t length = ::pread(descriptor, text, sizeof text - 1, 0);
    if (length <= 0)
        return "another Lookalike process";
    const std::string content(text, static_cast<std::size_t>(length));
    const std::size_t newline = content.find('\n');
    const std::string holder = content.substr(0, newline);
    std::string pid = newline == std::string::npos ? "" : content.substr(newline + 1);
    pid = pid.substr(0, pid.find('\n'));
    const bool pidIsNumber = !pid.empty() && std::all_of(pid.begin(), pid.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (holder.empty())
        return "another Lookalike process";
    return holder + (pidIsNumber ? " (pid " + pid + ")" : "");
}

// The holder's name on one line, so the file stays "name\npid\n".
std::string oneLine(std::string text) {
    std::replace_if(text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
    return text.empty() ? "Lookalike" : text;
}

// The lock files this process holds. flock() cannot tell "locked by me through another open
// file" from "locked by someone else", so heldByAnotherProcess() asks here first.
std::mutex g_heldMutex;
std::set<fs::path> g_held;

fs::path heldKey(const fs::path& lockFile) {
    std::error_code error;
    fs::path canonical = fs::weakly_canonical(lockFile, error);
    return error ? fs::absolute(lockFile, error).lexically_normal() : canonical;
}

}  // namespace

fs::path lockPath(const fs::path& libraryDir) {
    return libraryDir / "lock";
}

namespace {

constexpr int kLockClass = 0x4C4B4C4B;  // "LKLK", as the backend's transaction lock
constexpr int kLibraryLockKey = 1;

std::string serverKey(const LibraryLocation& location) {
    return "server:" + location.display();
}

std::string hostName() {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0 || name[0] == 0)
        return "an unnamed host";
    return name;
}

// The holder named in the lock session's application_name (at most 63 bytes on the server).
std::string serverHolder(Connection& db) {
    Statement query = db.prepare(
        "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND CAST(l.classid AS BIGINT) = ? AND "
        "CAST(l.objid AS BIGINT) = ? AND l.objsubid = 2 AND "
        "l.database = (SELECT oid FROM pg_database WHERE datname = current_database())");
    query.bindAll(static_cast<std::int64_t>(kLockClass), static_cast<std::int64_t>(kLibraryLockKey));
    const std::string name = query.step() ? query.columnText(0) : "";
    return name.empty() ? "another Lookalike process" : name;
}

}  // namespace

LibraryLock LibraryLock::acquireOnServer(const LibraryLocation& location, const std::string& holder) {
    auto db = std::make_unique<Connection>(Connection::openServer(location.uri()));
    const std::string label = oneLine(holder) + " on " + hostName() + " (pid " + std::to_string(::getpid()) + ")";
    db->prepare("SELECT set_config('application_name', ?, false)").bind(1, label.substr(0, 63)).run();
    Statement take = db->prepare("SELECT pg_try_advisory_lock(CAST(? AS INTEGER), CAST(? AS INTEGER))");
    take.bindAll(static_cast<std::int64_t>(kLockClass), static_cast<std::int64_t>(kLibraryLockKey));
    if (!take.step() || take.columnInt64(0) == 0)
        throw LibraryInUseError("library " + location.display() + " is in use by " + serverHolder(*db) + "; close it first");
    LibraryLock lock(-1, location.display());
    lock.m_server = std::move(db);
    lock.m_heldKey = serverKey(location);
    std::lock_guard guard(g_heldMutex);
    g_held.insert(lock.m_heldKey);
    return lock;
}

LibraryLock LibraryLock::acquire(const LibraryLocation& location, const std::string& holder) {
    if (location.isServer())
        return acquireOnServer(location, holder);
    const fs::path& libraryDir = location.folder();
    std::error_code error;
    fs::create_directories(libraryDir, error);
    if (error)
        throw LibraryError("Cannot create the library folder " + displayPath(libraryDir) + " (" + error.message() + ")");
    fs::path path = lockPath(libraryDir);
    const int descriptor = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (descriptor < 0)
        throw LibraryError("Cannot lock the library " + displayPath(libraryDir) + ": " + displayPath(path) + " (" +
                           std::strerror(errno) + ")");
    LibraryLock lock(descriptor, std::move(path));  // closes the file on every way out
    int result;
    do {
        result = ::flock(descriptor, LOCK_EX | LOCK_NB);
    } while (result != 0 && errno == EINTR);
    if (result != 0) {
        if (errno == EWOULDBLOCK)
            throw LibraryInUseError("library " + displayPath(libraryDir) + " is in use by " + describeHolder(descriptor) +
                                    "; close it first");
        throw LibraryError("Cannot lock the library " + displayPath(libraryDir) + " (" + std::strerror(errno) + ")");
    }
    // Who holds it, for the message another process shows. Best effort: a full disk must not
    // keep the owner from its own library.
    const std::string content = oneLine(holder) + "\n" + std::to_string(::getpid()) + "\n";
    if (::ftruncate(descriptor, 0) == 0) {
        [[maybe_unused]] const ssize_t written = ::pwrite(descriptor, content.data(), content.size(), 0);
    }
    lock.m_heldKey = heldKey(lock.m_path);
    std::lock_guard guard(g_heldMutex);
    g_held.insert(lock.m_heldKey);
    return lock;
}

bool LibraryLock::heldByAnotherProcess(const LibraryLocation& location) {
    if (location.isServer()) {
        {
            std::lock_guard guard(g_heldMutex);
            if (g_held.contains(serverKey(location)))
                return false;
        }
        Connection db = Connection::openServer(location.uri());
        Statement query = db.prepare(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND CAST(classid AS BIGINT) = ? "
            "AND CAST(objid AS BIGINT) = ? AND objsubid = 2 AND "
            "database = (SELECT oid FROM pg_database WHERE datname = current_database())");
        query.bindAll(static_cast<std::int64_t>(kLockClass), static_cast<std::int64_t>(kLibraryLockKey));
        return query.step() && query.columnInt64(0) > 0;
    }
    const fs::path path = lockPath(location.folder());
    {
        std::lock_guard guard(g_heldMutex);
        if (g_held.contains(heldKey(path)))
            return false;
    }
    const int descriptor = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (descriptor < 0)
        return false;  // no lock file: nobody has ever locked this library
    const bool held = ::flock(descriptor, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    ::close(descriptor);  // also drops the shared lock, if it was taken
    return held;
}

LibraryLock::LibraryLock(int descriptor, fs::path path) : m_descriptor(descriptor), m_path(std::move(path)) {}

LibraryLock::LibraryLock(LibraryLock&& other) noexcept
    : m_descriptor(std::exchange(other.m_descriptor, -1)), m_path(std::move(other.m_path)),
      m_heldKey(std::exchange(other.m_heldKey, {})), m_server(std::move(other.m_server)) {}

LibraryLock& LibraryLock::operator=(LibraryLock&& other) noexcept {
    if (this != &other) {
        release();
        m_descriptor = std::exchange(other.m_descriptor, -1);
        m_path = std::move(other.m_path);
        m_heldKey = std::exchange(other.m_heldKey, {});
        m_server = std::move(other.m_server);
    }
    return *this;
}

LibraryLock::~LibraryLock() {
    release();
}

void LibraryLock::release() noexcept {
    if (m_server) {
        std::lock_guard guard(g_heldMutex);
        g_held.erase(m_heldKey);
        m_heldKey.clear();
        m_server.reset();  // the session ends, and the server drops its advisory lock
        return;
    }
    if (m_descriptor < 0)
        return;
    if (!m_heldKey.empty()) {
        std::lock_guard guard(g_heldMutex);
        g_held.erase(m_heldKey);
        m_heldKey.clear();
    }
    // The file stays: removing it would race with a process that has just opened it and would
    // then lock an unlinked file while a third process creates a new one.
    ::close(m_descriptor);  // drops the flock
    m_descriptor = -1;
}

}  // namespace lookalike::catalog
