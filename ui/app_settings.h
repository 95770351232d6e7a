#pragma once
// The user's preferences, kept with QSettings: where the library lives, the thumbnail size
// and the training knobs under Advanced. Window geometry is saved by the window itself.

#include <QDialog>
#include <QString>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLineEdit;
class QSlider;

namespace lookalike::ui {

struct AppSettings {
    QString libraryDir;       // empty: the default library
    int thumbnailSize = 128;  // grid tiles, device-independent pixels
    double trainingEpochs = 0.0;  // 0: chosen from the library's size
    int inputSize = 96;       // network input, pixels (the compact ResNet's)
    bool pretrainedBackbone = false;  // train on the pretrained MobileNetV2 (opt-in, see README)
    int lookalikeCount = 12;
    double minimumSimilarity = 0.0;

    static constexpr int kMinThumbnail = 64;
    static constexpr int kMaxThumbnail = 256;

    static AppSettings load();
    void save() const;
};

class SettingsDialog : public QDialog {
    Q_OBJECT

public:
    SettingsDialog(const AppSettings& settings, const QString& defaultLibraryDir, QWidget* parent = nullptr);
    AppSettings settings() const;

private:
    AppSettings m_settings;
    QLineEdit* m_library = nullptr;
    QSlider* m_thumbnail = nullptr;
    QDoubleSpinBox* m_epochs = nullptr;
    QComboBox* m_inputSize = nullptr;
    QCheckBox* m_pretrainedBackbone = nullptr;
};

}  // namespace lookalike::ui
