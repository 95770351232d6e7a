#pragma once
// A services::Library used from one background thread: tasks run one at a time, in the order
// they were submitted, so the library (which is not thread-safe) is never shared. The GUI
// keeps two: one for long jobs (import, embedding, training) and one for quick queries, so
// that look-alikes stay available while a job runs.

#include "core/services/library.h"

#include <QFuture>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentRun>

#include <filesystem>
#include <memory>
#include <type_traits>

namespace lookalike::ui {

class LibraryWorker {
public:
    LibraryWorker(std::filesystem::path libraryDir, services::LibraryOptions options);
    // Waits for the running task; callers cancel long jobs first.
    ~LibraryWorker();
    LibraryWorker(const LibraryWorker&) = delete;
    LibraryWorker& operator=(const LibraryWorker&) = delete;

    // Runs task(library) on the worker thread. The library is opened by the first task; an
    // error opening it fails that task (and is retried by the next).
    template <typename Task>
    auto submit(Task task) -> QFuture<std::invoke_result_t<Task, services::Library&>> {
        return QtConcurrent::run(&m_pool, [this, task = std::move(task)]() mutable { return task(library()); });
    }

    void waitForDone();
    const std::filesystem::path& libraryDir() const { return m_libraryDir; }

private:
    services::Library& library();

    std::filesystem::path m_libraryDir;
    services::LibraryOptions m_options;
    std::unique_ptr<services::Library> m_library;  // touched only on the worker thread
    QThreadPool m_pool;
};

}  // namespace lookalike::ui
