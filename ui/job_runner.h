#pragma once
// One background job at a time (import, embedding, training, model switches) on the job
// LibraryWorker, with its phase, progress bar and Cancel in the status bar. The job reports
// through the core progress callback and stops at the core cancel token; this object polls
// them on the GUI thread. Not thread-safe: GUI thread only.

#include "core/services/library.h"
#include "core/util/progress.h"

#include <QObject>
#include <QString>

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

class QAction;
class QLabel;
class QProgressBar;
class QStatusBar;
class QTimer;
class QToolButton;
class QWidget;

namespace lookalike::ui {

class LibraryWorker;

// What a running job shares with the GUI: its cancel token and its latest progress.
struct JobState {
    CancelToken cancel;
    std::mutex mutex;
    Progress progress;
    QString phase;
    std::vector<services::TrainingStep> steps;  // not yet shown

    Progress latestProgress() {
        std::lock_guard lock(mutex);
        return progress;
    }

    ProgressCallback reporter(const QString& phase) {
        return [this, phase](const Progress& update) {
            std::lock_guard lock(mutex);
            progress = update;
            this->phase = phase;
        };
    }
};

// A bar for done of total, or a busy bar while the total is unknown.
void showProgress(QProgressBar& bar, const Progress& progress);

class JobRunner : public QObject {
    Q_OBJECT

public:
    using Work = std::function<void(services::Library&, JobState&)>;

    // `worker` is null when the library could not be opened (nothing runs then); the status
    // bar widgets and the Cancel action are children of `window`.
    JobRunner(LibraryWorker* worker, QWidget* window);

    // Runs work(library, state) on the worker; `finished` runs on the GUI thread after it
    // succeeded. Refused, with a status message, while another job runs.
    void run(const QString& kind, const QString& title, Work work, std::function<void()> finished);
    void cancel();  // the Cancel action
    void stop();    // the window closes: cancel, and say so

    bool isBusy() const { return m_job != nullptr; }
    const QString& kind() const { return m_kind; }  // empty while idle
    QAction* cancelAction() const { return m_cancelAction; }
    // The phase, the progress bar and the Cancel button, left of the permanent widgets.
    void addToStatusBar(QStatusBar* statusBar);

signals:
    // A job started or ended: the window updates its page and actions.
    void busyChanged();
    void statusMessage(const QString& message);
    // Every poll while a job runs: the phase for people and the training steps not yet shown.
    void progressed(const QString& kind, const QString& phase, qint64 done, qint64 total,
                    const std::vector<services::TrainingStep>& steps);
    // cancelled: the owner stopped it (message says what was kept), else it failed.
    void jobFailed(const QString& kind, const QString& message, bool cancelled);
    // A job ended: "import", "train", "refresh", "model"; ok is false when it failed or was
    // cancelled. Success is announced after the job's own follow-up.
    void jobFinished(const QString& kind, bool ok);

private:
    void poll();
    enum class Ending { Succeeded, Cancelled, Failed };
    void end(const QString& kind, Ending ending, const QString& message);

    LibraryWorker* m_worker;
    QTimer* m_timer = nullptr;
    QAction* m_cancelAction = nullptr;
    // In the status bar: the phase, the progress bar and the Cancel button while a job runs.
    QLabel* m_label = nullptr;
    QProgressBar* m_progress = nullptr;
    QToolButton* m_cancelButton = nullptr;
    std::shared_ptr<JobState> m_job;  // null while idle
    QString m_kind;
};

}  // namespace lookalike::ui
