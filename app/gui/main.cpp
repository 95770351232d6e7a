#include "core/catalog/catalog.h"
#include "ui/main_window.h"

#include <QApplication>
#include <QCommandLineParser>

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Lookalike"));
    QApplication::setOrganizationName(QStringLiteral("Lookalike"));
    QApplication::setApplicationVersion(QStringLiteral(LOOKALIKE_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QApplication::translate("main", "Visual product search for small shops"));
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption libraryOption(QStringLiteral("library"),
                                     QApplication::translate("main", "Use the library in <folder>."),
                                     QApplication::translate("main", "folder"));
    parser.addOption(libraryOption);
    parser.process(app);

    std::filesystem::path library = parser.isSet(libraryOption)
                                        ? std::filesystem::path(parser.value(libraryOption).toStdString())
                                        : lookalike::catalog::defaultLibraryDir();
    lookalike::ui::MainWindow window(library);
    window.show();
    return QApplication::exec();
}
