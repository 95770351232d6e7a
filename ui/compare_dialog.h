#pragma once
// After a retrain: the selected item's look-alikes under the previous and the new model side
// by side, and the choice to keep the new model or roll back to the previous one.

#include "ui/item_list_model.h"

#include <QDialog>

class QLabel;

namespace lookalike::ui {

class ThumbnailLoader;

class CompareDialog : public QDialog {
    Q_OBJECT

public:
    enum class Choice { KeepActive, UseOther };

    // `newIsActive`: the new model is in use (the choice is to roll back), else the previous
    // one is (the choice is to switch to the new one anyway).
    CompareDialog(ThumbnailLoader* loader, bool newIsActive, QWidget* parent = nullptr);

    void setItem(const QString& name);
    void setResults(std::vector<ItemRow> previous, std::vector<ItemRow> trained);
    void setMessage(const QString& message);

    ItemListModel* previousModel() const { return m_previous; }
    ItemListModel* trainedModel() const { return m_trained; }

signals:
    void chosen(CompareDialog::Choice choice);

private:
    QLabel* m_title = nullptr;
    QLabel* m_message = nullptr;
    ItemListModel* m_previous = nullptr;
    ItemListModel* m_trained = nullptr;
};

}  // namespace lookalike::ui
