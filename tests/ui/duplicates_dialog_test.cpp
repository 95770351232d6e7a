// The near-duplicates dialog: it finds the clusters of edited copies off the GUI thread and
// lists them with thumbnails, honours its method and threshold, cancels, hands an activated item
// to the window, and the main window's menu action opens it on the window's library.

#include "core/services/importer.h"
#include "core/services/library.h"
#include "tests/support/near_duplicate_photos.h"
#include "tests/support/temp_dir.h"
#include "ui/duplicates_dialog.h"
#include "ui/library_worker.h"
#include "ui/main_window.h"

#include <QAction>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QTreeWidget>
#include <QtTest>

using namespace lookalike;
using fixtures::PhotoEdit;
namespace fs = std::filesystem;

namespace {

constexpr int kWait = 60000;

// A library of 8 distinct photos and edited copies of two of them: clusters of 3 and 2.
struct DuplicateLibrary {
    DuplicateLibrary() {
        const fs::path photos = dir / "photos";
        fs::create_directories(photos);
        for (int seed = 0; seed < 8; ++seed)
            fixtures::writeBytes(photos / ("photo-" + std::to_string(seed) + ".png"),
                                 fixtures::encodeImage(fixtures::makeScenePhoto(static_cast<std::uint64_t>(seed) + 40), ".png"));
        const auto copy = [&](int seed, PhotoEdit edit, double amount) {
            fixtures::writeBytes(photos / ("photo-" + std::to_string(seed) + "-" + fixtures::photoEditName(edit) + ".jpg"),
                                 fixtures::encodeEdited(fixtures::makeScenePhoto(static_cast<std::uint64_t>(seed) + 40), edit,
                                                        amount, 1));
        };
        copy(3, PhotoEdit::Recompress, 40);
        copy(3, PhotoEdit::Resize, 0.5);
        copy(6, PhotoEdit::Resize, 1.5);
        std::unique_ptr<services::Library> library = services::Library::open(catalog::LibraryLocation(location()));
        const std::vector<fs::path> roots{photos};
        services::importFolders(library->catalog(), roots);
        library->refresh();
    }
    fs::path location() const { return dir / "library"; }

    fixtures::TempDir dir;
};

bool waitForMore(const QSignalSpy& spy, qsizetype before) {
    return QTest::qWaitFor([&] { return spy.count() > before; }, kWait);
}

}  // namespace

class DuplicatesDialogTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void listsTheClustersWithThumbnailsAndActivatesAnItem() {
        DuplicateLibrary library;
        ui::LibraryWorker worker(library.location(), {});
        ui::DuplicatesDialog dialog(&worker);
        dialog.show();
        QSignalSpy finished(&dialog, &ui::DuplicatesDialog::searchFinished);
        QSignalSpy activated(&dialog, &ui::DuplicatesDialog::itemActivated);
        dialog.find();
        QVERIFY(dialog.isRunning());
        QVERIFY(!dialog.findButton()->isEnabled());
        QVERIFY(dialog.cancelButton()->isEnabled());
        QVERIFY(waitForMore(finished, 0));
        QCOMPARE(finished.front().front().toBool(), true);
        QVERIFY(!dialog.isRunning());
        QCOMPARE(dialog.report().items, 11);
        QCOMPARE(dialog.report().clusters.size(), std::size_t{2});

        QTreeWidget* view = dialog.clusterView();
        QCOMPARE(view->topLevelItemCount(), 2);
        QCOMPARE(view->topLevelItem(0)->childCount(), 3);
        QCOMPARE(view->topLevelItem(1)->childCount(), 2);
        for (int i = 0; i < view->topLevelItemCount(); ++i)
            for (int k = 0; k < view->topLevelItem(i)->childCount(); ++k) {
                QTreeWidgetItem* row = view->topLevelItem(i)->child(k);
                QVERIFY2(!row->icon(0).isNull(), qPrintable(row->text(2)));
                QVERIFY(row->text(0).startsWith(i == 0 ? QStringLiteral("photo-3") : QStringLiteral("photo-6")));
            }
        QVERIFY(dialog.statusText().contains(QStringLiteral("2 cluster")));

        // Enter on an item of a cluster asks the window to show it.
        QTreeWidgetItem* second = view->topLevelItem(0)->child(1);
        view->setFocus();
        view->setCurrentItem(second);
        QTest::keyClick(view->viewport(), Qt::Key_Return);
        QTRY_COMPARE(activated.count(), 1);
        QCOMPARE(activated.front().front().toLongLong(), second->text(1).toLongLong());
    }

    void methodAndThresholdChangeWhatIsFound() {
        DuplicateLibrary library;
        ui::LibraryWorker worker(library.location(), {});
        ui::DuplicatesDialog dialog(&worker);
        QSignalSpy finished(&dialog, &ui::DuplicatesDialog::searchFinished);
        dialog.methodBox()->setCurrentIndex(dialog.methodBox()->findData(static_cast<int>(services::DuplicateMethod::DctHash)));
        QCOMPARE(dialog.thresholdBox()->value(), services::defaultDuplicateThreshold(services::DuplicateMethod::DctHash));
        dialog.thresholdBox()->setValue(0.5);  // far too loose: distinct photos too
        dialog.find();
        QVERIFY(waitForMore(finished, 0));
        QCOMPARE(dialog.report().method, services::DuplicateMethod::DctHash);
        const std::size_t loose = dialog.report().pairs.size();
        QVERIFY(loose > 4);
        dialog.thresholdBox()->setValue(1.0);
        QTest::mouseClick(dialog.findButton(), Qt::LeftButton);
        QVERIFY(waitForMore(finished, 1));
        QCOMPARE(dialog.report().threshold, 1.0);
        QVERIFY(dialog.report().pairs.size() < loose);
    }

    void cancelStopsTheSearch() {
        DuplicateLibrary library;
        ui::LibraryWorker worker(library.location(), {});
        ui::DuplicatesDialog dialog(&worker);
        QSignalSpy finished(&dialog, &ui::DuplicatesDialog::searchFinished);
        dialog.find();
        dialog.cancel();  // before the task starts: it stops at its first check
        QVERIFY(waitForMore(finished, 0));
        QCOMPARE(finished.front().front().toBool(), false);
        QCOMPARE(dialog.statusText(), QStringLiteral("Cancelled."));
        QCOMPARE(dialog.clusterView()->topLevelItemCount(), 0);
        QVERIFY(dialog.findButton()->isEnabled());
    }

    void withoutALibraryNothingCanBeFound() {
        ui::DuplicatesDialog dialog(nullptr);
        QVERIFY(!dialog.findButton()->isEnabled());
        dialog.find();
        QVERIFY(!dialog.isRunning());
    }

    void theLibraryMenuOpensTheDialogOnTheWindowsLibrary() {
        DuplicateLibrary library;
        ui::MainWindow::Options options;
        options.location = library.location();
        ui::MainWindow window(options);
        window.show();
        QVERIFY(QTest::qWaitFor([&] { return !window.isBusy() && window.gridModel()->rowCount() > 0; }, kWait));
        auto* action = window.findChild<QAction*>(QStringLiteral("findNearDuplicates"));
        QVERIFY(action);
        QVERIFY(action->isEnabled());
        action->trigger();
        auto* dialog = window.findChild<ui::DuplicatesDialog*>();
        QVERIFY(dialog);
        QTRY_VERIFY_WITH_TIMEOUT(!dialog->isRunning(), kWait);
        QCOMPARE(dialog->report().clusters.size(), std::size_t{2});
        // Activating an item selects it in the window's grid.
        const catalog::ItemId item = dialog->report().clusters[1].back();
        emit dialog->itemActivated(item);
        QTRY_VERIFY_WITH_TIMEOUT(window.selectedItems() == std::vector<catalog::ItemId>{item}, kWait);
    }
};

QTEST_MAIN(DuplicatesDialogTest)
#include "duplicates_dialog_test.moc"
