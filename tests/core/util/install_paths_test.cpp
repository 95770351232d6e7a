// Where installed data is found: relative to the executable, whatever the prefix.

#include "core/util/install_paths.h"

#include <gtest/gtest.h>

using namespace lookalike;
namespace fs = std::filesystem;

TEST(InstallPathsTest, DataDirIsShareLookalikeBesideBin) {
    EXPECT_EQ(installedDataDirFor("/usr/bin/lookalike"), fs::path("/usr/share/lookalike"));
    EXPECT_EQ(installedDataDirFor("/tmp/root/usr/bin/lookalike-cli"),
              fs::path("/tmp/root/usr/share/lookalike"));
    EXPECT_EQ(installedDataDirFor("/opt/shop/bin/lookalike"), fs::path("/opt/shop/share/lookalike"));
}

TEST(InstallPathsTest, RunningExecutableHasADataDirBesideIt) {
    // This test binary is not installed, so the folder need not exist; the path must still
    // be derived from where the binary is.
    fs::path executable = fs::read_symlink("/proc/self/exe");
    EXPECT_EQ(installedDataDir(), installedDataDirFor(executable));
}

TEST(InstallPathsTest, SourceResourcesHoldTheSampleCatalog) {
    EXPECT_TRUE(fs::is_directory(sourceResourcesDir() / "sample-catalog")) << sourceResourcesDir();
}
