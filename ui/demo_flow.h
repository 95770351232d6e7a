#pragma once
// `lookalike --demo` on an empty library: the whole loop a shop owner goes through. Once the
// window's startup refresh is done it imports the sample photos, selects the first one so that
// its look-alikes show before any label, curates half of the sample from the shipped groups
// CSV, and trains the network with its live loss curve, ending on the before/after comparison.
// Without a groups CSV it trains on the photos alone (no comparison then). Each step runs once.
// GUI thread only.

#include <QObject>

#include <filesystem>

namespace lookalike::ui {

class CurationController;
class ImportController;
class MainWindow;
class TrainingController;

class DemoFlow : public QObject {
    Q_OBJECT

public:
    // Starts listening: call it before the window's first job (the startup refresh) starts.
    DemoFlow(MainWindow& window, ImportController& import, CurationController& curation, TrainingController& training,
             std::filesystem::path samplePhotos, std::filesystem::path sampleGroups);

private:
    void afterImport();

    MainWindow& m_window;
    CurationController& m_curation;
    TrainingController& m_training;
    std::filesystem::path m_samplePhotos;
    std::filesystem::path m_sampleGroups;
};

}  // namespace lookalike::ui
