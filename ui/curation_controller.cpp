#include "ui/curation_controller.h"

#include "core/services/group_csv_import.h"
#include "ui/unimported_rows.h"
#include "core/util/unix_time.h"
#include "ui/detail_panel.h"
#include "ui/item_list_model.h"
#include "ui/job_runner.h"
#include "ui/library_worker.h"
#include "ui/sidebar_model.h"

#include <QAction>
#include <QDesktopServices>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QLineEdit>
#include <QListView>
#include <QMenu>
#include <QMessageBox>
#include <QTreeView>
#include <QUrl>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>
#include <utility>

namespace lookalike::ui {

CurationController::CurationController(JobRunner& jobs, LibraryWorker* queries, catalog::Catalog* reader,
                                       QListView* gridView, ItemListModel* grid, QTreeView* sidebarView,
                                       DetailPanel* detail, QWidget* window)
    : QObject(window), m_jobs(jobs), m_queries(queries), m_reader(reader), m_gridView(gridView), m_grid(grid),
      m_sidebarView(sidebarView), m_detail(detail), m_window(window) {
    m_createGroupAction = new QAction(tr("&Create Group from Selection…"), window);
    m_createGroupAction->setShortcut(QKeySequence(tr("Ctrl+G")));
    connect(m_createGroupAction, &QAction::triggered, this, &CurationController::askCreateGroup);

    m_removeFromGroupAction = new QAction(tr("Remove from &Group"), window);
    m_removeFromGroupAction->setShortcut(QKeySequence(tr("Ctrl+Shift+G")));
    connect(m_removeFromGroupAction, &QAction::triggered, this, &CurationController::removeSelectionFromGroup);

    m_removeFromCatalogAction = new QAction(tr("&Remove from Catalog…"), window);
    m_removeFromCatalogAction->setShortcut(QKeySequence::Delete);
    m_removeFromCatalogAction->setToolTip(tr("Forget the selected items; the photos on disk are not touched"));
    connect(m_removeFromCatalogAction, &QAction::triggered, this, &CurationController::askRemoveFromCatalog);

    m_openFolderAction = new QAction(tr("&Open Containing Folder"), window);
    m_openFolderAction->setShortcut(QKeySequence(tr("Ctrl+Shift+O")));
    connect(m_openFolderAction, &QAction::triggered, this, &CurationController::openContainingFolder);

    for (QAction* action : actions())
        action->setShortcutContext(Qt::WindowShortcut);

    m_importGroupsAction = new QAction(tr("Import &Groups from CSV…"), window);
    m_importGroupsAction->setToolTip(tr("Group items from a spreadsheet with the columns file,group"));
    connect(m_importGroupsAction, &QAction::triggered, this, &CurationController::askImportGroupsCsv);
}

QList<QAction*> CurationController::actions() const {
    return {m_createGroupAction, m_removeFromGroupAction, m_removeFromCatalogAction, m_openFolderAction};
}

void CurationController::updateActions(bool idle) {
    const bool selection = !selectedItems().empty();
    const bool writable = m_readOnly.isEmpty();
    m_createGroupAction->setEnabled(selection && writable);
    m_removeFromGroupAction->setEnabled(selection && writable);
    m_openFolderAction->setEnabled(selection);
    m_removeFromCatalogAction->setEnabled(selection && idle && writable);
    m_importGroupsAction->setEnabled(m_reader && m_reader->itemCount() > 0 && writable && idle);
}

std::vector<catalog::ItemId> CurationController::selectedItems() const {
    std::vector<catalog::ItemId> ids;
    if (!m_gridView)
        return ids;
    for (const QModelIndex& index : m_gridView->selectionModel()->selectedIndexes())
        ids.push_back(m_grid->idAt(index.row()));
    std::sort(ids.begin(), ids.end());
    return ids;
}

bool CurationController::refusedAsReadOnly() {
    if (m_readOnly.isEmpty())
        return false;
    emit failed(m_readOnly);
    return true;
}

void CurationController::run(const QString& done, std::function<void(services::Library&)> change) {
    if (refusedAsReadOnly())
        return;
    m_queries->submit([change = std::move(change)](services::Library& library) { change(library); })
        .then(this, [this, done] { emit changed(done); })
        .onFailed(this, [this](const std::exception& error) { emit failed(QString::fromStdString(error.what())); });
}

void CurationController::askCreateGroup() {
    if (selectedItems().empty())
        return;
    bool ok = false;
    QString name = QInputDialog::getText(m_window, tr("Create Group"),
                                         tr("Name for the group of %n selected item(s):", nullptr,
                                            static_cast<int>(selectedItems().size())),
                                         QLineEdit::Normal, {}, &ok)
                       .trimmed();
    if (ok && !name.isEmpty())
        createGroupFromSelection(name);
}

void CurationController::createGroupFromSelection(const QString& name) {
    const std::vector<catalog::ItemId> items = selectedItems();
    if (items.empty() || name.trimmed().isEmpty())
        return;
    run(tr("Created group %1 with %n item(s).", nullptr, static_cast<int>(items.size())).arg(name),
        [items, name = name.trimmed().toStdString()](services::Library& library) {
            catalog::Catalog& catalog = library.catalog();
            catalog::Transaction transaction(catalog.writer());
            const catalog::GroupId group = catalog.createGroup(name, unixNow());
            for (catalog::ItemId item : items)
                catalog.addToGroup(group, item, unixNow());
            transaction.commit();
        });
}

void CurationController::addSelectionToGroup(catalog::GroupId group) {
    const std::vector<catalog::ItemId> items = selectedItems();
    if (!items.empty())
        addToGroup(group, items);
}

void CurationController::addToGroup(catalog::GroupId group, const std::vector<catalog::ItemId>& items) {
    std::optional<catalog::Group> record = m_reader->group(group);
    run(tr("Added %n item(s) to %1.", nullptr, static_cast<int>(items.size())).arg(record ? QString::fromStdString(record->name) : QString()),
        [items, group](services::Library& library) {
            catalog::Transaction transaction(library.catalog().writer());
            for (catalog::ItemId item : items)
                library.catalog().addToGroup(group, item, unixNow());
            transaction.commit();
        });
}

void CurationController::removeSelectionFromGroup() {
    const std::vector<catalog::ItemId> items = selectedItems();
    if (items.empty())
        return;
    run(tr("Removed %n item(s) from their group.", nullptr, static_cast<int>(items.size())),
        [items](services::Library& library) {
            catalog::Catalog& catalog = library.catalog();
            catalog::Transaction transaction(catalog.writer());
            for (catalog::ItemId item : items)
                if (std::optional<catalog::GroupId> group = catalog.groupOf(item))
                    catalog.removeFromGroup(*group, item);
            transaction.commit();
        });
}

void CurationController::markNotSimilar(catalog::ItemId lookalike) {
    const catalog::ItemId item = m_detail->shownItem();
    if (item == 0 || lookalike == item)
        return;
    run(tr("Marked as not similar; the next training learns from it."), [item, lookalike](services::Library& library) {
        library.catalog().markNotSimilar(item, lookalike, unixNow());
    });
}

void CurationController::askRemoveFromCatalog() {
    const std::vector<catalog::ItemId> items = selectedItems();
    if (items.empty())
        return;
    const auto answer = QMessageBox::question(
        m_window, tr("Remove from Catalog"),
        tr("Remove %n item(s) from the catalog? Their groups and marks are removed too. The photo files on disk are "
           "not touched, and importing the folder again brings them back.",
           nullptr, static_cast<int>(items.size())),
        QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
    if (answer == QMessageBox::Yes)
        removeSelectionFromCatalog();
}

void CurationController::removeSelectionFromCatalog() {
    const std::vector<catalog::ItemId> items = selectedItems();
    if (items.empty() || m_jobs.isBusy())
        return;
    m_detail->showNothing();
    run(tr("Removed %n item(s) from the catalog.", nullptr, static_cast<int>(items.size())),
        [items](services::Library& library) {
            for (catalog::ItemId item : items)
                library.removeItem(item);
        });
}

void CurationController::openContainingFolder() {
    const std::vector<catalog::ItemId> items = selectedItems();
    if (items.empty())
        return;
    if (std::optional<catalog::ItemSummary> summary = m_reader->item(items.front())) {
        const QFileInfo file(QString::fromStdString(summary->sourcePath));
        if (!file.dir().exists()) {
            emit statusMessage(tr("The folder %1 no longer exists.").arg(QDir::toNativeSeparators(file.absolutePath())));
            return;
        }
        QDesktopServices::openUrl(QUrl::fromLocalFile(file.absolutePath()));
    }
}

void CurationController::showItemMenu(const QPoint& position) {
    if (!m_gridView->indexAt(position).isValid())
        return;
    QMenu menu(m_window);
    menu.addAction(m_createGroupAction);
    QMenu* addTo = menu.addMenu(tr("&Add to Group"));
    for (const catalog::Group& group : m_reader->groups()) {
        const catalog::GroupId id = group.id;
        addTo->addAction(QString::fromStdString(group.name), this, [this, id] { addSelectionToGroup(id); });
    }
    if (addTo->isEmpty())
        addTo->addAction(tr("No groups yet"))->setEnabled(false);
    menu.addAction(m_removeFromGroupAction);
    menu.addSeparator();
    menu.addAction(m_openFolderAction);
    menu.addAction(m_removeFromCatalogAction);
    menu.exec(m_gridView->viewport()->mapToGlobal(position));
}

void CurationController::showGroupMenu(const QPoint& position) {
    std::optional<Place> place = SidebarModel::placeAt(m_sidebarView->indexAt(position));
    if (!place || place->kind != Place::Kind::Group)
        return;
    const catalog::GroupId group = place->group;
    QMenu menu(m_window);
    menu.addAction(tr("&Rename Group…"), this, [this, group] {
        std::optional<catalog::Group> current = m_reader->group(group);
        bool ok = false;
        QString name = QInputDialog::getText(m_window, tr("Rename Group"), tr("New name:"), QLineEdit::Normal,
                                             current ? QString::fromStdString(current->name) : QString(), &ok).trimmed();
        if (ok && !name.isEmpty())
            run(tr("Renamed the group to %1.").arg(name), [group, name](services::Library& library) {
                library.catalog().renameGroup(group, name.toStdString());
            });
    });
    menu.addAction(tr("&Delete Group"), this, [this, group] {
        run(tr("Deleted the group; its items are ungrouped."), [group](services::Library& library) {
            library.catalog().deleteGroup(group);
        });
    });
    menu.exec(m_sidebarView->viewport()->mapToGlobal(position));
}

void CurationController::askImportGroupsCsv() {
    const QString csv = QFileDialog::getOpenFileName(m_window, tr("Import Groups from CSV"), QDir::homePath(),
                                                     tr("CSV files (*.csv);;All files (*)"));
    if (!csv.isEmpty())
        importGroupsCsv(csv);
}

void CurationController::importGroupsCsv(const QString& csvPath) {
    if (!m_queries || refusedAsReadOnly())
        return;
    const std::filesystem::path csv = csvPath.toStdString();
    auto imported = std::make_shared<services::GroupCsvImportReport>();
    m_jobs.run(QStringLiteral("groups"), tr("Importing groups…"),
               [csv, imported](services::Library& library, JobState& job) {
                   *imported = services::importGroupsCsv(library.catalog(), csv, job.reporter(QStringLiteral("groups")),
                                                         &job.cancel);
               },
               [this, csvPath, imported] {
                   const services::GroupCsvImportReport& report = *imported;
                   QString done = tr("Groups from %1: %n row(s) matched", nullptr, static_cast<int>(report.matched))
                                      .arg(QFileInfo(csvPath).fileName());
                   done += tr(", %n group(s) created", nullptr, static_cast<int>(report.created));
                   if (!report.problems.empty())
                       done += tr(", %n row(s) not imported", nullptr, static_cast<int>(report.problems.size()));
                   emit changed(done + QLatin1Char('.'));
                   if (!report.problems.empty())
                       showUnimportedRows(m_window, tr("Import Groups"), csvPath, report.problems,
                                          QStringLiteral("unimportedGroupRows"));
                   emit groupsImported(report.matched, report.created);
               });
}

}  // namespace lookalike::ui
