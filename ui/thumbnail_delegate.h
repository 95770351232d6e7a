#pragma once
// Paints an item as a thumbnail tile: the photo centred in a square, its name below, and for
// look-alikes a similarity badge. Colours come from the palette, so light and dark themes work.

#include <QStyledItemDelegate>

class QAbstractItemModel;
class QListView;

namespace lookalike::ui {

class ThumbnailDelegate : public QStyledItemDelegate {
    Q_OBJECT

public:
    explicit ThumbnailDelegate(QObject* parent = nullptr);

    void setThumbnailSize(int size);
    int thumbnailSize() const { return m_thumbnailSize; }

    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;

    // The badge text for a cosine similarity, e.g. "87%" (negative values show as 0%).
    static QString badgeText(double similarity);

private:
    int m_thumbnailSize = 128;
};

// A wrapping icon-mode list of thumbnail tiles painted by a ThumbnailDelegate of `size`: the
// grid, the look-alikes and the comparison use the same one.
QListView* makeThumbnailView(QAbstractItemModel* model, int size, const QString& accessibleName, QWidget* parent);

}  // namespace lookalike::ui
