#pragma once
// "Find Near-Duplicates…": the library's near-duplicate photos (services/near_duplicates.h) as
// clusters with thumbnails. The finder runs on a LibraryWorker (the window's query library),
// never on the GUI thread, with a progress bar and Cancel here; thumbnails are decoded there too.
// Activating an item asks the window to show it. GUI thread only.

#include "core/services/near_duplicates.h"

#include <QDialog>

#include <memory>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QTimer;
class QTreeWidget;
class QTreeWidgetItem;

namespace lookalike::ui {

class LibraryWorker;
struct JobState;

class DuplicatesDialog : public QDialog {
    Q_OBJECT

public:
    // `worker` may be null (no usable library): the dialog then says so and finds nothing.
    explicit DuplicatesDialog(LibraryWorker* worker, QWidget* parent = nullptr);
    // Cancels a running search; its result is dropped.
    ~DuplicatesDialog() override;

    // Starts a search with the chosen method and threshold (a running one is cancelled first).
    void find();
    void cancel();
    bool isRunning() const { return m_job != nullptr; }

    // The last finished search.
    const services::NearDuplicateReport& report() const { return m_report; }
    QTreeWidget* clusterView() const { return m_clusters; }
    QDoubleSpinBox* thresholdBox() const { return m_threshold; }
    QComboBox* methodBox() const { return m_method; }
    QPushButton* findButton() const { return m_findButton; }
    QPushButton* cancelButton() const { return m_cancelButton; }
    QString statusText() const;

signals:
    // A search ended: ok is false when it failed or was cancelled.
    void searchFinished(bool ok);
    // The user double-clicked (or pressed Enter on) an item of a cluster.
    void itemActivated(qint64 item);

private:
    struct Found;
    void showFound(const Found& found);
    void ended(const QString& message, bool ok);
    void poll();
    void onMethodChanged();

    LibraryWorker* m_worker;
    QComboBox* m_method = nullptr;
    QDoubleSpinBox* m_threshold = nullptr;
    QPushButton* m_findButton = nullptr;
    QPushButton* m_cancelButton = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_status = nullptr;
    QTreeWidget* m_clusters = nullptr;
    QTimer* m_timer = nullptr;
    std::shared_ptr<JobState> m_job;  // null while idle
    quint64 m_generation = 0;         // results of an older search are dropped
    services::NearDuplicateReport m_report;
};

}  // namespace lookalike::ui
