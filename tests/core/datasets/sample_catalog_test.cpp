// The built-in sample catalog: how it is found and what it holds.

#include "core/datasets/sample_catalog.h"

#include "core/datasets/fashion_mnist.h"
#include "core/util/errors.h"
#include "tests/support/expect_error.h"
#include "tests/support/scoped_environment.h"
#include "tests/support/temp_dir.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <string>

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

// The demo's curation groups half of every class folder under its class: ten groups of ten
// photos that exist, each group within one folder, the other half left ungrouped.
TEST(SampleCatalogTest, DemoGroupsCoverHalfOfEveryClass) {
    ScopedEnvironment environment("LOOKALIKE_SAMPLE_CATALOG", "");
    const fs::path csv = datasets::sampleGroupsCsv();
    ASSERT_FALSE(csv.empty());
    EXPECT_EQ(csv.parent_path(), datasets::sampleCatalogDir());
    std::ifstream in(csv);
    std::string line;
    ASSERT_TRUE(std::getline(in, line));
    EXPECT_EQ(line, "file,group");
    std::map<std::string, std::set<std::string>> foldersOfGroup;
    std::map<std::string, int> membersOfGroup;
    while (std::getline(in, line)) {
        const std::size_t comma = line.find(',');
        ASSERT_NE(comma, std::string::npos) << line;
        const fs::path file = line.substr(0, comma);
        const std::string group = line.substr(comma + 1);
        EXPECT_TRUE(fs::is_regular_file(csv.parent_path() / file)) << file;
        foldersOfGroup[group].insert(file.parent_path().string());
        ++membersOfGroup[group];
    }
    EXPECT_EQ(membersOfGroup.size(), datasets::fashionMnistClassNames().size());
    for (const auto& [group, count] : membersOfGroup) {
        EXPECT_EQ(count, 10) << group;
        EXPECT_EQ(foldersOfGroup[group].size(), 1u) << group;
    }
}

TEST(SampleCatalogTest, FolderWithoutDemoGroupsHasNone) {
    fixtures::TempDir chosen;
    ScopedEnvironment environment("LOOKALIKE_SAMPLE_CATALOG", chosen.path().c_str());
    EXPECT_TRUE(datasets::sampleGroupsCsv().empty());
}
