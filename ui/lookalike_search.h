#pragma once
// The look-alikes in the detail panel: those of the item it shows, or of an outside photo
// (Search by Photo), or of the region of either that the panel's photo has selected, asked of
// the query LibraryWorker so that they keep coming while a job
// runs. An answer that arrives after a newer question is dropped. GUI thread only.

#include "core/catalog/catalog.h"
#include "core/services/library.h"
#include "ui/item_list_model.h"

#include <QObject>
#include <QString>

#include <vector>

class QAction;
class QWidget;

namespace lookalike::ui {

class DetailPanel;
class JobRunner;
class LibraryWorker;

// The rows for search results, without items removed meanwhile and those below `minimum`.
std::vector<ItemRow> lookalikeRows(catalog::Catalog& reader, const std::vector<services::SimilarItem>& results,
                                   double minimum);

class LookalikeSearch : public QObject {
    Q_OBJECT

public:
    // `queries`, `reader` and `detail` are null when the library could not be opened; the
    // Search by Photo action is a child of `window`, which also parents the file dialog.
    LookalikeSearch(LibraryWorker* queries, catalog::Catalog* reader, DetailPanel* detail, const JobRunner& jobs,
                    QWidget* window);

    QAction* searchPhotoAction() const { return m_searchPhotoAction; }
    void updateActions(bool usable);

    // Look-alikes are served once the startup refresh has embedded and indexed the catalog.
    void setIndexReady() { m_indexReady = true; }
    bool isIndexReady() const { return m_indexReady; }

    // Asks again for what the panel shows: the item's look-alikes, or the photo's (of the
    // selected region, when there is one).
    void showLookalikes();
    // A new search by photo: the whole photo, its preview read again.
    void searchByPhoto(const QString& path);
    void choosePhoto();
    bool isShowingPhoto() const { return !m_photo.isEmpty(); }
    void clearPhoto() { m_photo.clear(); }

signals:
    // Before a photo is shown: the window drops the grid's selection.
    void photoSearchStarted();
    void lookalikesShown(qint64 item);  // 0 for a photo
    void statusMessage(const QString& message);

private:
    // The look-alikes of m_photo (of the panel's region, if any), with its preview until one
    // has been shown.
    void askPhotoLookalikes();

    LibraryWorker* m_queries;
    catalog::Catalog* m_reader;
    DetailPanel* m_detail;
    const JobRunner& m_jobs;
    QWidget* m_window;
    QAction* m_searchPhotoAction = nullptr;
    QString m_photo;  // the outside photo shown, when searching by photo
    bool m_photoPreviewShown = false;
    quint64 m_generation = 0;
    bool m_indexReady = false;
};

}  // namespace lookalike::ui
