#include "ui/demo_flow.h"

#include "ui/curation_controller.h"
#include "ui/import_controller.h"
#include "ui/item_list_model.h"
#include "ui/main_window.h"
#include "ui/training_controller.h"

#include <QTimer>

#include <utility>

namespace lookalike::ui {

DemoFlow::DemoFlow(MainWindow& window, ImportController& import, CurationController& curation,
                   TrainingController& training, std::filesystem::path samplePhotos, std::filesystem::path sampleGroups)
    : QObject(&window), m_window(window), m_curation(curation), m_training(training),
      m_samplePhotos(std::move(samplePhotos)), m_sampleGroups(std::move(sampleGroups)) {
    const auto once = Qt::SingleShotConnection;
    connect(&window, &MainWindow::jobFinished, this, [this](const QString& kind, bool ok) {
        if (kind == QLatin1String("refresh") && ok)
            QTimer::singleShot(0, this, [this] { m_window.importFolders({QString::fromStdString(m_samplePhotos.string())}); });
    }, once);
    connect(&import, &ImportController::imported, this, [this](const services::ImportReport& report) {
        // The window reloads its grid after an import: the first photo is there once it has.
        if (!report.cancelled && report.counts.imported > 0)
            connect(&m_window, &MainWindow::viewLoaded, this, &DemoFlow::afterImport, Qt::SingleShotConnection);
    }, once);
    connect(&curation, &CurationController::groupsImported, &training, &TrainingController::startTraining, once);
}

void DemoFlow::afterImport() {
    if (m_window.gridModel()->rowCount() > 0)
        m_window.selectItem(m_window.gridModel()->idAt(0));
    if (m_sampleGroups.empty())
        m_training.startTrainingWithoutComparison();
    else
        m_curation.importGroupsCsv(QString::fromStdString(m_sampleGroups.string()));
}

}  // namespace lookalike::ui
