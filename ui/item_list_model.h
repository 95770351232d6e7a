#pragma once
// A list of catalog items for a view: the catalog grid (a sidebar selection, a name search)
// or a list of look-alikes, each with its similarity. Thumbnails come from a shared
// ThumbnailLoader, lazily for the rows a view paints, and are cached as pixmaps.

#include "core/catalog/catalog.h"

#include <QAbstractListModel>
#include <QCache>
#include <QHash>
#include <QPixmap>
#include <QSet>

#include <optional>
#include <vector>

namespace lookalike::ui {

class ThumbnailLoader;

struct ItemRow {
    catalog::ItemId id = 0;
    QString name;
    std::optional<float> similarity;  // cosine, for look-alikes
    QString product;  // "Floral dress · SKU DR-100 · 49.90" when the photo has product data
};

// The product line of a photo's tooltip and detail panel: its name, SKU and price, those known.
QString productSummary(const catalog::Product& product);

class ItemListModel : public QAbstractListModel {
    Q_OBJECT

public:
    enum Role { ItemIdRole = Qt::UserRole + 1, SimilarityRole };
    static constexpr const char* kItemIdsMimeType = "application/x-lookalike-item-ids";

    explicit ItemListModel(ThumbnailLoader* loader, QObject* parent = nullptr);

    void setRows(std::vector<ItemRow> rows);
    const std::vector<ItemRow>& rows() const { return m_rows; }
    // -1 when the item is not listed.
    int rowOf(catalog::ItemId id) const;
    catalog::ItemId idAt(int row) const;
    // Thumbnail edge in device-independent pixels, and the screen's device pixel ratio.
    void setThumbnailSize(int size, qreal devicePixelRatio);
    int thumbnailSize() const { return m_thumbnailSize; }

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    QStringList mimeTypes() const override;
    QMimeData* mimeData(const QModelIndexList& indexes) const override;

    // The ids carried by a drag from an item view, empty when the data is not ours.
    static std::vector<catalog::ItemId> itemIdsFrom(const QMimeData* data);

private:
    void onLoaded(qint64 item, int pixelSize, const QImage& image);
    int pixelSize() const;

    ThumbnailLoader* m_loader;
    std::vector<ItemRow> m_rows;
    QHash<catalog::ItemId, int> m_rowOf;
    int m_thumbnailSize = 128;
    qreal m_devicePixelRatio = 1.0;
    mutable QCache<catalog::ItemId, QPixmap> m_pixmaps;  // cost: KiB
    mutable QSet<catalog::ItemId> m_requested;
    QSet<catalog::ItemId> m_unusable;  // thumbnails that failed to load
};

}  // namespace lookalike::ui
