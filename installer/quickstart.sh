#!/usr/bin/env bash
# The README's two commands.
#   installer/quickstart.sh run    install what is missing, build, run the app (lookalike --demo) on its sample
#                                  (without a display: lookalike-cli demo)
#   installer/quickstart.sh test   install what is missing, build, run the whole test suite
# BUILD_DIR (default: build) chooses the build folder.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source_dir="$(dirname "$here")"
build_dir="${BUILD_DIR:-$source_dir/build}"
mode="${1:-run}"
jobs="$(nproc)"

# build ON|OFF: the tests (and the GoogleTest they need) only for `test`.
build() {
  cmake -S "$source_dir" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLOOKALIKE_BUILD_TESTS="$1"
  cmake --build "$build_dir" --parallel "$jobs"
}

case "$mode" in
  run)
    "$here/install-deps.sh" run
    build OFF
    if [[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]]; then
      # The desktop application on its demo library: imports the sample catalog and trains.
      exec "$build_dir/app/lookalike" --demo
    fi
    echo "quickstart: no display; running the command-line demo instead of the window." >&2
    exec "$build_dir/app/lookalike-cli" demo
    ;;
  test)
    "$here/install-deps.sh" test
    build ON
    cd "$build_dir"
    exec ctest --output-on-failure --parallel "$jobs" --timeout 900
    ;;
  *)
    echo "usage: $0 run|test" >&2
    exit 2
    ;;
esac
