#!/usr/bin/env bash
# Installs the Debian 12 packages that Lookalike needs, and only those that are missing.
# Usage: installer/install-deps.sh [run|test|bench|pretrain|fuzz|clean-root]   (default: test)
#   run       build and run the application
#   test      also the test suite (GoogleTest, Xvfb, Fashion-MNIST, the .deb packaging tools)
#   bench     also the benchmark peers (PyTorch CPU, OpenCV for Python)
#   pretrain  build lookalike-cli and rebuild resources/models/emoji-pretrained.lkckpt
#             (npm fetches the emoji packages, rsvg-convert draws the OpenMoji SVGs)
#   clean-root  the tools of installer/clean-root-check.sh (mmdebstrap)
#   fuzz      also clang-14 and libFuzzer for the fuzz targets and the sanitizer presets
#             (CMakePresets.json: asan, tsan, fuzz; README: Hardening)
set -euo pipefail

profile="${1:-test}"

build_and_run=(
  build-essential cmake ninja-build pkg-config
  qt6-base-dev qt6-charts-dev qt6-svg-dev qt6-qpa-plugins
  libopencv-dev libdnnl-dev libsqlite3-dev libhnswlib-dev zlib1g-dev
  # libpq: the optional PostgreSQL catalog backend talks to the server through it
  libpq-dev
  # Only recommended by the packages above, but their CMake configs need them:
  # dnnl-config.cmake looks for OpenCL, Qt6ChartsConfig.cmake for Qt6OpenGL.
  ocl-icd-opencl-dev libqt6opengl6-dev
)
# The demo imports the committed resources/sample-catalog; the Fashion-MNIST data is for the
# tests, `lookalike-cli sample|eval` and regenerating that catalog.
testing=(googletest libgtest-dev libgmock-dev xvfb xauth dataset-fashion-mnist
  # the server the tests start for themselves (tests/support/postgres_cluster.h), on a private
  # socket; Debian also creates a "main" cluster on port 5432, which the tests never use
  postgresql-15
  # tests/package: cpack's DEB generator (dpkg-shlibdeps, file) and the metadata validators
  dpkg-dev file desktop-file-utils appstream)
# The PyTorch peers of tests/bench/train and tests/bench/embed: OpenBLAS (else Debian's torch
# uses the reference BLAS for what oneDNN does not run) and jemalloc (tests/bench/pytorch_peer.py).
benchmarking=(python3 python3-torch python3-opencv libopenblas0-openmp libjemalloc2
  # tests/bench/lookalikes/build_icon_set.py: the SVG renderer and the icon themes it draws from
  librsvg2-bin adwaita-icon-theme breeze-icon-theme elementary-icon-theme
  elementary-xfce-icon-theme gnome-icon-theme mate-icon-theme oxygen-icon-theme
  papirus-icon-theme suru-icon-theme tango-icon-theme yaru-theme-icon)
# resources/models/build_emoji_set.sh and train_pretrained.sh (a Node.js from elsewhere brings its own npm)
pretraining=(python3 librsvg2-bin)
command -v npm >/dev/null || pretraining+=(npm)
# clang's OpenMP runtime (libomp) is needed because core links OpenMP.
clean_root=(mmdebstrap)
fuzzing=(clang-14 libfuzzer-14-dev llvm-14 libomp-14-dev)

case "$profile" in
  run) wanted=("${build_and_run[@]}") ;;
  test) wanted=("${build_and_run[@]}" "${testing[@]}") ;;
  bench) wanted=("${build_and_run[@]}" "${testing[@]}" "${benchmarking[@]}") ;;
  pretrain) wanted=("${build_and_run[@]}" "${pretraining[@]}") ;;
  clean-root) wanted=("${clean_root[@]}") ;;
  fuzz) wanted=("${build_and_run[@]}" "${testing[@]}" "${fuzzing[@]}") ;;
  *) echo "usage: $0 [run|test|bench|pretrain|fuzz|clean-root]" >&2; exit 2 ;;
esac

missing=()
for package in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$package")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#wanted[@]} packages for '$profile' are installed."
  exit 0
fi

echo "install-deps: installing ${#missing[@]} missing package(s): ${missing[*]}"
as_root=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root or install sudo" >&2; exit 1; }
  as_root=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: done."
