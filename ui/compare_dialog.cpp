#include "ui/compare_dialog.h"

#include "ui/thumbnail_delegate.h"

#include <QDialogButtonBox>
#include <QGridLayout>
#include <QLabel>
#include <QListView>
#include <QPushButton>
#include <QVBoxLayout>

namespace lookalike::ui {

namespace {
constexpr int kThumbnail = 88;

}  // namespace

CompareDialog::CompareDialog(ThumbnailLoader* loader, bool newIsActive, QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Compare Models"));
    setObjectName(QStringLiteral("compareDialog"));
    resize(900, 560);
    auto* layout = new QVBoxLayout(this);
    m_title = new QLabel(this);
    m_title->setWordWrap(true);
    layout->addWidget(m_title);
    m_message = new QLabel(this);
    m_message->setWordWrap(true);
    m_message->hide();
    layout->addWidget(m_message);

    m_previous = new ItemListModel(loader, this);
    m_trained = new ItemListModel(loader, this);
    for (ItemListModel* model : {m_previous, m_trained})
        model->setThumbnailSize(kThumbnail, devicePixelRatioF());
    auto* grid = new QGridLayout;
    auto* left = new QLabel(newIsActive ? tr("Previous model") : tr("Model in use"), this);
    auto* right = new QLabel(newIsActive ? tr("New model (in use)") : tr("New model"), this);
    for (QLabel* label : {left, right}) {
        QFont font = label->font();
        font.setBold(true);
        label->setFont(font);
    }
    grid->addWidget(left, 0, 0);
    grid->addWidget(right, 0, 1);
    grid->addWidget(makeThumbnailView(m_previous, kThumbnail, left->text(), this), 1, 0);
    grid->addWidget(makeThumbnailView(m_trained, kThumbnail, right->text(), this), 1, 1);
    layout->addLayout(grid, 1);

    auto* buttons = new QDialogButtonBox(this);
    QPushButton* keep = buttons->addButton(newIsActive ? tr("&Keep New Model") : tr("&Keep Current Model"),
                                           QDialogButtonBox::AcceptRole);
    QPushButton* other = buttons->addButton(newIsActive ? tr("&Roll Back") : tr("&Use New Model"),
                                            QDialogButtonBox::DestructiveRole);
    keep->setDefault(true);
    layout->addWidget(buttons);
    connect(keep, &QPushButton::clicked, this, [this] {
        emit chosen(Choice::KeepActive);
        accept();
    });
    connect(other, &QPushButton::clicked, this, [this] {
        emit chosen(Choice::UseOther);
        accept();
    });
}

void CompareDialog::setItem(const QString& name) {
    m_title->setText(tr("Look-alikes of “%1” under each model. Keep the one whose results look right.").arg(name));
}

void CompareDialog::setResults(std::vector<ItemRow> previous, std::vector<ItemRow> trained) {
    m_previous->setRows(std::move(previous));
    m_trained->setRows(std::move(trained));
}

void CompareDialog::setMessage(const QString& message) {
    m_message->setText(message);
    m_message->setVisible(!message.isEmpty());
}

}  // namespace lookalike::ui
