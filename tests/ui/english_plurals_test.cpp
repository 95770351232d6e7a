// EnglishPlurals: "(s)" follows the count of a string's %n, and every other string is left alone.

#include "ui/english_plurals.h"

#include <QCoreApplication>
#include <QtTest>

using namespace lookalike;

class EnglishPluralsTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { ui::installEnglishPlurals(); }

    void theCountChoosesTheForm() {
        QCOMPARE(QCoreApplication::translate("Test", "Imported %n new photo(s)", nullptr, 1),
                 QStringLiteral("Imported 1 new photo"));
        QCOMPARE(QCoreApplication::translate("Test", "Imported %n new photo(s)", nullptr, 0),
                 QStringLiteral("Imported 0 new photos"));
        QCOMPARE(QCoreApplication::translate("Test", "Removed %n item(s) from %1.", nullptr, 12).arg(QStringLiteral("Bags")),
                 QStringLiteral("Removed 12 items from Bags."));
        QCOMPARE(QCoreApplication::translate("Test", "%n row(s) of %1: %n row(s)", nullptr, 2),
                 QStringLiteral("2 rows of %1: 2 rows"));
    }

    void stringsWithoutACountOrMarkerAreNotTranslated() {
        ui::EnglishPlurals plurals;
        QVERIFY(plurals.translate("Test", "Photo(s) in the library").isNull());  // no count
        QVERIFY(plurals.translate("Test", "%n photos", nullptr, 3).isNull());     // no marker
        QCOMPARE(QCoreApplication::translate("Test", "Photo(s) in the library"), QStringLiteral("Photo(s) in the library"));
        QCOMPARE(QCoreApplication::translate("Test", "%n photos", nullptr, 3), QStringLiteral("3 photos"));
    }
};

QTEST_GUILESS_MAIN(EnglishPluralsTest)
#include "english_plurals_test.moc"
