#pragma once
// The application window: a sidebar of places (all items, ungrouped, groups, folders), the
// thumbnail grid, and the detail panel with the selected item's look-alikes. Import,
// embedding, training and model switches run as one background job at a time with progress
// and Cancel in the status bar; look-alike queries and curation run on a second background
// library so they stay quick while a job runs. Nothing here blocks the GUI thread on
// decoding, training, embedding, indexing or a search.

#include "core/catalog/catalog.h"
#include "core/catalog/library_lock.h"
#include "core/catalog/model_store.h"
#include "core/services/importer.h"
#include "core/services/library.h"
#include "ui/app_settings.h"
#include "ui/item_list_model.h"
#include "ui/sidebar_model.h"

#include <QMainWindow>
#include <QPointer>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>

class QAction;
class QLabel;
class QLineEdit;
class QListView;
class QProgressBar;
class QSlider;
class QSplitter;
class QStackedWidget;
class QToolButton;
class QTreeView;
class QTimer;

namespace lookalike::ui {

class CompareDialog;
class DetailPanel;
class ItemListModel;
class LibraryWorker;
class ThumbnailDelegate;
class ThumbnailLoader;
class TrainingDialog;
struct JobState;

class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    struct Options {
        std::filesystem::path libraryDir;
        services::LibraryOptions library;  // threads, index and the pretrained start
        bool demo = false;                 // import the sample catalog and train, when empty
        std::filesystem::path samplePhotos;  // the demo imports this folder (datasets::sampleCatalogDir())
    };

    explicit MainWindow(const Options& options, QWidget* parent = nullptr);
    ~MainWindow() override;

    // --- what the toolbar, menus and drops do; public for tests and automation ---
    void importFolders(const QStringList& folders);
    void searchByPhoto(const QString& path);
    void startTraining();
    void cancelJob();
    void useModel(catalog::ModelId model);
    void showPlace(const Place& place);
    void setNameFilter(const QString& text);
    void selectItem(catalog::ItemId item);
    void createGroupFromSelection(const QString& name);
    void addSelectionToGroup(catalog::GroupId group);
    void removeSelectionFromGroup();
    void markNotSimilar(catalog::ItemId lookalike);
    void removeSelectionFromCatalog();  // no confirmation; the action asks first

    bool isBusy() const;
    bool isUsable() const { return m_reader.has_value(); }
    std::vector<catalog::ItemId> selectedItems() const;
    std::optional<catalog::ModelId> activeModel();
    QString statusText() const;
    const std::vector<catalog::ImportErrorRecord>& importProblems() const { return m_problems; }
    ItemListModel* gridModel() const { return m_grid; }
    QListView* gridView() const { return m_gridView; }
    SidebarModel* sidebarModel() const { return m_sidebar; }
    DetailPanel* detailPanel() const { return m_detail; }
    TrainingDialog* trainingDialog() const { return m_trainingDialog; }
    const std::optional<services::LibraryTrainingReport>& lastTraining() const { return m_lastTraining; }

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
    using JobWork = std::function<void(services::Library&, JobState&)>;

    void buildActions();
    void buildMenus();
    QWidget* buildBrowser();
    QWidget* buildWelcome();
    QWidget* buildUnusable(const QString& message);
    void restoreWindowState();

    void runJob(const QString& kind, const QString& title, JobWork work, std::function<void()> finished);
    void pollJob();
    void endJob(const QString& kind, bool ok, const QString& message);
    void updateActions();

    void updatePage();
    void reloadView();
    void reloadSidebar();
    void refreshQueryLibrary();
    void onSelectionChanged();
    void showDetails(catalog::ItemId item);
    void queryLookalikes();
    std::vector<ItemRow> rowsFor(const std::vector<services::SimilarItem>& results, bool filterMinimum);
    void onTrainingFinished(const services::LibraryTrainingReport& report);
    void showComparison(const services::LibraryTrainingReport& report, catalog::ItemId item);
    void runCuration(const QString& done, std::function<void(services::Library&)> change);
    void showStatus(const QString& message);
    void showError(const QString& message);
    void showGridMenu(const QPoint& position);
    void showImportProblems();
    void showSettings();
    void showAbout();
    void rebuildModelsMenu();
    void chooseImportFolder();
    void choosePhoto();
    void askCreateGroup();
    void askRemoveFromCatalog();
    void openContainingFolder();
    void setThumbnailSize(int size);

    Options m_options;
    AppSettings m_settings;
    std::optional<catalog::LibraryLock> m_lock;  // held while the window is open; released last
    std::optional<catalog::Catalog> m_reader;  // quick lookups on the GUI thread
    std::optional<catalog::ModelStore> m_models;
    std::unique_ptr<LibraryWorker> m_jobs;     // import, embedding, training, model switches
    std::unique_ptr<LibraryWorker> m_queries;  // look-alikes, curation, listings
    ThumbnailLoader* m_loader = nullptr;

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
    QLabel* m_jobLabel = nullptr;
    QProgressBar* m_jobProgress = nullptr;
    QToolButton* m_cancelButton = nullptr;
    QToolButton* m_problemsButton = nullptr;
    QLabel* m_countLabel = nullptr;
    TrainingDialog* m_trainingDialog = nullptr;
    QPointer<CompareDialog> m_compareDialog;
    QMenu* m_modelsMenu = nullptr;
    QTimer* m_jobTimer = nullptr;

    QAction* m_importAction = nullptr;
    QAction* m_searchPhotoAction = nullptr;
    QAction* m_trainAction = nullptr;
    QAction* m_cancelAction = nullptr;
    QAction* m_createGroupAction = nullptr;
    QAction* m_removeFromGroupAction = nullptr;
    QAction* m_removeFromCatalogAction = nullptr;
    QAction* m_openFolderAction = nullptr;
    QAction* m_problemsAction = nullptr;

    std::shared_ptr<JobState> m_job;
    QString m_jobKind;
    Place m_place;
    QString m_filterText;
    quint64 m_viewGeneration = 0;
    quint64 m_queryGeneration = 0;
    catalog::ItemId m_pendingSelection = 0;
    QString m_queryPhoto;  // the outside photo shown, when searching by photo
    bool m_reloadingView = false;
    bool m_automaticTraining = false;
    bool m_indexReady = false;  // the startup refresh finished
    std::vector<catalog::ImportErrorRecord> m_problems;
    std::optional<services::LibraryTrainingReport> m_lastTraining;
    QString m_status;
};

}  // namespace lookalike::ui
