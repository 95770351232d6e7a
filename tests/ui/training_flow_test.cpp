// Retraining from the window, end to end (offscreen): the live loss curve, the comparison of
// old and new look-alikes, and rolling back to the previous model.

#include "core/catalog/catalog.h"
#include "core/catalog/model_store.h"
#include "core/services/importer.h"
#include "core/services/library.h"
#include "tests/support/shape_photos.h"
#include "tests/support/temp_dir.h"
#include "ui/app_settings.h"
#include "ui/compare_dialog.h"
#include "ui/detail_panel.h"
#include "ui/main_window.h"
#include "ui/training_dialog.h"

#include <QMenu>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QtTest>

using namespace lookalike;
namespace fs = std::filesystem;

namespace {

// The Settings checkbox "Train on the pretrained network", saved as the dialog saves it.
void choosePretrainedNetwork(bool chosen) {
    ui::AppSettings settings = ui::AppSettings::load();
    settings.pretrainedBackbone = chosen;
    settings.save();
}

ui::MainWindow::Options withShippedBackbone(const fs::path& location) {
    ui::MainWindow::Options options;
    options.location = location;
    options.library.pretrainedBackbone =
        fs::path(LOOKALIKE_SOURCE_DIR) / "resources/models/mobilenetv2-nsfwjs-block13.lkckpt";
    return options;
}

}  // namespace

class TrainingFlowTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        ui::AppSettings settings;
        settings.trainingEpochs = 2;
        settings.inputSize = 64;
        settings.save();
    }

    void retrainComparesAndRollsBack() {
        fixtures::TempDir dir;
        fixtures::writeShapePhotos(dir.path() / "photos", 4);
        const fs::path library = dir.path() / "library";
        {
            auto opened = services::Library::open(library);
            std::vector<fs::path> roots{dir.path() / "photos"};
            services::importFolders(opened->catalog(), roots);
            opened->refresh();
        }
        ui::MainWindow::Options options;
        options.location = library;
        ui::MainWindow window(options);
        window.show();
        QTRY_VERIFY_WITH_TIMEOUT(!window.isBusy() && window.gridModel()->rowCount() == 36, 60000);
        const std::optional<catalog::ModelId> before = window.activeModel();
        QVERIFY(before);
        window.selectItem(window.gridModel()->idAt(3));
        QTRY_VERIFY_WITH_TIMEOUT(!window.detailPanel()->lookalikeModel()->rows().empty(), 60000);

        QSignalSpy finished(&window, &ui::MainWindow::jobFinished);
        window.startTraining();
        QVERIFY(QTest::qWaitFor([&] { return finished.count() == 1; }, 600000));
        QCOMPARE(finished.back().at(0).toString(), QStringLiteral("train"));
        QVERIFY(finished.back().at(1).toBool());
        QVERIFY(window.lastTraining().has_value());
        const services::LibraryTrainingReport report = *window.lastTraining();
        QCOMPARE(static_cast<std::int64_t>(window.trainingDialog()->plottedSteps()), report.steps);
        // No network trained (no groups): the window says so where the chart would be.
        QCOMPARE(report.steps, 0);
        QCOMPARE(report.network, std::string("none"));
        QVERIFY2(window.trainingDialog()->outcome().contains(QStringLiteral("descriptors tuned to your catalog")),
                 qPrintable(window.trainingDialog()->outcome()));
        QVERIFY(!window.trainingDialog()->lossChartShown());
        QVERIFY(report.activated);
        QCOMPARE(window.activeModel(), std::optional<catalog::ModelId>(report.model));
        // No groups: the new model serves the descriptors tuned to this catalog, and the Models
        // menu says so.
        QMenu* modelsMenu = nullptr;
        for (QMenu* menu : window.findChildren<QMenu*>())
            if (menu->title() == QStringLiteral("&Models"))
                modelsMenu = menu;
        QVERIFY(modelsMenu);
        auto entryInUse = [&]() -> QString {
            emit modelsMenu->aboutToShow();  // the menu is filled as it opens
            for (const QAction* action : modelsMenu->actions())
                if (action->text().endsWith(QStringLiteral(" (in use)")))
                    return action->text();
            return {};
        };
        QTRY_VERIFY_WITH_TIMEOUT(entryInUse().contains(QStringLiteral("descriptors tuned to your catalog")), 60000);
        QVERIFY2(entryInUse().startsWith(QStringLiteral("Model %1: ").arg(report.model)), qPrintable(entryInUse()));

        // Old and new look-alikes side by side, then roll back.
        ui::CompareDialog* compare = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT((compare = window.findChild<ui::CompareDialog*>()) != nullptr, 60000);
        QTRY_VERIFY_WITH_TIMEOUT(!compare->previousModel()->rows().empty() && !compare->trainedModel()->rows().empty(), 60000);
        QCOMPARE(static_cast<int>(compare->previousModel()->rows().size()), window.detailPanel()->lookalikeCount());
        emit compare->chosen(ui::CompareDialog::Choice::UseOther);
        QVERIFY(QTest::qWaitFor([&] { return finished.count() == 2; }, 600000));
        QCOMPARE(finished.back().at(0).toString(), QStringLiteral("model"));
        QCOMPARE(window.activeModel(), before);
        QTRY_VERIFY_WITH_TIMEOUT(entryInUse().contains(QStringLiteral("built-in descriptors")), 60000);
        catalog::Catalog catalog = catalog::Catalog::open(library);
        catalog::ModelStore models(catalog);
        QCOMPARE(models.activeModel(), before);
        QCOMPARE(models.model(report.model)->state, catalog::ModelState::Ready);  // kept, to switch back later
    }

    // The opt-in from Settings: training fits the pretrained MobileNetV2 to the catalog, and the
    // Models menu names the backbone.
    void trainsOnThePretrainedNetworkWhenChosen() {
        choosePretrainedNetwork(true);
        fixtures::TempDir dir;
        fixtures::writeShapePhotos(dir.path() / "photos", 3);
        const ui::MainWindow::Options options = withShippedBackbone(dir.path() / "library");
        {
            auto opened = services::Library::open(options.location);
            std::vector<fs::path> roots{dir.path() / "photos"};
            services::importFolders(opened->catalog(), roots);
        }
        ui::MainWindow window(options);
        window.show();
        QTRY_VERIFY_WITH_TIMEOUT(!window.isBusy() && window.gridModel()->rowCount() == 27, 60000);
        QSignalSpy finished(&window, &ui::MainWindow::jobFinished);
        window.startTraining();
        QVERIFY(QTest::qWaitFor([&] { return finished.count() == 1; }, 600000));
        QVERIFY(finished.back().at(1).toBool());
        QVERIFY(window.lastTraining() && window.lastTraining()->activated);
        {
            catalog::Catalog catalog = catalog::Catalog::open(options.location);
            catalog::ModelStore models(catalog);
            QCOMPARE(QString::fromStdString(catalog::modelBackbone(*models.model(window.lastTraining()->model))),
                     QStringLiteral("mobilenetv2:block_10"));
        }
        QMenu* modelsMenu = nullptr;
        for (QMenu* menu : window.findChildren<QMenu*>())
            if (menu->title() == QStringLiteral("&Models"))
                modelsMenu = menu;
        QVERIFY(modelsMenu);
        emit modelsMenu->aboutToShow();
        QStringList entries;
        for (const QAction* action : modelsMenu->actions())
            entries << action->text();
        QVERIFY2(entries.filter(QStringLiteral("pretrained MobileNetV2 (to block_10)")).size() == 1,
                 qPrintable(entries.join(QStringLiteral(" | "))));
        choosePretrainedNetwork(false);
    }

    // With the pretrained network chosen, the first import is followed by its fit, without a
    // click and without a comparison; a later import, the model already on it, trains nothing.
    void theFirstImportIsFittedToThePretrainedNetworkWhenChosen() {
        choosePretrainedNetwork(true);
        fixtures::TempDir dir;
        fixtures::writeShapePhotos(dir.path() / "photos", 3);
        fixtures::writeShapePhotos(dir.path() / "more", 1, 2);
        const ui::MainWindow::Options options = withShippedBackbone(dir.path() / "library");
        ui::MainWindow window(options);
        window.show();
        QTRY_VERIFY_WITH_TIMEOUT(!window.isBusy(), 60000);
        QSignalSpy finished(&window, &ui::MainWindow::jobFinished);
        window.importFolders({QString::fromStdString((dir.path() / "photos").string())});
        QVERIFY(QTest::qWaitFor([&] { return finished.count() == 2; }, 180000));
        QCOMPARE(finished.at(0).at(0).toString(), QStringLiteral("import"));
        QCOMPARE(finished.at(1).at(0).toString(), QStringLiteral("train"));
        QVERIFY(finished.at(1).at(1).toBool());
        QVERIFY(window.lastTraining() && window.lastTraining()->activated);
        QCOMPARE(window.lastTraining()->steps, 0);
        QCOMPARE(window.activeModel(), std::optional<catalog::ModelId>(window.lastTraining()->model));
        {
            catalog::Catalog catalog = catalog::Catalog::open(options.location);
            catalog::ModelStore models(catalog);
            QCOMPARE(QString::fromStdString(catalog::modelBackbone(*models.model(window.lastTraining()->model))),
                     QStringLiteral("mobilenetv2:block_10"));
        }
        QVERIFY2(window.trainingDialog()->outcome().contains(QStringLiteral("the pretrained network")),
                 qPrintable(window.trainingDialog()->outcome()));
        QTest::qWait(200);
        QVERIFY(window.findChild<ui::CompareDialog*>() == nullptr);

        window.importFolders({QString::fromStdString((dir.path() / "more").string())});
        QVERIFY(QTest::qWaitFor([&] { return finished.count() == 3; }, 180000));
        QCOMPARE(finished.at(2).at(0).toString(), QStringLiteral("import"));
        QTest::qWait(200);  // where a fit would have been started
        QCOMPARE(finished.count(), 3);
        QVERIFY(!window.isBusy());
        QTRY_VERIFY_WITH_TIMEOUT(window.gridModel()->rowCount() == 36, 60000);
        choosePretrainedNetwork(false);
    }
};

QTEST_MAIN(TrainingFlowTest)
#include "training_flow_test.moc"
