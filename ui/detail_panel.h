#pragma once
// The right-hand panel: the selected item (or an outside photo) larger, its facts, and its
// look-alikes with similarity badges. A rectangle dragged on the photo asks for the look-alikes
// of that region only (regionChanged); another item or photo clears it. The panel shows; the
// window queries.

#include "core/catalog/catalog.h"
#include "core/imaging/photo_region.h"
#include "ui/item_list_model.h"

#include <QWidget>

#include <optional>

class QCheckBox;
class QLabel;
class QListView;
class QPushButton;
class QSlider;
class QSpinBox;

namespace lookalike::ui {

class PhotoPreview;
class ThumbnailLoader;

struct ItemDetails {
    catalog::ItemId id = 0;
    QString name;
    QString path;
    bool fileMissing = false;
    int width = 0;
    int height = 0;
    qint64 fileSize = 0;
    QString group;  // empty when ungrouped
    std::optional<catalog::Product> product;
    int productPhotos = 0;  // photos of that product
    int productPhoto = 0;   // which of them this is, from 1
};

class DetailPanel : public QWidget {
    Q_OBJECT

public:
    DetailPanel(ThumbnailLoader* loader, QWidget* parent = nullptr);

    void showItem(const ItemDetails& details);
    void showPhoto(const QString& path, const QImage& image);
    void showNothing();

    // Look-alikes already filtered and ranked; `message` replaces an empty list's hint.
    void setLookalikes(std::vector<ItemRow> rows, const QString& message = {});
    void setLookalikeMessage(const QString& message);
    int lookalikeCount() const;
    double minimumSimilarity() const;  // cosine in [0, 1]
    void setLookalikeOptions(int count, double minimumSimilarity);
    // Every photo of a product in the look-alikes, not just its best one (off by default).
    bool everyPhoto() const;

    // The part of the photo whose look-alikes are asked for; nullopt: the whole photo.
    const std::optional<imaging::PhotoRegion>& region() const;
    void clearRegion();  // without regionChanged()
    PhotoPreview* preview() const { return m_preview; }

    catalog::ItemId shownItem() const { return m_item; }
    ItemListModel* lookalikeModel() const { return m_model; }
    QListView* lookalikeView() const { return m_view; }

signals:
    void lookalikeActivated(qint64 item);
    void notSimilarRequested(qint64 item);
    void lookalikeOptionsChanged();
    void regionChanged();  // the user chose a region of the photo, or the whole photo again

private:
    void onThumbnailLoaded(qint64 item, int pixelSize, const QImage& image);
    void showProduct(const ItemDetails& details);
    void showContextMenu(const QPoint& position);
    int previewPixels() const;
    void showRegionState();

    ThumbnailLoader* m_loader;
    catalog::ItemId m_item = 0;
    QString m_photoPath;  // the outside photo shown, if any
    PhotoPreview* m_preview = nullptr;
    QPushButton* m_wholePhoto = nullptr;
    QLabel* m_heading = nullptr;
    QLabel* m_title = nullptr;
    QLabel* m_facts = nullptr;
    QLabel* m_product = nullptr;  // name, SKU, price and a link to the shop's page
    QSpinBox* m_count = nullptr;
    QSlider* m_minimum = nullptr;
    QCheckBox* m_everyPhoto = nullptr;
    QLabel* m_minimumLabel = nullptr;
    QLabel* m_message = nullptr;
    QListView* m_view = nullptr;
    ItemListModel* m_model = nullptr;
};

}  // namespace lookalike::ui
