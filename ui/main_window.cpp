#include "ui/main_window.h"

#include "core/util/errors.h"
#include "ui/compare_dialog.h"
#include "ui/detail_panel.h"
#include "ui/item_list_model.h"
#include "ui/library_worker.h"
#include "ui/thumbnail_delegate.h"
#include "ui/thumbnail_loader.h"
#include "ui/training_dialog.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDateTime>
#include <QDesktopServices>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QImageReader>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QLocale>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSlider>
#include <QSplitter>
#include <QStackedWidget>
#include <QStandardItemModel>
#include <QStatusBar>
#include <QTableView>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QTreeView>
#include <QUrl>
#include <QVBoxLayout>

#include <chrono>
#include <mutex>
#include <set>
#include <utility>

namespace lookalike::ui {

namespace fs = std::filesystem;

// What a running job shares with the GUI: its cancel token and its latest progress.
struct JobState {
    CancelToken cancel;
    std::mutex mutex;
    Progress progress;
    QString phase;
    std::vector<services::TrainingStep> steps;  // not yet shown

    ProgressCallback reporter(const QString& phase) {
        return [this, phase](const Progress& update) {
            std::lock_guard lock(mutex);
            progress = update;
            this->phase = phase;
        };
    }
};

namespace {

constexpr int kPollMilliseconds = 100;

std::int64_t unixNow() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

QString fromStd(const std::string& text) {
    return QString::fromStdString(text);
}

fs::path toPath(const QString& path) {
    return fs::path(path.toStdString());
}

// The library's own phase names, for people.
QString describePhase(const QString& phase, const std::string& current) {
    if (phase == QLatin1String("import"))
        return MainWindow::tr("Importing %1").arg(QFileInfo(fromStd(current)).fileName());
    const QString step = fromStd(current);
    if (step == QLatin1String("embedding"))
        return MainWindow::tr("Embedding photos");
    if (step == QLatin1String("indexing"))
        return MainWindow::tr("Indexing");
    if (step == QLatin1String("training"))
        return MainWindow::tr("Training");
    if (step == QLatin1String("preparing"))
        return MainWindow::tr("Preparing");
    return step.isEmpty() ? MainWindow::tr("Working") : step;
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
    std::vector<ItemRow> rows;
    const std::int64_t count = catalog.itemCount();
    for (const catalog::ItemSummary& item : catalog.listItems(0, count)) {
        if (allowed && !allowed->contains(item.id))
            continue;
        QString name = fromStd(item.displayName);
        if (!filter.isEmpty() && !name.contains(filter, Qt::CaseInsensitive))
            continue;
        rows.push_back({item.id, std::move(name), std::nullopt});
    }
    return rows;
}

}  // namespace

MainWindow::MainWindow(const Options& options, QWidget* parent)
    : QMainWindow(parent), m_options(options), m_settings(AppSettings::load()) {
    setWindowTitle(tr("Lookalike"));
    setAcceptDrops(true);
    m_pages = new QStackedWidget(this);
    setCentralWidget(m_pages);
    m_jobTimer = new QTimer(this);
    m_jobTimer->setInterval(kPollMilliseconds);
    connect(m_jobTimer, &QTimer::timeout, this, &MainWindow::pollJob);

    QString problem;
    try {
        // The CLI and a second window wait their turn: "library … is in use by lookalike (pid …)".
        m_lock.emplace(catalog::LibraryLock::acquire(m_options.libraryDir, "lookalike"));
        m_reader.emplace(catalog::Catalog::open(m_options.libraryDir));
        m_models.emplace(*m_reader);
    } catch (const std::exception& error) {
        m_reader.reset();
        problem = fromStd(error.what());
    }
    buildActions();
    if (!m_reader) {
        buildMenus();
        m_pages->addWidget(buildUnusable(problem));
        updateActions();
        restoreWindowState();
        return;
    }

    services::LibraryOptions jobOptions = m_options.library;
    services::LibraryOptions queryOptions = m_options.library;
    queryOptions.embedOnDemand = false;
    queryOptions.threads = 1;
    m_jobs = std::make_unique<LibraryWorker>(m_options.libraryDir, jobOptions);
    m_queries = std::make_unique<LibraryWorker>(m_options.libraryDir, queryOptions);
    m_loader = new ThumbnailLoader(m_options.libraryDir, this);
    m_trainingDialog = new TrainingDialog(this);
    connect(m_trainingDialog, &TrainingDialog::cancelRequested, this, &MainWindow::cancelJob);

    m_welcome = buildWelcome();
    m_browser = buildBrowser();
    m_pages->addWidget(m_welcome);
    m_pages->addWidget(m_browser);
    buildMenus();
    restoreWindowState();
    reloadSidebar();
    showPlace({Place::Kind::All, 0, {}});

    // Embed and index whatever the catalog has without vectors (another program's import, a
    // cancelled job), then look-alikes are served.
    const bool importDemo = m_options.demo && m_reader->itemCount() == 0;
    runJob(QStringLiteral("refresh"), tr("Updating look-alikes"),
           [](services::Library& library, JobState& job) { library.refresh(job.reporter({}), &job.cancel); },
           [this, importDemo] {
               m_indexReady = true;
               refreshQueryLibrary();
               if (importDemo) {
                   QTimer::singleShot(0, this, [this] {
                       importFolders({QString::fromStdString(m_options.samplePhotos.string())});
                   });
               }
           });
}

MainWindow::~MainWindow() {
    if (m_job)
        m_job->cancel.cancel();
    // Workers wait for their running task; a cancelled job ends at its next check.
    m_jobs.reset();
    m_queries.reset();
}

// ---------------------------------------------------------------------------------------
// Building the window

void MainWindow::buildActions() {
    m_importAction = new QAction(style()->standardIcon(QStyle::SP_DialogOpenButton), tr("&Import Folder…"), this);
    m_importAction->setShortcut(QKeySequence(tr("Ctrl+I")));
    m_importAction->setToolTip(tr("Import the photos of a folder and its subfolders"));
    connect(m_importAction, &QAction::triggered, this, &MainWindow::chooseImportFolder);

    m_searchPhotoAction = new QAction(style()->standardIcon(QStyle::SP_FileDialogContentsView), tr("&Search by Photo…"), this);
    m_searchPhotoAction->setShortcut(QKeySequence(tr("Ctrl+Shift+F")));
    m_searchPhotoAction->setToolTip(tr("Find the catalog items that look like a photo from elsewhere"));
    connect(m_searchPhotoAction, &QAction::triggered, this, &MainWindow::choosePhoto);

    m_trainAction = new QAction(style()->standardIcon(QStyle::SP_BrowserReload), tr("&Train / Retrain"), this);
    m_trainAction->setShortcut(QKeySequence(tr("Ctrl+T")));
    m_trainAction->setToolTip(tr("Learn from your photos, groups and “not similar” marks"));
    connect(m_trainAction, &QAction::triggered, this, &MainWindow::startTraining);

    m_cancelAction = new QAction(style()->standardIcon(QStyle::SP_DialogCancelButton), tr("&Cancel"), this);
    m_cancelAction->setShortcut(QKeySequence(Qt::Key_Escape));
    m_cancelAction->setToolTip(tr("Stop the running job; what was already stored stays"));
    connect(m_cancelAction, &QAction::triggered, this, &MainWindow::cancelJob);

    m_createGroupAction = new QAction(tr("&Create Group from Selection…"), this);
    m_createGroupAction->setShortcut(QKeySequence(tr("Ctrl+G")));
    connect(m_createGroupAction, &QAction::triggered, this, &MainWindow::askCreateGroup);

    m_removeFromGroupAction = new QAction(tr("Remove from &Group"), this);
    m_removeFromGroupAction->setShortcut(QKeySequence(tr("Ctrl+Shift+G")));
    connect(m_removeFromGroupAction, &QAction::triggered, this, &MainWindow::removeSelectionFromGroup);

    m_removeFromCatalogAction = new QAction(tr("&Remove from Catalog…"), this);
    m_removeFromCatalogAction->setShortcut(QKeySequence::Delete);
    m_removeFromCatalogAction->setToolTip(tr("Forget the selected items; the photos on disk are not touched"));
    connect(m_removeFromCatalogAction, &QAction::triggered, this, &MainWindow::askRemoveFromCatalog);

    m_openFolderAction = new QAction(tr("&Open Containing Folder"), this);
    m_openFolderAction->setShortcut(QKeySequence(tr("Ctrl+Shift+O")));
    connect(m_openFolderAction, &QAction::triggered, this, &MainWindow::openContainingFolder);

    m_problemsAction = new QAction(tr("Import &Problems…"), this);
    connect(m_problemsAction, &QAction::triggered, this, &MainWindow::showImportProblems);

    for (QAction* action : {m_createGroupAction, m_removeFromGroupAction, m_removeFromCatalogAction, m_openFolderAction})
        action->setShortcutContext(Qt::WindowShortcut);
    addActions({m_createGroupAction, m_removeFromGroupAction, m_removeFromCatalogAction, m_openFolderAction, m_cancelAction});
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_importAction);
    file->addAction(m_searchPhotoAction);
    file->addSeparator();
    file->addAction(tr("&Settings…"), this, &MainWindow::showSettings)->setMenuRole(QAction::PreferencesRole);
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);
    quit->setMenuRole(QAction::QuitRole);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    edit->addAction(m_createGroupAction);
    edit->addAction(m_removeFromGroupAction);
    edit->addSeparator();
    edit->addAction(m_openFolderAction);
    edit->addAction(m_removeFromCatalogAction);

    QMenu* library = menuBar()->addMenu(tr("&Library"));
    library->addAction(m_trainAction);
    library->addAction(m_cancelAction);
    m_modelsMenu = library->addMenu(tr("&Models"));
    connect(m_modelsMenu, &QMenu::aboutToShow, this, &MainWindow::rebuildModelsMenu);
    library->addSeparator();
    library->addAction(m_problemsAction);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Lookalike"), this, &MainWindow::showAbout)->setMenuRole(QAction::AboutRole);

    QToolBar* toolbar = addToolBar(tr("Main"));
    toolbar->setObjectName(QStringLiteral("mainToolbar"));
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->setMovable(false);
    toolbar->addAction(m_importAction);
    toolbar->addAction(m_searchPhotoAction);
    toolbar->addAction(m_trainAction);
    if (m_nameFilter) {
        auto* spacer = new QWidget(toolbar);
        spacer->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
        toolbar->addWidget(spacer);
        toolbar->addWidget(m_nameFilter);
    }

    m_jobLabel = new QLabel(this);
    m_jobProgress = new QProgressBar(this);
    m_jobProgress->setMaximumWidth(220);
    m_jobProgress->setAccessibleName(tr("Job progress"));
    m_jobProgress->hide();
    m_cancelButton = new QToolButton(this);
    m_cancelButton->setDefaultAction(m_cancelAction);
    m_cancelButton->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_cancelButton->hide();
    m_problemsButton = new QToolButton(this);
    m_problemsButton->setDefaultAction(m_problemsAction);
    m_problemsButton->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_problemsButton->hide();
    m_countLabel = new QLabel(this);
    statusBar()->addWidget(m_jobLabel, 1);
    statusBar()->addWidget(m_jobProgress);
    statusBar()->addWidget(m_cancelButton);
    statusBar()->addPermanentWidget(m_problemsButton);
    statusBar()->addPermanentWidget(m_countLabel);
    if (m_sizeSlider)
        statusBar()->addPermanentWidget(m_sizeSlider);
}

QWidget* MainWindow::buildBrowser() {
    m_splitter = new QSplitter(this);
    m_splitter->setObjectName(QStringLiteral("browserSplitter"));

    m_sidebar = new SidebarModel(this);
    m_sidebarView = new QTreeView(m_splitter);
    m_sidebarView->setObjectName(QStringLiteral("sidebar"));
    m_sidebarView->setAccessibleName(tr("Places"));
    m_sidebarView->setModel(m_sidebar);
    m_sidebarView->setHeaderHidden(true);
    m_sidebarView->setRootIsDecorated(false);
    m_sidebarView->setItemsExpandable(false);
    m_sidebarView->setAcceptDrops(true);
    m_sidebarView->setDropIndicatorShown(true);
    m_sidebarView->setDragDropMode(QAbstractItemView::DropOnly);
    m_sidebarView->setDefaultDropAction(Qt::CopyAction);
    m_sidebarView->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_sidebarView->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex& current) {
                if (std::optional<Place> place = SidebarModel::placeAt(current); place && !(*place == m_place))
                    showPlace(*place);
            });
    connect(m_sidebar, &SidebarModel::itemsDropped, this, [this](qint64 group, const std::vector<qint64>& items) {
        const QString name = m_reader->group(group) ? fromStd(m_reader->group(group)->name) : QString();
        runCuration(tr("Added %n item(s) to %1.", nullptr, static_cast<int>(items.size())).arg(name),
                    [group, items](services::Library& library) {
                        catalog::Transaction transaction(library.catalog().writer());
                        for (qint64 item : items)
                            library.catalog().addToGroup(group, item, unixNow());
                        transaction.commit();
                    });
    });
    connect(m_sidebarView, &QWidget::customContextMenuRequested, this, [this](const QPoint& position) {
        std::optional<Place> place = SidebarModel::placeAt(m_sidebarView->indexAt(position));
        if (!place || place->kind != Place::Kind::Group)
            return;
        const catalog::GroupId group = place->group;
        QMenu menu(this);
        menu.addAction(tr("&Rename Group…"), this, [this, group] {
            std::optional<catalog::Group> current = m_reader->group(group);
            bool ok = false;
            QString name = QInputDialog::getText(this, tr("Rename Group"), tr("New name:"), QLineEdit::Normal,
                                                 current ? fromStd(current->name) : QString(), &ok).trimmed();
            if (ok && !name.isEmpty())
                runCuration(tr("Renamed the group to %1.").arg(name), [group, name](services::Library& library) {
                    library.catalog().renameGroup(group, name.toStdString());
                });
        });
        menu.addAction(tr("&Delete Group"), this, [this, group] {
            runCuration(tr("Deleted the group; its items are ungrouped."), [group](services::Library& library) {
                library.catalog().deleteGroup(group);
            });
        });
        menu.exec(m_sidebarView->viewport()->mapToGlobal(position));
    });

    m_grid = new ItemListModel(m_loader, this);
    m_gridView = makeThumbnailView(m_grid, m_settings.thumbnailSize, tr("Catalog"), m_splitter);
    m_gridView->setObjectName(QStringLiteral("catalogGrid"));
    m_gridView->setLayoutMode(QListView::Batched);
    m_gridView->setBatchSize(2000);
    m_gridView->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_gridView->setDragDropMode(QAbstractItemView::DragOnly);
    m_gridView->setDefaultDropAction(Qt::CopyAction);
    m_gridView->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_gridView->setContextMenuPolicy(Qt::CustomContextMenu);
    m_gridDelegate = static_cast<ThumbnailDelegate*>(m_gridView->itemDelegate());
    connect(m_gridView->selectionModel(), &QItemSelectionModel::selectionChanged, this, &MainWindow::onSelectionChanged);
    connect(m_gridView->selectionModel(), &QItemSelectionModel::currentChanged, this, &MainWindow::onSelectionChanged);
    connect(m_gridView, &QWidget::customContextMenuRequested, this, &MainWindow::showGridMenu);

    m_detail = new DetailPanel(m_loader, m_splitter);
    m_detail->setLookalikeOptions(m_settings.lookalikeCount, m_settings.minimumSimilarity);
    connect(m_detail, &DetailPanel::lookalikeActivated, this, &MainWindow::selectItem);
    connect(m_detail, &DetailPanel::notSimilarRequested, this, &MainWindow::markNotSimilar);
    connect(m_detail, &DetailPanel::lookalikeOptionsChanged, this, [this] {
        m_settings.lookalikeCount = m_detail->lookalikeCount();
        m_settings.minimumSimilarity = m_detail->minimumSimilarity();
        queryLookalikes();
    });

    m_splitter->addWidget(m_sidebarView);
    m_splitter->addWidget(m_gridView);
    m_splitter->addWidget(m_detail);
    m_splitter->setStretchFactor(0, 0);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setStretchFactor(2, 0);
    m_splitter->setSizes({200, 640, 340});

    m_nameFilter = new QLineEdit(this);
    m_nameFilter->setPlaceholderText(tr("Search by name"));
    m_nameFilter->setAccessibleName(tr("Search by name"));
    m_nameFilter->setClearButtonEnabled(true);
    m_nameFilter->setMaximumWidth(260);
    auto* debounce = new QTimer(this);
    debounce->setSingleShot(true);
    debounce->setInterval(250);
    connect(m_nameFilter, &QLineEdit::textChanged, debounce, qOverload<>(&QTimer::start));
    connect(debounce, &QTimer::timeout, this, [this] { setNameFilter(m_nameFilter->text()); });

    m_sizeSlider = new QSlider(Qt::Horizontal, this);
    m_sizeSlider->setRange(AppSettings::kMinThumbnail, AppSettings::kMaxThumbnail);
    m_sizeSlider->setMaximumWidth(140);
    m_sizeSlider->setAccessibleName(tr("Thumbnail size"));
    m_sizeSlider->setToolTip(tr("Thumbnail size"));
    m_sizeSlider->setValue(m_settings.thumbnailSize);
    connect(m_sizeSlider, &QSlider::valueChanged, this, &MainWindow::setThumbnailSize);
    setThumbnailSize(m_settings.thumbnailSize);
    return m_splitter;
}

QWidget* MainWindow::buildWelcome() {
    auto* page = new QWidget(this);
    page->setObjectName(QStringLiteral("welcomePage"));
    auto* layout = new QVBoxLayout(page);
    layout->addStretch(2);
    auto* title = new QLabel(tr("Welcome to Lookalike"), page);
    QFont titleFont = title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 2.0);
    titleFont.setBold(true);
    title->setFont(titleFont);
    title->setAlignment(Qt::AlignCenter);
    // Explicit line breaks: a word-wrapped label under an alignment gets too little height.
    auto* text = new QLabel(tr("Import a folder of catalog photos. Lookalike finds each product's\n"
                               "look-alikes right away, and learns from the groups you curate.\n\n"
                               "Drop a folder anywhere on this window, or choose one:"),
                            page);
    text->setAlignment(Qt::AlignCenter);
    auto* button = new QPushButton(style()->standardIcon(QStyle::SP_DialogOpenButton), tr("Import a Catalog Folder…"), page);
    button->setDefault(true);
    connect(button, &QPushButton::clicked, this, &MainWindow::chooseImportFolder);
    layout->addWidget(title);
    layout->addSpacing(12);
    layout->addWidget(text, 0, Qt::AlignHCenter);
    layout->addSpacing(12);
    layout->addWidget(button, 0, Qt::AlignHCenter);
    layout->addStretch(3);
    return page;
}

QWidget* MainWindow::buildUnusable(const QString& message) {
    auto* label = new QLabel(tr("The library at %1 cannot be opened:\n%2\n\nChoose another location in File ▸ Settings.")
                                 .arg(QDir::toNativeSeparators(fromStd(m_options.libraryDir.string())), message),
                             this);
    label->setObjectName(QStringLiteral("unusableLibrary"));
    label->setWordWrap(true);
    label->setAlignment(Qt::AlignCenter);
    label->setMargin(40);
    return label;
}

void MainWindow::restoreWindowState() {
    QSettings store;
    if (!restoreGeometry(store.value(QStringLiteral("window/geometry")).toByteArray()))
        resize(1200, 780);
    if (m_splitter)
        m_splitter->restoreState(store.value(QStringLiteral("window/splitter")).toByteArray());
}

// ---------------------------------------------------------------------------------------
// Background jobs

void MainWindow::runJob(const QString& kind, const QString& title, JobWork work, std::function<void()> finished) {
    if (m_job) {
        showStatus(tr("Wait for the running job to finish, or cancel it."));
        return;
    }
    auto state = std::make_shared<JobState>();
    m_job = state;
    m_jobKind = kind;
    m_jobLabel->setText(title);
    m_jobProgress->setRange(0, 0);
    m_jobProgress->show();
    m_cancelButton->show();
    m_jobTimer->start();
    updatePage();
    updateActions();
    m_jobs->submit([state, work = std::move(work)](services::Library& library) { work(library, *state); })
        .then(this,
              [this, kind, finished = std::move(finished)] {
                  pollJob();
                  endJob(kind, true, {});
                  finished();
                  emit jobFinished(kind, true);
              })
        .onFailed(this, [this, kind](const Cancelled&) { endJob(kind, false, tr("Cancelled. What was already stored is kept.")); })
        .onFailed(this, [this, kind](const std::exception& error) { endJob(kind, false, fromStd(error.what())); });
}

void MainWindow::pollJob() {
    if (!m_job)
        return;
    Progress progress;
    QString phase;
    std::vector<services::TrainingStep> steps;
    {
        std::lock_guard lock(m_job->mutex);
        progress = m_job->progress;
        phase = m_job->phase;
        steps.swap(m_job->steps);
    }
    if (m_job->cancel.isCancelled())
        return;
    const QString text = describePhase(phase, progress.current);
    QString counted = progress.total > 0 ? tr("%1: %L2 of %L3").arg(text).arg(progress.done).arg(progress.total) : text;
    m_jobLabel->setText(counted);
    if (progress.total > 0) {
        m_jobProgress->setRange(0, 1000);
        m_jobProgress->setValue(static_cast<int>(1000 * std::min(progress.done, progress.total) / progress.total));
    } else {
        m_jobProgress->setRange(0, 0);
    }
    if (m_jobKind == QLatin1String("train")) {
        m_trainingDialog->addSteps(steps);
        m_trainingDialog->setPhase(text, progress.done, progress.total);
    }
}

void MainWindow::endJob(const QString& kind, bool ok, const QString& message) {
    m_job.reset();
    m_jobKind.clear();
    m_jobTimer->stop();
    m_jobProgress->hide();
    m_cancelButton->hide();
    m_jobLabel->clear();
    if (!message.isEmpty())
        showStatus(message);
    if (!ok && kind == QLatin1String("train"))
        m_trainingDialog->fail(message);
    updatePage();
    updateActions();
    if (!ok)
        emit jobFinished(kind, false);  // success is announced after the job's own follow-up
}

void MainWindow::cancelJob() {
    if (!m_job)
        return;
    m_job->cancel.cancel();
    m_jobLabel->setText(tr("Cancelling…"));
}

bool MainWindow::isBusy() const {
    return m_job != nullptr;
}

void MainWindow::updateActions() {
    const bool usable = m_reader.has_value();
    const bool idle = usable && !m_job;
    const bool selection = usable && !selectedItems().empty();
    m_importAction->setEnabled(idle);
    m_trainAction->setEnabled(idle && m_reader->itemCount() > 0);
    m_searchPhotoAction->setEnabled(usable && m_indexReady);
    m_cancelAction->setEnabled(m_job != nullptr);
    m_createGroupAction->setEnabled(selection);
    m_removeFromGroupAction->setEnabled(selection);
    m_openFolderAction->setEnabled(selection);
    m_removeFromCatalogAction->setEnabled(selection && idle);
    m_problemsAction->setEnabled(!m_problems.empty());
    if (m_problemsButton) {
        m_problemsButton->setVisible(!m_problems.empty());
        m_problemsAction->setText(m_problems.empty() ? tr("Import &Problems…")
                                                     : tr("%n Import Problem(s)…", nullptr, static_cast<int>(m_problems.size())));
    }
    if (m_modelsMenu)
        m_modelsMenu->setEnabled(idle);
}

// A window-modal message that does not block the event loop (jobs and queries go on).
void MainWindow::showError(const QString& message) {
    showStatus(message);
    auto* box = new QMessageBox(QMessageBox::Warning, tr("Lookalike"), message, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void MainWindow::showStatus(const QString& message) {
    m_status = message;
    statusBar()->showMessage(message, 10000);
}

QString MainWindow::statusText() const {
    return m_status;
}

// ---------------------------------------------------------------------------------------
// Import, search by photo, training, models

void MainWindow::chooseImportFolder() {
    QString folder = QFileDialog::getExistingDirectory(this, tr("Import a Folder of Photos"), QDir::homePath());
    if (!folder.isEmpty())
        importFolders({folder});
}

void MainWindow::importFolders(const QStringList& folders) {
    if (!m_reader || folders.isEmpty())
        return;
    std::vector<fs::path> roots;
    for (const QString& folder : folders)
        roots.push_back(toPath(folder));
    auto report = std::make_shared<services::ImportReport>();
    runJob(QStringLiteral("import"), tr("Importing…"),
           [roots, report](services::Library& library, JobState& job) {
               services::ImportOptions options;
               *report = services::importFolders(library.catalog(), roots, options, job.reporter(QStringLiteral("import")),
                                                 &job.cancel);
               if (!report->cancelled)
                   library.refresh(job.reporter({}), &job.cancel);
           },
           [this, report] {
               m_problems = report->failures;
               const auto& counts = report->counts;
               QString summary = tr("Imported %n new photo(s)", nullptr, static_cast<int>(counts.imported));
               if (counts.updated > 0)
                   summary += tr(", %n updated", nullptr, static_cast<int>(counts.updated));
               if (counts.duplicates > 0)
                   summary += tr(", %n duplicate(s) joined existing items", nullptr, static_cast<int>(counts.duplicates));
               if (counts.skipped > 0)
                   summary += tr(", %n unchanged", nullptr, static_cast<int>(counts.skipped));
               if (counts.failed > 0)
                   summary += tr(", %n could not be used (see Import Problems)", nullptr, static_cast<int>(counts.failed));
               summary += report->cancelled ? tr(". Cancelled; what was imported is kept.") : QStringLiteral(".");
               showStatus(summary);
               updateActions();
               reloadSidebar();
               reloadView();
               refreshQueryLibrary();
               if (m_options.demo && !report->cancelled && counts.imported > 0)
                   QTimer::singleShot(0, this, [this] {
                       m_automaticTraining = true;  // the demo trains by itself: nothing to compare yet
                       startTraining();
                   });
           });
}

void MainWindow::choosePhoto() {
    QString photo = QFileDialog::getOpenFileName(this, tr("Search by Photo"), QDir::homePath(),
                                                 tr("Photos (*.jpg *.jpeg *.png *.webp *.bmp *.tif *.tiff)"));
    if (!photo.isEmpty())
        searchByPhoto(photo);
}

void MainWindow::searchByPhoto(const QString& path) {
    if (!m_reader || !m_detail)
        return;
    m_gridView->clearSelection();
    m_queryPhoto = path;
    const quint64 generation = ++m_queryGeneration;
    const std::size_t k = static_cast<std::size_t>(m_detail->lookalikeCount());
    m_detail->showPhoto(path, {});
    m_detail->setLookalikeMessage(tr("Searching…"));
    struct Found {
        QImage preview;
        std::vector<services::SimilarItem> results;
    };
    m_queries
        ->submit([path, k](services::Library& library) {
            Found found;
            found.results = library.similar(toPath(path), k);
            QImageReader reader(path);
            reader.setAutoTransform(true);
            const QSize size = reader.size();
            if (size.isValid() && (size.width() > 1024 || size.height() > 1024))
                reader.setScaledSize(size.scaled(1024, 1024, Qt::KeepAspectRatio));
            found.preview = reader.read();
            return found;
        })
        .then(this,
              [this, generation, path](const Found& found) {
                  if (generation != m_queryGeneration)
                      return;
                  m_detail->showPhoto(path, found.preview);
                  m_detail->setLookalikes(rowsFor(found.results, true), tr("No look-alikes above the minimum similarity."));
                  emit lookalikesShown(0);
              })
        .onFailed(this, [this, generation](const std::exception& error) {
            if (generation != m_queryGeneration)
                return;
            m_detail->setLookalikeMessage(fromStd(error.what()));
            showStatus(fromStd(error.what()));
        });
}

void MainWindow::startTraining() {
    if (!m_reader || m_job)
        return;
    services::LibraryTrainingOptions options;
    options.epochs = m_settings.trainingEpochs;
    options.inputSize = m_settings.inputSize;
    auto report = std::make_shared<services::LibraryTrainingReport>();
    const std::int64_t groups = static_cast<std::int64_t>(m_reader->groups().size());
    m_trainingDialog->start(tr("Training on %L1 photos, %n curated group(s) and your “not similar” marks. "
                               "Look-alikes keep working meanwhile; the new model replaces the current one only "
                               "if it does at least as well.", nullptr, static_cast<int>(groups))
                                .arg(m_reader->itemCount()));
    m_trainingDialog->show();
    m_trainingDialog->raise();
    runJob(QStringLiteral("train"), tr("Training…"),
           [options, report](services::Library& library, JobState& job) mutable {
               options.onStep = [&job](const services::TrainingStep& step) {
                   std::lock_guard lock(job.mutex);
                   job.steps.push_back(step);
               };
               *report = library.train(options, job.reporter({}), &job.cancel);
           },
           [this, report] { onTrainingFinished(*report); });
}

void MainWindow::onTrainingFinished(const services::LibraryTrainingReport& report) {
    m_lastTraining = report;
    m_trainingDialog->finish(report);
    showStatus(report.activated ? tr("Training finished: the new model is in use. %1").arg(describeScores(report))
                                : tr("Training finished: the previous model stays in use. %1").arg(describeScores(report)));
    refreshQueryLibrary();
    const catalog::ItemId item = m_detail->shownItem() != 0 ? m_detail->shownItem() : m_grid->idAt(0);
    if (report.model != 0 && report.previous && item != 0 && !std::exchange(m_automaticTraining, false))
        showComparison(report, item);
}

void MainWindow::showComparison(const services::LibraryTrainingReport& report, catalog::ItemId item) {
    if (m_compareDialog)
        m_compareDialog->close();
    auto* dialog = new CompareDialog(m_loader, report.activated, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    m_compareDialog = dialog;
    std::optional<catalog::ItemSummary> summary = m_reader->item(item);
    dialog->setItem(summary ? fromStd(summary->displayName) : QString::number(item));
    const catalog::ModelId previous = *report.previous;
    const catalog::ModelId trained = report.model;
    const std::size_t k = static_cast<std::size_t>(m_detail->lookalikeCount());
    using Pair = std::pair<std::vector<services::SimilarItem>, std::vector<services::SimilarItem>>;
    m_queries
        ->submit([previous, trained, item, k](services::Library& library) {
            return Pair{library.similarUnder(previous, item, k), library.similarUnder(trained, item, k)};
        })
        .then(this,
              [this, dialog = QPointer<CompareDialog>(dialog)](const Pair& results) {
                  if (dialog)
                      dialog->setResults(rowsFor(results.first, false), rowsFor(results.second, false));
              })
        .onFailed(this, [dialog = QPointer<CompareDialog>(dialog)](const std::exception& error) {
            if (dialog)
                dialog->setMessage(fromStd(error.what()));
        });
    connect(dialog, &CompareDialog::chosen, this, [this, report](CompareDialog::Choice choice) {
        if (choice == CompareDialog::Choice::UseOther)
            useModel(report.activated ? *report.previous : report.model);
    });
    dialog->show();
}

void MainWindow::useModel(catalog::ModelId model) {
    runJob(QStringLiteral("model"), tr("Switching models…"),
           [model](services::Library& library, JobState& job) { library.useModel(model, job.reporter({}), &job.cancel); },
           [this, model] {
               showStatus(tr("Model %1 is in use.").arg(model));
               refreshQueryLibrary();
           });
}

void MainWindow::rebuildModelsMenu() {
    m_modelsMenu->clear();
    if (!m_models)
        return;
    const std::optional<catalog::ModelId> active = m_models->activeModel();
    auto* group = new QActionGroup(m_modelsMenu);
    for (const catalog::ModelRecord& model : m_models->models()) {
        const std::string_view serves = catalog::modelServes(model);
        QString kind = serves == "descriptors"         ? tr("built-in descriptors")
                       : serves == "tuned-descriptors" ? tr("descriptors tuned to your catalog")
                                                       : tr("trained network");
        const QString created = QLocale().toString(QDateTime::fromSecsSinceEpoch(model.createdAt), QLocale::ShortFormat);
        QString text = tr("Model %1: %2, %3, %4").arg(model.id).arg(kind, created,
                                                                   fromStd(std::string(catalog::modelStateName(model.state))));
        if (active && *active == model.id)
            text += tr(" (in use)");
        QAction* action = m_modelsMenu->addAction(text);
        action->setCheckable(true);
        action->setChecked(active && *active == model.id);
        action->setEnabled(model.state == catalog::ModelState::Ready && !(active && *active == model.id));
        group->addAction(action);
        const catalog::ModelId id = model.id;
        connect(action, &QAction::triggered, this, [this, id] { useModel(id); });
    }
    if (m_modelsMenu->isEmpty())
        m_modelsMenu->addAction(tr("No models yet"))->setEnabled(false);
}

std::optional<catalog::ModelId> MainWindow::activeModel() {
    return m_models ? m_models->activeModel() : std::nullopt;
}

// The query library catches up with what the job library stored (a new model, new vectors).
void MainWindow::refreshQueryLibrary() {
    m_queries->submit([](services::Library& library) { library.refresh(); })
        .then(this, [this] { queryLookalikes(); })
        .onFailed(this, [this](const std::exception& error) { showStatus(fromStd(error.what())); });
}

// ---------------------------------------------------------------------------------------
// Views

void MainWindow::showPlace(const Place& place) {
    m_place = place;
    if (m_sidebar) {
        const QModelIndex index = m_sidebar->indexOf(place);
        if (index.isValid() && m_sidebarView->currentIndex() != index)
            m_sidebarView->setCurrentIndex(index);
    }
    reloadView();
}

void MainWindow::setNameFilter(const QString& text) {
    m_filterText = text.trimmed();
    if (m_nameFilter && m_nameFilter->text().trimmed() != m_filterText)
        m_nameFilter->setText(text);
    reloadView();
}

// The welcome page while the library is empty, unless photos are being imported.
void MainWindow::updatePage() {
    if (m_welcome && m_browser)
        m_pages->setCurrentWidget(m_reader->itemCount() > 0 || m_jobKind == QLatin1String("import") ? m_browser : m_welcome);
}

void MainWindow::reloadSidebar() {
    if (!m_sidebar)
        return;
    m_sidebar->reload(*m_reader);
    m_sidebarView->expandAll();
    const QModelIndex current = m_sidebar->indexOf(m_place);
    m_sidebarView->setCurrentIndex(current.isValid() ? current : m_sidebar->indexOf({Place::Kind::All, 0, {}}));
    updatePage();
    updateActions();
}

void MainWindow::reloadView() {
    if (!m_grid)
        return;
    const quint64 generation = ++m_viewGeneration;
    const Place place = m_place;
    const QString filter = m_filterText;
    const std::vector<catalog::ItemId> selected = selectedItems();
    m_queries->submit([place, filter](services::Library& library) { return listPlace(library.catalog(), place, filter); })
        .then(this,
              [this, generation, selected](std::vector<ItemRow> rows) {
                  if (generation != m_viewGeneration)
                      return;
                  const catalog::ItemId current = m_detail->shownItem();
                  m_reloadingView = true;  // the reset clears the selection for a moment: not a user's choice
                  m_grid->setRows(std::move(rows));
                  m_countLabel->setText(tr("%Ln item(s)", nullptr, static_cast<qlonglong>(m_grid->rowCount())));
                  updatePage();
                  // Keep the selection across reloads, as far as the items are still listed.
                  QItemSelection keep;
                  for (catalog::ItemId id : selected)
                      if (int row = m_grid->rowOf(id); row >= 0)
                          keep.select(m_grid->index(row), m_grid->index(row));
                  const catalog::ItemId wanted = m_pendingSelection != 0 ? m_pendingSelection : current;
                  m_pendingSelection = 0;
                  if (int row = m_grid->rowOf(wanted); row >= 0) {
                      m_gridView->selectionModel()->setCurrentIndex(m_grid->index(row), QItemSelectionModel::NoUpdate);
                      if (keep.isEmpty())
                          keep.select(m_grid->index(row), m_grid->index(row));
                      m_gridView->scrollTo(m_grid->index(row));
                  }
                  m_gridView->selectionModel()->select(keep, QItemSelectionModel::ClearAndSelect);
                  m_reloadingView = false;
                  onSelectionChanged();
                  emit viewLoaded();
              })
        .onFailed(this, [this](const std::exception& error) { showStatus(fromStd(error.what())); });
}

std::vector<catalog::ItemId> MainWindow::selectedItems() const {
    std::vector<catalog::ItemId> ids;
    if (!m_gridView)
        return ids;
    for (const QModelIndex& index : m_gridView->selectionModel()->selectedIndexes())
        ids.push_back(m_grid->idAt(index.row()));
    std::sort(ids.begin(), ids.end());
    return ids;
}

void MainWindow::onSelectionChanged() {
    if (m_reloadingView)
        return;
    updateActions();
    const QModelIndex current = m_gridView->currentIndex();
    catalog::ItemId item = 0;
    if (current.isValid() && m_gridView->selectionModel()->isSelected(current))
        item = m_grid->idAt(current.row());
    else if (const std::vector<catalog::ItemId> selected = selectedItems(); !selected.empty())
        item = selected.front();
    if (item == 0) {
        if (m_queryPhoto.isEmpty() && m_detail->shownItem() != 0)
            m_detail->showNothing();
        return;
    }
    if (item != m_detail->shownItem() || !m_queryPhoto.isEmpty()) {
        m_queryPhoto.clear();
        showDetails(item);
    }
}

void MainWindow::selectItem(catalog::ItemId item) {
    int row = m_grid->rowOf(item);
    if (row < 0) {
        // Not in this place or name search: show it among all items.
        m_pendingSelection = item;
        if (m_nameFilter)
            m_nameFilter->clear();
        m_filterText.clear();
        showPlace({Place::Kind::All, 0, {}});
        return;
    }
    const QModelIndex index = m_grid->index(row);
    m_gridView->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect);
    m_gridView->scrollTo(index);
}

void MainWindow::showDetails(catalog::ItemId item) {
    std::optional<catalog::ItemSummary> summary = m_reader->item(item);
    if (!summary) {
        m_detail->showNothing();
        return;
    }
    ItemDetails details;
    details.id = item;
    details.name = fromStd(summary->displayName);
    details.path = fromStd(summary->sourcePath);
    details.fileMissing = !QFileInfo::exists(details.path);
    details.width = summary->width;
    details.height = summary->height;
    details.fileSize = summary->fileSize;
    if (std::optional<catalog::GroupId> group = m_reader->groupOf(item))
        if (std::optional<catalog::Group> record = m_reader->group(*group))
            details.group = fromStd(record->name);
    m_detail->showItem(details);
    queryLookalikes();
}

void MainWindow::queryLookalikes() {
    if (!m_detail)
        return;
    if (!m_queryPhoto.isEmpty()) {
        searchByPhoto(m_queryPhoto);
        return;
    }
    const catalog::ItemId item = m_detail->shownItem();
    if (item == 0)
        return;
    if (!m_indexReady) {
        m_detail->setLookalikeMessage(tr("Look-alikes appear when indexing finishes."));
        return;
    }
    const quint64 generation = ++m_queryGeneration;
    const std::size_t k = static_cast<std::size_t>(m_detail->lookalikeCount());
    m_detail->setLookalikeMessage(tr("Finding look-alikes…"));
    using Answer = std::optional<std::vector<services::SimilarItem>>;  // nullopt: not indexed yet
    m_queries
        ->submit([item, k](services::Library& library) -> Answer {
            const std::optional<catalog::ModelId> active = library.models().activeModel();
            if (!active || !library.models().embedding(*active, item))
                return std::nullopt;
            return library.similar(item, k);
        })
        .then(this,
              [this, generation, item](const Answer& answer) {
                  if (generation != m_queryGeneration)
                      return;
                  if (!answer)
                      m_detail->setLookalikeMessage(m_job ? tr("Look-alikes appear when the running job has embedded this item.")
                                                          : tr("This item has no usable photo to compare."));
                  else
                      m_detail->setLookalikes(rowsFor(*answer, true), tr("No look-alikes above the minimum similarity."));
                  emit lookalikesShown(item);
              })
        .onFailed(this, [this, generation](const std::exception& error) {
            if (generation == m_queryGeneration)
                m_detail->setLookalikeMessage(fromStd(error.what()));
        });
}

std::vector<ItemRow> MainWindow::rowsFor(const std::vector<services::SimilarItem>& results, bool filterMinimum) {
    std::vector<ItemRow> rows;
    const double minimum = filterMinimum ? m_detail->minimumSimilarity() : -1.0;
    for (const services::SimilarItem& result : results) {
        if (result.similarity < minimum)
            continue;
        std::optional<catalog::ItemSummary> summary = m_reader->item(result.item);
        if (!summary)
            continue;  // removed meanwhile
        rows.push_back({result.item, fromStd(summary->displayName), result.similarity});
    }
    return rows;
}

void MainWindow::setThumbnailSize(int size) {
    m_settings.thumbnailSize = size;
    m_gridDelegate->setThumbnailSize(size);
    m_grid->setThumbnailSize(size, devicePixelRatioF());
    const QSize tile = m_gridDelegate->sizeHint(QStyleOptionViewItem(), {});
    m_gridView->setGridSize(tile + QSize(4, 4));
    m_gridView->doItemsLayout();
}

// ---------------------------------------------------------------------------------------
// Curation

void MainWindow::runCuration(const QString& done, std::function<void(services::Library&)> change) {
    m_queries->submit([change = std::move(change)](services::Library& library) { change(library); })
        .then(this,
              [this, done] {
                  showStatus(done);
                  reloadSidebar();
                  reloadView();
                  if (m_detail->shownItem() != 0)
                      showDetails(m_detail->shownItem());
              })
        .onFailed(this, [this](const std::exception& error) { showError(fromStd(error.what())); });
}

void MainWindow::askCreateGroup() {
    if (selectedItems().empty())
        return;
    bool ok = false;
    QString name = QInputDialog::getText(this, tr("Create Group"),
                                         tr("Name for the group of %n selected item(s):", nullptr,
                                            static_cast<int>(selectedItems().size())),
                                         QLineEdit::Normal, {}, &ok)
                       .trimmed();
    if (ok && !name.isEmpty())
        createGroupFromSelection(name);
}

void MainWindow::createGroupFromSelection(const QString& name) {
    const std::vector<catalog::ItemId> items = selectedItems();
    if (items.empty() || name.trimmed().isEmpty())
        return;
    runCuration(tr("Created group %1 with %n item(s).", nullptr, static_cast<int>(items.size())).arg(name),
                [items, name = name.trimmed().toStdString()](services::Library& library) {
                    catalog::Catalog& catalog = library.catalog();
                    catalog::Transaction transaction(catalog.writer());
                    const catalog::GroupId group = catalog.createGroup(name, unixNow());
                    for (catalog::ItemId item : items)
                        catalog.addToGroup(group, item, unixNow());
                    transaction.commit();
                });
}

void MainWindow::addSelectionToGroup(catalog::GroupId group) {
    const std::vector<catalog::ItemId> items = selectedItems();
    if (items.empty())
        return;
    std::optional<catalog::Group> record = m_reader->group(group);
    runCuration(tr("Added %n item(s) to %1.", nullptr, static_cast<int>(items.size())).arg(record ? fromStd(record->name) : QString()),
                [items, group](services::Library& library) {
                    catalog::Transaction transaction(library.catalog().writer());
                    for (catalog::ItemId item : items)
                        library.catalog().addToGroup(group, item, unixNow());
                    transaction.commit();
                });
}

void MainWindow::removeSelectionFromGroup() {
    const std::vector<catalog::ItemId> items = selectedItems();
    if (items.empty())
        return;
    runCuration(tr("Removed %n item(s) from their group.", nullptr, static_cast<int>(items.size())),
                [items](services::Library& library) {
                    catalog::Catalog& catalog = library.catalog();
                    catalog::Transaction transaction(catalog.writer());
                    for (catalog::ItemId item : items)
                        if (std::optional<catalog::GroupId> group = catalog.groupOf(item))
                            catalog.removeFromGroup(*group, item);
                    transaction.commit();
                });
}

void MainWindow::markNotSimilar(catalog::ItemId lookalike) {
    const catalog::ItemId item = m_detail->shownItem();
    if (item == 0 || lookalike == item)
        return;
    runCuration(tr("Marked as not similar; the next training learns from it."), [item, lookalike](services::Library& library) {
        library.catalog().markNotSimilar(item, lookalike, unixNow());
    });
}

void MainWindow::askRemoveFromCatalog() {
    const std::vector<catalog::ItemId> items = selectedItems();
    if (items.empty())
        return;
    const auto answer = QMessageBox::question(
        this, tr("Remove from Catalog"),
        tr("Remove %n item(s) from the catalog? Their groups and marks are removed too. The photo files on disk are "
           "not touched, and importing the folder again brings them back.",
           nullptr, static_cast<int>(items.size())),
        QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
    if (answer == QMessageBox::Yes)
        removeSelectionFromCatalog();
}

void MainWindow::removeSelectionFromCatalog() {
    const std::vector<catalog::ItemId> items = selectedItems();
    if (items.empty() || m_job)
        return;
    m_detail->showNothing();
    runCuration(tr("Removed %n item(s) from the catalog.", nullptr, static_cast<int>(items.size())),
                [items](services::Library& library) {
                    for (catalog::ItemId item : items)
                        library.removeItem(item);
                });
}

void MainWindow::openContainingFolder() {
    const std::vector<catalog::ItemId> items = selectedItems();
    if (items.empty())
        return;
    if (std::optional<catalog::ItemSummary> summary = m_reader->item(items.front())) {
        const QFileInfo file(fromStd(summary->sourcePath));
        if (!file.dir().exists()) {
            showStatus(tr("The folder %1 no longer exists.").arg(QDir::toNativeSeparators(file.absolutePath())));
            return;
        }
        QDesktopServices::openUrl(QUrl::fromLocalFile(file.absolutePath()));
    }
}

void MainWindow::showGridMenu(const QPoint& position) {
    if (!m_gridView->indexAt(position).isValid())
        return;
    QMenu menu(this);
    menu.addAction(m_createGroupAction);
    QMenu* addTo = menu.addMenu(tr("&Add to Group"));
    for (const catalog::Group& group : m_reader->groups()) {
        const catalog::GroupId id = group.id;
        addTo->addAction(fromStd(group.name), this, [this, id] { addSelectionToGroup(id); });
    }
    if (addTo->isEmpty())
        addTo->addAction(tr("No groups yet"))->setEnabled(false);
    menu.addAction(m_removeFromGroupAction);
    menu.addSeparator();
    menu.addAction(m_openFolderAction);
    menu.addAction(m_removeFromCatalogAction);
    menu.exec(m_gridView->viewport()->mapToGlobal(position));
}

// ---------------------------------------------------------------------------------------
// Dialogs, drops, closing

void MainWindow::showImportProblems() {
    auto* dialog = new QDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("Import Problems"));
    dialog->resize(760, 420);
    auto* layout = new QVBoxLayout(dialog);
    auto* text = new QLabel(tr("These files were not imported. The rest of the import went on."), dialog);
    layout->addWidget(text);
    auto* model = new QStandardItemModel(0, 2, dialog);
    model->setHorizontalHeaderLabels({tr("File"), tr("Reason")});
    for (const catalog::ImportErrorRecord& problem : m_problems) {
        auto* path = new QStandardItem(QDir::toNativeSeparators(fromStd(problem.path)));
        path->setToolTip(path->text());
        model->appendRow({path, new QStandardItem(fromStd(problem.reason))});
    }
    auto* table = new QTableView(dialog);
    table->setModel(model);
    table->setAccessibleName(tr("Import problems"));
    table->horizontalHeader()->setStretchLastSection(true);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->resizeColumnToContents(0);
    layout->addWidget(table);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, dialog);
    connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::close);
    layout->addWidget(buttons);
    dialog->show();
}

void MainWindow::showSettings() {
    SettingsDialog dialog(m_settings, QDir::toNativeSeparators(fromStd(catalog::defaultLibraryDir().string())), this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    const QString before = fromStd(m_options.libraryDir.string());
    m_settings = dialog.settings();
    m_settings.save();
    if (m_sizeSlider)
        m_sizeSlider->setValue(m_settings.thumbnailSize);
    const QString wanted = m_settings.libraryDir.isEmpty() ? fromStd(catalog::defaultLibraryDir().string()) : m_settings.libraryDir;
    if (!m_options.demo && QDir::cleanPath(wanted) != QDir::cleanPath(before))
        emit libraryChangeRequested(wanted);
}

void MainWindow::showAbout() {
    QMessageBox::about(this, tr("About Lookalike"),
                       tr("<h3>Lookalike %1</h3><p>Visual product search for small shops: import your catalog photos, "
                          "see each product's look-alikes, curate groups and retrain, all on this computer.</p>"
                          "<p>Library: %2</p>")
                           .arg(QApplication::applicationVersion(),
                                QDir::toNativeSeparators(fromStd(m_options.libraryDir.string())).toHtmlEscaped()));
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (!m_reader || !event->mimeData()->hasUrls())
        return;
    for (const QUrl& url : event->mimeData()->urls())
        if (!url.isLocalFile())
            return;
    event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    QStringList folders;
    QString photo;
    for (const QUrl& url : event->mimeData()->urls()) {
        const QFileInfo file(url.toLocalFile());
        if (file.isDir())
            folders << file.absoluteFilePath();
        else if (photo.isEmpty() && file.isFile())
            photo = file.absoluteFilePath();
    }
    if (!folders.isEmpty())
        importFolders(folders);
    else if (!photo.isEmpty())
        searchByPhoto(photo);
    event->acceptProposedAction();
}

void MainWindow::closeEvent(QCloseEvent* event) {
    QSettings store;
    store.setValue(QStringLiteral("window/geometry"), saveGeometry());
    if (m_splitter)
        store.setValue(QStringLiteral("window/splitter"), m_splitter->saveState());
    if (m_reader)
        m_settings.save();
    if (m_job) {
        m_job->cancel.cancel();
        m_jobLabel->setText(tr("Stopping the running job…"));
    }
    event->accept();
}

}  // namespace lookalike::ui
