#include "core/util/file_util.h"

#include "core/util/errors.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <random>
#include <unistd.h>

namespace lookalike {
namespace fs = std::filesystem;

namespace {

// Closes a POSIX descriptor on every path out of a function.
class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : m_fd(fd) {}
    ~FileDescriptor() {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    int get() const { return m_fd; }
    int release() {
        int fd = m_fd;
        m_fd = -1;
        return fd;
    }

private:
    int m_fd;
};

[[noreturn]] void throwWriteError(const fs::path& path, int error) {
    std::string message = displayPath(path) + ": cannot write (" + std::strerror(error) + ")";
    if (error == ENOSPC || error == EDQUOT)
        throw StorageFullError(displayPath(path) + ": the disk is full");
    throw FileError(message);
}

}  // namespace

std::string displayPath(const fs::path& path) {
    return path.string();
}

std::vector<std::uint8_t> readFileBytes(const fs::path& path, std::uintmax_t maxBytes) {
    FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0)
        throw FileError(displayPath(path) + ": cannot open (" + std::strerror(errno) + ")");
    std::vector<std::uint8_t> bytes;
    // The size from fstat is only a hint: the file may grow or shrink while we read it.
    std::uint8_t chunk[1 << 16];
    for (;;) {
        ssize_t got = ::read(fd.get(), chunk, sizeof chunk);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            throw FileError(displayPath(path) + ": cannot read (" + std::strerror(errno) + ")");
        }
        if (got == 0)
            break;
        if (bytes.size() + static_cast<std::uintmax_t>(got) > maxBytes)
            throw FileError(displayPath(path) + ": file too large (over " +
                            std::to_string(maxBytes / (1024 * 1024)) + " MB)");
        bytes.insert(bytes.end(), chunk, chunk + got);
    }
    return bytes;
}

namespace {

// "<name>.tmp-<pid>-<random>": the writer's pid tells an abandoned file from one being written.
constexpr std::string_view kTemporaryTag = ".tmp-";

}  // namespace

void writeFileAtomically(const fs::path& path, std::span<const std::uint8_t> bytes) {
    std::random_device entropy;
    fs::path temporary = path;
    temporary += std::string(kTemporaryTag) + std::to_string(::getpid()) + "-" + std::to_string(entropy());
    FileDescriptor fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (fd.get() < 0)
        throwWriteError(path, errno);
    auto fail = [&](int error) {
        ::close(fd.release());
        ::unlink(temporary.c_str());
        throwWriteError(path, error);
    };
    std::size_t written = 0;
    while (written < bytes.size()) {
        ssize_t n = ::write(fd.get(), bytes.data() + written, bytes.size() - written);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fail(errno);
        }
        written += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0)
        fail(errno);
    if (::close(fd.release()) != 0) {
        int error = errno;
        ::unlink(temporary.c_str());
        throwWriteError(path, error);
    }
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
        int error = errno;
        ::unlink(temporary.c_str());
        throwWriteError(path, error);
    }
    // Make the rename itself durable.
    FileDescriptor directory(::open(path.parent_path().empty() ? "." : path.parent_path().c_str(),
                                    O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (directory.get() >= 0)
        ::fsync(directory.get());
}

int removeAbandonedTemporaryFiles(const fs::path& folder) {
    int removed = 0;
    std::error_code error;
    for (const fs::directory_entry& entry : fs::directory_iterator(folder, error)) {
        const std::string name = entry.path().filename().string();
        const std::size_t tag = name.rfind(kTemporaryTag);
        if (tag == std::string::npos)
            continue;
        const std::string rest = name.substr(tag + kTemporaryTag.size());
        const std::size_t dash = rest.find('-');
        if (dash == 0 || dash == std::string::npos || dash > 9 ||
            !std::all_of(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(dash), [](char c) { return c >= '0' && c <= '9'; }))
            continue;
        const auto pid = static_cast<pid_t>(std::stol(rest.substr(0, dash)));
        // ESRCH: no such process. EPERM means it exists under another user: leave it.
        if (pid == ::getpid() || ::kill(pid, 0) == 0 || errno != ESRCH)
            continue;
        std::error_code ignored;
        if (fs::remove(entry.path(), ignored))
            ++removed;
    }
    return removed;
}

fs::path xdgDataHome() {
    if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg && fs::path(xdg).is_absolute())
        return xdg;
    if (const char* home = std::getenv("HOME"); home && *home)
        return fs::path(home) / ".local" / "share";
    return fs::current_path() / ".local" / "share";
}

fs::path xdgCacheHome() {
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg && fs::path(xdg).is_absolute())
        return xdg;
    if (const char* home = std::getenv("HOME"); home && *home)
        return fs::path(home) / ".cache";
    return fs::current_path() / ".cache";
}

}  // namespace lookalike
