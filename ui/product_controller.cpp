#include "ui/product_controller.h"

#include "core/services/library.h"
#include "core/services/product_csv_import.h"
#include "core/util/file_util.h"
#include "ui/job_runner.h"
#include "ui/unimported_rows.h"

#include <QAction>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QSpinBox>

#include <filesystem>
#include <memory>
#include <sstream>

namespace lookalike::ui {

ProductController::ProductController(JobRunner& jobs, catalog::Catalog* reader, QWidget* window)
    : QObject(window), m_jobs(jobs), m_reader(reader), m_window(window) {
    m_importAction = new QAction(tr("Import &Product Data…"), window);
    m_importAction->setToolTip(tr("SKU, name, price and product page of your photos, from a CSV with the columns "
                                  "file or sku, and name, price, url"));
    connect(m_importAction, &QAction::triggered, this, &ProductController::askImport);
    m_exportAction = new QAction(tr("&Export Related Products…"), window);
    m_exportAction->setToolTip(tr("Each product's look-alikes by SKU, as a CSV or JSON file your web shop imports"));
    connect(m_exportAction, &QAction::triggered, this, &ProductController::askExport);
}

void ProductController::updateActions(bool idle, bool writable) {
    const bool hasItems = m_reader && m_reader->itemCount() > 0;
    m_importAction->setEnabled(hasItems && writable && idle);
    m_exportAction->setEnabled(hasItems && idle);
}

void ProductController::askImport() {
    const QString csv = QFileDialog::getOpenFileName(m_window, tr("Import Product Data"), QDir::homePath(),
                                                     tr("CSV files (*.csv);;All files (*)"));
    if (!csv.isEmpty())
        importProductsCsv(csv);
}

void ProductController::importProductsCsv(const QString& csvPath) {
    const std::filesystem::path csv = csvPath.toStdString();
    auto report = std::make_shared<services::ProductCsvImportReport>();
    m_jobs.run(QStringLiteral("products"), tr("Importing product data…"),
               [csv, report](services::Library& library, JobState& job) {
                   *report = services::importProductsCsv(library.catalog(), csv, job.reporter(QStringLiteral("products")),
                                                         &job.cancel);
               },
               [this, csvPath, report] {
                   QString done = tr("Product data from %1: %n row(s) matched", nullptr, static_cast<int>(report->matched))
                                      .arg(QFileInfo(csvPath).fileName());
                   done += tr(", %n photo(s) linked to products", nullptr, static_cast<int>(report->photosLinked));
                   if (!report->problems.empty())
                       done += tr(", %n row(s) not imported", nullptr, static_cast<int>(report->problems.size()));
                   emit imported(done + QLatin1Char('.'));
                   if (!report->problems.empty())
                       showUnimportedRows(m_window, tr("Import Product Data"), csvPath, report->problems,
                                          QStringLiteral("unimportedProductRows"));
               });
}

void ProductController::askExport() {
    QDialog dialog(m_window);
    dialog.setWindowTitle(tr("Export Related Products"));
    auto* form = new QFormLayout(&dialog);
    auto* format = new QComboBox(&dialog);
    format->addItem(tr("CSV: sku,related_skus (WooCommerce cross-sells, Shopify metafields)"));
    format->addItem(tr("JSON: an object per SKU with scores"));
    auto* count = new QSpinBox(&dialog);
    count->setRange(1, 100);
    count->setValue(8);
    auto* minimum = new QDoubleSpinBox(&dialog);
    minimum->setRange(0.0, 1.0);
    minimum->setSingleStep(0.05);
    minimum->setDecimals(2);
    minimum->setValue(0.0);
    form->addRow(tr("&Format:"), format);
    form->addRow(tr("Related products per &product:"), count);
    form->addRow(tr("&Minimum similarity:"), minimum);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    form->addRow(buttons);
    if (dialog.exec() != QDialog::Accepted)
        return;
    const ExportFormat chosen = format->currentIndex() == 1 ? ExportFormat::Json : ExportFormat::Csv;
    const QString suffix = chosen == ExportFormat::Json ? QStringLiteral("json") : QStringLiteral("csv");
    QString path = QFileDialog::getSaveFileName(m_window, tr("Export Related Products"),
                                                QDir::home().filePath(QStringLiteral("related-products.") + suffix),
                                                chosen == ExportFormat::Json ? tr("JSON files (*.json)") : tr("CSV files (*.csv)"));
    if (path.isEmpty())
        return;
    if (QFileInfo(path).suffix().isEmpty())
        path += QLatin1Char('.') + suffix;
    services::RelatedProductsOptions options;
    options.k = static_cast<std::size_t>(count->value());
    options.minScore = minimum->value() > 0.0 ? static_cast<float>(minimum->value()) : -1.0f;
    exportRelated(path, chosen, options);
}

void ProductController::exportRelated(const QString& path, ExportFormat format,
                                      const services::RelatedProductsOptions& options) {
    const std::filesystem::path file = path.toStdString();
    auto products = std::make_shared<qint64>(0);
    m_jobs.run(QStringLiteral("export"), tr("Exporting related products…"),
               [file, format, options, products](services::Library& library, JobState& job) {
                   const services::RelatedProductsExport related =
                       services::relatedProducts(library, options, job.reporter(QStringLiteral("export")), &job.cancel);
                   std::ostringstream text;
                   if (format == ExportFormat::Json)
                       services::writeRelatedJson(text, related);
                   else
                       services::writeRelatedCsv(text, related);
                   const std::string bytes = text.str();
                   writeFileAtomically(file, std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
                   *products = static_cast<qint64>(related.products.size());
               },
               [this, path, products] {
                   emit statusMessage(tr("Exported the related products of %n product(s) to %1.", nullptr,
                                         static_cast<int>(*products))
                                          .arg(QDir::toNativeSeparators(path)));
                   emit exported(path, *products);
               });
}

}  // namespace lookalike::ui
