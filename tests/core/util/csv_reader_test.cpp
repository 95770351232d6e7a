// Reading CSV records: quoting, line ends, the byte order mark and the line numbers that
// messages name.

#include "core/util/csv_reader.h"

#include <gtest/gtest.h>

#include <sstream>

using namespace lookalike;
using Record = std::vector<std::string>;

TEST(CsvReader, ReadsQuotedFieldsAndBothLineEnds) {
    std::istringstream in("\xEF\xBB\xBF" "a,b\r\n\"x, \"\"y\"\"\",\"two\nlines\"\n,last");
    CsvReader reader(in);
    EXPECT_EQ(reader.next(), (Record{"a", "b"}));
    EXPECT_EQ(reader.line(), 1);
    EXPECT_EQ(reader.next(), (Record{"x, \"y\"", "two\nlines"}));
    EXPECT_EQ(reader.line(), 2);
    EXPECT_EQ(reader.next(), (Record{"", "last"}));
    EXPECT_EQ(reader.line(), 4);
    EXPECT_EQ(reader.next(), std::nullopt);
}

TEST(CsvReader, AnUnclosedQuoteNamesItsLine) {
    std::istringstream in("a\n\"b\n");
    CsvReader reader(in);
    EXPECT_EQ(reader.next(), (Record{"a"}));
    try {
        reader.next();
        ADD_FAILURE() << "nothing thrown";
    } catch (const std::runtime_error& error) {
        EXPECT_STREQ(error.what(), "line 2: a quoted field is never closed");
    }
}
