#include "ui/photo_preview.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QStyle>

#include <algorithm>

namespace lookalike::ui {

PhotoPreview::PhotoPreview(QWidget* parent) : QLabel(parent) {
    setAlignment(Qt::AlignCenter);
    setFocusPolicy(Qt::ClickFocus);  // for Esc after a drag
    setCursor(Qt::CrossCursor);
    setToolTip(tr("Drag on the photo to search a region; click or press Esc for the whole photo"));
}

void PhotoPreview::clearRegion() {
    m_dragStart.reset();
    if (m_region) {
        m_region.reset();
        update();
    }
}

QRectF PhotoPreview::photoRect() const {
    const QPixmap shown = pixmap();
    if (shown.isNull())
        return {};
    const QSizeF size = shown.deviceIndependentSize();
    const QRectF area = contentsRect();
    // QLabel draws it centred (setAlignment above).
    return {area.center().x() - size.width() / 2, area.center().y() - size.height() / 2, size.width(), size.height()};
}

QRectF PhotoPreview::dragRect() const {
    const QRectF photo = photoRect();
    if (!m_dragStart || photo.isEmpty())
        return {};
    return QRectF(*m_dragStart, m_dragEnd).normalized().intersected(photo);
}

void PhotoPreview::userClears() {
    if (!m_region)
        return;
    clearRegion();
    emit regionChanged();
}

void PhotoPreview::mousePressEvent(QMouseEvent* event) {
    if (event->button() != Qt::LeftButton || !photoRect().contains(event->position())) {
        QLabel::mousePressEvent(event);
        return;
    }
    m_dragStart = event->position();
    m_dragEnd = event->position();
    event->accept();
}

void PhotoPreview::mouseMoveEvent(QMouseEvent* event) {
    if (!m_dragStart) {
        QLabel::mouseMoveEvent(event);
        return;
    }
    m_dragEnd = event->position();
    update();
}

void PhotoPreview::mouseReleaseEvent(QMouseEvent* event) {
    if (!m_dragStart || event->button() != Qt::LeftButton) {
        QLabel::mouseReleaseEvent(event);
        return;
    }
    m_dragEnd = event->position();
    const QRectF chosen = dragRect();
    const QRectF photo = photoRect();
    m_dragStart.reset();
    if (chosen.width() < kMinimumDrag || chosen.height() < kMinimumDrag) {
        update();
        userClears();
        return;
    }
    m_region = imaging::PhotoRegion{(chosen.left() - photo.left()) / photo.width(),
                                    (chosen.top() - photo.top()) / photo.height(), chosen.width() / photo.width(),
                                    chosen.height() / photo.height()};
    update();
    emit regionChanged();
}

bool PhotoPreview::event(QEvent* event) {
    // Esc clears a region here before it reaches the window's Cancel shortcut (also Esc).
    if (event->type() == QEvent::ShortcutOverride && (m_region || m_dragStart) &&
        static_cast<QKeyEvent*>(event)->key() == Qt::Key_Escape) {
        event->accept();
        return true;
    }
    return QLabel::event(event);
}

void PhotoPreview::keyPressEvent(QKeyEvent* event) {
    if (event->key() == Qt::Key_Escape && (m_region || m_dragStart)) {
        m_dragStart.reset();
        update();
        userClears();
        return;
    }
    QLabel::keyPressEvent(event);
}

void PhotoPreview::paintEvent(QPaintEvent* event) {
    QLabel::paintEvent(event);
    const QRectF photo = photoRect();
    QRectF selection = dragRect();
    if (selection.isEmpty() && m_region && !photo.isEmpty())
        selection = QRectF(photo.left() + m_region->x * photo.width(), photo.top() + m_region->y * photo.height(),
                           m_region->width * photo.width(), m_region->height * photo.height());
    if (selection.isEmpty())
        return;
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    // The rest of the photo dimmed, the region framed in the highlight colour.
    QPainterPath outside;
    outside.addRect(photo);
    QPainterPath inside;
    inside.addRect(selection);
    painter.fillPath(outside.subtracted(inside), QColor(0, 0, 0, 110));
    painter.setPen(QPen(palette().color(QPalette::Highlight), 2));
    painter.setBrush(Qt::NoBrush);
    painter.drawRect(selection.adjusted(1, 1, -1, -1));
}

}  // namespace lookalike::ui
