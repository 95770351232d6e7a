// The window against a real library on disk (offscreen platform): the grid model against the
// catalog, thumbnails, selection → look-alikes, curation, import with problems, and
// cancelling a training run.

#include "core/catalog/catalog.h"
#include "core/catalog/library_lock.h"
#include "core/catalog/model_store.h"
#include "core/services/importer.h"
#include "core/services/library.h"
#include "tests/support/shape_photos.h"
#include "tests/support/temp_dir.h"
#include "ui/detail_panel.h"
#include "ui/english_plurals.h"
#include "ui/item_list_model.h"
#include "ui/main_window.h"
#include "ui/photo_preview.h"
#include "ui/product_controller.h"
#include "ui/sidebar_model.h"
#include "ui/training_dialog.h"

#include <QCheckBox>
#include <QLabel>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QStandardItem>
#include <QListView>
#include <QSignalSpy>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QKeyEvent>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <functional>
#include <fstream>
#include <map>
#include <set>

using namespace lookalike;
namespace fs = std::filesystem;

namespace {

constexpr int kWait = 60000;

// A library holding 9 kinds x `perKind` shape photos, imported and indexed as the app does.
struct ShapeLibrary {
    fixtures::TempDir dir;
    std::vector<fixtures::ShapePhotoFile> files;
    fs::path library() const { return dir.path() / "library"; }

    explicit ShapeLibrary(int perKind, bool import = true) {
        files = fixtures::writeShapePhotos(dir.path() / "photos", perKind);
        if (import)
            importPhotos();
    }

    void importPhotos() const {
        auto opened = services::Library::open(library());
        std::vector<fs::path> roots{dir.path() / "photos"};
        services::importFolders(opened->catalog(), roots);
        opened->refresh();
    }

    // The owner curates the first `kinds` kinds into groups, so that training trains the network
    // (without groups it only fits the descriptors' projection, in a moment).
    void curate(int kinds) const {
        catalog::Catalog catalog = catalog::Catalog::open(library());
        std::map<std::string, catalog::GroupId> groups;
        for (const auto& file : files) {
            if (!groups.contains(file.kind)) {
                if (static_cast<int>(groups.size()) == kinds)
                    continue;
                groups[file.kind] = catalog.createGroup(file.kind, 0);
            }
            catalog.addToGroup(groups[file.kind], *catalog.findItemByPath(file.path.string()), 0);
        }
    }

    std::string kindOf(catalog::Catalog& catalog, catalog::ItemId id) const {
        const std::string path = catalog.item(id)->sourcePath;
        for (const auto& file : files)
            if (file.path.string() == path)
                return file.kind;
        return "?";
    }
};

ui::MainWindow::Options optionsFor(const fs::path& library) {
    ui::MainWindow::Options options;
    options.location = library;
    return options;
}

// Waits for the window's startup refresh and first listing.
bool waitUntilReady(ui::MainWindow& window) {
    return QTest::qWaitFor([&] { return !window.isBusy() && window.gridModel()->rowCount() > 0; }, kWait);
}

std::vector<catalog::ItemId> shownLookalikes(ui::MainWindow& window) {
    std::vector<catalog::ItemId> ids;
    for (const ui::ItemRow& row : window.detailPanel()->lookalikeModel()->rows())
        ids.push_back(row.id);
    return ids;
}

// True once `spy` has recorded more than `before` signals. Continuations on a finished future run
// at once, so a signal may come before a QSignalSpy::wait() would start: count instead.
bool waitForMore(const QSignalSpy& spy, qsizetype before) {
    return QTest::qWaitFor([&] { return spy.count() > before; }, kWait);
}

void selectRows(ui::MainWindow& window, const std::vector<int>& rows) {
    QItemSelection selection;
    for (int row : rows)
        selection.select(window.gridModel()->index(row), window.gridModel()->index(row));
    window.gridView()->selectionModel()->setCurrentIndex(window.gridModel()->index(rows.front()), QItemSelectionModel::NoUpdate);
    window.gridView()->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect);
}

// A red circle and a blue square, each imported, and pasted side by side into pair.png (a
// query for crop-to-search: its halves are exactly the two photos).
struct PastedPair {
    fs::path left;
    fs::path right;
    fs::path pasted;

    PastedPair(const fs::path& folder, const fs::path& pastedAt) : left(folder / "left.png"), right(folder / "right.png"), pasted(pastedAt) {
        const cv::Mat circle = fixtures::makeShapePhoto(fixtures::Shape::Circle, 0, 501);
        const cv::Mat square = fixtures::makeShapePhoto(fixtures::Shape::Square, 2, 502);
        fixtures::writeBytes(left, fixtures::encodeImage(circle, ".png"));
        fixtures::writeBytes(right, fixtures::encodeImage(square, ".png"));
        fixtures::writeBytes(pasted, fixtures::encodeImage(fixtures::sideBySide(circle, square), ".png"));
    }
};

// Drags on the panel's photo from one point to another, given as fractions of the photo as drawn.
void dragOnPhoto(ui::PhotoPreview* preview, QPointF from, QPointF to) {
    const QRectF photo = preview->photoRect();
    // The nearest pixel on the photo (its edges need not be whole pixels).
    auto at = [&](QPointF fraction) {
        const double x = std::clamp(photo.left() + fraction.x() * photo.width(), std::ceil(photo.left()), std::floor(photo.right()));
        const double y = std::clamp(photo.top() + fraction.y() * photo.height(), std::ceil(photo.top()), std::floor(photo.bottom()));
        return QPoint(static_cast<int>(std::lround(x)), static_cast<int>(std::lround(y)));
    };
    QTest::mousePress(preview, Qt::LeftButton, {}, at(from));
    QTest::mouseMove(preview, (at(from) + at(to)) / 2);
    QTest::mouseMove(preview, at(to));
    QTest::mouseRelease(preview, Qt::LeftButton, {}, at(to));
}

// Does `change`, then waits for the look-alikes it asks for: of `item`, or of a photo (0).
bool lookalikesAfter(ui::MainWindow& window, catalog::ItemId item, const std::function<void()>& change) {
    QSignalSpy shown(&window, &ui::MainWindow::lookalikesShown);
    change();
    return QTest::qWaitFor([&] {
               return std::any_of(shown.begin(), shown.end(), [&](const QList<QVariant>& signal) {
                   return signal.at(0).toLongLong() == item;
               });
           }, kWait) &&
           !shownLookalikes(window).empty();
}

}  // namespace

class MainWindowTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);  // QSettings go to a test location
        ui::installEnglishPlurals();                // the messages as the application shows them
    }

    void gridModelListsTheCatalog() {
        ShapeLibrary shapes(3);
        ui::MainWindow window(optionsFor(shapes.library()));
        window.show();
        QVERIFY(waitUntilReady(window));
        // Once the startup refresh has indexed the catalog, a photo can be searched for at once.
        const QList<QAction*> actions = window.findChildren<QAction*>();
        const auto searchByPhoto = std::find_if(actions.begin(), actions.end(), [](const QAction* action) {
            return action->text() == QStringLiteral("&Search by Photo…");
        });
        QVERIFY(searchByPhoto != actions.end());
        QTRY_VERIFY_WITH_TIMEOUT((*searchByPhoto)->isEnabled(), kWait);
        catalog::Catalog catalog = catalog::Catalog::open(shapes.library());
        const std::vector<catalog::ItemSummary> items = catalog.listItems(0, 1000);
        QCOMPARE(window.gridModel()->rowCount(), static_cast<int>(items.size()));
        for (std::size_t i = 0; i < items.size(); ++i) {
            const QModelIndex index = window.gridModel()->index(static_cast<int>(i));
            QCOMPARE(index.data(ui::ItemListModel::ItemIdRole).toLongLong(), items[i].id);
            QCOMPARE(index.data(Qt::DisplayRole).toString(), QString::fromStdString(items[i].displayName));
        }
        // Thumbnails arrive lazily, off the GUI thread.
        const QModelIndex first = window.gridModel()->index(0);
        first.data(Qt::DecorationRole);
        QTRY_VERIFY_WITH_TIMEOUT(!qvariant_cast<QPixmap>(first.data(Qt::DecorationRole)).isNull(), kWait);

        // A group lists its members only; the name search filters.
        const catalog::GroupId group = catalog.createGroup("pair", 0);
        catalog.addToGroup(group, items[0].id, 0);
        catalog.addToGroup(group, items[4].id, 0);
        QSignalSpy loaded(&window, &ui::MainWindow::viewLoaded);
        auto showAndWait = [&](auto change) {
            const qsizetype before = loaded.count();
            change();
            return waitForMore(loaded, before);
        };
        QVERIFY(showAndWait([&] { window.showPlace({ui::Place::Kind::Group, group, {}}); }));
        QCOMPARE(window.gridModel()->rowCount(), 2);
        QVERIFY(showAndWait([&] { window.showPlace({ui::Place::Kind::Ungrouped, 0, {}}); }));
        QCOMPARE(window.gridModel()->rowCount(), static_cast<int>(items.size()) - 2);
        QVERIFY(showAndWait([&] { window.showPlace({ui::Place::Kind::All, 0, {}}); }));
        QVERIFY(showAndWait([&] { window.setNameFilter(QStringLiteral("BLUE-square")); }));
        QCOMPARE(window.gridModel()->rowCount(), 3);
        for (const ui::ItemRow& row : window.gridModel()->rows())
            QVERIFY(row.name.startsWith(QLatin1String("blue-square")));
    }

    void selectionUpdatesTheLookalikes() {
        ShapeLibrary shapes(4);
        ui::MainWindow window(optionsFor(shapes.library()));
        window.show();
        QVERIFY(waitUntilReady(window));
        catalog::Catalog catalog = catalog::Catalog::open(shapes.library());
        for (int row : {0, 13, 30}) {
            const catalog::ItemId item = window.gridModel()->idAt(row);
            QSignalSpy shown(&window, &ui::MainWindow::lookalikesShown);
            selectRows(window, {row});
            QTRY_VERIFY_WITH_TIMEOUT(window.detailPanel()->shownItem() == item && !shownLookalikes(window).empty(), kWait);
            const std::vector<ui::ItemRow>& rows = window.detailPanel()->lookalikeModel()->rows();
            QCOMPARE(static_cast<int>(rows.size()), window.detailPanel()->lookalikeCount());
            for (std::size_t i = 0; i < rows.size(); ++i) {
                QVERIFY(rows[i].id != item);
                QVERIFY(rows[i].similarity.has_value());
                if (i > 0)
                    QVERIFY(*rows[i].similarity <= *rows[i - 1].similarity);
            }
            QCOMPARE(shapes.kindOf(catalog, rows.front().id), shapes.kindOf(catalog, item));
        }
        // Clicking a look-alike navigates to it.
        const catalog::ItemId next = shownLookalikes(window).front();
        emit window.detailPanel()->lookalikeActivated(next);
        QTRY_COMPARE_WITH_TIMEOUT(window.detailPanel()->shownItem(), next, kWait);
        QCOMPARE(window.selectedItems(), std::vector<catalog::ItemId>{next});
    }

    // Crop-to-search on an item: a drag on its photo asks for the look-alikes of that region.
    void aRegionDraggedOnTheItemsPhotoFindsWhatIsThere() {
        ShapeLibrary shapes(2, false);
        const PastedPair pair(shapes.dir.path() / "photos" / "pair", shapes.dir.path() / "photos" / "pair" / "pair.png");
        shapes.importPhotos();
        ui::MainWindow window(optionsFor(shapes.library()));
        window.resize(1200, 800);
        window.show();
        QVERIFY(waitUntilReady(window));
        catalog::Catalog catalog = catalog::Catalog::open(shapes.library());
        const catalog::ItemId pasted = *catalog.findItemByPath(pair.pasted.string());
        const catalog::ItemId left = *catalog.findItemByPath(pair.left.string());
        const catalog::ItemId right = *catalog.findItemByPath(pair.right.string());
        ui::DetailPanel* panel = window.detailPanel();
        ui::PhotoPreview* preview = panel->preview();
        auto* heading = panel->findChild<QLabel*>(QStringLiteral("lookalikesHeading"));
        auto* wholePhoto = panel->findChild<QPushButton*>(QStringLiteral("wholePhoto"));
        QVERIFY(heading && wholePhoto);
        QVERIFY(preview->toolTip().contains(QLatin1String("Drag on the photo to search a region")));

        QVERIFY(lookalikesAfter(window, pasted, [&] { window.selectItem(pasted); }));
        QTRY_VERIFY_WITH_TIMEOUT(!preview->photoRect().isEmpty(), kWait);
        const std::vector<catalog::ItemId> wholeResults = shownLookalikes(window);
        QVERIFY(std::find(wholeResults.begin(), wholeResults.end(), pasted) == wholeResults.end());
        QCOMPARE(heading->text(), QStringLiteral("Look-alikes"));
        QVERIFY(wholePhoto->isHidden());

        QVERIFY(lookalikesAfter(window, pasted, [&] { dragOnPhoto(preview, {0.0, 0.0}, {0.5, 1.0}); }));
        QVERIFY(panel->region().has_value());
        QVERIFY(std::abs(panel->region()->width - 0.5) < 0.02 && panel->region()->height > 0.98);
        QCOMPARE(shownLookalikes(window).front(), left);
        QCOMPARE(heading->text(), QStringLiteral("Look-alikes of the selected region"));
        QVERIFY(!wholePhoto->isHidden());

        QVERIFY(lookalikesAfter(window, pasted, [&] { dragOnPhoto(preview, {1.0, 1.0}, {0.5, 0.0}); }));
        QCOMPARE(shownLookalikes(window).front(), right);
        QCOMPARE(panel->shownItem(), pasted);  // still the same item, only a part of it searched

        // Esc on the photo: the whole photo again. The photo takes Esc before the window's
        // Cancel shortcut (also Esc) while it holds a region.
        QKeyEvent shortcut(QEvent::ShortcutOverride, Qt::Key_Escape, Qt::NoModifier);
        shortcut.ignore();  // as the shortcut map sends it
        QCoreApplication::sendEvent(preview, &shortcut);
        QVERIFY(shortcut.isAccepted());
        QVERIFY(lookalikesAfter(window, pasted, [&] { QTest::keyClick(preview, Qt::Key_Escape); }));
        QKeyEvent noRegion(QEvent::ShortcutOverride, Qt::Key_Escape, Qt::NoModifier);
        noRegion.ignore();
        QCoreApplication::sendEvent(preview, &noRegion);
        QVERIFY(!noRegion.isAccepted());
        QVERIFY(!panel->region().has_value());
        QCOMPARE(shownLookalikes(window), wholeResults);
        QCOMPARE(heading->text(), QStringLiteral("Look-alikes"));

        // A drag under 8 pixels is a click: it selects nothing, and clears a region.
        dragOnPhoto(preview, {0.2, 0.2}, {0.2 + 3.0 / preview->photoRect().width(), 0.3});
        QVERIFY(!panel->region().has_value());
        QVERIFY(lookalikesAfter(window, pasted, [&] { dragOnPhoto(preview, {0.0, 0.0}, {0.5, 1.0}); }));
        QVERIFY(lookalikesAfter(window, pasted, [&] { dragOnPhoto(preview, {0.2, 0.2}, {0.2, 0.2}); }));
        QVERIFY(!panel->region().has_value());
        QCOMPARE(shownLookalikes(window), wholeResults);
        // The Whole Photo button does the same; another item starts without a region.
        QVERIFY(lookalikesAfter(window, pasted, [&] { dragOnPhoto(preview, {0.5, 0.0}, {1.0, 1.0}); }));
        QVERIFY(lookalikesAfter(window, pasted, [&] { wholePhoto->click(); }));
        QCOMPARE(shownLookalikes(window), wholeResults);
        QVERIFY(lookalikesAfter(window, pasted, [&] { dragOnPhoto(preview, {0.5, 0.0}, {1.0, 1.0}); }));
        QVERIFY(lookalikesAfter(window, left, [&] { window.selectItem(left); }));
        QVERIFY(!panel->region().has_value());
        QCOMPARE(heading->text(), QStringLiteral("Look-alikes"));
        QVERIFY(wholePhoto->isHidden());
    }

    // Crop-to-search on a photo from elsewhere (Search by Photo).
    void aRegionDraggedOnASearchedPhotoFindsWhatIsThere() {
        ShapeLibrary shapes(2, false);
        const PastedPair pair(shapes.dir.path() / "photos" / "pair", shapes.dir.path() / "outside.png");
        shapes.importPhotos();
        ui::MainWindow window(optionsFor(shapes.library()));
        window.resize(1200, 800);
        window.show();
        QVERIFY(waitUntilReady(window));
        catalog::Catalog catalog = catalog::Catalog::open(shapes.library());
        const catalog::ItemId left = *catalog.findItemByPath(pair.left.string());
        const catalog::ItemId right = *catalog.findItemByPath(pair.right.string());
        ui::DetailPanel* panel = window.detailPanel();
        ui::PhotoPreview* preview = panel->preview();
        const QString outside = QString::fromStdString(pair.pasted.string());

        QVERIFY(lookalikesAfter(window, 0, [&] { window.searchByPhoto(outside); }));
        QTRY_VERIFY_WITH_TIMEOUT(!preview->photoRect().isEmpty(), kWait);
        // The preview is the whole photo, drawn twice as wide as high.
        QVERIFY(std::abs(preview->photoRect().width() / preview->photoRect().height() - 2.0) < 0.05);
        const std::vector<catalog::ItemId> wholeResults = shownLookalikes(window);

        QVERIFY(lookalikesAfter(window, 0, [&] { dragOnPhoto(preview, {0.0, 0.0}, {0.5, 1.0}); }));
        QCOMPARE(shownLookalikes(window).front(), left);
        QVERIFY(lookalikesAfter(window, 0, [&] { dragOnPhoto(preview, {0.5, 0.0}, {1.0, 1.0}); }));
        QCOMPARE(shownLookalikes(window).front(), right);
        // Still the photo searched, its preview kept while regions of it are searched.
        QCOMPARE(panel->shownItem(), catalog::ItemId{0});
        QVERIFY(!preview->photoRect().isEmpty());

        QVERIFY(lookalikesAfter(window, 0, [&] { dragOnPhoto(preview, {0.7, 0.5}, {0.7, 0.5}); }));
        QVERIFY(!panel->region().has_value());
        QCOMPARE(shownLookalikes(window), wholeResults);
        // A new search starts from the whole photo.
        QVERIFY(lookalikesAfter(window, 0, [&] { dragOnPhoto(preview, {0.0, 0.0}, {0.5, 1.0}); }));
        QVERIFY(lookalikesAfter(window, 0, [&] { window.searchByPhoto(outside); }));
        QVERIFY(!panel->region().has_value());
        QCOMPARE(shownLookalikes(window), wholeResults);
    }

    void createsAGroupFromTheSelection() {
        ShapeLibrary shapes(3);
        ui::MainWindow window(optionsFor(shapes.library()));
        window.show();
        QVERIFY(waitUntilReady(window));
        selectRows(window, {0, 1, 2});
        const std::vector<catalog::ItemId> chosen = window.selectedItems();
        QCOMPARE(chosen.size(), std::size_t{3});
        window.createGroupFromSelection(QStringLiteral("Red circles"));
        catalog::Catalog catalog = catalog::Catalog::open(shapes.library());
        QTRY_VERIFY_WITH_TIMEOUT(catalog.findGroup("Red circles").has_value(), kWait);
        std::vector<catalog::ItemId> members = catalog.groupMembers(catalog.findGroup("Red circles")->id);
        std::sort(members.begin(), members.end());
        QCOMPARE(members, chosen);
        QTRY_VERIFY_WITH_TIMEOUT(!window.sidebarModel()->findItems(QStringLiteral("Red circles (3)"),
                                                                   Qt::MatchExactly | Qt::MatchRecursive).isEmpty(), kWait);
        QTRY_VERIFY_WITH_TIMEOUT(window.sidebarModel()->findItems(QStringLiteral("Ungrouped (24)"),
                                                                  Qt::MatchExactly).size() == 1, kWait);
        // The same name again is refused with a message, and nothing changes.
        window.createGroupFromSelection(QStringLiteral("red circles"));
        QTRY_VERIFY_WITH_TIMEOUT(QApplication::activeModalWidget() != nullptr, kWait);
        QApplication::activeModalWidget()->close();
        QCOMPARE(catalog.groups().size(), std::size_t{1});
    }

    // Groups from a file,group CSV are a job: Cancel keeps the catalog as it was and says so in
    // the status bar only; run through, the groups show in the sidebar and the unusable rows in a dialog.
    void groupsFromACsvAreAJobThatCanBeCancelled() {
        ShapeLibrary shapes(3);
        fixtures::TempDir work;
        const fs::path csv = work / "groups.csv";
        {
            std::ofstream out(csv);
            out << "file,group\n";
            for (const auto& file : shapes.files)
                if (file.kind == "red-circle" || file.kind == "blue-square")
                    out << file.path.string() << ',' << file.kind << '\n';
            out << "missing.png,red-circle\n";
        }
        ui::MainWindow window(optionsFor(shapes.library()));
        window.show();
        QVERIFY(waitUntilReady(window));
        QSignalSpy finished(&window, &ui::MainWindow::jobFinished);
        window.curation()->importGroupsCsv(QString::fromStdString(csv.string()));
        QVERIFY(window.isBusy());
        window.cancelJob();
        QVERIFY(waitForMore(finished, 0));
        QCOMPARE(finished.back().at(0).toString(), QStringLiteral("groups"));
        QVERIFY(!finished.back().at(1).toBool());
        QVERIFY2(window.statusText().startsWith(QLatin1String("Cancelled.")), qPrintable(window.statusText()));
        QVERIFY(window.findChild<QMessageBox*>() == nullptr);  // a cancel the owner asked for is no error
        QVERIFY(catalog::Catalog::open(shapes.library()).groups().empty());

        window.curation()->importGroupsCsv(QString::fromStdString(csv.string()));
        QTRY_VERIFY_WITH_TIMEOUT(window.findChild<QMessageBox*>(QStringLiteral("unimportedGroupRows")) != nullptr, kWait);
        auto* box = window.findChild<QMessageBox*>(QStringLiteral("unimportedGroupRows"));
        QVERIFY2(box->detailedText().startsWith(QLatin1String("line 8: missing.png")), qPrintable(box->detailedText()));
        box->close();
        QVERIFY2(window.statusText().contains(QLatin1String("6 rows matched, 2 groups created, 1 row not imported")),
                 qPrintable(window.statusText()));
        for (const char* shown : {"red-circle (3)", "blue-square (3)"})
            QTRY_VERIFY_WITH_TIMEOUT(!window.sidebarModel()->findItems(QLatin1String(shown),
                                                                       Qt::MatchExactly | Qt::MatchRecursive).isEmpty(), kWait);
        QCOMPARE(catalog::Catalog::open(shapes.library()).groups().size(), std::size_t{2});
    }

    void notSimilarRemovesTheResult() {
        ShapeLibrary shapes(3);
        ui::MainWindow window(optionsFor(shapes.library()));
        window.show();
        QVERIFY(waitUntilReady(window));
        selectRows(window, {5});
        const catalog::ItemId item = window.gridModel()->idAt(5);
        QTRY_VERIFY_WITH_TIMEOUT(!shownLookalikes(window).empty(), kWait);
        const catalog::ItemId wrong = shownLookalikes(window).front();
        window.markNotSimilar(wrong);
        QTRY_VERIFY_WITH_TIMEOUT(window.statusText().contains(QLatin1String("not similar")), kWait);
        auto showsOthersOnly = [&] {
            const std::vector<catalog::ItemId> shown = shownLookalikes(window);
            return !shown.empty() && std::find(shown.begin(), shown.end(), wrong) == shown.end();
        };
        QTRY_VERIFY_WITH_TIMEOUT(showsOthersOnly(), kWait);
        catalog::Catalog catalog = catalog::Catalog::open(shapes.library());
        QCOMPARE(catalog.notSimilarTo(item), std::vector<catalog::ItemId>{wrong});
    }

    // The owner imports product data: the rows it cannot use are listed, the grid's tooltips and
    // the detail panel show the product, the filter finds its name, look-alikes list each product
    // once unless every photo is asked for, and File > Export Related Products writes a CSV.
    void productDataShowsInTheWindowAndExportsRelatedProducts() {
        ShapeLibrary shapes(3);
        fixtures::TempDir work;
        const fs::path csv = work / "products.csv";
        {
            std::ofstream out(csv);
            out << "sku,name,price,url\n";
            for (const char* colour : fixtures::kColourNames)
                for (const char* shape : fixtures::kShapeNames)
                    out << colour << '-' << shape << ',' << colour << ' ' << shape << ",10.00,https://shop.example/"
                        << colour << '-' << shape << '\n';
            out << "NOPE,Ghost,1,\n";
        }
        ui::MainWindow window(optionsFor(shapes.library()));
        window.show();
        QVERIFY(waitUntilReady(window));
        QSignalSpy loaded(&window, &ui::MainWindow::viewLoaded);
        QSignalSpy finished(&window, &ui::MainWindow::jobFinished);
        // The import is a job: Cancel stops it and the catalog keeps no row of it.
        window.products()->importProductsCsv(QString::fromStdString(csv.string()));
        QVERIFY(window.isBusy());
        window.cancelJob();
        QVERIFY(waitForMore(finished, 0));
        QCOMPARE(finished.back().at(0).toString(), QStringLiteral("products"));
        QVERIFY(!finished.back().at(1).toBool());
        QVERIFY2(window.statusText().startsWith(QLatin1String("Cancelled.")), qPrintable(window.statusText()));
        QCOMPARE(catalog::Catalog::open(shapes.library()).productCount(), 0);

        window.products()->importProductsCsv(QString::fromStdString(csv.string()));
        QTRY_VERIFY_WITH_TIMEOUT(window.findChild<QMessageBox*>(QStringLiteral("unimportedProductRows")) != nullptr, kWait);
        auto* box = window.findChild<QMessageBox*>(QStringLiteral("unimportedProductRows"));
        QVERIFY(box->detailedText().startsWith(QLatin1String("line 11: NOPE: no product has this SKU")));
        box->close();
        QVERIFY(window.statusText().contains(QLatin1String("9 rows matched, 27 photos linked to products, 1 row not imported")));
        QVERIFY(waitForMore(loaded, 0));

        catalog::Catalog catalog = catalog::Catalog::open(shapes.library());
        const QModelIndex first = window.gridModel()->index(0);
        const catalog::ItemId item = window.gridModel()->idAt(0);
        const std::string kind = shapes.kindOf(catalog, item);
        const QString tooltip = first.data(Qt::ToolTipRole).toString();
        QVERIFY2(tooltip.contains(QStringLiteral("SKU %1").arg(QString::fromStdString(kind))), qPrintable(tooltip));
        QVERIFY(tooltip.contains(QLatin1String("10.00")));

        // The product name has a space where the file names have a hyphen.
        const qsizetype before = loaded.count();
        window.setNameFilter(QStringLiteral("GREEN square"));
        QVERIFY(waitForMore(loaded, before));
        QCOMPARE(window.gridModel()->rowCount(), 3);
        for (const ui::ItemRow& row : window.gridModel()->rows())
            QCOMPARE(shapes.kindOf(catalog, row.id), std::string("green-square"));
        window.setNameFilter({});
        QTRY_COMPARE_WITH_TIMEOUT(window.gridModel()->rowCount(), 27, kWait);

        selectRows(window, {window.gridModel()->rowOf(item)});
        QTRY_VERIFY_WITH_TIMEOUT(window.detailPanel()->shownItem() == item && !shownLookalikes(window).empty(), kWait);
        auto* product = window.detailPanel()->findChild<QLabel*>(QStringLiteral("productDetails"));
        QVERIFY(product && product->isVisible());
        QVERIFY2(product->text().contains(QStringLiteral("SKU %1").arg(QString::fromStdString(kind))), qPrintable(product->text()));
        QVERIFY(product->text().contains(QLatin1String("of 3")));
        QVERIFY(product->text().contains(QStringLiteral("href=\"https://shop.example/%1\"").arg(QString::fromStdString(kind))));
        std::set<std::string> kinds;
        for (catalog::ItemId shown : shownLookalikes(window)) {
            QVERIFY(shapes.kindOf(catalog, shown) != kind);                  // not its own product's photos
            QVERIFY(kinds.insert(shapes.kindOf(catalog, shown)).second);     // each product once
        }
        QCOMPARE(kinds.size(), std::size_t{8});
        auto* everyPhoto = window.detailPanel()->findChild<QCheckBox*>();
        QVERIFY(everyPhoto);
        everyPhoto->setChecked(true);
        QTRY_VERIFY_WITH_TIMEOUT(!shownLookalikes(window).empty() &&
                                     shapes.kindOf(catalog, shownLookalikes(window).front()) == kind, kWait);
        QCOMPARE(shapes.kindOf(catalog, shownLookalikes(window)[1]), kind);  // the product's other photo

        const fs::path exported = work / "related.csv";
        QSignalSpy done(window.products(), &ui::ProductController::exported);
        services::RelatedProductsOptions options;
        options.k = 2;
        window.products()->exportRelated(QString::fromStdString(exported.string()), ui::ProductController::ExportFormat::Csv,
                                         options);
        QVERIFY(window.isBusy());  // a job, with progress and Cancel in the status bar
        QVERIFY(waitForMore(done, 0));
        QCOMPARE(done.front().at(1).toLongLong(), 9);
        std::ifstream in(exported);
        std::string line;
        std::vector<std::string> lines;
        while (std::getline(in, line))
            lines.push_back(line);
        QCOMPARE(lines.size(), std::size_t{10});
        QCOMPARE(lines[0], std::string("sku,related_skus"));
        QVERIFY(lines[1].starts_with("blue-circle,\"") && std::count(lines[1].begin(), lines[1].end(), ',') == 2);
        QVERIFY(window.statusText().contains(QLatin1String("Exported the related products of 9 products")));
    }

    void importShowsProgressAndCollectsProblems() {
        ShapeLibrary shapes(2, /*import=*/false);
        fixtures::writeBytes(shapes.dir.path() / "photos" / "broken.jpg", std::vector<std::uint8_t>(300, 0x42));
        ui::MainWindow window(optionsFor(shapes.library()));
        window.show();
        QTRY_VERIFY_WITH_TIMEOUT(!window.isBusy(), kWait);
        auto* pages = window.findChild<QStackedWidget*>();
        QVERIFY(pages);
        QCOMPARE(pages->currentWidget()->objectName(), QStringLiteral("welcomePage"));

        QSignalSpy finished(&window, &ui::MainWindow::jobFinished);
        window.importFolders({QString::fromStdString((shapes.dir.path() / "photos").string())});
        QVERIFY(window.isBusy());
        QVERIFY(waitForMore(finished, 0));
        QCOMPARE(finished.front().at(0).toString(), QStringLiteral("import"));
        QVERIFY(finished.front().at(1).toBool());
        QTRY_COMPARE_WITH_TIMEOUT(window.gridModel()->rowCount(), static_cast<int>(shapes.files.size()), kWait);
        QCOMPARE(pages->currentWidget()->objectName(), QStringLiteral("browserSplitter"));
        QCOMPARE(window.importProblems().size(), std::size_t{1});
        QVERIFY(QString::fromStdString(window.importProblems().front().path).endsWith(QLatin1String("broken.jpg")));
        QVERIFY2(window.statusText().contains(QLatin1String("could not be used")), qPrintable(window.statusText()));
        // Imported items are embedded: look-alikes work straight away.
        selectRows(window, {0});
        QTRY_VERIFY_WITH_TIMEOUT(!shownLookalikes(window).empty(), kWait);
    }

    void cancellingTrainingLeavesTheOldModelInUse() {
        ShapeLibrary shapes(4);
        shapes.curate(2);
        ui::MainWindow window(optionsFor(shapes.library()));
        window.show();
        QVERIFY(waitUntilReady(window));
        const std::optional<catalog::ModelId> before = window.activeModel();
        QVERIFY(before.has_value());
        QSignalSpy finished(&window, &ui::MainWindow::jobFinished);
        window.startTraining();
        QVERIFY(window.isBusy());
        QVERIFY(window.trainingDialog()->isVisible());
        QTRY_VERIFY_WITH_TIMEOUT(window.trainingDialog()->plottedSteps() > 0, kWait);  // the loss curve is live
        window.cancelJob();
        QVERIFY(waitForMore(finished, 0));
        QCOMPARE(finished.back().at(0).toString(), QStringLiteral("train"));
        QVERIFY(!finished.back().at(1).toBool());
        // The job's own exception reaches the GUI (not a wrapper without its message).
        QVERIFY2(window.statusText().startsWith(QLatin1String("Cancelled.")), qPrintable(window.statusText()));
        QCOMPARE(window.activeModel(), before);
        catalog::Catalog catalog = catalog::Catalog::open(shapes.library());
        catalog::ModelStore models(catalog);
        QCOMPARE(models.activeModel(), before);
        for (const catalog::ModelRecord& model : models.models())
            if (model.id != *before)
                QCOMPARE(model.state, catalog::ModelState::Failed);
        // Look-alikes still come from the old model.
        selectRows(window, {0});
        QTRY_VERIFY_WITH_TIMEOUT(!shownLookalikes(window).empty(), kWait);
    }

    void itemsDroppedOnAGroupJoinIt() {
        ShapeLibrary shapes(2);
        {
            catalog::Catalog catalog = catalog::Catalog::open(shapes.library());
            catalog.createGroup("Favourites", 0);
        }
        ui::MainWindow window(optionsFor(shapes.library()));
        window.show();
        QVERIFY(waitUntilReady(window));
        QModelIndexList dragged{window.gridModel()->index(1), window.gridModel()->index(2)};
        std::unique_ptr<QMimeData> data(window.gridModel()->mimeData(dragged));
        const QList<QStandardItem*> found = window.sidebarModel()->findItems(QStringLiteral("Favourites (0)"),
                                                                             Qt::MatchExactly | Qt::MatchRecursive);
        QCOMPARE(found.size(), 1);
        const QModelIndex group = found.front()->index();
        QVERIFY(window.sidebarModel()->canDropMimeData(data.get(), Qt::CopyAction, -1, -1, group));
        QVERIFY(!window.sidebarModel()->canDropMimeData(data.get(), Qt::CopyAction, -1, -1,
                                                        window.sidebarModel()->index(0, 0)));  // not on "All items"
        window.sidebarModel()->dropMimeData(data.get(), Qt::CopyAction, -1, -1, group);
        catalog::Catalog catalog = catalog::Catalog::open(shapes.library());
        const catalog::GroupId id = catalog.findGroup("Favourites")->id;
        QTRY_COMPARE_WITH_TIMEOUT(catalog.groupMembers(id).size(), std::size_t{2}, kWait);
        QTRY_VERIFY_WITH_TIMEOUT(!window.sidebarModel()->findItems(QStringLiteral("Favourites (2)"),
                                                                   Qt::MatchExactly | Qt::MatchRecursive).isEmpty(), kWait);
    }

    void closingDuringTrainingCancelsCleanly() {
        ShapeLibrary shapes(4);
        shapes.curate(2);
        std::optional<catalog::ModelId> before;
        {
            ui::MainWindow window(optionsFor(shapes.library()));
            window.show();
            QVERIFY(waitUntilReady(window));
            before = window.activeModel();
            window.startTraining();
            QTRY_VERIFY_WITH_TIMEOUT(window.trainingDialog()->plottedSteps() > 0, kWait);
            window.close();
        }  // the destructor cancels the job and waits for it
        catalog::Catalog catalog = catalog::Catalog::open(shapes.library());
        catalog::ModelStore models(catalog);
        QCOMPARE(models.activeModel(), before);
        for (const catalog::ModelRecord& model : models.models())
            QVERIFY(model.id == *before || model.state == catalog::ModelState::Failed);
        // The library opens again and serves.
        ui::MainWindow again(optionsFor(shapes.library()));
        again.show();
        QVERIFY(waitUntilReady(again));
        selectRows(again, {0});
        QTRY_VERIFY_WITH_TIMEOUT(!shownLookalikes(again).empty(), kWait);
    }

    void aLibraryInUseElsewhereIsReportedNotShared() {
        fixtures::TempDir dir;
        const fs::path library = dir.path() / "library";
        catalog::LibraryLock held = catalog::LibraryLock::acquire(library, "lookalike-cli");
        ui::MainWindow window(optionsFor(library));
        QVERIFY(!window.isUsable());
        auto* message = window.findChild<QLabel*>(QStringLiteral("unusableLibrary"));
        QVERIFY(message);
        QVERIFY2(message->text().contains(QLatin1String("in use by lookalike-cli")), qPrintable(message->text()));
    }

    void reportsAnUnusableLibraryInsteadOfCrashing() {
        fixtures::TempDir dir;
        const fs::path library = dir.path() / "library";
        fs::create_directories(library);
        fixtures::writeBytes(catalog::catalogPath(library), std::vector<std::uint8_t>(4096, 'x'));
        ui::MainWindow window(optionsFor(library));
        QVERIFY(!window.isUsable());
        auto* message = window.findChild<QLabel*>(QStringLiteral("unusableLibrary"));
        QVERIFY(message);
        QVERIFY2(message->text().contains(QLatin1String("cannot be opened")), qPrintable(message->text()));
    }
};

QTEST_MAIN(MainWindowTest)
#include "main_window_test.moc"
