// Runs the nn tests single-threaded unless a test asks for more (Network::setThreadCount,
// InferenceNetwork's thread argument). The tests use tiny shapes that gain nothing from
// threads, and on a machine busy with parallel builds every OpenMP barrier can cost a
// scheduler time slice, which turned a 1 s suite into minutes.

#include <gtest/gtest.h>

#include <omp.h>

namespace {

class SingleThreadEnvironment : public ::testing::Environment {
public:
    void SetUp() override { omp_set_num_threads(1); }
};

[[maybe_unused]] const ::testing::Environment* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new SingleThreadEnvironment);

}  // namespace
