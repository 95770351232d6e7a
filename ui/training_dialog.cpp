#include "ui/training_dialog.h"

#include "core/catalog/model_store.h"

#include <QChart>
#include <QChartView>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineSeries>
#include <QProgressBar>
#include <QPushButton>
#include <QStackedWidget>
#include <QValueAxis>
#include <QVBoxLayout>

#include <algorithm>

namespace lookalike::ui {

QString describeScores(const services::LibraryTrainingReport& report) {
    if (!report.before || !report.after)
        return TrainingDialog::tr("No held-out check yet: with 8 or more groups of at least 2 items, Lookalike keeps "
                                  "a fifth of them aside to check that training helps before it switches models.");
    return TrainingDialog::tr("Held-out check on %1 groups (%2 items): Recall@1 %3 → %4, MAP@R %5 → %6.")
        .arg(report.after->groups)
        .arg(report.after->items)
        .arg(report.before->recallAt1, 0, 'f', 3)
        .arg(report.after->recallAt1, 0, 'f', 3)
        .arg(report.before->mapAtR, 0, 'f', 3)
        .arg(report.after->mapAtR, 0, 'f', 3);
}

TrainingDialog::TrainingDialog(QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Training"));
    setObjectName(QStringLiteral("trainingDialog"));
    resize(640, 480);
    auto* layout = new QVBoxLayout(this);
    m_description = new QLabel(this);
    m_description->setWordWrap(true);
    layout->addWidget(m_description);

    m_chart = new QChart;
    m_chart->setTitle(tr("Triplet loss"));
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_loss = new QLineSeries;
    m_loss->setName(tr("Loss (smoothed)"));
    m_active = new QLineSeries;
    m_active->setName(tr("Active triplets (share)"));
    m_chart->addSeries(m_loss);
    m_chart->addSeries(m_active);
    m_stepAxis = new QValueAxis;
    m_stepAxis->setTitleText(tr("Step"));
    m_stepAxis->setLabelFormat(QStringLiteral("%d"));
    m_lossAxis = new QValueAxis;
    m_lossAxis->setRange(0.0, 1.0);
    m_chart->addAxis(m_stepAxis, Qt::AlignBottom);
    m_chart->addAxis(m_lossAxis, Qt::AlignLeft);
    for (QLineSeries* series : {m_loss, m_active}) {
        series->attachAxis(m_stepAxis);
        series->attachAxis(m_lossAxis);
    }
    m_chartArea = new QStackedWidget(this);
    m_chartArea->setMinimumHeight(240);
    m_chartMessage = new QLabel(m_chartArea);
    m_chartMessage->setObjectName(QStringLiteral("lossChartMessage"));
    m_chartMessage->setAlignment(Qt::AlignCenter);
    m_chartMessage->setWordWrap(true);
    m_chartMessage->setMargin(24);
    m_chartMessage->setFrameShape(QFrame::StyledPanel);
    auto* chartView = new QChartView(m_chart, m_chartArea);
    chartView->setRenderHint(QPainter::Antialiasing);
    chartView->setAccessibleName(tr("Loss curve"));
    m_chartView = chartView;
    m_chartArea->addWidget(m_chartMessage);
    m_chartArea->addWidget(m_chartView);
    layout->addWidget(m_chartArea, 1);

    m_phase = new QLabel(this);
    layout->addWidget(m_phase);
    m_progress = new QProgressBar(this);
    m_progress->setAccessibleName(tr("Training progress"));
    layout->addWidget(m_progress);
    m_scores = new QLabel(this);
    m_scores->setWordWrap(true);
    layout->addWidget(m_scores);
    m_warning = new QLabel(this);
    m_warning->setWordWrap(true);
    m_warning->setObjectName(QStringLiteral("collapseWarning"));
    m_warning->setStyleSheet(QStringLiteral("QLabel { color: palette(bright-text); background: #b3261e; padding: 6px; border-radius: 4px; }"));
    m_warning->hide();
    layout->addWidget(m_warning);

    auto* buttons = new QDialogButtonBox(this);
    m_cancel = buttons->addButton(tr("Cancel Training"), QDialogButtonBox::RejectRole);
    m_close = buttons->addButton(QDialogButtonBox::Close);
    layout->addWidget(buttons);
    connect(m_cancel, &QPushButton::clicked, this, [this] {
        m_cancel->setEnabled(false);
        m_phase->setText(tr("Cancelling…"));
        emit cancelRequested();
    });
    connect(m_close, &QPushButton::clicked, this, &QDialog::hide);
}

void TrainingDialog::start(const QString& description) {
    m_description->setText(description);
    m_loss->clear();
    m_active->clear();
    m_maxLoss = 0.0;
    m_smoothed = -1.0;
    m_stepAxis->setRange(0, 1);
    m_lossAxis->setRange(0.0, 1.0);
    m_chartMessage->setText(tr("The triplet loss is drawn here once the network's training steps begin."));
    m_chartArea->setCurrentWidget(m_chartMessage);
    m_scores->clear();
    m_warning->hide();
    m_progress->setRange(0, 0);
    m_phase->setText(tr("Preparing…"));
    m_cancel->setEnabled(true);
    m_cancel->show();
}

void TrainingDialog::addSteps(const std::vector<services::TrainingStep>& steps) {
    if (steps.empty())
        return;
    QList<QPointF> loss;
    QList<QPointF> active;
    for (const services::TrainingStep& step : steps) {
        m_smoothed = m_smoothed < 0.0 ? step.loss : 0.9 * m_smoothed + 0.1 * step.loss;
        loss.append({static_cast<double>(step.step), m_smoothed});
        active.append({static_cast<double>(step.step), step.activeFraction});
        m_maxLoss = std::max(m_maxLoss, m_smoothed);
    }
    m_loss->append(loss);
    m_active->append(active);
    m_chartArea->setCurrentWidget(m_chartView);
    m_stepAxis->setRange(0, static_cast<double>(std::max<std::int64_t>(1, steps.back().totalSteps)));
    m_lossAxis->setRange(0.0, std::max(1.0, m_maxLoss * 1.1));
}

int TrainingDialog::plottedSteps() const {
    return static_cast<int>(m_loss->count());
}

bool TrainingDialog::lossChartShown() const {
    return m_chartArea->currentWidget() == m_chartView;
}

void TrainingDialog::setPhase(const QString& phase, qint64 done, qint64 total) {
    m_phase->setText(phase);
    if (total > 0) {
        m_progress->setRange(0, 1000);
        m_progress->setValue(static_cast<int>(1000 * std::min(done, total) / total));
    } else {
        m_progress->setRange(0, 0);
    }
}

void TrainingDialog::finish(const services::LibraryTrainingReport& report) {
    m_cancel->hide();
    m_progress->setRange(0, 1);
    m_progress->setValue(1);
    m_scores->setText(describeScores(report));
    if (!report.collapse.empty()) {
        m_warning->setText(tr("Training collapsed: %1 The previous model stays in use.")
                               .arg(QString::fromStdString(report.collapse)));
        m_warning->show();
    }
    const bool pretrained = catalog::isPretrainedBackbone(report.network);
    if (report.steps == 0)
        m_chartMessage->setText(
            pretrained ? tr("No gradient steps in this run, so there is no loss curve: with no groups of two or more "
                            "items yet, the pretrained network was fitted to your photos in closed form.")
                       : tr("No network was trained in this run, so there is no loss curve: with no groups "
                            "of two or more items yet, only the descriptors were tuned to your catalog."));
    if (report.activated && report.steps == 0)
        m_phase->setText(pretrained ? tr("Done: look-alikes now use the pretrained network with descriptors tuned to "
                                         "your catalog. Group items that belong together and retrain to fine-tune it.")
                                    : tr("Done: look-alikes now use descriptors tuned to your catalog. Group items that "
                                         "belong together and retrain to train the network on them too."));
    else if (report.activated)
        m_phase->setText(tr("Done in %1 s: the new model is in use.").arg(report.trainingSeconds, 0, 'f', 0));
    else if (report.collapse.empty())
        m_phase->setText(tr("Done in %1 s: the new model scored lower on your held-out groups, so the previous one "
                            "stays in use.").arg(report.trainingSeconds, 0, 'f', 0));
    else
        m_phase->setText(tr("Stopped."));
}

QString TrainingDialog::outcome() const {
    return m_phase->text();
}

void TrainingDialog::fail(const QString& message) {
    m_cancel->hide();
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_phase->setText(message);
}

}  // namespace lookalike::ui
