#pragma once
// The application window: a sidebar of places (all items, ungrouped, groups, folders), the
// thumbnail grid, and the detail panel with the selected item's look-alikes. The window lays
// these out and wires them to small controllers that own the actions: JobRunner (one
// background job at a time, with progress and Cancel in the status bar), ImportController,
// LookalikeSearch (an item's or a photo's look-alikes), TrainingController (training, the
// comparison after it, the Models menu) and CurationController (groups, "not similar"
// marks, removal). Look-alike queries and curation run on a second background library so
// they stay quick while a job runs. Nothing here blocks the GUI thread on decoding,
// training, embedding, indexing or a search.

#include "core/catalog/catalog.h"
#include "core/catalog/library_lock.h"
#include "core/catalog/model_store.h"
#include "core/services/library.h"
#include "ui/app_settings.h"
#include "ui/curation_controller.h"
#include "ui/import_controller.h"
#include "ui/item_list_model.h"
#include "ui/job_runner.h"
#include "ui/lookalike_search.h"
#include "ui/product_controller.h"
#include "ui/sidebar_model.h"
#include "ui/training_controller.h"

#include <QMainWindow>

#include <filesystem>
#include <memory>
#include <optional>

class QLabel;
class QLineEdit;
class QListView;
class QSlider;
class QSplitter;
class QStackedWidget;
class QTreeView;

namespace lookalike::ui {

class DetailPanel;
class LibraryWorker;
class ThumbnailDelegate;
class ThumbnailLoader;
class TrainingDialog;

class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    struct Options {
        catalog::LibraryLocation location;  // a folder, or a database on a PostgreSQL server
        services::LibraryOptions library;  // threads, index and the pretrained start
        bool demo = false;                 // when empty: import the sample catalog, curate and train
        std::filesystem::path samplePhotos;  // the demo imports this folder (datasets::sampleCatalogDir())
        std::filesystem::path sampleGroups;  // then curates these groups, if any (datasets::sampleGroupsCsv())
    };

    explicit MainWindow(const Options& options, QWidget* parent = nullptr);
    ~MainWindow() override;

    // --- what the toolbar, menus and drops do; public for tests and automation ---
    void importFolders(const QStringList& folders) { m_import->importFolders(folders); }
    void searchByPhoto(const QString& path) { m_lookalikes->searchByPhoto(path); }
    void startTraining() { m_training->startTraining(); }
    void cancelJob() { m_jobs->cancel(); }
    void useModel(catalog::ModelId model) { m_training->useModel(model); }
    void showPlace(const Place& place);
    void setNameFilter(const QString& text);
    void selectItem(catalog::ItemId item);
    void createGroupFromSelection(const QString& name) { m_curation->createGroupFromSelection(name); }
    void addSelectionToGroup(catalog::GroupId group) { m_curation->addSelectionToGroup(group); }
    void removeSelectionFromGroup() { m_curation->removeSelectionFromGroup(); }
    void markNotSimilar(catalog::ItemId lookalike) { m_curation->markNotSimilar(lookalike); }
    // No confirmation; the action asks first.
    void removeSelectionFromCatalog() { m_curation->removeSelectionFromCatalog(); }
    ProductController* products() const { return m_products; }
    CurationController* curation() const { return m_curation; }

    bool isBusy() const { return m_jobs->isBusy(); }
    bool isUsable() const { return m_reader.has_value(); }
    std::vector<catalog::ItemId> selectedItems() const { return m_curation->selectedItems(); }
    std::optional<catalog::ModelId> activeModel();
    QString statusText() const;
    bool isReadOnly() const { return !m_readOnly.isEmpty(); }
    const std::vector<catalog::ImportErrorRecord>& importProblems() const { return m_import->problems(); }
    ItemListModel* gridModel() const { return m_grid; }
    QListView* gridView() const { return m_gridView; }
    SidebarModel* sidebarModel() const { return m_sidebar; }
    DetailPanel* detailPanel() const { return m_detail; }
    TrainingDialog* trainingDialog() const { return m_training->dialog(); }
    const std::optional<services::LibraryTrainingReport>& lastTraining() const { return m_training->lastTraining(); }

signals:
    // A background job ended: "import", "train", "refresh", "model"; ok is false when it
    // failed or was cancelled.
    void jobFinished(const QString& kind, bool ok);
    void viewLoaded();
    void lookalikesShown(qint64 item);
    void libraryChangeRequested(const QString& libraryDir);

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void buildControllers();
    void connectControllers();
    void buildMenus();
    QWidget* buildBrowser();
    QWidget* buildWelcome();
    QWidget* buildUnusable(const QString& message);
    void restoreWindowState();

    void updateActions();
    void updatePage();
    void reloadView();
    void reloadSidebar();
    void refreshQueryLibrary();
    void onSelectionChanged();
    void onImported();
    void onCurated(const QString& done);
    void showDetails(catalog::ItemId item);
    void showStatus(const QString& message);
    void showError(const QString& message);
    void showSettings();
    void showAbout();
    void setThumbnailSize(int size);

    Options m_options;
    AppSettings m_settings;
    std::optional<catalog::LibraryLock> m_lock;  // held while the window is open; released last
    std::optional<catalog::Catalog> m_reader;  // quick lookups on the GUI thread
    std::optional<catalog::ModelStore> m_models;
    std::unique_ptr<LibraryWorker> m_jobWorker;  // import, embedding, training, model switches
    std::unique_ptr<LibraryWorker> m_queries;    // look-alikes, curation, listings
    ThumbnailLoader* m_loader = nullptr;

    JobRunner* m_jobs = nullptr;
    ImportController* m_import = nullptr;
    LookalikeSearch* m_lookalikes = nullptr;
    TrainingController* m_training = nullptr;
    CurationController* m_curation = nullptr;
    ProductController* m_products = nullptr;

    QStackedWidget* m_pages = nullptr;
    QWidget* m_welcome = nullptr;
    QWidget* m_browser = nullptr;
    QSplitter* m_splitter = nullptr;
    QTreeView* m_sidebarView = nullptr;
    SidebarModel* m_sidebar = nullptr;
    QListView* m_gridView = nullptr;
    ItemListModel* m_grid = nullptr;
    ThumbnailDelegate* m_gridDelegate = nullptr;
    DetailPanel* m_detail = nullptr;
    QLineEdit* m_nameFilter = nullptr;
    QSlider* m_sizeSlider = nullptr;
    QLabel* m_countLabel = nullptr;

    Place m_place;
    QString m_filterText;
    quint64 m_viewGeneration = 0;
    catalog::ItemId m_pendingSelection = 0;
    bool m_reloadingView = false;
    QString m_status;
    QString m_readOnly;  // why this window cannot change the library (another desk holds it); empty: it can
};

}  // namespace lookalike::ui
