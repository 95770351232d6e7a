#include "core/catalog/catalog.h"
#include "ui/main_window.h"

#include <QLabel>
#include <QTemporaryDir>
#include <QtTest>

using namespace lookalike;

class MainWindowTest : public QObject {
    Q_OBJECT

private slots:
    void showsTheLibraryAndItsItemCount() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        std::filesystem::path library = dir.filePath("library").toStdString();
        {
            catalog::Catalog catalog = catalog::Catalog::open(library);
            catalog::ItemData item;
            item.contentHash.fill(7);
            item.sourcePath = "/photos/a.jpg";
            item.displayName = "a";
            item.width = item.height = 10;
            item.fileSize = 100;
            item.thumbnail = {10, 10, {0xFF, 0xD8}};
            catalog.addItem(item, 0);
        }
        ui::MainWindow window(library);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* summary = window.findChild<QLabel*>();
        QVERIFY(summary);
        QVERIFY2(summary->text().contains("1 item"), qPrintable(summary->text()));
        QVERIFY(summary->text().contains(QString::fromStdString(library.string())));
    }

    void reportsAnUnusableLibraryInsteadOfCrashing() {
        QTemporaryDir dir;
        std::filesystem::path library = dir.filePath("library").toStdString();
        std::filesystem::create_directories(library);
        QFile garbage(QString::fromStdString(catalog::catalogPath(library).string()));
        QVERIFY(garbage.open(QIODevice::WriteOnly));
        garbage.write(QByteArray(4096, 'x'));
        garbage.close();
        ui::MainWindow window(library);
        auto* summary = window.findChild<QLabel*>();
        QVERIFY(summary);
        QVERIFY2(summary->text().contains("cannot be opened"), qPrintable(summary->text()));
    }
};

QTEST_MAIN(MainWindowTest)
#include "main_window_test.moc"
