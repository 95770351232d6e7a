#pragma once
// The English plural forms of the source strings. Lookalike's strings are English, and a count
// is written the Qt way, tr("%n item(s)", nullptr, n), which without a translation shows
// "1 item(s)". Installed on the application, this translator turns each "(s)" of a string that
// has a count into "" for 1 and "s" otherwise, so the window reads "1 item", "3 items" (a string
// with "(s)" must count only its %n). Every other string is left to the next translator or the
// source.

#include <QTranslator>

namespace lookalike::ui {

class EnglishPlurals : public QTranslator {
public:
    using QTranslator::QTranslator;

    QString translate(const char* context, const char* sourceText, const char* disambiguation = nullptr,
                      int n = -1) const override;
    bool isEmpty() const override { return false; }
};

// Installs EnglishPlurals on the running application (a child of it).
void installEnglishPlurals();

}  // namespace lookalike::ui
