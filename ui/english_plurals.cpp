#include "ui/english_plurals.h"

#include <QCoreApplication>
#include <QString>

#include <cstring>

namespace lookalike::ui {

QString EnglishPlurals::translate(const char*, const char* sourceText, const char*, int n) const {
    // Without a count Qt passes n = -1; such strings have no plural to choose.
    static constexpr char kMarker[] = "(s)";
    if (n < 0 || !sourceText || !std::strstr(sourceText, kMarker))
        return {};
    QString text = QString::fromUtf8(sourceText);
    text.replace(QLatin1String(kMarker), n == 1 ? QString() : QStringLiteral("s"));
    return text;
}

void installEnglishPlurals() {
    QCoreApplication* application = QCoreApplication::instance();
    if (application)
        QCoreApplication::installTranslator(new EnglishPlurals(application));
}

}  // namespace lookalike::ui
