#pragma once
// The dialog both CSV imports (groups, product data) show for the rows they could not use:
// how many, with the reason for each row as its details. Non-modal; deletes itself on close.

#include <QString>

#include <string>
#include <vector>

class QWidget;

namespace lookalike::ui {

// `objectName` lets tests find the box.
void showUnimportedRows(QWidget* window, const QString& title, const QString& csvPath,
                        const std::vector<std::string>& problems, const QString& objectName);

}  // namespace lookalike::ui
