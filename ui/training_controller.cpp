#include "ui/training_controller.h"

#include "ui/app_settings.h"
#include "ui/compare_dialog.h"
#include "ui/detail_panel.h"
#include "ui/item_list_model.h"
#include "ui/job_runner.h"
#include "ui/library_worker.h"
#include "ui/lookalike_search.h"
#include "ui/make_action.h"
#include "ui/training_dialog.h"

#include <QAction>
#include <QActionGroup>
#include <QDateTime>
#include <QLocale>
#include <QMenu>
#include <QStyle>
#include <QTimer>
#include <QWidget>

#include <memory>
#include <mutex>
#include <utility>

namespace lookalike::ui {

TrainingController::TrainingController(JobRunner& jobs, LibraryWorker* queries, catalog::Catalog* reader,
                                       catalog::ModelStore* models, const AppSettings& settings, ThumbnailLoader* loader,
                                       const DetailPanel* detail, const ItemListModel* grid, QWidget* window)
    : QObject(window), m_jobs(jobs), m_queries(queries), m_reader(reader), m_models(models), m_settings(settings),
      m_loader(loader), m_detail(detail), m_grid(grid), m_window(window) {
    m_trainAction = makeAction(window, QStyle::SP_BrowserReload, tr("&Train / Retrain"), QKeySequence(tr("Ctrl+T")),
                               tr("Learn from your photos, groups and “not similar” marks"));
    connect(m_trainAction, &QAction::triggered, this, &TrainingController::startTraining);

    m_modelsMenu = new QMenu(tr("&Models"), window);
    connect(m_modelsMenu, &QMenu::aboutToShow, this, &TrainingController::rebuildModelsMenu);

    if (m_reader) {
        m_dialog = new TrainingDialog(window);
        connect(m_dialog, &TrainingDialog::cancelRequested, &m_jobs, &JobRunner::cancel);
        connect(&m_jobs, &JobRunner::progressed, this,
                [this](const QString& kind, const QString& phase, qint64 done, qint64 total,
                       const std::vector<services::TrainingStep>& steps) {
                    if (kind != QLatin1String("train"))
                        return;
                    m_dialog->addSteps(steps);
                    m_dialog->setPhase(phase, done, total);
                });
        connect(&m_jobs, &JobRunner::jobFailed, this, [this](const QString& kind, const QString& message, bool) {
            if (kind == QLatin1String("train"))
                m_dialog->fail(message);
        });
    }
}

void TrainingController::updateActions(bool idle) {
    m_trainAction->setEnabled(idle && m_reader->itemCount() > 0);
    m_modelsMenu->setEnabled(idle);
}

void TrainingController::startTraining() {
    if (!m_reader || m_jobs.isBusy())
        return;
    services::LibraryTrainingOptions options;
    options.epochs = m_settings.trainingEpochs;
    options.inputSize = m_settings.inputSize;
    options.useBackbone = m_settings.pretrainedBackbone;
    auto report = std::make_shared<services::LibraryTrainingReport>();
    const std::int64_t groups = static_cast<std::int64_t>(m_reader->groups().size());
    m_dialog->start(tr("Training on %L1 photos, %n curated group(s) and your “not similar” marks. "
                       "Look-alikes keep working meanwhile; the new model replaces the current one only "
                       "if it does at least as well.", nullptr, static_cast<int>(groups))
                        .arg(m_reader->itemCount()));
    m_dialog->show();
    m_dialog->raise();
    m_jobs.run(QStringLiteral("train"), tr("Training…"),
               [options, report](services::Library& library, JobState& job) mutable {
                   options.onStep = [&job](const services::TrainingStep& step) {
                       std::lock_guard lock(job.mutex);
                       job.steps.push_back(step);
                   };
                   *report = library.train(options, job.reporter({}), &job.cancel);
               },
               [this, report] { onTrainingFinished(*report); });
}

void TrainingController::startTrainingWithoutComparison() {
    if (!m_reader || m_jobs.isBusy())
        return;
    m_automaticTraining = true;
    startTraining();
}

void TrainingController::fitPretrainedAfterImport(std::int64_t importedPhotos) {
    if (!m_settings.pretrainedBackbone || importedPhotos <= 0 || !m_reader || !m_models || !m_reader->groups().empty())
        return;
    if (const std::optional<catalog::ModelId> active = m_models->activeModel())
        if (const std::optional<catalog::ModelRecord> record = m_models->model(*active);
            record && catalog::isPretrainedBackbone(catalog::modelBackbone(*record)))
            return;
    // After the import job has ended (this runs in its completion).
    QTimer::singleShot(0, this, &TrainingController::startTrainingWithoutComparison);
}

void TrainingController::onTrainingFinished(const services::LibraryTrainingReport& report) {
    m_lastTraining = report;
    m_dialog->finish(report);
    emit statusMessage(report.activated
                           ? tr("Training finished: the new model is in use. %1").arg(describeScores(report))
                           : tr("Training finished: the previous model stays in use. %1").arg(describeScores(report)));
    emit modelsChanged();
    const catalog::ItemId item = m_detail->shownItem() != 0 ? m_detail->shownItem() : m_grid->idAt(0);
    if (report.model != 0 && report.previous && item != 0 && !std::exchange(m_automaticTraining, false))
        showComparison(report, item);
}

void TrainingController::showComparison(const services::LibraryTrainingReport& report, catalog::ItemId item) {
    if (m_compareDialog)
        m_compareDialog->close();
    auto* dialog = new CompareDialog(m_loader, report.activated, m_window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    m_compareDialog = dialog;
    std::optional<catalog::ItemSummary> summary = m_reader->item(item);
    dialog->setItem(summary ? QString::fromStdString(summary->displayName) : QString::number(item));
    const catalog::ModelId previous = *report.previous;
    const catalog::ModelId trained = report.model;
    const std::size_t k = static_cast<std::size_t>(m_detail->lookalikeCount());
    using Pair = std::pair<std::vector<services::SimilarItem>, std::vector<services::SimilarItem>>;
    m_queries
        ->submit([previous, trained, item, k](services::Library& library) {
            return Pair{library.similarUnder(previous, item, k), library.similarUnder(trained, item, k)};
        })
        .then(this,
              [this, dialog = QPointer<CompareDialog>(dialog)](const Pair& results) {
                  if (dialog)
                      dialog->setResults(lookalikeRows(*m_reader, results.first, -1.0),
                                         lookalikeRows(*m_reader, results.second, -1.0));
              })
        .onFailed(this, [dialog = QPointer<CompareDialog>(dialog)](const std::exception& error) {
            if (dialog)
                dialog->setMessage(QString::fromStdString(error.what()));
        });
    connect(dialog, &CompareDialog::chosen, this, [this, report](CompareDialog::Choice choice) {
        if (choice == CompareDialog::Choice::UseOther)
            useModel(report.activated ? *report.previous : report.model);
    });
    dialog->show();
}

void TrainingController::useModel(catalog::ModelId model) {
    m_jobs.run(QStringLiteral("model"), tr("Switching models…"),
               [model](services::Library& library, JobState& job) { library.useModel(model, job.reporter({}), &job.cancel); },
               [this, model] {
                   emit statusMessage(tr("Model %1 is in use.").arg(model));
                   emit modelsChanged();
               });
}

namespace {

QString networkDescription(const std::string& backbone) {
    if (catalog::isPretrainedBackbone(backbone))
        return TrainingController::tr("pretrained MobileNetV2 (to %1)").arg(QString::fromStdString(backbone.substr(12)));
    if (backbone == "resnet")
        return TrainingController::tr("network trained from scratch (ResNet)");
    return TrainingController::tr("trained network");
}

}  // namespace

void TrainingController::rebuildModelsMenu() {
    m_modelsMenu->clear();
    if (!m_models)
        return;
    const std::optional<catalog::ModelId> active = m_models->activeModel();
    auto* group = new QActionGroup(m_modelsMenu);
    for (const catalog::ModelRecord& model : m_models->models()) {
        const std::string_view serves = catalog::modelServes(model);
        QString kind = serves == "descriptors"         ? tr("built-in descriptors")
                       : serves == "tuned-descriptors" ? tr("descriptors tuned to your catalog")
                                                       : networkDescription(catalog::modelBackbone(model));
        const QString created = QLocale().toString(QDateTime::fromSecsSinceEpoch(model.createdAt), QLocale::ShortFormat);
        QString text = tr("Model %1: %2, %3, %4")
                           .arg(model.id)
                           .arg(kind, created, QString::fromStdString(std::string(catalog::modelStateName(model.state))));
        if (active && *active == model.id)
            text += tr(" (in use)");
        QAction* action = m_modelsMenu->addAction(text);
        action->setCheckable(true);
        action->setChecked(active && *active == model.id);
        action->setEnabled(model.state == catalog::ModelState::Ready && !(active && *active == model.id));
        group->addAction(action);
        const catalog::ModelId id = model.id;
        connect(action, &QAction::triggered, this, [this, id] { useModel(id); });
    }
    if (m_modelsMenu->isEmpty())
        m_modelsMenu->addAction(tr("No models yet"))->setEnabled(false);
}

}  // namespace lookalike::ui
