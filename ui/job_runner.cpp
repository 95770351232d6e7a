#include "ui/job_runner.h"

#include "ui/library_worker.h"
#include "ui/make_action.h"

#include <QAction>
#include <QFileInfo>
#include <QLabel>
#include <QProgressBar>
#include <QStatusBar>
#include <QStyle>
#include <QTimer>
#include <QToolButton>

#include <algorithm>
#include <utility>

namespace lookalike::ui {

namespace {

constexpr int kPollMilliseconds = 100;

// The library's own phase names, for people.
QString describePhase(const QString& phase, const std::string& current) {
    if (phase == QLatin1String("import"))
        return JobRunner::tr("Importing %1").arg(QFileInfo(QString::fromStdString(current)).fileName());
    const QString step = QString::fromStdString(current);
    if (step == QLatin1String("embedding"))
        return JobRunner::tr("Embedding photos");
    if (step == QLatin1String("indexing"))
        return JobRunner::tr("Indexing");
    if (step == QLatin1String("training"))
        return JobRunner::tr("Training");
    if (step == QLatin1String("preparing"))
        return JobRunner::tr("Preparing");
    if (step == QLatin1String("groups"))
        return JobRunner::tr("Reading groups");
    if (step == QLatin1String("products"))
        return JobRunner::tr("Reading product data");
    if (phase == QLatin1String("export") && !step.isEmpty() && step != QLatin1String("done"))
        return JobRunner::tr("Related products of %1").arg(step);
    return step.isEmpty() ? JobRunner::tr("Working") : step;
}

}  // namespace

void showProgress(QProgressBar& bar, const Progress& progress) {
    if (progress.total > 0) {
        bar.setRange(0, 1000);
        bar.setValue(static_cast<int>(1000 * std::clamp<std::int64_t>(progress.done, 0, progress.total) / progress.total));
    } else {
        bar.setRange(0, 0);
    }
}

JobRunner::JobRunner(LibraryWorker* worker, QWidget* window) : QObject(window), m_worker(worker) {
    m_timer = new QTimer(this);
    m_timer->setInterval(kPollMilliseconds);
    connect(m_timer, &QTimer::timeout, this, &JobRunner::poll);

    m_cancelAction = makeAction(window, QStyle::SP_DialogCancelButton, tr("&Cancel"), QKeySequence(Qt::Key_Escape),
                                tr("Stop the running job; what was already stored stays"));
    m_cancelAction->setEnabled(false);
    connect(m_cancelAction, &QAction::triggered, this, &JobRunner::cancel);

    m_label = new QLabel(window);
    m_progress = new QProgressBar(window);
    m_progress->setMaximumWidth(220);
    m_progress->setAccessibleName(tr("Job progress"));
    m_progress->hide();
    m_cancelButton = new QToolButton(window);
    m_cancelButton->setDefaultAction(m_cancelAction);
    m_cancelButton->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_cancelButton->hide();
}

void JobRunner::addToStatusBar(QStatusBar* statusBar) {
    statusBar->addWidget(m_label, 1);
    statusBar->addWidget(m_progress);
    statusBar->addWidget(m_cancelButton);
}

void JobRunner::run(const QString& kind, const QString& title, Work work, std::function<void()> finished) {
    if (m_job) {
        emit statusMessage(tr("Wait for the running job to finish, or cancel it."));
        return;
    }
    auto state = std::make_shared<JobState>();
    m_job = state;
    m_kind = kind;
    m_label->setText(title);
    m_progress->setRange(0, 0);
    m_progress->show();
    m_cancelButton->show();
    m_timer->start();
    m_cancelAction->setEnabled(true);
    emit busyChanged();
    m_worker->submit([state, work = std::move(work)](services::Library& library) { work(library, *state); })
        .then(this,
              [this, kind, finished = std::move(finished)] {
                  poll();
                  end(kind, Ending::Succeeded, {});
                  finished();
                  emit jobFinished(kind, true);
              })
        .onFailed(this, [this, kind](const Cancelled&) { end(kind, Ending::Cancelled, tr("Cancelled. What was already stored is kept.")); })
        .onFailed(this, [this, kind](const std::exception& error) { end(kind, Ending::Failed, QString::fromStdString(error.what())); });
}

void JobRunner::poll() {
    if (!m_job)
        return;
    Progress progress;
    QString phase;
    std::vector<services::TrainingStep> steps;
    {
        std::lock_guard lock(m_job->mutex);
        progress = m_job->progress;
        phase = m_job->phase;
        steps.swap(m_job->steps);
    }
    if (m_job->cancel.isCancelled())
        return;
    const QString text = describePhase(phase, progress.current);
    QString counted = progress.total > 0 ? tr("%1: %L2 of %L3").arg(text).arg(progress.done).arg(progress.total) : text;
    m_label->setText(counted);
    showProgress(*m_progress, progress);
    emit progressed(m_kind, text, progress.done, progress.total, steps);
}

void JobRunner::end(const QString& kind, Ending ending, const QString& message) {
    const bool ok = ending == Ending::Succeeded;
    m_job.reset();
    m_kind.clear();
    m_timer->stop();
    m_progress->hide();
    m_cancelButton->hide();
    m_label->clear();
    m_cancelAction->setEnabled(false);
    if (!message.isEmpty())
        emit statusMessage(message);
    if (!ok)
        emit jobFailed(kind, message, ending == Ending::Cancelled);
    emit busyChanged();
    if (!ok)
        emit jobFinished(kind, false);  // success is announced after the job's own follow-up
}

void JobRunner::cancel() {
    if (!m_job)
        return;
    m_job->cancel.cancel();
    m_label->setText(tr("Cancelling…"));
}

void JobRunner::stop() {
    if (!m_job)
        return;
    m_job->cancel.cancel();
    m_label->setText(tr("Stopping the running job…"));
}

}  // namespace lookalike::ui
