#pragma once
// Decodes catalog thumbnails off the GUI thread. Requests are served newest first (the rows
// the user is looking at now), duplicates are merged and the oldest are dropped when too many
// wait, so fast scrolling never builds a backlog. Results arrive as the `loaded` signal on
// the loader's thread (the GUI thread).

#include "core/catalog/catalog.h"

#include <QImage>
#include <QObject>

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

namespace lookalike::ui {

class ThumbnailLoader : public QObject {
    Q_OBJECT

public:
    // Opens its own read connection to the library's catalog on its thread.
    explicit ThumbnailLoader(catalog::LibraryLocation location, QObject* parent = nullptr);
    ~ThumbnailLoader() override;

    // Asks for the item's thumbnail scaled to fit `pixelSize` device pixels. Thread: GUI.
    void request(catalog::ItemId item, int pixelSize);
    // Forgets every waiting request (the view changed).
    void clearPending();

signals:
    // A null image when the item is gone or its thumbnail cannot be decoded.
    void loaded(qint64 item, int pixelSize, const QImage& image);
    // A request dropped unserved (too many waited, or clearPending()); ask again if still needed.
    void dropped(qint64 item, int pixelSize);

private:
    void run();

    using Request = std::pair<catalog::ItemId, int>;
    catalog::LibraryLocation m_location;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<Request> m_pending;  // newest at the back
    std::set<Request> m_queued;
    bool m_stopping = false;
    std::thread m_thread;
};

}  // namespace lookalike::ui
