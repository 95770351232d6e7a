#pragma once
// Sets an environment variable for one scope and restores the old value after. Header-only.
// Not thread-safe (setenv): use it only in single-threaded test code.

#include <cstdlib>
#include <optional>
#include <string>

namespace lookalike::fixtures {

class ScopedEnvironment {
public:
    // A null value unsets the variable for the scope.
    ScopedEnvironment(const char* name, const char* value) : m_name(name) {
        if (const char* old = std::getenv(name))
            m_old = old;
        if (value)
            ::setenv(name, value, 1);
        else
            ::unsetenv(name);
    }
    ~ScopedEnvironment() {
        if (m_old)
            ::setenv(m_name, m_old->c_str(), 1);
        else
            ::unsetenv(m_name);
    }
    ScopedEnvironment(const ScopedEnvironment&) = delete;
    ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;

private:
    const char* m_name;
    std::optional<std::string> m_old;
};

}  // namespace lookalike::fixtures
