#pragma once
// The right-hand panel: the selected item (or an outside photo) larger, its facts, and its
// look-alikes with similarity badges. The panel shows; the window queries.

#include "core/catalog/catalog.h"
#include "ui/item_list_model.h"

#include <QWidget>

class QLabel;
class QListView;
class QSlider;
class QSpinBox;

namespace lookalike::ui {

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

    catalog::ItemId shownItem() const { return m_item; }
    ItemListModel* lookalikeModel() const { return m_model; }
    QListView* lookalikeView() const { return m_view; }

signals:
    void lookalikeActivated(qint64 item);
    void notSimilarRequested(qint64 item);
    void lookalikeOptionsChanged();

private:
    void onThumbnailLoaded(qint64 item, int pixelSize, const QImage& image);
    void showContextMenu(const QPoint& position);
    int previewPixels() const;

    ThumbnailLoader* m_loader;
    catalog::ItemId m_item = 0;
    QLabel* m_preview = nullptr;
    QLabel* m_title = nullptr;
    QLabel* m_facts = nullptr;
    QSpinBox* m_count = nullptr;
    QSlider* m_minimum = nullptr;
    QLabel* m_minimumLabel = nullptr;
    QLabel* m_message = nullptr;
    QListView* m_view = nullptr;
    ItemListModel* m_model = nullptr;
};

}  // namespace lookalike::ui
