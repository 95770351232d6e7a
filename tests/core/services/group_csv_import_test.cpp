// Importing groups from a file,group CSV: how rows match items (path relative to the CSV, absolute
// path, unique file name), what is skipped and why, and that a refused CSV changes nothing.

#include "core/services/group_csv_import.h"

#include "core/util/errors.h"
#include "tests/support/backends.h"
#include "tests/support/expect_error.h"
#include "tests/support/progress_checks.h"
#include "tests/support/recorded_item.h"
#include "tests/support/temp_dir.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

using namespace lookalike;
using namespace lookalike::services;
using catalog::Catalog;
using catalog::ItemId;
namespace fs = std::filesystem;

namespace {

// On both backends: a library folder and a fresh database on the test server.
class GroupCsvImportTest : public fixtures::BackendTest {
protected:
    void SetUp() override {
        m_catalog = std::make_unique<Catalog>(openCatalog());
        m_shoesRed = addItem(m_dir / "photos" / "shoes" / "red.jpg", 1);
        m_shoesBlue = addItem(m_dir / "photos" / "shoes" / "blue.png", 2);
        m_bagsRed = addItem(m_dir / "photos" / "bags" / "red.jpg", 3);
    }

    ItemId addItem(const fs::path& path, std::uint8_t seed) { return fixtures::addRecordedItem(*m_catalog, path, seed); }

    GroupCsvImportReport import(const std::string& text) {
        std::istringstream csv(text);
        return importGroupsCsv(*m_catalog, csv, "groups.csv", m_dir / "photos");
    }

    std::vector<ItemId> membersOf(const std::string& name) {
        std::optional<catalog::Group> group = m_catalog->findGroup(name);
        if (!group)
            return {};
        std::vector<ItemId> members = m_catalog->groupMembers(group->id);
        std::sort(members.begin(), members.end());
        return members;
    }

    fixtures::TempDir m_dir;
    std::unique_ptr<Catalog> m_catalog;
    ItemId m_shoesRed = 0;
    ItemId m_shoesBlue = 0;
    ItemId m_bagsRed = 0;
};

INSTANTIATE_TEST_SUITE_P(Backends, GroupCsvImportTest, fixtures::kBothBackends, fixtures::backendName);

TEST_P(GroupCsvImportTest, CountsMatchedUnmatchedAndSkippedRows) {
    const std::string absoluteBlue = (m_dir / "photos" / "shoes" / "blue.png").string();
    const GroupCsvImportReport report = import(
        " File , GROUP \n"                 // line 1: header names ignore case and spaces
        "shoes/red.jpg,Red\n"              // 2: relative to the CSV's folder
        + absoluteBlue + ",Blue\n" +       // 3: absolute
        "\n"                               // 4: empty, not a row
        "blue.png, red \n"                 // 5: unique file name; group found ignoring case
        "red.jpg,Red\n"                    // 6: two items have that name
        "missing.jpg,Red\n"                // 7: no such item
        "shoes/red.jpg,\"Bad\x01Name\"\n"  // 8: control character in the group name
        "bags/red.jpg,\n");                // 9: no group

    EXPECT_EQ(report.rows, 7);
    EXPECT_EQ(report.matched, 3);
    EXPECT_EQ(report.created, 2);
    EXPECT_EQ(report.unmatched, 2);
    EXPECT_EQ(report.skipped, 2);
    EXPECT_EQ(report.moved, 1);  // blue.png, from Blue to Red
    ASSERT_EQ(report.problems.size(), 4u);
    EXPECT_EQ(report.problems[0].rfind("line 6: red.jpg: 2 items have the file name red.jpg", 0), 0u)
        << report.problems[0];
    EXPECT_EQ(report.problems[1].rfind("line 7: missing.jpg: no item of this library", 0), 0u) << report.problems[1];
    EXPECT_EQ(report.problems[2], "line 8: shoes/red.jpg: a group name cannot hold control characters");
    EXPECT_EQ(report.problems[3], "line 9: bags/red.jpg: no group given");

    std::vector<ItemId> expectedRed = {m_shoesRed, m_shoesBlue};
    std::sort(expectedRed.begin(), expectedRed.end());
    EXPECT_EQ(membersOf("Red"), expectedRed);
    EXPECT_TRUE(membersOf("Blue").empty());
    EXPECT_FALSE(m_catalog->groupOf(m_bagsRed).has_value());
}

TEST_P(GroupCsvImportTest, AnUnclosedQuoteChangesNothing) {
    fixtures::expectErrorMentioning<FileError>(
        [&] { import("file,group\nshoes/red.jpg,Red\n\"bags/red.jpg,Bags\n"); },
        "groups.csv: line 3: a quoted field is never closed");
    EXPECT_TRUE(m_catalog->groups().empty());
    EXPECT_FALSE(m_catalog->groupOf(m_shoesRed).has_value());
}

TEST_P(GroupCsvImportTest, RefusesACsvWithoutTheHeader) {
    fixtures::expectErrorMentioning<FileError>([&] { import("shoes/red.jpg,Red\n"); },
                                               "the first row must name the columns: file,group");
    fixtures::expectErrorMentioning<FileError>([&] { import(""); }, "file,group");
    EXPECT_TRUE(m_catalog->groups().empty());
}

TEST_P(GroupCsvImportTest, RefusesALibraryWithoutItems) {
    Catalog empty = Catalog::open(m_dir / "empty");
    std::istringstream csv("file,group\nred.jpg,Red\n");
    fixtures::expectErrorMentioning<LibraryError>([&] { importGroupsCsv(empty, csv, "groups.csv", m_dir.path()); },
                                                  "has no items yet");
}

TEST_P(GroupCsvImportTest, ReadsAFileWithPathsRelativeToItsFolder) {
    fixtures::writeText(m_dir / "photos" / "groups.csv", "\xEF\xBB\xBF" "file,group\r\nbags/red.jpg,Bags\r\n");
    const GroupCsvImportReport report = importGroupsCsv(*m_catalog, m_dir / "photos" / "groups.csv");
    EXPECT_EQ(report.rows, 1);
    EXPECT_EQ(report.matched, 1);
    EXPECT_EQ(membersOf("Bags"), std::vector<ItemId>{m_bagsRed});

    fixtures::expectErrorMentioning<FileError>([&] { importGroupsCsv(*m_catalog, m_dir / "no-such.csv"); },
                                               "cannot open the file");
}

TEST_P(GroupCsvImportTest, ReportsProgressThroughTheCsvAndACancelChangesNothing) {
    std::string text = "file,group\n";
    for (int row = 0; row < 300; ++row)
        text += std::string(row % 2 == 0 ? "shoes/red.jpg" : "bags/red.jpg") + ",Reds\n";
    std::vector<Progress> seen;
    {
        std::istringstream csv(text);
        const GroupCsvImportReport report = importGroupsCsv(*m_catalog, csv, "groups.csv", m_dir / "photos",
                                                            [&](const Progress& update) { seen.push_back(update); });
        EXPECT_EQ(report.matched, 300);
    }
    ASSERT_GE(seen.size(), 5u);  // the start, every 64th row of 300, the end
    fixtures::expectProgressThroughBytes(seen, static_cast<std::int64_t>(text.size()), "groups");

    // A cancel in the middle rolls the whole import back: the groups stay as they were.
    CancelToken cancel;
    std::string moving = "file,group\n";
    for (int row = 0; row < 300; ++row)
        moving += (row == 0 ? "blue.png" : "shoes/red.jpg") + std::string(",Others\n");
    std::istringstream csv(moving);
    EXPECT_THROW(importGroupsCsv(*m_catalog, csv, "groups.csv", m_dir / "photos",
                                 [&](const Progress& update) {
                                     if (update.done > 0)
                                         cancel.cancel();
                                 },
                                 &cancel),
                 Cancelled);
    std::vector<ItemId> reds = {m_shoesRed, m_bagsRed};
    std::sort(reds.begin(), reds.end());
    EXPECT_EQ(membersOf("Reds"), reds);
    EXPECT_FALSE(m_catalog->findGroup("Others"));
    EXPECT_FALSE(m_catalog->groupOf(m_shoesBlue).has_value());
}

}  // namespace
