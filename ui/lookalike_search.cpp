#include "ui/lookalike_search.h"

#include "ui/detail_panel.h"
#include "ui/job_runner.h"
#include "ui/library_worker.h"
#include "ui/make_action.h"

#include <QAction>
#include <QDir>
#include <QFileDialog>
#include <QImageReader>
#include <QStyle>
#include <QWidget>

#include <filesystem>
#include <optional>

namespace lookalike::ui {

std::vector<ItemRow> lookalikeRows(catalog::Catalog& reader, const std::vector<services::SimilarItem>& results,
                                   double minimum) {
    std::vector<ItemRow> rows;
    for (const services::SimilarItem& result : results) {
        if (result.similarity < minimum)
            continue;
        std::optional<catalog::ItemSummary> summary = reader.item(result.item);
        if (!summary)
            continue;  // removed meanwhile
        const std::optional<catalog::Product> product = reader.productOf(result.item);
        rows.push_back({result.item, QString::fromStdString(summary->displayName), result.similarity,
                        product ? productSummary(*product) : QString()});
    }
    return rows;
}

LookalikeSearch::LookalikeSearch(LibraryWorker* queries, catalog::Catalog* reader, DetailPanel* detail,
                                 const JobRunner& jobs, QWidget* window)
    : QObject(window), m_queries(queries), m_reader(reader), m_detail(detail), m_jobs(jobs), m_window(window) {
    m_searchPhotoAction = makeAction(window, QStyle::SP_FileDialogContentsView, tr("&Search by Photo…"),
                                     QKeySequence(tr("Ctrl+Shift+F")),
                                     tr("Find the catalog items that look like a photo from elsewhere"));
    connect(m_searchPhotoAction, &QAction::triggered, this, &LookalikeSearch::choosePhoto);
}

void LookalikeSearch::updateActions(bool usable) {
    m_searchPhotoAction->setEnabled(usable && m_indexReady);
}

void LookalikeSearch::showLookalikes() {
    if (!m_detail)
        return;
    if (!m_photo.isEmpty()) {
        askPhotoLookalikes();
        return;
    }
    const catalog::ItemId item = m_detail->shownItem();
    if (item == 0)
        return;
    if (!m_indexReady) {
        m_detail->setLookalikeMessage(tr("Look-alikes appear when indexing finishes."));
        return;
    }
    const quint64 generation = ++m_generation;
    const std::size_t k = static_cast<std::size_t>(m_detail->lookalikeCount());
    services::SimilarFilter filter;
    filter.eachProductOnce = !m_detail->everyPhoto();
    const std::optional<services::PhotoRegion> region = m_detail->region();
    m_detail->setLookalikeMessage(region ? tr("Finding look-alikes of the region…") : tr("Finding look-alikes…"));
    using Answer = std::optional<std::vector<services::SimilarItem>>;  // nullopt: not indexed yet
    m_queries
        ->submit([item, k, filter, region](services::Library& library) -> Answer {
            if (region)  // from the photo file, not the item's stored vector
                return library.similarToRegion(item, *region, k, filter);
            const std::optional<catalog::ModelId> active = library.models().activeModel();
            if (!active || !library.models().embedding(*active, item))
                return std::nullopt;
            return library.similar(item, k, filter);
        })
        .then(this,
              [this, generation, item](const Answer& answer) {
                  if (generation != m_generation)
                      return;
                  if (!answer)
                      m_detail->setLookalikeMessage(m_jobs.isBusy()
                                                        ? tr("Look-alikes appear when the running job has embedded this item.")
                                                        : tr("This item has no usable photo to compare."));
                  else
                      m_detail->setLookalikes(lookalikeRows(*m_reader, *answer, m_detail->minimumSimilarity()),
                                              tr("No look-alikes above the minimum similarity."));
                  emit lookalikesShown(item);
              })
        .onFailed(this, [this, generation](const std::exception& error) {
            if (generation == m_generation)
                m_detail->setLookalikeMessage(QString::fromStdString(error.what()));
        });
}

void LookalikeSearch::choosePhoto() {
    QString photo = QFileDialog::getOpenFileName(m_window, tr("Search by Photo"), QDir::homePath(),
                                                 tr("Photos (*.jpg *.jpeg *.png *.webp *.bmp *.tif *.tiff)"));
    if (!photo.isEmpty())
        searchByPhoto(photo);
}

void LookalikeSearch::searchByPhoto(const QString& path) {
    if (!m_reader || !m_detail)
        return;
    emit photoSearchStarted();
    m_photo = path;
    m_photoPreviewShown = false;
    m_detail->clearRegion();
    m_detail->showPhoto(path, {});
    askPhotoLookalikes();
}

void LookalikeSearch::askPhotoLookalikes() {
    const QString path = m_photo;
    const bool loadPreview = !m_photoPreviewShown;
    const quint64 generation = ++m_generation;
    const std::size_t k = static_cast<std::size_t>(m_detail->lookalikeCount());
    services::SimilarFilter filter;
    filter.eachProductOnce = !m_detail->everyPhoto();
    const std::optional<services::PhotoRegion> region = m_detail->region();
    m_detail->setLookalikeMessage(tr("Searching…"));
    struct Found {
        QImage preview;
        std::vector<services::SimilarItem> results;
    };
    m_queries
        ->submit([path, k, filter, region, loadPreview](services::Library& library) {
            Found found;
            const std::filesystem::path photo(path.toStdString());
            found.results = region ? library.similarToRegion(photo, *region, k, filter) : library.similar(photo, k, filter);
            if (!loadPreview)
                return found;
            QImageReader reader(path);
            reader.setAutoTransform(true);  // upright, as the regions are
            const QSize size = reader.size();
            if (size.isValid() && (size.width() > 1024 || size.height() > 1024))
                reader.setScaledSize(size.scaled(1024, 1024, Qt::KeepAspectRatio));
            found.preview = reader.read();
            return found;
        })
        .then(this,
              [this, generation, path, loadPreview](const Found& found) {
                  if (generation != m_generation)
                      return;
                  if (loadPreview) {
                      m_detail->showPhoto(path, found.preview);
                      m_photoPreviewShown = true;
                  }
                  m_detail->setLookalikes(lookalikeRows(*m_reader, found.results, m_detail->minimumSimilarity()),
                                          tr("No look-alikes above the minimum similarity."));
                  emit lookalikesShown(0);
              })
        .onFailed(this, [this, generation](const std::exception& error) {
            if (generation != m_generation)
                return;
            m_detail->setLookalikeMessage(QString::fromStdString(error.what()));
            emit statusMessage(QString::fromStdString(error.what()));
        });
}

}  // namespace lookalike::ui
