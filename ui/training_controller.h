#pragma once
// Training on the library and choosing its model: Train / Retrain as a background job with
// the TrainingDialog fed from the job's progress, the CompareDialog of old and new
// look-alikes afterwards, and the Models menu that switches the model in use. GUI thread only.

#include "core/catalog/catalog.h"
#include "core/catalog/model_store.h"
#include "core/services/library.h"

#include <QObject>
#include <QPointer>

#include <optional>

class QAction;
class QMenu;
class QWidget;

namespace lookalike::ui {

struct AppSettings;
class CompareDialog;
class DetailPanel;
class ItemListModel;
class JobRunner;
class LibraryWorker;
class ThumbnailLoader;
class TrainingDialog;

class TrainingController : public QObject {
    Q_OBJECT

public:
    // `queries`, `reader`, `models`, `loader`, `detail` and `grid` are null when the library
    // could not be opened: nothing trains then. The comparison is of the item the detail
    // panel shows, else of the grid's first. The action, the menu and the dialogs are
    // children of `window`.
    TrainingController(JobRunner& jobs, LibraryWorker* queries, catalog::Catalog* reader, catalog::ModelStore* models,
                       const AppSettings& settings, ThumbnailLoader* loader, const DetailPanel* detail,
                       const ItemListModel* grid, QWidget* window);

    QAction* trainAction() const { return m_trainAction; }
    QMenu* modelsMenu() const { return m_modelsMenu; }
    TrainingDialog* dialog() const { return m_dialog; }
    void updateActions(bool idle);

    void startTraining();
    // A training run nobody asked to compare (the demo's first): no CompareDialog after it.
    void startTrainingWithoutComparison();
    // After an import of `importedPhotos` new photos: with the pretrained network chosen in
    // Settings, a library without curated groups whose model does not use it yet is fitted to
    // it at once (no gradient steps: seconds), so look-alikes use the network from the first
    // import on. With groups, Train fine-tunes it (minutes) when the owner asks.
    void fitPretrainedAfterImport(std::int64_t importedPhotos);
    void useModel(catalog::ModelId model);
    const std::optional<services::LibraryTrainingReport>& lastTraining() const { return m_lastTraining; }

signals:
    void statusMessage(const QString& message);
    // A training run or a model switch ended: the query library catches up with it.
    void modelsChanged();

private:
    void onTrainingFinished(const services::LibraryTrainingReport& report);
    void showComparison(const services::LibraryTrainingReport& report, catalog::ItemId item);
    void rebuildModelsMenu();

    JobRunner& m_jobs;
    LibraryWorker* m_queries;
    catalog::Catalog* m_reader;
    catalog::ModelStore* m_models;
    const AppSettings& m_settings;
    ThumbnailLoader* m_loader;
    const DetailPanel* m_detail;
    const ItemListModel* m_grid;
    QWidget* m_window;
    QAction* m_trainAction = nullptr;
    QMenu* m_modelsMenu = nullptr;
    TrainingDialog* m_dialog = nullptr;
    QPointer<CompareDialog> m_compareDialog;
    bool m_automaticTraining = false;
    std::optional<services::LibraryTrainingReport> m_lastTraining;
};

}  // namespace lookalike::ui
