#pragma once
// EXPECT that the progress reports of a read through a stream of `total` bytes start at 0, end
// at total, never go back, stay within total, all name `current`, and have one in between.

#include "core/util/progress.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace lookalike::fixtures {

inline void expectProgressThroughBytes(const std::vector<Progress>& seen, std::int64_t total, const std::string& current) {
    ASSERT_GE(seen.size(), 3u) << "expected the start, a report in between and the end";
    for (std::size_t i = 0; i < seen.size(); ++i) {
        EXPECT_EQ(seen[i].total, total) << "report " << i;
        EXPECT_EQ(seen[i].current, current) << "report " << i;
        EXPECT_LE(seen[i].done, total) << "report " << i;
        if (i > 0) {
            EXPECT_GE(seen[i].done, seen[i - 1].done) << "report " << i;
        }
    }
    EXPECT_EQ(seen.front().done, 0);
    EXPECT_GT(seen[1].done, 0);
    EXPECT_LT(seen[1].done, total);
    EXPECT_EQ(seen.back().done, total);
}

}  // namespace lookalike::fixtures
