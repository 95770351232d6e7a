// Grid benchmark: a catalog of N items (default 100,000) in the main window. Measures how long
// the listing takes to arrive and the time of every scroll step (scroll + synchronous repaint
// of the visible tiles, thumbnails loading lazily behind), against the 16.7 ms a 60 Hz frame
// allows. The peer is the frame budget: a ratio above 1 means a dropped frame.
//
//   bench_grid [--items N] [--steps S]      (QT_QPA_PLATFORM=offscreen or under Xvfb)

#include "core/catalog/catalog.h"
#include "core/services/library.h"
#include "tests/bench/bench_support.h"
#include "ui/item_list_model.h"
#include "ui/main_window.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QListView>
#include <QScrollBar>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <random>
#include <vector>

using namespace lookalike;

namespace {

void usage(const std::string& problem) {
    std::cerr << "bench_grid: " << problem << "\nusage: bench_grid [--items N] [--steps S]\n";
    std::exit(2);
}

// N items with distinct hashes; 64 distinct 256 px JPEG thumbnails shared among them.
void fillCatalog(const std::filesystem::path& library, std::size_t items) {
    catalog::Catalog catalog = catalog::Catalog::open(library);
    std::vector<std::vector<std::uint8_t>> thumbnails;
    std::mt19937 random(7);
    for (int t = 0; t < 64; ++t) {
        cv::Mat image(256, 256, CV_8UC3, cv::Scalar(255, 255, 255));
        cv::circle(image, {128, 128}, 40 + t, cv::Scalar(random() % 256, random() % 256, random() % 256), cv::FILLED);
        std::vector<std::uint8_t> jpeg;
        cv::imencode(".jpg", image, jpeg);
        thumbnails.push_back(std::move(jpeg));
    }
    catalog::Transaction transaction(catalog.writer());
    for (std::size_t i = 0; i < items; ++i) {
        catalog::ItemData item;
        for (std::size_t b = 0; b < 8; ++b)
            item.contentHash[b] = static_cast<std::uint8_t>(i >> (8 * b));
        item.displayName = "product-" + std::to_string(i);
        item.sourcePath = "/photos/product-" + std::to_string(i) + ".jpg";
        item.width = item.height = 256;
        item.fileSize = 20000;
        item.thumbnail = {256, 256, thumbnails[i % thumbnails.size()]};
        catalog.addItem(item, 0);
    }
    transaction.commit();
}

double percentile(std::vector<double> values, double p) {
    std::sort(values.begin(), values.end());
    return values[std::min(values.size() - 1, static_cast<std::size_t>(p * static_cast<double>(values.size())))];
}

}  // namespace

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QStandardPaths::setTestModeEnabled(true);
    std::size_t items = 100000;
    std::size_t steps = 300;
    for (int i = 1; i < argc; ++i) {
        std::string option = argv[i];
        if (i + 1 >= argc)
            usage(option + " needs a value");
        if (option == "--items")
            items = bench::positiveNumber(argv[++i], option, usage);
        else if (option == "--steps")
            steps = bench::positiveNumber(argv[++i], option, usage);
        else
            usage("unknown option " + option);
    }
    QTemporaryDir dir;
    const std::filesystem::path library = dir.filePath(QStringLiteral("library")).toStdString();
    QElapsedTimer timer;
    timer.start();
    fillCatalog(library, items);
    std::cout << "catalog of " << items << " items written in " << timer.elapsed() / 1000.0 << " s (load " << bench::loadAverage() << ")\n";

    ui::MainWindow::Options options;
    options.location = library;
    ui::MainWindow window(options);
    window.resize(1400, 900);
    window.show();
    timer.restart();
    // Startup embeds the items with the descriptors; the grid lists as soon as the catalog is read.
    if (!QTest::qWaitFor([&] { return window.gridModel()->rowCount() == static_cast<int>(items); }, 600000)) {
        std::cerr << "the grid never listed all items\n";
        return 1;
    }
    const double listing = timer.elapsed() / 1000.0;
    QListView* view = window.gridView();
    QScrollBar* bar = view->verticalScrollBar();
    std::vector<double> frames;
    for (std::size_t step = 0; step <= steps; ++step) {
        QElapsedTimer frame;
        frame.start();
        bar->setValue(static_cast<int>(static_cast<double>(bar->maximum()) * static_cast<double>(step) / static_cast<double>(steps)));
        view->viewport()->repaint();
        QCoreApplication::processEvents();
        frames.push_back(static_cast<double>(frame.nsecsElapsed()) / 1e6);
    }
    // Then scroll slowly back over the first screens to see thumbnails arrive.
    timer.restart();
    bar->setValue(0);
    const QModelIndex first = window.gridModel()->index(0);
    first.data(Qt::DecorationRole);
    const bool arrived = QTest::qWaitFor([&] {
        view->viewport()->repaint();
        return !qvariant_cast<QPixmap>(first.data(Qt::DecorationRole)).isNull();
    }, 60000);
    const double firstThumbnail = arrived ? static_cast<double>(timer.elapsed()) : -1.0;
    std::cout << std::fixed << std::setprecision(2) << "grid: " << items << " items listed " << listing
              << " s after the window opened (the startup embedding job runs meanwhile)\n"
              << "scroll step (scroll + repaint), " << frames.size() << " steps over the whole grid: median "
              << percentile(frames, 0.5) << " ms, p99 " << percentile(frames, 0.99) << " ms, max "
              << *std::max_element(frames.begin(), frames.end()) << " ms; 60 Hz frame budget 16.67 ms -> median ratio "
              << percentile(frames, 0.5) / 16.67 << ", p99 ratio " << percentile(frames, 0.99) / 16.67 << "\n"
              << "first thumbnail after jumping back to the top: " << firstThumbnail << " ms\n"
              << "load " << bench::loadAverage() << "\n";
    window.cancelJob();
    return 0;
}
