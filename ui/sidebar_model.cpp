#include "ui/sidebar_model.h"

#include "ui/item_list_model.h"

#include <QApplication>
#include <QDir>
#include <QFileInfo>
#include <QFont>
#include <QMimeData>
#include <QStyle>

#include <set>
#include <unordered_map>

namespace lookalike::ui {

SidebarModel::SidebarModel(QObject* parent) : QStandardItemModel(parent) {}

QStandardItem* SidebarModel::addPlace(QStandardItem* parent, const QString& text, const Place& place) {
    auto* item = new QStandardItem(text);
    item->setEditable(false);
    item->setDropEnabled(place.kind == Place::Kind::Group);
    item->setData(static_cast<int>(place.kind), KindRole);
    item->setData(QVariant::fromValue<qint64>(place.group), GroupRole);
    item->setData(place.folder, FolderRole);
    item->setData(text, Qt::AccessibleTextRole);
    parent->appendRow(item);
    return item;
}

void SidebarModel::reload(catalog::Catalog& catalog) {
    const std::int64_t total = catalog.itemCount();
    const std::vector<catalog::Group> groups = catalog.groups();
    const std::vector<std::string> folders = catalog.folders();
    std::int64_t grouped = 0;
    for (const catalog::Group& group : groups)
        grouped += group.itemCount;  // an item belongs to one group at most

    clear();
    QStandardItem* root = invisibleRootItem();
    QStyle* style = QApplication::style();
    addPlace(root, tr("All items (%L1)").arg(total), {Place::Kind::All, 0, {}})
        ->setIcon(style->standardIcon(QStyle::SP_DirHomeIcon));
    addPlace(root, tr("Ungrouped (%L1)").arg(total - grouped), {Place::Kind::Ungrouped, 0, {}})
        ->setIcon(style->standardIcon(QStyle::SP_FileDialogListView));

    auto header = [&](const QString& text) {
        auto* item = new QStandardItem(text);
        item->setEditable(false);
        item->setSelectable(false);
        item->setDropEnabled(false);
        item->setData(true, HeaderRole);
        QFont font = item->font();
        font.setBold(true);
        item->setFont(font);
        root->appendRow(item);
        return item;
    };
    QStandardItem* groupHeader = header(tr("Groups"));
    for (const catalog::Group& group : groups) {
        Place place{Place::Kind::Group, group.id, {}};
        addPlace(groupHeader, tr("%1 (%L2)").arg(QString::fromStdString(group.name)).arg(group.itemCount), place)
            ->setIcon(style->standardIcon(QStyle::SP_DirIcon));
    }
    QStandardItem* folderHeader = header(tr("Folders"));
    for (const std::string& folder : folders) {
        const QString path = QString::fromStdString(folder);
        QStandardItem* item = addPlace(folderHeader, QFileInfo(path).fileName().isEmpty() ? path : QFileInfo(path).fileName(),
                                       {Place::Kind::Folder, 0, path});
        item->setToolTip(QDir::toNativeSeparators(path));
        item->setIcon(style->standardIcon(QStyle::SP_DirOpenIcon));
    }
}

std::optional<Place> SidebarModel::placeAt(const QModelIndex& index) {
    if (!index.isValid() || index.data(HeaderRole).toBool())
        return std::nullopt;
    const QVariant kind = index.data(KindRole);
    if (!kind.isValid())
        return std::nullopt;
    return Place{static_cast<Place::Kind>(kind.toInt()), index.data(GroupRole).toLongLong(), index.data(FolderRole).toString()};
}

QModelIndex SidebarModel::indexOf(const Place& place) const {
    const QModelIndexList found = match(index(0, 0), KindRole, static_cast<int>(place.kind), -1,
                                        Qt::MatchExactly | Qt::MatchRecursive);
    for (const QModelIndex& candidate : found)
        if (placeAt(candidate) == place)
            return candidate;
    return {};
}

QStringList SidebarModel::mimeTypes() const {
    return {QString::fromLatin1(ItemListModel::kItemIdsMimeType)};
}

Qt::DropActions SidebarModel::supportedDropActions() const {
    return Qt::CopyAction | Qt::MoveAction;
}

bool SidebarModel::canDropMimeData(const QMimeData* data, Qt::DropAction, int, int, const QModelIndex& parent) const {
    std::optional<Place> place = placeAt(parent);
    return place && place->kind == Place::Kind::Group && data &&
           data->hasFormat(QString::fromLatin1(ItemListModel::kItemIdsMimeType));
}

bool SidebarModel::dropMimeData(const QMimeData* data, Qt::DropAction action, int row, int column,
                                const QModelIndex& parent) {
    if (!canDropMimeData(data, action, row, column, parent))
        return false;
    std::vector<qint64> items;
    for (catalog::ItemId id : ItemListModel::itemIdsFrom(data))
        items.push_back(id);
    if (items.empty())
        return false;
    emit itemsDropped(placeAt(parent)->group, items);
    return false;  // nothing to insert here: the catalog changes and the sidebar reloads
}

// The rows of a place, optionally only names containing `filter` (ignoring case).
std::vector<ItemRow> listPlace(catalog::Catalog& catalog, const Place& place, const QString& filter) {
    std::optional<std::set<catalog::ItemId>> allowed;
    switch (place.kind) {
    case Place::Kind::All:
        break;
    case Place::Kind::Ungrouped: {
        std::vector<catalog::ItemId> ids = catalog.ungroupedItems();
        allowed.emplace(ids.begin(), ids.end());
        break;
    }
    case Place::Kind::Group: {
        std::vector<catalog::ItemId> ids = catalog.groupMembers(place.group);
        allowed.emplace(ids.begin(), ids.end());
        break;
    }
    case Place::Kind::Folder: {
        std::vector<catalog::ItemId> ids = catalog.itemsInFolder(place.folder.toStdString());
        allowed.emplace(ids.begin(), ids.end());
        break;
    }
    }
    // A photo's product: its tooltip, and its name and SKU for the filter.
    std::unordered_map<catalog::ItemId, catalog::Product> products;
    for (auto& [item, product] : catalog.photoProducts())
        products.emplace(item, std::move(product));
    std::vector<ItemRow> rows;
    const std::int64_t count = catalog.itemCount();
    for (const catalog::ItemSummary& item : catalog.listItems(0, count)) {
        if (allowed && !allowed->contains(item.id))
            continue;
        QString name = QString::fromStdString(item.displayName);
        const auto product = products.find(item.id);
        const bool hasProduct = product != products.end();
        if (!filter.isEmpty() && !name.contains(filter, Qt::CaseInsensitive) &&
            !(hasProduct && (QString::fromStdString(product->second.name).contains(filter, Qt::CaseInsensitive) ||
                             QString::fromStdString(product->second.sku).contains(filter, Qt::CaseInsensitive))))
            continue;
        rows.push_back({item.id, std::move(name), std::nullopt, hasProduct ? productSummary(product->second) : QString()});
    }
    return rows;
}

}  // namespace lookalike::ui
