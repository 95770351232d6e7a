#pragma once
// Runs the built lookalike-cli in a child process for the end-to-end CLI tests. Header-only.

#include "tests/support/temp_dir.h"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <grp.h>
#include <optional>
#include <filesystem>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#ifndef LOOKALIKE_CLI_PATH
#error "LOOKALIKE_CLI_PATH must name the lookalike-cli binary under test"
#endif

namespace lookalike::fixtures {

struct RunResult {
    int exitCode = -1;
    bool killedBySignal = false;  // ended by a signal it did not handle
    std::string out;
    std::string err;
};

// lookalike-cli running in a child process, started in a clean environment whose HOME and
// XDG_DATA_HOME point into `home`, so no test can touch the real user's default library; in
// `workingDir` when given. The shipped pretrained model is off (LOOKALIKE_PRETRAINED empty) so
// that results depend on the test's own photos only; `pretrained` names a checkpoint to use
// instead; `extraEnvironment` adds NAME=VALUE entries; `user`, when set, is the uid (and gid)
// the child drops to before it runs the CLI (a root test process sees permissions as a user
// does that way). stdout and stderr go to files in `home`
// (named after `tag`, so that several runs can share a home). The destructor kills a child
// that was not waited for.
class CliProcess {
public:
    CliProcess(const std::vector<std::string>& args, const std::filesystem::path& home,
               const std::filesystem::path& workingDir = {}, const std::string& pretrained = {},
               const std::string& tag = "", const std::vector<std::string>& extraEnvironment = {},
               std::optional<uid_t> user = std::nullopt)
        : m_outPath(home / ("stdout" + tag + ".txt")), m_errPath(home / ("stderr" + tag + ".txt")) {
        std::vector<std::string> environment = {"HOME=" + home.string(),
                                                "XDG_DATA_HOME=" + (home / "data").string(),
                                                "PATH=/usr/bin:/bin", "LC_ALL=C",
                                                "LOOKALIKE_PRETRAINED=" + pretrained};
        environment.insert(environment.end(), extraEnvironment.begin(), extraEnvironment.end());
        // A sanitizer build's settings (suppressions, leak checking) must reach the child too.
        for (const char* name : {"ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS", "TSAN_OPTIONS"})
            if (const char* value = std::getenv(name))
                environment.push_back(std::string(name) + "=" + value);
        std::vector<std::string> argv = {LOOKALIKE_CLI_PATH};
        argv.insert(argv.end(), args.begin(), args.end());
        m_pid = ::fork();
        if (m_pid == 0) {
            int in = ::open("/dev/null", O_RDONLY);
            int out = ::open(m_outPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            int err = ::open(m_errPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (in < 0 || out < 0 || err < 0 || (!workingDir.empty() && ::chdir(workingDir.c_str()) != 0))
                ::_exit(126);
            ::dup2(in, 0);
            ::dup2(out, 1);
            ::dup2(err, 2);
            if (user && (::setgroups(0, nullptr) != 0 || ::setgid(*user) != 0 || ::setuid(*user) != 0))
                ::_exit(125);
            std::vector<char*> rawArgs;
            for (std::string& arg : argv)
                rawArgs.push_back(arg.data());
            rawArgs.push_back(nullptr);
            std::vector<char*> rawEnvironment;
            for (std::string& variable : environment)
                rawEnvironment.push_back(variable.data());
            rawEnvironment.push_back(nullptr);
            ::execve(rawArgs[0], rawArgs.data(), rawEnvironment.data());
            ::_exit(127);
        }
        if (m_pid < 0)
            ADD_FAILURE() << "could not run " << LOOKALIKE_CLI_PATH;
    }
    ~CliProcess() {
        if (m_pid > 0) {
            ::kill(m_pid, SIGKILL);
            int status = 0;
            ::waitpid(m_pid, &status, 0);
        }
    }
    CliProcess(const CliProcess&) = delete;
    CliProcess& operator=(const CliProcess&) = delete;

    pid_t pid() const { return m_pid; }
    // Sends a signal to this child only.
    void signal(int number) {
        if (m_pid > 0)
            ::kill(m_pid, number);
    }
    // True once the child has ended (and was reaped; wait() then returns its result).
    bool finished() {
        if (m_pid <= 0)
            return true;
        if (::waitpid(m_pid, &m_status, WNOHANG) != m_pid)
            return false;
        m_pid = 0;
        return true;
    }
    RunResult wait() {
        RunResult result;
        if (m_pid > 0) {
            if (::waitpid(m_pid, &m_status, 0) != m_pid) {
                ADD_FAILURE() << "could not wait for " << LOOKALIKE_CLI_PATH;
                return result;
            }
            m_pid = 0;
        } else if (m_pid < 0) {
            return result;
        }
        result.exitCode = WIFEXITED(m_status) ? WEXITSTATUS(m_status) : 128 + WTERMSIG(m_status);
        result.killedBySignal = WIFSIGNALED(m_status);
        result.out = readText(m_outPath);
        result.err = readText(m_errPath);
        return result;
    }

private:
    std::filesystem::path m_outPath;
    std::filesystem::path m_errPath;
    pid_t m_pid = -1;
    int m_status = 0;
};

// Runs lookalike-cli to the end (see CliProcess for the environment). With interruptAfter > 0,
// sends SIGINT (Ctrl+C) that long after the start.
inline RunResult runCli(const std::vector<std::string>& args, const std::filesystem::path& home,
                        const std::filesystem::path& workingDir = {},
                        std::chrono::milliseconds interruptAfter = std::chrono::milliseconds(0),
                        const std::string& pretrained = {}) {
    CliProcess process(args, home, workingDir, pretrained);
    if (interruptAfter.count() > 0) {
        std::this_thread::sleep_for(interruptAfter);
        process.signal(SIGINT);
    }
    return process.wait();
}

inline std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> result;
    std::istringstream stream(text);
    for (std::string line; std::getline(stream, line);)
        result.push_back(line);
    return result;
}

inline bool contains(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
}

}  // namespace lookalike::fixtures
