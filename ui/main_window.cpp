#include "ui/main_window.h"

#include "ui/curation_controller.h"
#include "ui/demo_flow.h"
#include "ui/detail_panel.h"
#include "ui/duplicates_dialog.h"
#include "ui/import_controller.h"
#include "ui/item_list_model.h"
#include "ui/job_runner.h"
#include "ui/library_worker.h"
#include "ui/lookalike_search.h"
#include "ui/thumbnail_delegate.h"
#include "ui/thumbnail_loader.h"
#include "ui/training_controller.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSlider>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QTreeView>
#include <QVBoxLayout>

#include <utility>

namespace lookalike::ui {

MainWindow::MainWindow(const Options& options, QWidget* parent)
    : QMainWindow(parent), m_options(options), m_settings(AppSettings::load()) {
    setWindowTitle(tr("Lookalike"));
    setAcceptDrops(true);
    m_pages = new QStackedWidget(this);
    setCentralWidget(m_pages);

    QString problem;
    try {
        // The CLI and a second window wait their turn: "library … is in use by lookalike (pid …)".
        try {
            m_lock.emplace(catalog::LibraryLock::acquire(m_options.location, "lookalike"));
        } catch (const LibraryInUseError& error) {
            // A library on a server is shared: while another desk changes it, this one browses
            // and searches. A folder library is one desk's; its second window waits its turn.
            if (!m_options.location.isServer())
                throw;
            m_readOnly = tr("Read-only: %1. Browsing and look-alikes work; changes wait until it is closed.")
                             .arg(QString::fromStdString(error.what()).replace(QStringLiteral("; close it first"), QString()));
        }
        m_reader.emplace(catalog::Catalog::open(m_options.location));
        m_models.emplace(*m_reader);
    } catch (const std::exception& error) {
        m_reader.reset();
        problem = QString::fromStdString(error.what());
    }
    if (m_reader) {
        services::LibraryOptions jobOptions = m_options.library;
        jobOptions.embedOnDemand = m_readOnly.isEmpty();  // a read-only desk never writes the server
        services::LibraryOptions queryOptions = m_options.library;
        queryOptions.embedOnDemand = false;
        queryOptions.threads = 1;
        m_jobWorker = std::make_unique<LibraryWorker>(m_options.location, jobOptions);
        m_queries = std::make_unique<LibraryWorker>(m_options.location, queryOptions);
        m_loader = new ThumbnailLoader(m_options.location, this);
        m_welcome = buildWelcome();
        m_browser = buildBrowser();
        m_pages->addWidget(m_welcome);
        m_pages->addWidget(m_browser);
    } else {
        m_pages->addWidget(buildUnusable(problem));
    }
    buildControllers();
    buildMenus();
    restoreWindowState();
    if (!m_reader) {
        updateActions();  // all but Settings, Quit and About stay disabled
        return;
    }
    connectControllers();
    reloadSidebar();
    showPlace({Place::Kind::All, 0, {}});
    if (!m_readOnly.isEmpty()) {
        m_curation->setReadOnly(m_readOnly);
        auto* badge = new QLabel(tr("Read-only"), this);
        badge->setObjectName(QStringLiteral("readOnlyBadge"));
        badge->setToolTip(m_readOnly);
        statusBar()->addPermanentWidget(badge);
        setWindowTitle(tr("Lookalike (read-only)"));
        showStatus(m_readOnly);
    }

    if (m_options.demo && m_reader->itemCount() == 0)
        new DemoFlow(*this, *m_import, *m_curation, *m_training, m_options.samplePhotos, m_options.sampleGroups);
    else  // the demo trains when it has curated its groups
        connect(m_import, &ImportController::imported, m_training, [this](const services::ImportReport& report) {
            if (!report.cancelled)
                m_training->fitPretrainedAfterImport(report.counts.imported);
        });
    // Embed and index whatever the catalog has without vectors (another program's import, a
    // cancelled job), then look-alikes are served.
    m_jobs->run(QStringLiteral("refresh"), tr("Updating look-alikes"),
                [](services::Library& library, JobState& job) { library.refresh(job.reporter({}), &job.cancel); },
                [this] {
                    m_lookalikes->setIndexReady();
                    updateActions();  // Search by Photo needs the index
                    refreshQueryLibrary();
                });
}

MainWindow::~MainWindow() {
    m_jobs->stop();
    // Workers wait for their running task; a cancelled job ends at its next check.
    m_jobWorker.reset();
    m_queries.reset();
}

// ---------------------------------------------------------------------------------------
// Building the window

// The controllers own the actions and the work behind them; the window shows their status
// messages and reloads its views after their changes. Without a library they are built all
// the same (with null views), so that the menus look as always, disabled.
void MainWindow::buildControllers() {
    catalog::Catalog* reader = m_reader ? &*m_reader : nullptr;
    m_jobs = new JobRunner(m_jobWorker.get(), this);
    m_import = new ImportController(*m_jobs, reader, this);
    m_lookalikes = new LookalikeSearch(m_queries.get(), reader, m_detail, *m_jobs, this);
    m_training = new TrainingController(*m_jobs, m_queries.get(), reader, m_models ? &*m_models : nullptr, m_settings,
                                        m_loader, m_detail, m_grid, this);
    m_curation = new CurationController(*m_jobs, m_queries.get(), reader, m_gridView, m_grid, m_sidebarView, m_detail, this);
    addActions(m_curation->actions());
    m_products = new ProductController(*m_jobs, reader, this);
    addAction(m_jobs->cancelAction());

    connect(m_jobs, &JobRunner::statusMessage, this, &MainWindow::showStatus);
    connect(m_import, &ImportController::statusMessage, this, &MainWindow::showStatus);
    connect(m_lookalikes, &LookalikeSearch::statusMessage, this, &MainWindow::showStatus);
    connect(m_training, &TrainingController::statusMessage, this, &MainWindow::showStatus);
    connect(m_curation, &CurationController::statusMessage, this, &MainWindow::showStatus);
    connect(m_jobs, &JobRunner::busyChanged, this, [this] {
        updatePage();
        updateActions();
    });
    connect(m_jobs, &JobRunner::jobFinished, this, &MainWindow::jobFinished);
    connect(m_import, &ImportController::imported, this, &MainWindow::onImported);
    connect(m_lookalikes, &LookalikeSearch::lookalikesShown, this, &MainWindow::lookalikesShown);
    connect(m_training, &TrainingController::modelsChanged, this, &MainWindow::refreshQueryLibrary);
    connect(m_curation, &CurationController::changed, this, &MainWindow::onCurated);
    connect(m_curation, &CurationController::failed, this, &MainWindow::showError);
    connect(m_products, &ProductController::imported, this, &MainWindow::onCurated);
    connect(m_products, &ProductController::failed, this, &MainWindow::showError);
    connect(m_products, &ProductController::statusMessage, this, &MainWindow::showStatus);
    connect(m_jobs, &JobRunner::jobFailed, this, [this](const QString& kind, const QString& message, bool cancelled) {
        // The file was not written, or the data not stored: say so louder than the status bar
        // (a cancel the owner asked for is said there).
        const bool fileJob = kind == QLatin1String("export") || kind == QLatin1String("products") ||
                             kind == QLatin1String("groups");
        if (fileJob && !cancelled && !message.isEmpty())
            showError(message);
    });
}

// What the views ask of the controllers.
void MainWindow::connectControllers() {
    connect(m_lookalikes, &LookalikeSearch::photoSearchStarted, m_gridView, &QAbstractItemView::clearSelection);
    connect(m_import, &ImportController::photoDropped, m_lookalikes, &LookalikeSearch::searchByPhoto);
    connect(m_sidebar, &SidebarModel::itemsDropped, m_curation, [this](qint64 group, const std::vector<qint64>& items) {
        m_curation->addToGroup(group, std::vector<catalog::ItemId>(items.begin(), items.end()));
    });
    connect(m_sidebarView, &QWidget::customContextMenuRequested, m_curation, &CurationController::showGroupMenu);
    connect(m_gridView, &QWidget::customContextMenuRequested, m_curation, &CurationController::showItemMenu);
    connect(m_detail, &DetailPanel::notSimilarRequested, m_curation, &CurationController::markNotSimilar);
    connect(m_detail, &DetailPanel::regionChanged, m_lookalikes, &LookalikeSearch::showLookalikes);
    connect(m_detail, &DetailPanel::lookalikeOptionsChanged, this, [this] {
        m_settings.lookalikeCount = m_detail->lookalikeCount();
        m_settings.minimumSimilarity = m_detail->minimumSimilarity();
        m_lookalikes->showLookalikes();
    });
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_import->importAction());
    file->addAction(m_lookalikes->searchPhotoAction());
    file->addAction(m_curation->importGroupsAction());
    file->addAction(m_products->importAction());
    file->addAction(m_products->exportAction());
    file->addSeparator();
    file->addAction(tr("&Settings…"), this, &MainWindow::showSettings)->setMenuRole(QAction::PreferencesRole);
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);
    quit->setMenuRole(QAction::QuitRole);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    edit->addAction(m_curation->createGroupAction());
    edit->addAction(m_curation->removeFromGroupAction());
    edit->addSeparator();
    edit->addAction(m_curation->openFolderAction());
    edit->addAction(m_curation->removeFromCatalogAction());

    QMenu* library = menuBar()->addMenu(tr("&Library"));
    library->addAction(m_training->trainAction());
    library->addAction(m_jobs->cancelAction());
    library->addMenu(m_training->modelsMenu());
    library->addSeparator();
    library->addAction(m_import->problemsAction());
    // A modeless dialog of its own, searching on the query library: jobs and look-alikes go on.
    QAction* duplicates = library->addAction(tr("Find &Near-Duplicates…"), this, [this] {
        auto* dialog = new DuplicatesDialog(m_queries.get(), this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        connect(dialog, &DuplicatesDialog::itemActivated, this, [this](qint64 item) { selectItem(item); });
        dialog->show();
        dialog->find();
    });
    duplicates->setObjectName(QStringLiteral("findNearDuplicates"));
    duplicates->setEnabled(m_queries != nullptr);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Lookalike"), this, &MainWindow::showAbout)->setMenuRole(QAction::AboutRole);

    QToolBar* toolbar = addToolBar(tr("Main"));
    toolbar->setObjectName(QStringLiteral("mainToolbar"));
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->setMovable(false);
    toolbar->addAction(m_import->importAction());
    toolbar->addAction(m_lookalikes->searchPhotoAction());
    toolbar->addAction(m_training->trainAction());
    if (m_nameFilter) {
        auto* spacer = new QWidget(toolbar);
        spacer->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
        toolbar->addWidget(spacer);
        toolbar->addWidget(m_nameFilter);
    }

    m_countLabel = new QLabel(this);
    m_jobs->addToStatusBar(statusBar());
    statusBar()->addPermanentWidget(m_import->problemsButton());
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

    m_detail = new DetailPanel(m_loader, m_splitter);
    m_detail->setLookalikeOptions(m_settings.lookalikeCount, m_settings.minimumSimilarity);
    connect(m_detail, &DetailPanel::lookalikeActivated, this, &MainWindow::selectItem);

    m_splitter->addWidget(m_sidebarView);
    m_splitter->addWidget(m_gridView);
    m_splitter->addWidget(m_detail);
    m_splitter->setStretchFactor(0, 0);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setStretchFactor(2, 0);
    m_splitter->setSizes({200, 640, 340});

    m_nameFilter = new QLineEdit(this);
    m_nameFilter->setPlaceholderText(tr("Search by name or SKU"));
    m_nameFilter->setAccessibleName(tr("Search by name or SKU"));
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
    connect(button, &QPushButton::clicked, this, [this] { m_import->chooseFolder(); });
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
                                 .arg(QDir::toNativeSeparators(QString::fromStdString(m_options.location.display())), message),
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
// Actions, status

void MainWindow::updateActions() {
    const bool usable = m_reader.has_value();
    const bool idle = usable && !m_jobs->isBusy() && m_readOnly.isEmpty();
    m_import->updateActions(idle);
    m_lookalikes->updateActions(usable);
    m_training->updateActions(idle);
    m_curation->updateActions(idle);
    m_products->updateActions(idle, usable && m_readOnly.isEmpty());
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

std::optional<catalog::ModelId> MainWindow::activeModel() {
    return m_models ? m_models->activeModel() : std::nullopt;
}

// ---------------------------------------------------------------------------------------
// After the controllers' work

void MainWindow::onImported() {
    updateActions();
    reloadSidebar();
    reloadView();
    refreshQueryLibrary();
}

void MainWindow::onCurated(const QString& done) {
    showStatus(done);
    reloadSidebar();
    reloadView();
    if (m_detail->shownItem() != 0)
        showDetails(m_detail->shownItem());
}

// The query library catches up with what the job library stored (a new model, new vectors).
void MainWindow::refreshQueryLibrary() {
    m_queries->submit([](services::Library& library) { library.refresh(); })
        .then(this, [this] { m_lookalikes->showLookalikes(); })
        .onFailed(this, [this](const std::exception& error) { showStatus(QString::fromStdString(error.what())); });
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
        m_pages->setCurrentWidget(m_reader->itemCount() > 0 || m_jobs->kind() == QLatin1String("import") ? m_browser : m_welcome);
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
        .onFailed(this, [this](const std::exception& error) { showStatus(QString::fromStdString(error.what())); });
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
        if (!m_lookalikes->isShowingPhoto() && m_detail->shownItem() != 0)
            m_detail->showNothing();
        return;
    }
    if (item != m_detail->shownItem() || m_lookalikes->isShowingPhoto()) {
        m_lookalikes->clearPhoto();
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
    details.name = QString::fromStdString(summary->displayName);
    details.path = QString::fromStdString(summary->sourcePath);
    details.fileMissing = !QFileInfo::exists(details.path);
    details.width = summary->width;
    details.height = summary->height;
    details.fileSize = summary->fileSize;
    if (std::optional<catalog::GroupId> group = m_reader->groupOf(item))
        if (std::optional<catalog::Group> record = m_reader->group(*group))
            details.group = QString::fromStdString(record->name);
    if ((details.product = m_reader->productOf(item))) {
        const std::vector<catalog::ItemId> photos = m_reader->productPhotos(details.product->id);
        details.productPhotos = static_cast<int>(photos.size());
        details.productPhoto = static_cast<int>(std::find(photos.begin(), photos.end(), item) - photos.begin()) + 1;
    }
    m_detail->showItem(details);
    m_lookalikes->showLookalikes();
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
// Dialogs, drops, closing

void MainWindow::showSettings() {
    SettingsDialog dialog(m_settings, QDir::toNativeSeparators(QString::fromStdString(catalog::defaultLibraryDir().string())), this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    const QString before = QString::fromStdString(m_options.location.withoutPassword());
    m_settings = dialog.settings();
    m_settings.save();
    if (m_sizeSlider)
        m_sizeSlider->setValue(m_settings.thumbnailSize);
    const QString wanted = m_settings.libraryDir.isEmpty() ? QString::fromStdString(catalog::defaultLibraryDir().string()) : m_settings.libraryDir;
    const bool server = catalog::LibraryLocation::looksLikeServer(wanted.toStdString());
    if (!m_options.demo && (server ? wanted != before : QDir::cleanPath(wanted) != QDir::cleanPath(before)))
        emit libraryChangeRequested(wanted);
}

void MainWindow::showAbout() {
    QMessageBox::about(this, tr("About Lookalike"),
                       tr("<h3>Lookalike %1</h3><p>Visual product search for small shops: import your catalog photos, "
                          "see each product's look-alikes, curate groups and retrain, all on this computer.</p>"
                          "<p>Library: %2</p>")
                           .arg(QApplication::applicationVersion(),
                                QDir::toNativeSeparators(QString::fromStdString(m_options.location.display())).toHtmlEscaped()));
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (m_readOnly.isEmpty() && m_import->acceptsDrop(event->mimeData()))
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    m_import->drop(event->mimeData());
    event->acceptProposedAction();
}

void MainWindow::closeEvent(QCloseEvent* event) {
    QSettings store;
    store.setValue(QStringLiteral("window/geometry"), saveGeometry());
    if (m_splitter)
        store.setValue(QStringLiteral("window/splitter"), m_splitter->saveState());
    if (m_reader)
        m_settings.save();
    m_jobs->stop();
    event->accept();
}

}  // namespace lookalike::ui
