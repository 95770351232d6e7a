// ScopeExit runs its function once when the scope ends, by return or by exception.

#include "core/util/scope_exit.h"

#include <gtest/gtest.h>

#include <stdexcept>

using namespace lookalike;

TEST(ScopeExit, RunsOnceAtTheEndOfTheScope) {
    int runs = 0;
    {
        ScopeExit count{[&] { ++runs; }};
        EXPECT_EQ(runs, 0);
    }
    EXPECT_EQ(runs, 1);
}

TEST(ScopeExit, RunsWhenAnExceptionLeavesTheScope) {
    int runs = 0;
    auto fail = [&] {
        ScopeExit count{[&] { ++runs; }};
        throw std::runtime_error("disk full");
    };
    EXPECT_THROW(fail(), std::runtime_error);
    EXPECT_EQ(runs, 1);
}
