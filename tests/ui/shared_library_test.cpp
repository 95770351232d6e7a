// A library on a PostgreSQL server, in the window: the desk that holds the library opens it
// as usual; a second desk, while another holds it, browses and searches read-only.

#include "core/catalog/library_lock.h"
#include "core/services/importer.h"
#include "core/services/library.h"
#include "tests/support/postgres_cluster.h"
#include "tests/support/scoped_environment.h"
#include "tests/support/shape_photos.h"
#include "tests/support/temp_dir.h"
#include "ui/item_list_model.h"
#include "ui/main_window.h"

#include <QAction>
#include <QLabel>
#include <QListView>
#include <QStandardPaths>
#include <QtTest>

using namespace lookalike;
namespace fs = std::filesystem;

namespace {

constexpr int kWait = 60000;

QAction* actionNamed(ui::MainWindow& window, const QString& text) {
    for (QAction* action : window.findChildren<QAction*>())
        if (action->text() == text)
            return action;
    return nullptr;
}

}  // namespace

class SharedLibraryTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void aSecondDeskBrowsesReadOnlyWhileAnotherHoldsTheLibrary() {
        fixtures::TempDir dir;
        fixtures::ScopedEnvironment cache("XDG_CACHE_HOME", (dir / "cache").c_str());
        const auto files = fixtures::writeShapePhotos(dir / "photos", 2);
        const catalog::LibraryLocation location =
            catalog::LibraryLocation::parse(fixtures::PostgresCluster::shared().createDatabase());
        {
            std::unique_ptr<services::Library> library = services::Library::open(location);
            std::vector<fs::path> roots{dir / "photos"};
            services::importFolders(library->catalog(), roots);
            library->refresh();
        }
        ui::MainWindow::Options options;
        options.location = location;
        {
            catalog::LibraryLock otherDesk = catalog::LibraryLock::acquire(location, "lookalike");
            ui::MainWindow window(options);
            window.show();
            QVERIFY(window.isReadOnly());
            QVERIFY(QTest::qWaitFor([&] { return !window.isBusy() && window.gridModel()->rowCount() > 0; }, kWait));
            QCOMPARE(window.gridModel()->rowCount(), static_cast<int>(files.size()));
            QVERIFY(window.windowTitle().contains(QStringLiteral("read-only")));
            QVERIFY(window.statusText().contains(QStringLiteral("is in use by lookalike on ")));
            QVERIFY(window.findChild<QLabel*>(QStringLiteral("readOnlyBadge")) != nullptr);
            QAction* import = actionNamed(window, QStringLiteral("&Import Folder…"));
            QVERIFY(import != nullptr);
            QVERIFY(!import->isEnabled());
            QAction* createGroup = actionNamed(window, QStringLiteral("&Create Group from Selection…"));
            QVERIFY(createGroup != nullptr);
            window.gridView()->selectionModel()->select(window.gridModel()->index(0), QItemSelectionModel::ClearAndSelect);
            QVERIFY(!createGroup->isEnabled());
        }
        // Once the other desk is gone, the window opens as the library's writer.
        ui::MainWindow window(options);
        QVERIFY(!window.isReadOnly());
        QVERIFY(QTest::qWaitFor([&] { return !window.isBusy() && window.gridModel()->rowCount() > 0; }, kWait));
        QVERIFY(actionNamed(window, QStringLiteral("&Import Folder…"))->isEnabled());
    }
};

QTEST_MAIN(SharedLibraryTest)
#include "shared_library_test.moc"
