#pragma once
// The detail panel's photo. Dragging a rectangle on it chooses a region to search look-alikes
// for; the region stays drawn until a click without dragging, Esc or clearRegion(). Regions are
// fractions of the photo as drawn (the whole photo, scaled and centred), which is what
// services::Library::similarToRegion takes.

#include "core/imaging/photo_region.h"

#include <QLabel>
#include <QPointF>

#include <optional>

namespace lookalike::ui {

class PhotoPreview : public QLabel {
    Q_OBJECT

public:
    // A drag shorter than this on either side, in pixels, is a click.
    static constexpr int kMinimumDrag = 8;

    explicit PhotoPreview(QWidget* parent = nullptr);

    const std::optional<imaging::PhotoRegion>& region() const { return m_region; }
    void clearRegion();  // without regionChanged()
    // Where the photo is drawn, in widget coordinates; empty while there is no photo.
    QRectF photoRect() const;

signals:
    void regionChanged();  // the user chose a region or cleared it

protected:
    bool event(QEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void paintEvent(QPaintEvent* event) override;

private:
    QRectF dragRect() const;  // the rectangle being dragged, within the photo
    void userClears();

    std::optional<QPointF> m_dragStart;
    QPointF m_dragEnd;
    std::optional<imaging::PhotoRegion> m_region;
};

}  // namespace lookalike::ui
