#include "ui/duplicates_dialog.h"

#include "ui/job_runner.h"
#include "ui/library_worker.h"

#include "core/services/library.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QImage>
#include <QLabel>
#include <QPixmap>
#include <QProgressBar>
#include <QPushButton>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <unordered_map>

namespace lookalike::ui {

using catalog::ItemId;
using services::DuplicateMethod;

namespace {

constexpr int kIconSide = 96;
// Thumbnails decoded for the view at most: a library full of duplicates must not fill memory.
constexpr std::size_t kMaxThumbnails = 2000;
constexpr int kItemRole = Qt::UserRole + 1;

bool isCosine(DuplicateMethod method) {
    return method == DuplicateMethod::Embedding || method == DuplicateMethod::Combined;
}

}  // namespace

// What the worker hands back: the report, and per clustered item its name and thumbnail
// (decoded there, so the GUI thread only turns it into a pixmap).
struct DuplicatesDialog::Found {
    services::NearDuplicateReport report;
    std::unordered_map<ItemId, QString> paths;
    std::unordered_map<ItemId, QImage> thumbnails;
};

DuplicatesDialog::DuplicatesDialog(LibraryWorker* worker, QWidget* parent) : QDialog(parent), m_worker(worker) {
    setWindowTitle(tr("Near-Duplicates"));
    m_method = new QComboBox(this);
    m_method->addItem(tr("Look and fingerprint (recommended)"), static_cast<int>(DuplicateMethod::Combined));
    m_method->addItem(tr("Fingerprint (pHash)"), static_cast<int>(DuplicateMethod::DctHash));
    m_method->addItem(tr("Fingerprint (dHash)"), static_cast<int>(DuplicateMethod::DifferenceHash));
    m_method->addItem(tr("Look (the active model)"), static_cast<int>(DuplicateMethod::Embedding));
    m_threshold = new QDoubleSpinBox(this);
    m_threshold->setToolTip(tr("The least similarity two photos must have to count as near-duplicates (1: identical)."));
    m_findButton = new QPushButton(tr("&Find"), this);
    m_cancelButton = new QPushButton(tr("&Cancel"), this);
    m_cancelButton->setEnabled(false);
    auto* close = new QPushButton(tr("Close"), this);
    m_progress = new QProgressBar(this);
    m_progress->setVisible(false);
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    m_clusters = new QTreeWidget(this);
    m_clusters->setHeaderLabels({tr("Photo"), tr("Item"), tr("Path")});
    m_clusters->setIconSize(QSize(kIconSide, kIconSide));
    m_clusters->setUniformRowHeights(false);
    m_clusters->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);

    auto* form = new QFormLayout;
    form->addRow(tr("&Method:"), m_method);
    form->addRow(tr("&Threshold:"), m_threshold);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_findButton);
    buttons->addWidget(m_cancelButton);
    buttons->addStretch();
    buttons->addWidget(close);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_progress);
    layout->addWidget(m_status);
    layout->addWidget(m_clusters, 1);
    layout->addLayout(buttons);
    resize(720, 560);

    m_timer = new QTimer(this);
    m_timer->setInterval(100);
    connect(m_timer, &QTimer::timeout, this, &DuplicatesDialog::poll);
    connect(m_method, &QComboBox::currentIndexChanged, this, &DuplicatesDialog::onMethodChanged);
    connect(m_findButton, &QPushButton::clicked, this, &DuplicatesDialog::find);
    connect(m_cancelButton, &QPushButton::clicked, this, &DuplicatesDialog::cancel);
    connect(close, &QPushButton::clicked, this, &QDialog::reject);
    connect(m_clusters, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem* row) {
        if (const QVariant item = row->data(0, kItemRole); item.isValid())
            emit itemActivated(item.toLongLong());
    });
    onMethodChanged();
    if (!m_worker) {
        m_findButton->setEnabled(false);
        m_status->setText(tr("No library is open."));
    }
}

DuplicatesDialog::~DuplicatesDialog() {
    if (m_job)
        m_job->cancel.cancel();
}

void DuplicatesDialog::onMethodChanged() {
    const auto method = static_cast<DuplicateMethod>(m_method->currentData().toInt());
    // Hash scores move in steps of one bit of 64 (1/64 = 0.015625): four decimals show them exactly.
    m_threshold->setDecimals(isCosine(method) ? 3 : 4);
    m_threshold->setSingleStep(isCosine(method) ? 0.005 : 1.0 / 64.0);
    m_threshold->setRange(isCosine(method) ? -1.0 : 0.0, 1.0);
    m_threshold->setValue(services::defaultDuplicateThreshold(method));
}

QString DuplicatesDialog::statusText() const {
    return m_status->text();
}

void DuplicatesDialog::find() {
    if (!m_worker)
        return;
    if (m_job)
        m_job->cancel.cancel();
    auto job = std::make_shared<JobState>();
    m_job = job;
    const quint64 generation = ++m_generation;
    services::NearDuplicateOptions options;
    options.method = static_cast<DuplicateMethod>(m_method->currentData().toInt());
    options.threshold = m_threshold->value();
    m_findButton->setEnabled(false);
    m_cancelButton->setEnabled(true);
    m_progress->setRange(0, 0);
    m_progress->setVisible(true);
    m_status->setText(tr("Looking for near-duplicates…"));
    m_timer->start();
    m_worker
        ->submit([job, options](services::Library& library) {
            Found found;
            found.report = services::findNearDuplicates(library, options, job->reporter({}), &job->cancel);
            for (const std::vector<ItemId>& cluster : found.report.clusters)
                for (ItemId item : cluster) {
                    if (const std::optional<catalog::ItemSummary> summary = library.catalog().item(item))
                        found.paths.emplace(item, QString::fromStdString(summary->sourcePath));
                    if (found.thumbnails.size() >= kMaxThumbnails)
                        continue;
                    if (const std::optional<catalog::Thumbnail> thumbnail = library.catalog().thumbnail(item)) {
                        QImage image;
                        image.loadFromData(thumbnail->jpeg.data(), static_cast<int>(thumbnail->jpeg.size()), "JPEG");
                        found.thumbnails.emplace(item, image.scaled(kIconSide, kIconSide, Qt::KeepAspectRatio,
                                                                    Qt::SmoothTransformation));
                    }
                }
            return found;
        })
        .then(this,
              [this, generation](const Found& found) {
                  if (generation != m_generation)
                      return;
                  showFound(found);
                  ended(tr("%n pair(s) of near-duplicates", nullptr, static_cast<int>(found.report.pairs.size())) +
                            tr(" in %n cluster(s)", nullptr, static_cast<int>(found.report.clusters.size())) +
                            tr(" among %Ln photo(s).", nullptr, static_cast<int>(found.report.items)),
                        true);
              })
        .onFailed(this,
                  [this, generation](const Cancelled&) {
                      if (generation == m_generation)
                          ended(tr("Cancelled."), false);
                  })
        .onFailed(this, [this, generation](const std::exception& error) {
            if (generation == m_generation)
                ended(QString::fromStdString(error.what()), false);
        });
}

void DuplicatesDialog::cancel() {
    if (m_job) {
        m_job->cancel.cancel();
        m_status->setText(tr("Cancelling…"));
    }
}

void DuplicatesDialog::poll() {
    if (!m_job)
        return;
    const Progress progress = m_job->latestProgress();
    showProgress(*m_progress, progress);
    if (!progress.current.empty() && !m_job->cancel.isCancelled())
        m_status->setText(progress.current == "thumbnails" ? tr("Reading thumbnails…")
                          : progress.current == "comparing" ? tr("Comparing photos…")
                                                            : tr("Updating look-alikes…"));
}

void DuplicatesDialog::ended(const QString& message, bool ok) {
    m_job.reset();
    m_timer->stop();
    m_progress->setVisible(false);
    m_findButton->setEnabled(m_worker != nullptr);
    m_cancelButton->setEnabled(false);
    m_status->setText(message);
    emit searchFinished(ok);
}

void DuplicatesDialog::showFound(const Found& found) {
    m_report = found.report;
    m_clusters->clear();
    // The best score inside each cluster, for its heading.
    std::unordered_map<ItemId, double> best;
    for (const services::DuplicatePair& pair : m_report.pairs)
        for (ItemId item : {pair.first, pair.second})
            best[item] = std::max(best.contains(item) ? best[item] : -1.0, pair.score);
    for (std::size_t i = 0; i < m_report.clusters.size(); ++i) {
        const std::vector<ItemId>& cluster = m_report.clusters[i];
        auto* heading = new QTreeWidgetItem(m_clusters);
        heading->setText(0, tr("Cluster %1: %n photo(s)", nullptr, static_cast<int>(cluster.size())).arg(i + 1));
        heading->setFirstColumnSpanned(true);
        for (ItemId item : cluster) {
            auto* row = new QTreeWidgetItem(heading);
            const auto path = found.paths.find(item);
            const QString fullPath = path == found.paths.end() ? QString() : path->second;
            row->setText(0, QFileInfo(fullPath).fileName());
            row->setText(1, QString::number(item));
            row->setText(2, fullPath);
            row->setToolTip(0, fullPath);
            row->setData(0, kItemRole, QVariant::fromValue<qint64>(item));
            if (const auto thumbnail = found.thumbnails.find(item); thumbnail != found.thumbnails.end())
                row->setIcon(0, QIcon(QPixmap::fromImage(thumbnail->second)));
        }
        heading->setExpanded(true);
    }
}

}  // namespace lookalike::ui
