#pragma once
// Importing folders of photos as a background job, the files an import could not use
// (Import Problems), and what is dropped on the window: folders are imported, a photo is
// searched for. GUI thread only.

#include "core/catalog/catalog.h"
#include "core/services/importer.h"

#include <QObject>
#include <QStringList>

#include <vector>

class QAction;
class QMimeData;
class QToolButton;
class QWidget;

namespace lookalike::ui {

class JobRunner;

class ImportController : public QObject {
    Q_OBJECT

public:
    // `reader` is null when the library could not be opened: nothing is imported then. The
    // actions and the status bar button are children of `window`, which parents the dialogs.
    ImportController(JobRunner& jobs, catalog::Catalog* reader, QWidget* window);

    QAction* importAction() const { return m_importAction; }
    QAction* problemsAction() const { return m_problemsAction; }
    QToolButton* problemsButton() const { return m_problemsButton; }  // for the status bar
    void updateActions(bool idle);

    // Imports the folders and their subfolders, then embeds and indexes what is new.
    void importFolders(const QStringList& folders);
    void chooseFolder();
    void showProblems();
    const std::vector<catalog::ImportErrorRecord>& problems() const { return m_problems; }

    // Local files only, and only into a library that opened.
    bool acceptsDrop(const QMimeData* data) const;
    // Imports the dropped folders; without any, searches for the first photo.
    void drop(const QMimeData* data);

signals:
    void statusMessage(const QString& message);
    // After an import job that succeeded, even when it was cancelled part way.
    void imported(const services::ImportReport& report);
    void photoDropped(const QString& path);

private:
    JobRunner& m_jobs;
    catalog::Catalog* m_reader;
    QWidget* m_window;
    QAction* m_importAction = nullptr;
    QAction* m_problemsAction = nullptr;
    QToolButton* m_problemsButton = nullptr;
    std::vector<catalog::ImportErrorRecord> m_problems;
};

}  // namespace lookalike::ui
