#pragma once
// Runs a function when the scope ends, however it ends (return or exception):
//     ScopeExit releasePlans{[&] { network.releasePlans(); }};

#include <utility>

namespace lookalike {

template <typename Function>
class [[nodiscard]] ScopeExit {
public:
    explicit ScopeExit(Function function) : m_function(std::move(function)) {}
    ~ScopeExit() { m_function(); }

    ScopeExit(const ScopeExit&) = delete;
    ScopeExit& operator=(const ScopeExit&) = delete;

private:
    Function m_function;
};

}  // namespace lookalike
