#pragma once
// A services::Library used from one background thread: tasks run one at a time, in the order
// they were submitted, so the library (which is not thread-safe) is never shared. The GUI
// keeps two: one for long jobs (import, embedding, training) and one for quick queries, so
// that look-alikes stay available while a job runs.

#include "core/services/library.h"

#include <QFuture>
#include <QObject>
#include <QPromise>
#include <QThreadPool>

#include <exception>
#include <filesystem>
#include <memory>
#include <type_traits>

namespace lookalike::ui {

class LibraryWorker {
public:
    LibraryWorker(catalog::LibraryLocation location, services::LibraryOptions options);
    // Waits for the running task; callers cancel long jobs first.
    ~LibraryWorker();
    LibraryWorker(const LibraryWorker&) = delete;
    LibraryWorker& operator=(const LibraryWorker&) = delete;

    // Runs task(library) on the worker thread. The library is opened by the first task; an
    // error opening it fails that task (and is retried by the next).
    //
    // The task starts once the calling thread is back in its event loop. A finished QFuture runs
    // a continuation attached with then(context, ...) at once, inside then(); started at once, a
    // quick task could finish before the caller attached its continuation and make it run in the
    // middle of the caller's own code (a signal emitted before anyone connected to it).
    template <typename Task>
    auto submit(Task task) -> QFuture<std::invoke_result_t<Task, services::Library&>> {
        using Result = std::invoke_result_t<Task, services::Library&>;
        auto promise = std::make_shared<QPromise<Result>>();
        auto shared = std::make_shared<Task>(std::move(task));
        promise->start();
        QFuture<Result> future = promise->future();
        QMetaObject::invokeMethod(&m_starter, [this, promise, shared] {
            m_pool.start([this, promise, shared] {
                try {
                    if constexpr (std::is_void_v<Result>)
                        (*shared)(library());
                    else
                        promise->addResult((*shared)(library()));
                } catch (...) {
                    promise->setException(std::current_exception());
                }
                promise->finish();
            });
        }, Qt::QueuedConnection);
        return future;
    }

    void waitForDone();
    const catalog::LibraryLocation& location() const { return m_location; }

private:
    services::Library& library();

    catalog::LibraryLocation m_location;
    services::LibraryOptions m_options;
    std::unique_ptr<services::Library> m_library;  // touched only on the worker thread
    QThreadPool m_pool;
    QObject m_starter;  // tasks not started yet are dropped with it
};

}  // namespace lookalike::ui
