#include "ui/import_controller.h"

#include "core/services/library.h"
#include "ui/job_runner.h"
#include "ui/make_action.h"

#include <QAction>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QMimeData>
#include <QStandardItemModel>
#include <QStyle>
#include <QTableView>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>

#include <filesystem>
#include <memory>

namespace lookalike::ui {

ImportController::ImportController(JobRunner& jobs, catalog::Catalog* reader, QWidget* window)
    : QObject(window), m_jobs(jobs), m_reader(reader), m_window(window) {
    m_importAction = makeAction(window, QStyle::SP_DialogOpenButton, tr("&Import Folder…"), QKeySequence(tr("Ctrl+I")),
                                tr("Import the photos of a folder and its subfolders"));
    connect(m_importAction, &QAction::triggered, this, &ImportController::chooseFolder);

    m_problemsAction = new QAction(tr("Import &Problems…"), window);
    connect(m_problemsAction, &QAction::triggered, this, &ImportController::showProblems);
    m_problemsButton = new QToolButton(window);
    m_problemsButton->setDefaultAction(m_problemsAction);
    m_problemsButton->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_problemsButton->hide();
}

void ImportController::updateActions(bool idle) {
    m_importAction->setEnabled(idle);
    m_problemsAction->setEnabled(!m_problems.empty());
    m_problemsButton->setVisible(!m_problems.empty());
    m_problemsAction->setText(m_problems.empty() ? tr("Import &Problems…")
                                                 : tr("%n Import Problem(s)…", nullptr, static_cast<int>(m_problems.size())));
}

void ImportController::chooseFolder() {
    QString folder = QFileDialog::getExistingDirectory(m_window, tr("Import a Folder of Photos"), QDir::homePath());
    if (!folder.isEmpty())
        importFolders({folder});
}

void ImportController::importFolders(const QStringList& folders) {
    if (!m_reader || folders.isEmpty())
        return;
    std::vector<std::filesystem::path> roots;
    for (const QString& folder : folders)
        roots.push_back(std::filesystem::path(folder.toStdString()));
    auto report = std::make_shared<services::ImportReport>();
    m_jobs.run(QStringLiteral("import"), tr("Importing…"),
               [roots, report](services::Library& library, JobState& job) {
                   services::ImportOptions options;
                   *report = services::importFolders(library.catalog(), roots, options,
                                                     job.reporter(QStringLiteral("import")), &job.cancel);
                   if (!report->cancelled)
                       library.refresh(job.reporter({}), &job.cancel);
               },
               [this, report] {
                   m_problems = report->failures;
                   const auto& counts = report->counts;
                   QString summary = tr("Imported %n new photo(s)", nullptr, static_cast<int>(counts.imported));
                   if (counts.updated > 0)
                       summary += tr(", %n updated", nullptr, static_cast<int>(counts.updated));
                   if (counts.duplicates > 0)
                       summary += tr(", %n duplicate(s) joined existing items", nullptr, static_cast<int>(counts.duplicates));
                   if (counts.skipped > 0)
                       summary += tr(", %n unchanged", nullptr, static_cast<int>(counts.skipped));
                   if (counts.failed > 0)
                       summary += tr(", %n could not be used (see Import Problems)", nullptr, static_cast<int>(counts.failed));
                   summary += report->cancelled ? tr(". Cancelled; what was imported is kept.") : QStringLiteral(".");
                   emit statusMessage(summary);
                   emit imported(*report);
               });
}

void ImportController::showProblems() {
    auto* dialog = new QDialog(m_window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("Import Problems"));
    dialog->resize(760, 420);
    auto* layout = new QVBoxLayout(dialog);
    auto* text = new QLabel(tr("These files were not imported. The rest of the import went on."), dialog);
    layout->addWidget(text);
    auto* model = new QStandardItemModel(0, 2, dialog);
    model->setHorizontalHeaderLabels({tr("File"), tr("Reason")});
    for (const catalog::ImportErrorRecord& problem : m_problems) {
        auto* path = new QStandardItem(QDir::toNativeSeparators(QString::fromStdString(problem.path)));
        path->setToolTip(path->text());
        model->appendRow({path, new QStandardItem(QString::fromStdString(problem.reason))});
    }
    auto* table = new QTableView(dialog);
    table->setModel(model);
    table->setAccessibleName(tr("Import problems"));
    table->horizontalHeader()->setStretchLastSection(true);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->resizeColumnToContents(0);
    layout->addWidget(table);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, dialog);
    connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::close);
    layout->addWidget(buttons);
    dialog->show();
}

bool ImportController::acceptsDrop(const QMimeData* data) const {
    if (!m_reader || !data->hasUrls())
        return false;
    for (const QUrl& url : data->urls())
        if (!url.isLocalFile())
            return false;
    return true;
}

void ImportController::drop(const QMimeData* data) {
    QStringList folders;
    QString photo;
    for (const QUrl& url : data->urls()) {
        const QFileInfo file(url.toLocalFile());
        if (file.isDir())
            folders << file.absoluteFilePath();
        else if (photo.isEmpty() && file.isFile())
            photo = file.absoluteFilePath();
    }
    if (!folders.isEmpty())
        importFolders(folders);
    else if (!photo.isEmpty())
        emit photoDropped(photo);
}

}  // namespace lookalike::ui
