#pragma once
// Runs the built lookalike-cli in a child process for the end-to-end CLI tests. Header-only.

#include "tests/support/temp_dir.h"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
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

// Runs lookalike-cli with `args` in a clean environment whose HOME and XDG_DATA_HOME point
// into `home`, so no test can touch the real user's default library; in `workingDir` when given.
// The shipped pretrained model is off (LOOKALIKE_PRETRAINED empty) so that results depend on
// the test's own photos only; `pretrained` names a checkpoint to use instead.
// With interruptAfter > 0, sends SIGINT (Ctrl+C) that long after the start.
inline RunResult runCli(const std::vector<std::string>& args, const std::filesystem::path& home,
                        const std::filesystem::path& workingDir = {},
                        std::chrono::milliseconds interruptAfter = std::chrono::milliseconds(0),
                        const std::string& pretrained = {}) {
    std::filesystem::path outPath = home / "stdout.txt";
    std::filesystem::path errPath = home / "stderr.txt";
    std::vector<std::string> environment = {"HOME=" + home.string(),
                                            "XDG_DATA_HOME=" + (home / "data").string(),
                                            "PATH=/usr/bin:/bin", "LC_ALL=C",
                                            "LOOKALIKE_PRETRAINED=" + pretrained};
    // A sanitizer build's settings (suppressions, leak checking) must reach the child too.
    for (const char* name : {"ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS", "TSAN_OPTIONS"})
        if (const char* value = std::getenv(name))
            environment.push_back(std::string(name) + "=" + value);
    std::vector<std::string> argv = {LOOKALIKE_CLI_PATH};
    argv.insert(argv.end(), args.begin(), args.end());

    pid_t child = ::fork();
    if (child == 0) {
        int in = ::open("/dev/null", O_RDONLY);
        int out = ::open(outPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int err = ::open(errPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (in < 0 || out < 0 || err < 0 || (!workingDir.empty() && ::chdir(workingDir.c_str()) != 0))
            ::_exit(126);
        ::dup2(in, 0);
        ::dup2(out, 1);
        ::dup2(err, 2);
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
    RunResult result;
    int status = 0;
    if (child > 0 && interruptAfter.count() > 0) {
        std::this_thread::sleep_for(interruptAfter);
        ::kill(child, SIGINT);
    }
    if (child < 0 || ::waitpid(child, &status, 0) != child) {
        ADD_FAILURE() << "could not run " << LOOKALIKE_CLI_PATH;
        return result;
    }
    result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    result.killedBySignal = WIFSIGNALED(status);
    result.out = readText(outPath);
    result.err = readText(errPath);
    return result;
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
