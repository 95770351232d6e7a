#include "ui/library_worker.h"

namespace lookalike::ui {

LibraryWorker::LibraryWorker(catalog::LibraryLocation location, services::LibraryOptions options)
    : m_location(std::move(location)), m_options(std::move(options)) {
    m_pool.setMaxThreadCount(1);
    // The thread keeps the library's connection; never let it expire between tasks.
    m_pool.setExpiryTimeout(-1);
}

LibraryWorker::~LibraryWorker() {
    m_pool.clear();
    m_pool.waitForDone();
    // The library closes on the thread that destroys the worker, once no task runs.
}

void LibraryWorker::waitForDone() {
    m_pool.waitForDone();
}

services::Library& LibraryWorker::library() {
    if (!m_library)
        m_library = services::Library::open(m_location, m_options);
    return *m_library;
}

}  // namespace lookalike::ui
