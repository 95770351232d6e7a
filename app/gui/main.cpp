// lookalike: the desktop application. Thin: it parses the command line, chooses the library
// and shows the window; everything else lives in ui/ and core/.

#include "core/catalog/catalog.h"
#include "core/datasets/sample_catalog.h"
#include "core/services/library.h"
#include "core/util/file_util.h"
#include "ui/app_settings.h"
#include "ui/english_plurals.h"
#include "ui/main_window.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QMessageBox>

#include <memory>

namespace {

std::unique_ptr<lookalike::ui::MainWindow> openWindow(const lookalike::ui::MainWindow::Options& options) {
    auto window = std::make_unique<lookalike::ui::MainWindow>(options);
    window->show();
    return window;
}

}  // namespace

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Lookalike"));
    QApplication::setOrganizationName(QStringLiteral("Lookalike"));
    QApplication::setApplicationVersion(QStringLiteral(LOOKALIKE_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("org.lookalike.Lookalike"));
    lookalike::ui::installEnglishPlurals();
    // The installed theme icon, else the same SVG built into the program.
    QApplication::setWindowIcon(QIcon::fromTheme(QStringLiteral("org.lookalike.Lookalike"),
                                                 QIcon(QStringLiteral(":/icons/lookalike.svg"))));

    QCommandLineParser parser;
    parser.setApplicationDescription(QApplication::translate("main", "Visual product search for small shops"));
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption libraryOption(QStringLiteral("library"),
                                     QApplication::translate("main", "Use the library in <folder>."),
                                     QApplication::translate("main", "folder"));
    QCommandLineOption demoOption(QStringLiteral("demo"),
                                  QApplication::translate("main", "Open the demo library: import the built-in sample "
                                                                  "catalog, group half of it and train on it."));
    parser.addOption(libraryOption);
    parser.addOption(demoOption);
    parser.process(app);

    lookalike::ui::MainWindow::Options options;
    options.library.pretrainedModel = lookalike::services::defaultPretrainedModel();
    options.library.pretrainedBackbone = lookalike::services::defaultPretrainedBackbone();
    if (parser.isSet(demoOption)) {
        options.demo = true;
        options.location = parser.isSet(libraryOption)
                               ? lookalike::catalog::LibraryLocation::parse(parser.value(libraryOption).toStdString())
                               : lookalike::catalog::LibraryLocation(lookalike::xdgDataHome() / "lookalike" / "demo");
        try {
            options.samplePhotos = lookalike::datasets::sampleCatalogDir();
            options.sampleGroups = lookalike::datasets::sampleGroupsCsv();
        } catch (const std::exception& error) {
            QMessageBox::critical(nullptr, QApplication::translate("main", "Lookalike"), QString::fromStdString(error.what()));
            return 1;
        }
    } else if (parser.isSet(libraryOption)) {
        options.location = lookalike::catalog::LibraryLocation::parse(parser.value(libraryOption).toStdString());
    } else {
        const QString chosen = lookalike::ui::AppSettings::load().libraryDir;
        options.location = chosen.isEmpty() ? lookalike::catalog::LibraryLocation(lookalike::catalog::defaultLibraryDir())
                                            : lookalike::catalog::LibraryLocation::parse(chosen.toStdString());
    }

    std::unique_ptr<lookalike::ui::MainWindow> window;
    // Settings can move the library: the window for it replaces this one.
    std::function<void()> connectWindow = [&] {
        QObject::connect(window.get(), &lookalike::ui::MainWindow::libraryChangeRequested, &app,
                         [&](const QString& libraryDir) {
                             options.location = lookalike::catalog::LibraryLocation::parse(libraryDir.toStdString());
                             options.demo = false;
                             window->hide();
                             window = openWindow(options);
                             connectWindow();
                         }, Qt::QueuedConnection);
    };
    window = openWindow(options);
    connectWindow();
    return QApplication::exec();
}
