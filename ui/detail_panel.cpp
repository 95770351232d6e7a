#include "ui/detail_panel.h"

#include "ui/photo_preview.h"
#include "ui/thumbnail_delegate.h"
#include "ui/thumbnail_loader.h"

#include <QCheckBox>
#include <QDir>
#include <QHBoxLayout>
#include <QLabel>
#include <QListView>
#include <QLocale>
#include <QMenu>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QVBoxLayout>

#include <cmath>

namespace lookalike::ui {

namespace {
constexpr int kPreviewSize = 240;
constexpr int kLookalikeThumbnail = 88;
}

DetailPanel::DetailPanel(ThumbnailLoader* loader, QWidget* parent) : QWidget(parent), m_loader(loader) {
    setObjectName(QStringLiteral("detailPanel"));
    auto* layout = new QVBoxLayout(this);

    m_preview = new PhotoPreview(this);
    m_preview->setObjectName(QStringLiteral("photoPreview"));
    m_preview->setMinimumSize(kPreviewSize, kPreviewSize);
    m_preview->setAccessibleName(tr("Selected photo"));
    m_preview->setAccessibleDescription(tr("Drag on the photo to search a region"));
    layout->addWidget(m_preview);
    connect(m_preview, &PhotoPreview::regionChanged, this, [this] {
        showRegionState();
        emit regionChanged();
    });

    m_title = new QLabel(this);
    m_title->setWordWrap(true);
    QFont titleFont = m_title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.25);
    titleFont.setBold(true);
    m_title->setFont(titleFont);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_title);

    m_product = new QLabel(this);
    m_product->setObjectName(QStringLiteral("productDetails"));
    m_product->setWordWrap(true);
    m_product->setTextFormat(Qt::RichText);
    m_product->setTextInteractionFlags(Qt::TextBrowserInteraction);
    m_product->setOpenExternalLinks(true);
    m_product->setAccessibleName(tr("Product"));
    layout->addWidget(m_product);

    m_facts = new QLabel(this);
    m_facts->setWordWrap(true);
    m_facts->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_facts->setAccessibleName(tr("Item details"));
    layout->addWidget(m_facts);

    auto* headingRow = new QHBoxLayout;
    m_heading = new QLabel(this);
    m_heading->setObjectName(QStringLiteral("lookalikesHeading"));
    QFont headingFont = m_heading->font();
    headingFont.setBold(true);
    m_heading->setFont(headingFont);
    headingRow->addWidget(m_heading, 1);
    m_wholePhoto = new QPushButton(tr("&Whole Photo"), this);
    m_wholePhoto->setObjectName(QStringLiteral("wholePhoto"));
    m_wholePhoto->setToolTip(tr("Search look-alikes of the whole photo again (Esc on the photo)"));
    headingRow->addWidget(m_wholePhoto);
    layout->addLayout(headingRow);
    connect(m_wholePhoto, &QPushButton::clicked, this, [this] {
        clearRegion();
        emit regionChanged();
    });

    auto* options = new QHBoxLayout;
    auto* countLabel = new QLabel(tr("&Show"), this);
    m_count = new QSpinBox(this);
    m_count->setRange(1, 100);
    m_count->setValue(12);
    m_count->setAccessibleName(tr("Number of look-alikes"));
    countLabel->setBuddy(m_count);
    m_minimumLabel = new QLabel(this);
    m_minimum = new QSlider(Qt::Horizontal, this);
    m_minimum->setRange(0, 100);
    m_minimum->setValue(0);
    m_minimum->setAccessibleName(tr("Minimum similarity"));
    m_minimum->setToolTip(tr("Hide look-alikes below this similarity"));
    options->addWidget(countLabel);
    options->addWidget(m_count);
    options->addSpacing(12);
    options->addWidget(m_minimumLabel);
    options->addWidget(m_minimum, 1);
    layout->addLayout(options);
    m_everyPhoto = new QCheckBox(tr("Every &photo of a product"), this);
    m_everyPhoto->setToolTip(tr("List each photo of a look-alike product, not only its best one"));
    layout->addWidget(m_everyPhoto);

    auto updateMinimumLabel = [this] { m_minimumLabel->setText(tr("at least %1%").arg(m_minimum->value())); };
    updateMinimumLabel();
    connect(m_count, &QSpinBox::valueChanged, this, &DetailPanel::lookalikeOptionsChanged);
    connect(m_minimum, &QSlider::valueChanged, this, updateMinimumLabel);
    connect(m_minimum, &QSlider::valueChanged, this, &DetailPanel::lookalikeOptionsChanged);
    connect(m_everyPhoto, &QCheckBox::toggled, this, &DetailPanel::lookalikeOptionsChanged);

    m_message = new QLabel(this);
    m_message->setWordWrap(true);
    m_message->setForegroundRole(QPalette::PlaceholderText);
    layout->addWidget(m_message);

    m_model = new ItemListModel(loader, this);
    m_model->setThumbnailSize(kLookalikeThumbnail, devicePixelRatioF());
    m_view = makeThumbnailView(m_model, kLookalikeThumbnail, tr("Look-alikes"), this);
    m_view->setObjectName(QStringLiteral("lookalikes"));
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setDragDropMode(QAbstractItemView::DragOnly);
    m_view->setContextMenuPolicy(Qt::CustomContextMenu);
    layout->addWidget(m_view, 1);

    connect(m_view, &QListView::activated, this, [this](const QModelIndex& index) {
        emit lookalikeActivated(m_model->idAt(index.row()));
    });
    connect(m_view, &QListView::clicked, this, [this](const QModelIndex& index) {
        emit lookalikeActivated(m_model->idAt(index.row()));
    });
    connect(m_view, &QWidget::customContextMenuRequested, this, &DetailPanel::showContextMenu);
    connect(loader, &ThumbnailLoader::loaded, this, &DetailPanel::onThumbnailLoaded);
    showNothing();
}

const std::optional<imaging::PhotoRegion>& DetailPanel::region() const {
    return m_preview->region();
}

void DetailPanel::clearRegion() {
    m_preview->clearRegion();
    showRegionState();
}

void DetailPanel::showRegionState() {
    const bool partOfPhoto = region().has_value();
    m_heading->setText(partOfPhoto ? tr("Look-alikes of the selected region") : tr("Look-alikes"));
    m_wholePhoto->setVisible(partOfPhoto);
}

int DetailPanel::previewPixels() const {
    return static_cast<int>(std::lround(kPreviewSize * devicePixelRatioF()));
}

void DetailPanel::showItem(const ItemDetails& details) {
    if (details.id != m_item)
        clearRegion();
    m_item = details.id;
    m_photoPath.clear();
    m_title->setText(details.name);
    QStringList facts;
    facts << tr("Path: %1").arg(QDir::toNativeSeparators(details.path)) + (details.fileMissing ? tr(" (missing)") : QString());
    facts << tr("Size: %1 × %2 px, %3").arg(details.width).arg(details.height).arg(QLocale().formattedDataSize(details.fileSize));
    facts << (details.group.isEmpty() ? tr("Group: none") : tr("Group: %1").arg(details.group));
    m_facts->setText(facts.join(QLatin1Char('\n')));
    showProduct(details);
    m_preview->setPixmap({});
    m_preview->setText(tr("Loading…"));
    m_loader->request(details.id, previewPixels());
}

void DetailPanel::showProduct(const ItemDetails& details) {
    m_product->setVisible(details.product.has_value());
    if (!details.product) {
        m_product->clear();
        return;
    }
    const catalog::Product& product = *details.product;
    QStringList lines;
    if (!product.name.empty())
        lines << QStringLiteral("<b>%1</b>").arg(QString::fromStdString(product.name).toHtmlEscaped());
    QStringList facts;
    if (!product.sku.empty())
        facts << tr("SKU %1").arg(QString::fromStdString(product.sku).toHtmlEscaped());
    if (!product.price.empty())
        facts << QString::fromStdString(product.price).toHtmlEscaped();
    if (details.productPhotos > 1)
        facts << tr("photo %1 of %2").arg(details.productPhoto).arg(details.productPhotos);
    if (!facts.isEmpty())
        lines << facts.join(QStringLiteral(" · "));
    if (!product.url.empty()) {
        const QString url = QString::fromStdString(product.url).toHtmlEscaped();
        lines << QStringLiteral("<a href=\"%1\">%2</a>").arg(url, tr("Product page"));
    }
    m_product->setText(lines.join(QStringLiteral("<br>")));
}

void DetailPanel::showPhoto(const QString& path, const QImage& image) {
    if (m_item != 0 || path != m_photoPath)
        clearRegion();
    m_item = 0;
    m_photoPath = path;
    m_product->hide();
    m_title->setText(tr("Photo: %1").arg(QFileInfo(path).fileName()));
    m_facts->setText(tr("Path: %1\nSearched by photo; it is not in the catalog.").arg(QDir::toNativeSeparators(path)));
    if (image.isNull()) {  // still being read, or unreadable for Qt
        m_preview->setPixmap({});
        return;
    }
    QPixmap pixmap = QPixmap::fromImage(image.scaled(previewPixels(), previewPixels(), Qt::KeepAspectRatio, Qt::SmoothTransformation));
    pixmap.setDevicePixelRatio(devicePixelRatioF());
    m_preview->setPixmap(pixmap);
}

void DetailPanel::showNothing() {
    clearRegion();
    m_item = 0;
    m_photoPath.clear();
    m_preview->setPixmap({});
    m_preview->setText(tr("Select an item to see its look-alikes."));
    m_title->clear();
    m_facts->clear();
    m_product->clear();
    m_product->hide();
    setLookalikes({});
}

void DetailPanel::onThumbnailLoaded(qint64 item, int pixelSize, const QImage& image) {
    if (item != m_item || pixelSize != previewPixels())
        return;
    if (image.isNull()) {
        m_preview->setText(tr("No preview"));
        return;
    }
    QPixmap pixmap = QPixmap::fromImage(image.width() < pixelSize && image.height() < pixelSize
                                            ? image.scaled(pixelSize, pixelSize, Qt::KeepAspectRatio, Qt::SmoothTransformation)
                                            : image);
    pixmap.setDevicePixelRatio(devicePixelRatioF());
    m_preview->setPixmap(pixmap);
}

void DetailPanel::setLookalikes(std::vector<ItemRow> rows, const QString& message) {
    const bool empty = rows.empty();
    m_model->setRows(std::move(rows));
    m_message->setText(empty ? message : QString());
    m_message->setVisible(empty && !message.isEmpty());
}

void DetailPanel::setLookalikeMessage(const QString& message) {
    m_model->setRows({});
    m_message->setText(message);
    m_message->setVisible(!message.isEmpty());
}

int DetailPanel::lookalikeCount() const {
    return m_count->value();
}

bool DetailPanel::everyPhoto() const {
    return m_everyPhoto->isChecked();
}

double DetailPanel::minimumSimilarity() const {
    return m_minimum->value() / 100.0;
}

void DetailPanel::setLookalikeOptions(int count, double minimumSimilarity) {
    m_count->setValue(count);
    m_minimum->setValue(static_cast<int>(std::lround(minimumSimilarity * 100.0)));
}

void DetailPanel::showContextMenu(const QPoint& position) {
    const QModelIndex index = m_view->indexAt(position);
    if (!index.isValid())
        return;
    const catalog::ItemId item = m_model->idAt(index.row());
    QMenu menu(this);
    menu.addAction(tr("&Show This Item"), this, [this, item] { emit lookalikeActivated(item); });
    QAction* notSimilar = menu.addAction(tr("&Not Similar"), this, [this, item] { emit notSimilarRequested(item); });
    notSimilar->setEnabled(m_item != 0);
    notSimilar->setToolTip(tr("This is not a look-alike of the selected item; hide it and learn from it"));
    menu.exec(m_view->viewport()->mapToGlobal(position));
}

}  // namespace lookalike::ui
