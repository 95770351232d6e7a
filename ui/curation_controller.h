#pragma once
// What the owner teaches the library: groups (create from the selection, add to, remove from,
// rename, delete, items dropped on a group in the sidebar, and a file,group CSV), "not similar"
// marks, and removing items from the catalog. Every change but the CSV import runs on the query
// LibraryWorker, so it is quick while a job runs; the CSV import is a job. GUI thread only.

#include "core/catalog/catalog.h"
#include "core/services/library.h"

#include <QObject>
#include <QString>

#include <functional>
#include <string>
#include <vector>

class QAction;
class QListView;
class QPoint;
class QTreeView;
class QWidget;

namespace lookalike::ui {

class DetailPanel;
class ItemListModel;
class JobRunner;
class LibraryWorker;

class CurationController : public QObject {
    Q_OBJECT

public:
    // The selection is the grid's; the "not similar" marks are against the item the detail
    // panel shows. `queries`, `reader`, the views and `detail` are null when the library could
    // not be opened: there is nothing to select then. The actions are children of `window`,
    // which parents the dialogs and menus.
    CurationController(JobRunner& jobs, LibraryWorker* queries, catalog::Catalog* reader, QListView* gridView,
                       ItemListModel* grid, QTreeView* sidebarView, DetailPanel* detail, QWidget* window);

    // Create Group, Remove from Group, Remove from Catalog, Open Containing Folder.
    QList<QAction*> actions() const;
    QAction* createGroupAction() const { return m_createGroupAction; }
    QAction* removeFromGroupAction() const { return m_removeFromGroupAction; }
    QAction* removeFromCatalogAction() const { return m_removeFromCatalogAction; }
    QAction* openFolderAction() const { return m_openFolderAction; }
    QAction* importGroupsAction() const { return m_importGroupsAction; }  // Import Groups from CSV…
    void updateActions(bool idle);
    // A window that cannot write (a shared library another desk is changing): every change is
    // refused with `reason`, and the actions that change the library are disabled.
    void setReadOnly(const QString& reason) { m_readOnly = reason; }

    std::vector<catalog::ItemId> selectedItems() const;
    void createGroupFromSelection(const QString& name);
    void addSelectionToGroup(catalog::GroupId group);
    void addToGroup(catalog::GroupId group, const std::vector<catalog::ItemId>& items);  // a drop
    void removeSelectionFromGroup();
    void markNotSimilar(catalog::ItemId lookalike);
    void removeSelectionFromCatalog();  // no confirmation; the action asks first
    // Puts the CSV's files in its groups (services::importGroupsCsv) as a job with progress and
    // Cancel, in one transaction; the rows it could not use are listed in a dialog. Emits
    // groupsImported on success.
    void importGroupsCsv(const QString& csvPath);

    void showItemMenu(const QPoint& position);   // in the grid's viewport
    void showGroupMenu(const QPoint& position);  // in the sidebar's viewport

signals:
    // A change is stored: `done` says what, for the status bar.
    void changed(const QString& done);
    void failed(const QString& message);
    void statusMessage(const QString& message);
    void groupsImported(qint64 matchedRows, qint64 createdGroups);

private:
    bool refusedAsReadOnly();
    void run(const QString& done, std::function<void(services::Library&)> change);
    void askCreateGroup();
    void askRemoveFromCatalog();
    void openContainingFolder();
    void askImportGroupsCsv();

    JobRunner& m_jobs;
    LibraryWorker* m_queries;
    catalog::Catalog* m_reader;
    QListView* m_gridView;
    ItemListModel* m_grid;
    QTreeView* m_sidebarView;
    DetailPanel* m_detail;
    QWidget* m_window;
    QAction* m_createGroupAction = nullptr;
    QAction* m_removeFromGroupAction = nullptr;
    QAction* m_removeFromCatalogAction = nullptr;
    QAction* m_openFolderAction = nullptr;
    QAction* m_importGroupsAction = nullptr;
    QString m_readOnly;
};

}  // namespace lookalike::ui
