#pragma once
// The application window. For now it shows the library and its size; the catalog browser
// arrives with the GUI work.

#include <QMainWindow>

#include <filesystem>

class QLabel;

namespace lookalike::ui {

class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    explicit MainWindow(std::filesystem::path libraryDir, QWidget* parent = nullptr);

private:
    void refresh();

    std::filesystem::path m_libraryDir;
    QLabel* m_summary = nullptr;
};

}  // namespace lookalike::ui
