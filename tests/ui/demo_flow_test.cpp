// `lookalike --demo` end to end (offscreen): on an empty demo library the window imports the
// sample catalog, shows look-alikes straight away (no labels), curates half of it from the
// shipped groups CSV, trains the network with a live loss curve and shows the before/after
// comparison and the held-out figures.

#include "core/datasets/sample_catalog.h"
#include "tests/support/scoped_environment.h"
#include "tests/support/temp_dir.h"
#include "ui/app_settings.h"
#include "ui/compare_dialog.h"
#include "ui/detail_panel.h"
#include "ui/item_list_model.h"
#include "ui/main_window.h"
#include "ui/sidebar_model.h"
#include "ui/training_dialog.h"

#include <QSignalSpy>
#include <QStandardItem>
#include <QStandardPaths>
#include <QtTest>

using namespace lookalike;

class DemoFlowTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        ui::AppSettings settings;
        settings.trainingEpochs = 4;  // the demo's own default trains longer; the flow is the same
        settings.inputSize = 64;
        settings.save();
    }

    void demoWalksTheWholeLoop() {
        fixtures::ScopedEnvironment samples("LOOKALIKE_SAMPLE_CATALOG", "");
        fixtures::TempDir dir;
        ui::MainWindow::Options options;
        options.location = dir.path() / "demo";
        options.demo = true;
        options.samplePhotos = datasets::sampleCatalogDir();
        options.sampleGroups = datasets::sampleGroupsCsv();
        ui::MainWindow window(options);
        QSignalSpy finished(&window, &ui::MainWindow::jobFinished);
        QSignalSpy shown(&window, &ui::MainWindow::lookalikesShown);
        window.show();

        QVERIFY(QTest::qWaitFor([&] { return window.lastTraining().has_value() && !window.isBusy(); }, 600000));
        QStringList kinds;
        for (const QList<QVariant>& job : finished) {
            kinds << job.at(0).toString();
            QVERIFY2(job.at(1).toBool(), qPrintable(job.at(0).toString()));
        }
        QCOMPARE(kinds, (QStringList{QStringLiteral("refresh"), QStringLiteral("import"), QStringLiteral("groups"),
                                      QStringLiteral("train")}));
        QCOMPARE(window.gridModel()->rowCount(), 200);
        // Look-alikes were on screen before any training: the first photo, selected by the demo.
        QVERIFY(!shown.isEmpty());

        // Half of every class folder, curated into its group; the other half stays ungrouped.
        QVERIFY(!window.sidebarModel()->findItems(QStringLiteral("Bags (10)"), Qt::MatchRecursive).isEmpty());
        QVERIFY(!window.sidebarModel()->findItems(QStringLiteral("Ungrouped (100)"), Qt::MatchRecursive).isEmpty());

        // The network trained, with its loss drawn step by step, and was checked on held-out groups.
        const services::LibraryTrainingReport report = *window.lastTraining();
        QVERIFY(report.steps > 0);
        QCOMPARE(report.curatedGroups, 8);
        QVERIFY(report.before && report.after);
        QCOMPARE(report.after->groups, 2);
        QCOMPARE(report.after->items, 20);
        ui::TrainingDialog* training = window.trainingDialog();
        QVERIFY(training->isVisible());
        QVERIFY(training->lossChartShown());
        QCOMPARE(static_cast<std::int64_t>(training->plottedSteps()), report.steps);

        // The comparison of the shown item's look-alikes before and after.
        ui::CompareDialog* compare = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT((compare = window.findChild<ui::CompareDialog*>()) != nullptr, 60000);
        QVERIFY(compare->isVisible());
        QTRY_VERIFY_WITH_TIMEOUT(!compare->previousModel()->rows().empty() && !compare->trainedModel()->rows().empty(),
                                 60000);
    }
};

QTEST_MAIN(DemoFlowTest)
#include "demo_flow_test.moc"
