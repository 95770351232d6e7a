// Writes the seed corpora of the fuzz targets: a few small valid inputs each, into
// <folder>/<target>/ (tests/fuzz/corpus by default). Run it again after a format changes:
//   build/fuzz/tests/fuzz/fuzz_make_seed_corpus tests/fuzz/corpus
// Files are named after what they hold, so regression inputs added next to them stay apart.

#include "core/nn/checkpoint.h"
#include "core/nn/networkconfig.h"
#include "core/search/hnsw_index.h"
#include "tests/fuzz/seed_network.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_images.h"

#include <cmath>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace lookalike;
using fixtures::Bytes;

namespace {

void writeImportSeeds(const fs::path& folder) {
    const cv::Mat photo = fixtures::makePhoto(40, 30, 1);
    fixtures::writeBytes(folder / "photo.jpg", fixtures::encodeImage(photo, ".jpg", {cv::IMWRITE_JPEG_QUALITY, 60}));
    fixtures::writeBytes(folder / "photo-exif-orientation-6.jpg",
                         fixtures::withExifOrientation(fixtures::encodeImage(fixtures::makePhoto(24, 16, 2), ".jpg"), 6));
    fixtures::writeBytes(folder / "photo-progressive.jpg",
                         fixtures::encodeImage(fixtures::makePhoto(20, 20, 3), ".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1}));
    cv::Mat rgba;
    cv::cvtColor(fixtures::makePhoto(16, 12, 4), rgba, cv::COLOR_BGR2BGRA);
    rgba(cv::Rect(0, 0, 8, 12)).setTo(cv::Scalar(0, 0, 0, 0));
    fixtures::writeBytes(folder / "transparent.png", fixtures::encodeImage(rgba, ".png"));
    cv::Mat gray16;
    cv::cvtColor(fixtures::makePhoto(12, 10, 5), gray16, cv::COLOR_BGR2GRAY);
    gray16.convertTo(gray16, CV_16U, 257.0);
    fixtures::writeBytes(folder / "gray16-exif-orientation-8.png",
                         fixtures::pngWithExifOrientation(fixtures::encodeImage(gray16, ".png"), 8));
    fixtures::writeBytes(folder / "photo.webp", fixtures::encodeImage(fixtures::makePhoto(16, 16, 6), ".webp"));
    fixtures::writeBytes(folder / "photo.tiff", fixtures::encodeImage(fixtures::makePhoto(8, 6, 7), ".tiff"));
    fixtures::writeBytes(folder / "photo.bmp", fixtures::encodeImage(fixtures::makePhoto(7, 5, 8), ".bmp"));
}

Bytes bytesOf(const std::vector<std::byte>& bytes) {
    Bytes out(bytes.size());
    std::memcpy(out.data(), bytes.data(), bytes.size());
    return out;
}

void writeCheckpointSeeds(const fs::path& folder) {
    // The first is the architecture checkpoint_fuzz.cpp loads into; the second has more layers.
    const nn::NetworkConfig smallest = fuzz::smallestSeedNetwork();
    nn::Network first(smallest, 1);
    fixtures::writeBytes(folder / "one-stage.lkckpt", bytesOf(nn::serializeCheckpoint(first)));

    nn::NetworkConfig twoStages = smallest;
    twoStages.inChannels = 3;
    twoStages.inputSize = 16;
    twoStages.blocksPerStage = {1, 1};
    twoStages.downsampleStem = true;
    nn::Network second(twoStages, 2);
    fixtures::writeBytes(folder / "two-stages-downsampled.lkckpt", bytesOf(nn::serializeCheckpoint(second)));
}

void writeIndexSeeds(const fs::path& folder) {
    constexpr std::size_t kDimension = 8;  // index_file_fuzz.cpp's default expectation
    std::mt19937 random(7);
    std::normal_distribution<float> normal;
    const auto vector = [&] {
        std::vector<float> values(kDimension);
        for (float& value : values)
            value = normal(random);
        return values;
    };
    search::HnswConfig config;
    config.m = 4;
    config.efConstruction = 16;
    config.initialCapacity = 4;

    search::HnswIndex empty(kDimension, config);
    fixtures::writeBytes(folder / "empty.lkidx", empty.toBytes("fuzz-model"));

    search::HnswIndex one(kDimension, config);
    one.add(1, vector());
    fixtures::writeBytes(folder / "one-vector.lkidx", one.toBytes("fuzz-model"));

    search::HnswIndex several(kDimension, config);
    for (search::ItemId id = 1; id <= 24; ++id)
        several.add(id * 3, vector());
    several.remove(6);
    several.add(9, vector());  // replaced: a retired slot stays in the file
    fixtures::writeBytes(folder / "24-vectors-removed-and-replaced.lkidx", several.toBytes("fuzz-model"));

    search::HnswIndex otherDimension(3, config);
    for (search::ItemId id = 1; id <= 5; ++id)
        otherDimension.add(id, std::vector<float>{1.0f, static_cast<float>(id), -2.0f});
    fixtures::writeBytes(folder / "dimension-3.lkidx", otherDimension.toBytes("another-model"));
}

void writeGroupsSeeds(const fs::path& folder) {
    // Paths of groups_csv_fuzz.cpp's catalog: /nonexistent-lookalike-fuzz/{shoes/red.jpg,
    // shoes/blue.png, bags/red.jpg}.
    fixtures::writeText(folder / "paths.csv",
                        "file,group\n"
                        "/nonexistent-lookalike-fuzz/shoes/red.jpg,Red things\n"
                        "shoes/blue.png,Shoes\n"
                        "bags/red.jpg,Red things\n");
    fixtures::writeText(folder / "names-quotes-crlf-bom.csv",
                        "\xEF\xBB\xBFgroup,notes,File\r\n"
                        "\"Blue, light\",\"said \"\"hi\"\"\",blue.png\r\n"
                        "Ambiguous,,red.jpg\r\n"
                        ",,\r\n"
                        "No file,x,\r\n"
                        "\"Multi\nline\",,missing.jpg");
    fixtures::writeText(folder / "moves-between-groups.csv",
                        "file,group\n"
                        "shoes/red.jpg,A\n"
                        "shoes/red.jpg,B\n"
                        "../nonexistent-lookalike-fuzz/./shoes/blue.png, b \n");
    fixtures::writeText(folder / "unclosed-quote.csv", "file,group\nshoes/red.jpg,\"never closed\n");
}

void writeProductsSeeds(const fs::path& folder) {
    // The same catalog as the groups seeds: red.jpg and blue.png under shoes/, red.jpg under bags/.
    fixtures::writeText(folder / "by-file-and-sku.csv",
                        "file,sku,name,price,url\n"
                        "shoes/blue.png,SH-1,Blue shoe,49.90,https://shop.example/sh-1\n"
                        "/nonexistent-lookalike-fuzz/bags/red.jpg,BG-2,\"Tote, red\",\"EUR 29,00\",\n"
                        "blue,SH-1,,,\n"
                        "red.jpg,,Ambiguous,,\n");
    fixtures::writeText(folder / "sku-named-photos-bom-crlf.csv",
                        "\xEF\xBB\xBFSKU ,Name,Price,URL\r\n"
                        "red,Red things,10,http://shop.example/red\r\n"
                        "blue,,,\r\n"
                        ",,,\r\n"
                        "NO-SUCH,Ghost,1,\r\n");
    fixtures::writeText(folder / "bad-fields.csv",
                        "sku,file,price,url\n"
                        "\"A,B\",shoes/red.jpg,1,\n"
                        "SH-3,shoes/red.jpg,minus five,\n"
                        "SH-3,shoes/red.jpg,-5,\n"
                        "SH-3,shoes/red.jpg,5,ftp://shop.example/x\n"
                        "SH\x01X,shoes/red.jpg,5,\n"
                        ",,,\n");
    fixtures::writeText(folder / "moves-between-products.csv",
                        "file,sku\nshoes/red.jpg,A\nshoes/red.jpg,B\nshoes/red.jpg,\n");
    fixtures::writeText(folder / "unclosed-quote.csv", "sku,name\nSH-1,\"never closed\n");
    fixtures::writeText(folder / "no-file-or-sku.csv", "name,price\nRed,1\n");
}

}  // namespace

int main(int argc, char** argv) {
    const fs::path root = argc > 1 ? fs::path(argv[1]) : fs::path("tests/fuzz/corpus");
    try {
        const std::vector<std::pair<std::string, void (*)(const fs::path&)>> corpora = {
            {"import_decode", writeImportSeeds},
            {"checkpoint", writeCheckpointSeeds},
            {"index_file", writeIndexSeeds},
            {"groups_csv", writeGroupsSeeds},
            {"products_csv", writeProductsSeeds},
        };
        for (const auto& [name, write] : corpora) {
            fs::create_directories(root / name);
            write(root / name);
            std::cout << "wrote " << (root / name).string() << "\n";
        }
    } catch (const std::exception& error) {
        std::cerr << "make_seed_corpus: " << error.what() << "\n";
        return 1;
    }
    return 0;
}
