#include "ui/app_settings.h"

#include "core/catalog/library_location.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSlider>
#include <QVBoxLayout>

#include <algorithm>

namespace lookalike::ui {

AppSettings AppSettings::load() {
    QSettings store;
    AppSettings settings;
    settings.libraryDir = store.value(QStringLiteral("library/location")).toString();
    settings.thumbnailSize = std::clamp(store.value(QStringLiteral("view/thumbnailSize"), 128).toInt(), kMinThumbnail, kMaxThumbnail);
    settings.trainingEpochs = std::clamp(store.value(QStringLiteral("training/epochs"), 0.0).toDouble(), 0.0, 100.0);
    settings.inputSize = std::clamp(store.value(QStringLiteral("training/inputSize"), 96).toInt(), 32, 160);
    settings.pretrainedBackbone = store.value(QStringLiteral("training/pretrainedBackbone"), false).toBool();
    settings.lookalikeCount = std::clamp(store.value(QStringLiteral("lookalikes/count"), 12).toInt(), 1, 100);
    settings.minimumSimilarity = std::clamp(store.value(QStringLiteral("lookalikes/minimumSimilarity"), 0.0).toDouble(), 0.0, 1.0);
    return settings;
}

void AppSettings::save() const {
    QSettings store;
    // A server's password never reaches the settings file: libpq finds it in ~/.pgpass.
    store.setValue(QStringLiteral("library/location"),
                   QString::fromStdString(catalog::LibraryLocation::parse(libraryDir.toStdString()).withoutPassword()));
    store.setValue(QStringLiteral("view/thumbnailSize"), thumbnailSize);
    store.setValue(QStringLiteral("training/epochs"), trainingEpochs);
    store.setValue(QStringLiteral("training/inputSize"), inputSize);
    store.setValue(QStringLiteral("training/pretrainedBackbone"), pretrainedBackbone);
    store.setValue(QStringLiteral("lookalikes/count"), lookalikeCount);
    store.setValue(QStringLiteral("lookalikes/minimumSimilarity"), minimumSimilarity);
}

SettingsDialog::SettingsDialog(const AppSettings& settings, const QString& defaultLibraryDir, QWidget* parent)
    : QDialog(parent), m_settings(settings) {
    setWindowTitle(tr("Settings"));
    auto* layout = new QVBoxLayout(this);
    auto* form = new QFormLayout;

    auto* libraryRow = new QHBoxLayout;
    m_library = new QLineEdit(settings.libraryDir.isEmpty() ? defaultLibraryDir : settings.libraryDir, this);
    m_library->setAccessibleName(tr("Library location"));
    m_library->setToolTip(tr("A folder on this computer, or a shared library on a PostgreSQL server: "
                             "postgresql:///lookalike?host=/run/postgresql&user=shop (passwords go in ~/.pgpass)"));
    auto* browse = new QPushButton(tr("&Browse…"), this);
    libraryRow->addWidget(m_library, 1);
    libraryRow->addWidget(browse);
    form->addRow(tr("&Library location:"), libraryRow);
    connect(browse, &QPushButton::clicked, this, [this] {
        QString chosen = QFileDialog::getExistingDirectory(this, tr("Choose the Library Folder"), m_library->text());
        if (!chosen.isEmpty())
            m_library->setText(QDir::toNativeSeparators(chosen));
    });

    m_thumbnail = new QSlider(Qt::Horizontal, this);
    m_thumbnail->setRange(AppSettings::kMinThumbnail, AppSettings::kMaxThumbnail);
    m_thumbnail->setValue(settings.thumbnailSize);
    m_thumbnail->setAccessibleName(tr("Thumbnail size"));
    form->addRow(tr("&Thumbnail size:"), m_thumbnail);
    layout->addLayout(form);

    auto* advanced = new QGroupBox(tr("Advanced: training"), this);
    advanced->setCheckable(true);
    advanced->setChecked(false);  // folded until asked for
    auto* advancedForm = new QFormLayout(advanced);
    m_epochs = new QDoubleSpinBox(advanced);
    m_epochs->setRange(0.0, 100.0);
    m_epochs->setDecimals(1);
    m_epochs->setSpecialValueText(tr("Automatic"));
    m_epochs->setValue(settings.trainingEpochs);
    m_epochs->setToolTip(tr("Passes over your photos per training; Automatic chooses from the library's size."));
    advancedForm->addRow(tr("&Epochs:"), m_epochs);
    m_inputSize = new QComboBox(advanced);
    for (int size : {64, 96, 128})
        m_inputSize->addItem(tr("%1 × %1 px").arg(size), size);
    m_inputSize->setCurrentIndex(std::max(0, m_inputSize->findData(settings.inputSize)));
    m_inputSize->setToolTip(tr("The network's input size: larger sees more detail and trains slower."));
    advancedForm->addRow(tr("&Input size:"), m_inputSize);
    m_pretrainedBackbone = new QCheckBox(tr("Train on the &pretrained network (MobileNetV2)"), advanced);
    m_pretrainedBackbone->setChecked(settings.pretrainedBackbone);
    m_pretrainedBackbone->setToolTip(
        tr("Start every training from a network pretrained on ImageNet photos instead of training a small one "
           "from scratch: it fits itself to your catalog (right after an import, while you have no groups) and, "
           "with groups, fine-tunes its upper layers. "
           "Trains slower; the Models menu switches back to any earlier model."));
    advancedForm->addRow(m_pretrainedBackbone);
    const QList<QWidget*> advancedFields{m_epochs, m_inputSize, m_pretrainedBackbone};
    for (QWidget* child : advancedFields)
        child->setEnabled(false);
    connect(advanced, &QGroupBox::toggled, this, [advancedFields](bool on) {
        for (QWidget* child : advancedFields)
            child->setEnabled(on);
    });
    layout->addWidget(advanced);

    auto* note = new QLabel(tr("A new library location takes effect at once; the current library stays where it is."), this);
    note->setWordWrap(true);
    layout->addWidget(note);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
}

AppSettings SettingsDialog::settings() const {
    AppSettings result = m_settings;
    const QString location = m_library->text().trimmed();
    result.libraryDir = catalog::LibraryLocation::looksLikeServer(location.toStdString()) ? location
                                                                                         : QDir::fromNativeSeparators(location);
    result.thumbnailSize = m_thumbnail->value();
    result.trainingEpochs = m_epochs->value();
    result.inputSize = m_inputSize->currentData().toInt();
    result.pretrainedBackbone = m_pretrainedBackbone->isChecked();
    return result;
}

}  // namespace lookalike::ui
