#include "ui/thumbnail_delegate.h"

#include "ui/item_list_model.h"

#include <QApplication>
#include <QListView>
#include <QPainter>
#include <QPainterPath>
#include <QPixmap>

#include <algorithm>
#include <cmath>

namespace lookalike::ui {

namespace {
constexpr int kPadding = 6;
}

ThumbnailDelegate::ThumbnailDelegate(QObject* parent) : QStyledItemDelegate(parent) {}

void ThumbnailDelegate::setThumbnailSize(int size) {
    m_thumbnailSize = size;
}

QString ThumbnailDelegate::badgeText(double similarity) {
    return QStringLiteral("%1%").arg(static_cast<int>(std::lround(std::clamp(similarity, 0.0, 1.0) * 100.0)));
}

QSize ThumbnailDelegate::sizeHint(const QStyleOptionViewItem& option, const QModelIndex&) const {
    const int textHeight = option.fontMetrics.height();
    return {m_thumbnailSize + 2 * kPadding, m_thumbnailSize + textHeight + 3 * kPadding};
}

void ThumbnailDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const {
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    const QPalette& palette = opt.palette;
    const bool selected = opt.state & QStyle::State_Selected;
    const QRect tile = opt.rect.adjusted(2, 2, -2, -2);
    if (selected) {
        painter->setPen(Qt::NoPen);
        painter->setBrush(palette.color(QPalette::Highlight));
        painter->drawRoundedRect(tile, 6, 6);
    } else if (opt.state & QStyle::State_MouseOver) {
        painter->setPen(Qt::NoPen);
        painter->setBrush(palette.color(QPalette::AlternateBase));
        painter->drawRoundedRect(tile, 6, 6);
    }

    const QRect square(opt.rect.left() + kPadding, opt.rect.top() + kPadding, m_thumbnailSize, m_thumbnailSize);
    const QPixmap pixmap = qvariant_cast<QPixmap>(index.data(Qt::DecorationRole));
    if (!pixmap.isNull()) {
        QSizeF shown = pixmap.deviceIndependentSize().scaled(QSizeF(square.size()), Qt::KeepAspectRatio);
        QRectF target(QPointF(0, 0), shown);
        target.moveCenter(QRectF(square).center());
        painter->drawPixmap(target, pixmap, QRectF(pixmap.rect()));
    } else {
        painter->setPen(Qt::NoPen);
        painter->setBrush(palette.color(QPalette::Midlight));
        painter->drawRoundedRect(square.adjusted(8, 8, -8, -8), 4, 4);
    }

    const QRect textRect(opt.rect.left() + kPadding, square.bottom() + kPadding, m_thumbnailSize, opt.fontMetrics.height());
    painter->setPen(palette.color(selected ? QPalette::HighlightedText : QPalette::Text));
    painter->setFont(opt.font);
    painter->drawText(textRect, Qt::AlignHCenter | Qt::AlignVCenter,
                      opt.fontMetrics.elidedText(index.data(Qt::DisplayRole).toString(), Qt::ElideMiddle, textRect.width()));

    const QVariant similarity = index.data(ItemListModel::SimilarityRole);
    if (similarity.isValid()) {
        const QString text = badgeText(similarity.toDouble());
        QFont badgeFont = opt.font;
        badgeFont.setBold(true);
        const QFontMetrics metrics(badgeFont);
        QRect badge(0, 0, metrics.horizontalAdvance(text) + 10, metrics.height() + 4);
        badge.moveTopRight(square.topRight() + QPoint(-2, 2));
        painter->setPen(Qt::NoPen);
        painter->setBrush(palette.color(QPalette::Highlight));
        painter->drawRoundedRect(badge, badge.height() / 2.0, badge.height() / 2.0);
        painter->setPen(palette.color(QPalette::HighlightedText));
        painter->setFont(badgeFont);
        painter->drawText(badge, Qt::AlignCenter, text);
    }
    if (opt.state & QStyle::State_HasFocus) {
        painter->setPen(QPen(palette.color(QPalette::Highlight), 1, Qt::DotLine));
        painter->setBrush(Qt::NoBrush);
        painter->drawRoundedRect(tile, 6, 6);
    }
    painter->restore();
}

QListView* makeThumbnailView(QAbstractItemModel* model, int size, const QString& accessibleName, QWidget* parent) {
    auto* view = new QListView(parent);
    view->setAccessibleName(accessibleName);
    view->setViewMode(QListView::IconMode);
    view->setResizeMode(QListView::Adjust);
    view->setMovement(QListView::Static);
    view->setUniformItemSizes(true);
    view->setWrapping(true);
    view->setMouseTracking(true);  // hover highlight
    auto* delegate = new ThumbnailDelegate(view);
    delegate->setThumbnailSize(size);
    view->setItemDelegate(delegate);
    view->setModel(model);
    return view;
}

}  // namespace lookalike::ui
