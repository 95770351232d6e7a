#include "ui/item_list_model.h"

#include "ui/thumbnail_loader.h"

#include <QDataStream>
#include <QIODevice>
#include <QMimeData>

#include <cmath>

namespace lookalike::ui {

QString productSummary(const catalog::Product& product) {
    QStringList parts;
    if (!product.name.empty())
        parts << QString::fromStdString(product.name);
    if (!product.sku.empty())
        parts << ItemListModel::tr("SKU %1").arg(QString::fromStdString(product.sku));
    if (!product.price.empty())
        parts << QString::fromStdString(product.price);
    return parts.join(QStringLiteral(" · "));
}

namespace {
constexpr int kPixmapCacheKiB = 96 * 1024;
}

ItemListModel::ItemListModel(ThumbnailLoader* loader, QObject* parent) : QAbstractListModel(parent), m_loader(loader) {
    m_pixmaps.setMaxCost(kPixmapCacheKiB);
    connect(m_loader, &ThumbnailLoader::loaded, this, &ItemListModel::onLoaded);
    connect(m_loader, &ThumbnailLoader::dropped, this, [this](qint64 item, int pixelSize) {
        if (pixelSize == this->pixelSize())
            m_requested.remove(item);  // asked again when a view paints the row
    });
}

void ItemListModel::setRows(std::vector<ItemRow> rows) {
    beginResetModel();
    m_rows = std::move(rows);
    m_rowOf.clear();
    m_rowOf.reserve(static_cast<qsizetype>(m_rows.size()));
    for (std::size_t row = 0; row < m_rows.size(); ++row)
        m_rowOf.insert(m_rows[row].id, static_cast<int>(row));
    m_requested.clear();
    endResetModel();
}

int ItemListModel::rowOf(catalog::ItemId id) const {
    return m_rowOf.value(id, -1);
}

catalog::ItemId ItemListModel::idAt(int row) const {
    return row >= 0 && row < static_cast<int>(m_rows.size()) ? m_rows[static_cast<std::size_t>(row)].id : 0;
}

void ItemListModel::setThumbnailSize(int size, qreal devicePixelRatio) {
    if (size == m_thumbnailSize && devicePixelRatio == m_devicePixelRatio)
        return;
    m_thumbnailSize = size;
    m_devicePixelRatio = devicePixelRatio;
    m_pixmaps.clear();
    m_requested.clear();
    if (!m_rows.empty())
        emit dataChanged(index(0), index(static_cast<int>(m_rows.size()) - 1), {Qt::DecorationRole});
}

int ItemListModel::pixelSize() const {
    return static_cast<int>(std::lround(m_thumbnailSize * m_devicePixelRatio));
}

int ItemListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

QVariant ItemListModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= static_cast<int>(m_rows.size()))
        return {};
    const ItemRow& row = m_rows[static_cast<std::size_t>(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        return row.name;
    case Qt::ToolTipRole:
    case Qt::AccessibleTextRole: {
        QString text = row.product.isEmpty() ? row.name : tr("%1 (%2)").arg(row.product, row.name);
        if (row.similarity)
            return tr("%1, similarity %2").arg(text).arg(static_cast<double>(*row.similarity), 0, 'f', 2);
        return text;
    }
    case Qt::DecorationRole: {
        if (QPixmap* cached = m_pixmaps.object(row.id))
            return *cached;
        if (!m_unusable.contains(row.id) && !m_requested.contains(row.id)) {
            m_requested.insert(row.id);
            m_loader->request(row.id, pixelSize());
        }
        return {};
    }
    case ItemIdRole:
        return QVariant::fromValue<qint64>(row.id);
    case SimilarityRole:
        return row.similarity ? QVariant(static_cast<double>(*row.similarity)) : QVariant();
    default:
        return {};
    }
}

Qt::ItemFlags ItemListModel::flags(const QModelIndex& index) const {
    return QAbstractListModel::flags(index) | (index.isValid() ? Qt::ItemIsDragEnabled : Qt::NoItemFlags);
}

QStringList ItemListModel::mimeTypes() const {
    return {QString::fromLatin1(kItemIdsMimeType)};
}

QMimeData* ItemListModel::mimeData(const QModelIndexList& indexes) const {
    QByteArray bytes;
    QDataStream stream(&bytes, QIODevice::WriteOnly);
    for (const QModelIndex& index : indexes)
        if (index.isValid())
            stream << static_cast<qint64>(idAt(index.row()));
    auto* data = new QMimeData;
    data->setData(QString::fromLatin1(kItemIdsMimeType), bytes);
    return data;
}

std::vector<catalog::ItemId> ItemListModel::itemIdsFrom(const QMimeData* data) {
    std::vector<catalog::ItemId> ids;
    if (!data || !data->hasFormat(QString::fromLatin1(kItemIdsMimeType)))
        return ids;
    QByteArray bytes = data->data(QString::fromLatin1(kItemIdsMimeType));
    QDataStream stream(bytes);
    while (!stream.atEnd()) {
        qint64 id = 0;
        stream >> id;
        if (stream.status() != QDataStream::Ok)
            break;
        ids.push_back(id);
    }
    return ids;
}

void ItemListModel::onLoaded(qint64 item, int pixelSize, const QImage& image) {
    const int row = rowOf(item);
    if (row < 0 || pixelSize != this->pixelSize() || !m_requested.contains(item))
        return;
    m_requested.remove(item);
    if (image.isNull()) {
        m_unusable.insert(item);
        return;
    }
    auto* pixmap = new QPixmap(QPixmap::fromImage(image));
    pixmap->setDevicePixelRatio(m_devicePixelRatio);
    m_pixmaps.insert(item, pixmap, std::max<qsizetype>(1, image.sizeInBytes() / 1024));
    const QModelIndex changed = index(row);
    emit dataChanged(changed, changed, {Qt::DecorationRole});
}

}  // namespace lookalike::ui
