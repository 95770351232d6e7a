#pragma once
// The shop's product data in the window: File > Import Product Data… (a CSV of file or sku,
// name, price, url; a job with progress and Cancel, in one transaction, so that a cancel or an
// error changes nothing) and File > Export Related Products… (each product's look-alike products
// by SKU as CSV or JSON, a job with progress and Cancel, written to a temporary file and
// renamed). GUI thread only.

#include "core/catalog/catalog.h"
#include "core/services/related_products.h"

#include <QObject>
#include <QString>

class QAction;
class QWidget;

namespace lookalike::ui {

class JobRunner;

class ProductController : public QObject {
    Q_OBJECT

public:
    enum class ExportFormat { Csv, Json };

    // `reader` is null when the library could not be opened; the actions are
    // children of `window`, which parents the dialogs.
    ProductController(JobRunner& jobs, catalog::Catalog* reader, QWidget* window);

    QAction* importAction() const { return m_importAction; }
    QAction* exportAction() const { return m_exportAction; }
    void updateActions(bool idle, bool writable);

    // Stores the CSV's product data (services::importProductsCsv) as a job; rows it could not
    // use are listed in a dialog. Emits imported on success.
    void importProductsCsv(const QString& csvPath);
    // Writes the related products to `path` as a job; emits exported when the file is written.
    void exportRelated(const QString& path, ExportFormat format, const services::RelatedProductsOptions& options);

signals:
    void imported(const QString& done);  // the product data changed: `done` says how
    void exported(const QString& path, qint64 products);
    void statusMessage(const QString& message);
    void failed(const QString& message);

private:
    void askImport();
    void askExport();

    JobRunner& m_jobs;
    catalog::Catalog* m_reader;
    QWidget* m_window;
    QAction* m_importAction = nullptr;
    QAction* m_exportAction = nullptr;
};

}  // namespace lookalike::ui
