// The built-in sample catalog: how it is found and what it holds.

#include "core/datasets/sample_catalog.h"

#include "core/datasets/fashion_mnist.h"
#include "core/util/errors.h"
#include "tests/support/expect_error.h"
#include "tests/support/scoped_environment.h"
#include "tests/support/temp_dir.h"

#include <gtest/gtest.h>

#include <map>

using namespace lookalike;
using fixtures::ScopedEnvironment;
namespace fs = std::filesystem;

TEST(SampleCatalogTest, EnvironmentVariableWins) {
    fixtures::TempDir chosen;
    ScopedEnvironment environment("LOOKALIKE_SAMPLE_CATALOG", chosen.path().c_str());
    EXPECT_EQ(datasets::sampleCatalogDir(), chosen.path());
}

TEST(SampleCatalogTest, MissingChosenFolderIsAnError) {
    fixtures::TempDir root;
    std::string missing = (root.path() / "nowhere").string();
    ScopedEnvironment environment("LOOKALIKE_SAMPLE_CATALOG", missing.c_str());
    fixtures::expectErrorMentioning<FileError>([] { datasets::sampleCatalogDir(); },
                                               "LOOKALIKE_SAMPLE_CATALOG is " + missing);
}

// Unset (or empty), a binary in the build folder finds the committed catalog: about 200 PNG
// photos, balanced over the ten Fashion-MNIST classes, one folder per class.
TEST(SampleCatalogTest, CommittedCatalogIsBalancedAndSmall) {
    ScopedEnvironment environment("LOOKALIKE_SAMPLE_CATALOG", "");
    fs::path dir = datasets::sampleCatalogDir();
    std::map<std::string, int> perClass;
    std::uintmax_t bytes = 0;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
        if (entry.is_regular_file() && entry.path().extension() == ".png") {
            ++perClass[entry.path().parent_path().filename().string()];
            bytes += entry.file_size();
        }
    }
    EXPECT_EQ(perClass.size(), datasets::fashionMnistClassNames().size());
    for (const auto& [name, count] : perClass)
        EXPECT_EQ(count, 20) << name;
    EXPECT_LT(bytes, 1u << 20);
}
