#pragma once
// The training view: a live loss curve, the share of triplets still violating the margin,
// the held-out Recall@1 before and after, and the collapse warning when training collapses.
// The curve is shown from the first training step on; until then, and for a run that trains no
// network (only the descriptors are tuned), a message stands in its place.
// The window feeds it; Cancel asks the window to cancel the job.

#include "core/services/library.h"

#include <QDialog>

class QLabel;
class QLineSeries;
class QChart;
class QValueAxis;
class QPushButton;
class QProgressBar;
class QStackedWidget;

namespace lookalike::ui {

class TrainingDialog : public QDialog {
    Q_OBJECT

public:
    explicit TrainingDialog(QWidget* parent = nullptr);

    void start(const QString& description);
    void addSteps(const std::vector<services::TrainingStep>& steps);
    void setPhase(const QString& phase, qint64 done, qint64 total);
    void finish(const services::LibraryTrainingReport& report);
    void fail(const QString& message);
    int plottedSteps() const;
    bool lossChartShown() const;  // false: the message stands in the chart's place
    QString outcome() const;      // the line under the chart: the phase, then how it ended

signals:
    void cancelRequested();

private:
    QLabel* m_description = nullptr;
    QLabel* m_phase = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_scores = nullptr;
    QLabel* m_warning = nullptr;
    QStackedWidget* m_chartArea = nullptr;  // the message, or the chart
    QLabel* m_chartMessage = nullptr;
    QWidget* m_chartView = nullptr;
    QChart* m_chart = nullptr;
    QLineSeries* m_loss = nullptr;
    QLineSeries* m_active = nullptr;
    QValueAxis* m_stepAxis = nullptr;
    QValueAxis* m_lossAxis = nullptr;
    QPushButton* m_cancel = nullptr;
    QPushButton* m_close = nullptr;
    double m_maxLoss = 0.0;
    double m_smoothed = -1.0;
};

// "Recall@1 0.81 → 0.86 on 3 held-out groups", or an explanation when nothing was held out.
QString describeScores(const services::LibraryTrainingReport& report);

}  // namespace lookalike::ui
