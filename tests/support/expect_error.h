#pragma once
// EXPECT that a call throws ErrorType with a message containing a given text.

#include <gtest/gtest.h>

#include <string>

namespace lookalike::fixtures {

template <typename ErrorType, typename Function>
void expectErrorMentioning(Function&& function, const std::string& needle) {
    try {
        function();
        ADD_FAILURE() << "nothing thrown; expected an error mentioning '" << needle << "'";
    } catch (const ErrorType& error) {
        EXPECT_NE(std::string(error.what()).find(needle), std::string::npos)
            << "message: " << error.what() << "\nexpected to contain: " << needle;
    }
}

}  // namespace lookalike::fixtures
