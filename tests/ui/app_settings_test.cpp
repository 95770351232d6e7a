// Settings keep a library location as given, a server's URI included, but never its password.

#include "ui/app_settings.h"

#include <QLineEdit>
#include <QStandardPaths>
#include <QtTest>

using namespace lookalike;

class AppSettingsTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void aServerUriIsKeptWithoutItsPassword() {
        ui::AppSettings settings;
        settings.libraryDir = QStringLiteral("postgresql://shop:s3cret@db.shop.lan/lookalike?password=x&sslmode=require");
        settings.save();
        QCOMPARE(ui::AppSettings::load().libraryDir, QStringLiteral("postgresql://shop@db.shop.lan/lookalike?sslmode=require"));

        settings.libraryDir = QStringLiteral("/srv/shop/library");
        settings.save();
        QCOMPARE(ui::AppSettings::load().libraryDir, QStringLiteral("/srv/shop/library"));
    }

    void theDialogTakesAUriAsTyped() {
        ui::AppSettings settings;
        ui::SettingsDialog dialog(settings, QStringLiteral("/home/ann/.local/share/lookalike/library"));
        auto* location = dialog.findChild<QLineEdit*>();
        QVERIFY(location != nullptr);
        QCOMPARE(location->text(), QStringLiteral("/home/ann/.local/share/lookalike/library"));
        location->setText(QStringLiteral("  postgresql:///lookalike?host=/run/postgresql&user=shop "));
        QCOMPARE(dialog.settings().libraryDir, QStringLiteral("postgresql:///lookalike?host=/run/postgresql&user=shop"));
        QVERIFY(location->toolTip().contains(QStringLiteral("~/.pgpass")));
    }
};

QTEST_MAIN(AppSettingsTest)
#include "app_settings_test.moc"
