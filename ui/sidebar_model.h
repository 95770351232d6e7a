#pragma once
// The sidebar's places: All items, Ungrouped, every group with its item count, and the
// imported folders. Items dragged from the grid onto a group are reported by itemsDropped.

#include "core/catalog/catalog.h"
#include "ui/item_list_model.h"

#include <QStandardItemModel>

#include <vector>

namespace lookalike::ui {

// What a sidebar entry shows in the grid.
struct Place {
    enum class Kind { All, Ungrouped, Group, Folder };
    Kind kind = Kind::All;
    catalog::GroupId group = 0;
    QString folder;
    bool operator==(const Place&) const = default;
};

// The rows of a place, optionally only those whose file name, product name or SKU contains
// `filter` (ignoring case).
std::vector<ItemRow> listPlace(catalog::Catalog& catalog, const Place& place, const QString& filter);

class SidebarModel : public QStandardItemModel {
    Q_OBJECT

public:
    enum Role { KindRole = Qt::UserRole + 1, GroupRole, FolderRole, HeaderRole };

    explicit SidebarModel(QObject* parent = nullptr);

    // Rebuilds from the catalog (a few small queries).
    void reload(catalog::Catalog& catalog);
    // The entry for a place, or an invalid index.
    QModelIndex indexOf(const Place& place) const;
    static std::optional<Place> placeAt(const QModelIndex& index);

    QStringList mimeTypes() const override;
    bool canDropMimeData(const QMimeData* data, Qt::DropAction action, int row, int column,
                         const QModelIndex& parent) const override;
    bool dropMimeData(const QMimeData* data, Qt::DropAction action, int row, int column,
                      const QModelIndex& parent) override;
    Qt::DropActions supportedDropActions() const override;

signals:
    void itemsDropped(qint64 group, const std::vector<qint64>& items);

private:
    QStandardItem* addPlace(QStandardItem* parent, const QString& text, const Place& place);
};

}  // namespace lookalike::ui
