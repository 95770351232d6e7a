#include "ui/thumbnail_loader.h"

#include <QMetaObject>

#include <optional>

namespace lookalike::ui {

namespace {
constexpr std::size_t kMaxPending = 600;  // a few screens of thumbnails
}

ThumbnailLoader::ThumbnailLoader(catalog::LibraryLocation location, QObject* parent)
    : QObject(parent), m_location(std::move(location)) {
    m_thread = std::thread([this] { run(); });
}

ThumbnailLoader::~ThumbnailLoader() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    m_thread.join();
}

void ThumbnailLoader::request(catalog::ItemId item, int pixelSize) {
    std::optional<Request> oldest;
    {
        std::lock_guard lock(m_mutex);
        Request request{item, pixelSize};
        if (!m_queued.insert(request).second)
            return;
        m_pending.push_back(request);
        if (m_pending.size() > kMaxPending) {
            oldest = m_pending.front();
            m_queued.erase(m_pending.front());
            m_pending.pop_front();
        }
    }
    m_wake.notify_one();
    if (oldest)
        emit dropped(oldest->first, oldest->second);
}

void ThumbnailLoader::clearPending() {
    std::deque<Request> pending;
    {
        std::lock_guard lock(m_mutex);
        pending.swap(m_pending);
        m_queued.clear();
    }
    for (const Request& request : pending)
        emit dropped(request.first, request.second);
}

void ThumbnailLoader::run() {
    std::optional<catalog::Catalog> catalog;
    for (;;) {
        Request request;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return m_stopping || !m_pending.empty(); });
            if (m_stopping)
                return;
            request = m_pending.back();
            m_pending.pop_back();
            m_queued.erase(request);
        }
        QImage image;
        try {
            if (!catalog)
                catalog = catalog::Catalog::open(m_location);
            if (std::optional<catalog::Thumbnail> thumbnail = catalog->thumbnail(request.first)) {
                image.loadFromData(thumbnail->jpeg.data(), static_cast<int>(thumbnail->jpeg.size()), "JPEG");
                if (!image.isNull() && (image.width() > request.second || image.height() > request.second))
                    image = image.scaled(request.second, request.second, Qt::KeepAspectRatio, Qt::SmoothTransformation);
            }
        } catch (const std::exception&) {
            image = QImage();  // shown as a placeholder; the catalog reports its own errors elsewhere
        }
        QMetaObject::invokeMethod(
            this, [this, request, image] { emit loaded(request.first, request.second, image); }, Qt::QueuedConnection);
    }
}

}  // namespace lookalike::ui
