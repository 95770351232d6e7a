// The training window on its own (offscreen): the loss chart appears with the first training
// step, and a run that trains no network says so in the chart's place instead of drawing an
// empty chart.

#include "ui/training_dialog.h"

#include <QLabel>
#include <QtTest>

using namespace lookalike;

class TrainingDialogTest : public QObject {
    Q_OBJECT

    static QString chartMessage(const ui::TrainingDialog& dialog) {
        const auto* label = dialog.findChild<QLabel*>(QStringLiteral("lossChartMessage"));
        return label && label->isVisibleTo(&dialog) ? label->text() : QString();
    }

    // A run that switched from `previous` to `model` after `steps` network steps.
    static services::LibraryTrainingReport finished(catalog::ModelId model, catalog::ModelId previous,
                                                    std::int64_t steps) {
        services::LibraryTrainingReport report;
        report.model = model;
        report.previous = previous;
        report.activated = true;
        report.steps = steps;
        return report;
    }

private slots:
    void noNetworkTrainedShowsAMessageNotAnEmptyChart() {
        ui::TrainingDialog dialog;
        dialog.show();
        dialog.start(QStringLiteral("Training on 200 photos"));
        QVERIFY(!dialog.lossChartShown());
        QVERIFY(chartMessage(dialog).contains(QStringLiteral("once the network's training steps begin")));

        dialog.finish(finished(2, 1, 0));
        QVERIFY(!dialog.lossChartShown());
        QCOMPARE(dialog.plottedSteps(), 0);
        QVERIFY(chartMessage(dialog).contains(QStringLiteral("No network was trained")));
    }

    void firstStepShowsTheCurve() {
        ui::TrainingDialog dialog;
        dialog.show();
        dialog.start(QStringLiteral("Training on 200 photos and 8 groups"));
        std::vector<services::TrainingStep> steps;
        for (std::int64_t step = 1; step <= 5; ++step)
            steps.push_back({step, 40, 0.3f - 0.02f * static_cast<float>(step), 0.5f, 0.4f, 0.7f});
        dialog.addSteps(steps);
        QVERIFY(dialog.lossChartShown());
        QCOMPARE(dialog.plottedSteps(), 5);
        QVERIFY(chartMessage(dialog).isEmpty());

        dialog.finish(finished(3, 2, 40));
        QVERIFY(dialog.lossChartShown());

        // A new run starts without the old curve, and without an empty chart.
        dialog.start(QStringLiteral("Again"));
        QVERIFY(!dialog.lossChartShown());
        QCOMPARE(dialog.plottedSteps(), 0);
    }
};

QTEST_MAIN(TrainingDialogTest)
#include "training_dialog_test.moc"
