#include "ui/main_window.h"

#include "core/catalog/catalog.h"

#include <QApplication>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QVBoxLayout>

namespace lookalike::ui {

MainWindow::MainWindow(std::filesystem::path libraryDir, QWidget* parent)
    : QMainWindow(parent), m_libraryDir(std::move(libraryDir)) {
    setWindowTitle(tr("Lookalike"));
    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    m_summary = new QLabel(central);
    m_summary->setAlignment(Qt::AlignCenter);
    m_summary->setWordWrap(true);
    m_summary->setAccessibleName(tr("Library summary"));
    layout->addWidget(m_summary);
    setCentralWidget(central);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Lookalike"), this, [this] {
        QMessageBox::about(this, tr("About Lookalike"),
                           tr("Lookalike %1\nVisual product search for small shops.")
                               .arg(QStringLiteral(LOOKALIKE_VERSION)));
    });
    resize(720, 480);
    refresh();
}

void MainWindow::refresh() {
    try {
        catalog::Catalog catalog = catalog::Catalog::open(m_libraryDir);
        m_summary->setText(tr("Library: %1\n%n item(s)", nullptr, static_cast<int>(catalog.itemCount()))
                               .arg(QString::fromStdString(m_libraryDir.string())));
    } catch (const std::exception& error) {
        m_summary->setText(tr("The library cannot be opened:\n%1").arg(QString::fromUtf8(error.what())));
    }
}

}  // namespace lookalike::ui
