#include "ui/unimported_rows.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QMessageBox>
#include <QStringList>

namespace lookalike::ui {

void showUnimportedRows(QWidget* window, const QString& title, const QString& csvPath,
                        const std::vector<std::string>& problems, const QString& objectName) {
    QStringList lines;
    for (const std::string& problem : problems)
        lines << QString::fromStdString(problem);
    auto* box = new QMessageBox(QMessageBox::Information, title,
                                QCoreApplication::translate("UnimportedRows",
                                                            "%n row(s) of %1 could not be used; the others were imported.",
                                                            nullptr, static_cast<int>(problems.size()))
                                    .arg(QFileInfo(csvPath).fileName()),
                                QMessageBox::Close, window);
    box->setObjectName(objectName);
    box->setDetailedText(lines.join(QLatin1Char('\n')));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

}  // namespace lookalike::ui
