#pragma once
// Keeps two processes (the GUI and lookalike-cli, or two CLIs) from changing one library at the
// same time. The front ends take it before they write; Catalog::open does not, so any number
// of connections in one process, and readers in other processes, keep working (SQLite's WAL
// and busy timeout serialise the actual writes).
//
// The lock is flock() on <library>/lock, so the kernel releases it when the holder exits or is
// killed: a lock file left behind by a crash never blocks. The file holds the holder's name
// and pid, for the message a second process shows. flock() locks belong to an open file, so a
// second acquire() in the same process fails as well. Not thread-safe; movable, not copyable.

#include "core/catalog/database.h"
#include "core/catalog/library_location.h"

#include <filesystem>
#include <memory>
#include <string>

namespace lookalike::catalog {

class LibraryLock {
public:
    // Takes the lock without waiting, creating the library folder and the lock file when
    // missing. Throws LibraryInUseError ("library /x is in use by lookalike (pid 1234); close
    // it first") when another holder has it, LibraryError when the lock file cannot be created.
    // For a server library the lock is a PostgreSQL advisory lock held by a connection of its
    // own, so the server releases it when the holder exits, is killed or loses its network; the
    // holder's name, host and pid travel as that connection's application_name.
    static LibraryLock acquire(const LibraryLocation& location, const std::string& holder);

    LibraryLock(LibraryLock&& other) noexcept;
    LibraryLock& operator=(LibraryLock&& other) noexcept;
    LibraryLock(const LibraryLock&) = delete;
    LibraryLock& operator=(const LibraryLock&) = delete;
    ~LibraryLock();  // releases the lock

    // The lock file; for a server library, the server as display() shows it.
    const std::filesystem::path& path() const { return m_path; }

    // True when another process holds the library's lock at this moment (this process's own
    // locks do not count). A writer that finds a job of its own kind half done (a model still
    // "building") uses it to tell a crashed job from one another process is running.
    static bool heldByAnotherProcess(const LibraryLocation& location);

private:
    LibraryLock(int descriptor, std::filesystem::path path);
    static LibraryLock acquireOnServer(const LibraryLocation& location, const std::string& holder);
    void release() noexcept;

    int m_descriptor = -1;
    std::filesystem::path m_path;
    std::filesystem::path m_heldKey;  // set once locked: this process's registry entry
    std::unique_ptr<Connection> m_server;  // a server library's lock session
};

// The lock file inside a library folder.
std::filesystem::path lockPath(const std::filesystem::path& libraryDir);

}  // namespace lookalike::catalog
