#!/usr/bin/env bash
# Rewrites this folder's photos: the first 20 Fashion-MNIST test photos of each of the ten
# classes, as `lookalike-cli sample` writes them (deterministic: same data, same files).
# Usage: resources/sample-catalog/regenerate.sh [path/to/lookalike-cli]
#   default: build/app/lookalike-cli; needs Debian's dataset-fashion-mnist.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cli="${1:-$here/../../build/app/lookalike-cli}"
count=200

[[ -x "$cli" ]] || { echo "regenerate.sh: no lookalike-cli at $cli (build it, or pass its path)" >&2; exit 1; }

staging="$(mktemp -d)"
trap 'rm -rf "$staging"' EXIT
"$cli" sample "$staging/photos" --count "$count"

# Replace only the class folders; README.md, LICENSE and this script stay.
find "$here" -mindepth 1 -maxdepth 1 -type d -exec rm -rf {} +
cp -r "$staging/photos/." "$here/"
echo "regenerate.sh: $(find "$here" -name '*.png' | wc -l) photos," \
  "$(find "$here" -name '*.png' -printf '%s\n' | awk '{ bytes += $1 } END { print bytes }') bytes"
