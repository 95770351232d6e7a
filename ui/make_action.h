#pragma once
// The window's main actions (Import, Search by Photo, Train, Cancel) are built alike: a
// standard icon, a text, a shortcut and a tool tip. The controllers that own them build them
// here.

#include <QAction>
#include <QKeySequence>
#include <QStyle>
#include <QWidget>

namespace lookalike::ui {

// A child of `window`, with the icon of the window's style.
inline QAction* makeAction(QWidget* window, QStyle::StandardPixmap icon, const QString& text,
                           const QKeySequence& shortcut, const QString& toolTip) {
    auto* action = new QAction(window->style()->standardIcon(icon), text, window);
    action->setShortcut(shortcut);
    action->setToolTip(toolTip);
    return action;
}

}  // namespace lookalike::ui
