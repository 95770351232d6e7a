#!/usr/bin/env bash
# Fits resources/models/lookalike-start.lkckpt: the model every new library serves from its
# first import. The converted MobileNetV2 backbone (mobilenetv2-nsfwjs-block13.lkckpt) with its
# head fitted, in closed form and without labels, as a whitening of the grid features of
# Fashion-MNIST *training* photos (Debian's dataset-fashion-mnist; the benchmarks score the test
# photos), and the descriptors' projection fitted the same way: exactly what `lookalike-cli
# train` does on a library without groups. A shop's own `train` refits both on its photos.
#
# Usage: resources/models/fit_start_model.sh
# Environment:
#   LOOKALIKE_CLI  the lookalike-cli to use (default: build/app/lookalike-cli under the repo)
#   COUNT          training photos to fit on (default 10000)
#   OUT            the checkpoint to write (default: resources/models/lookalike-start.lkckpt);
#                  the console output goes next to it, with .log instead of .lkckpt
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cli=${LOOKALIKE_CLI:-$repo/build/app/lookalike-cli}
count=${COUNT:-10000}
out=${OUT:-$here/lookalike-start.lkckpt}
log=${out%.lkckpt}.log
[[ $# -eq 0 ]] || { echo "usage: $0 (no arguments; see the environment variables in the header)" >&2; exit 2; }
[[ -x "$cli" ]] || { echo "fit_start_model: no lookalike-cli at $cli (set LOOKALIKE_CLI)" >&2; exit 1; }

# The library's first training takes its backbone from here, and serves the descriptors before.
export LOOKALIKE_PRETRAINED=$here/mobilenetv2-nsfwjs-block13.lkckpt
work=$(mktemp -d "${TMPDIR:-/tmp}/lookalike-start.XXXXXX")
trap 'rm -rf "$work"' EXIT

run() {
  echo "\$ lookalike-cli --library LIBRARY $*"
  "$cli" --library "$work/library" "$@"
}

{
  echo "# lookalike-start: $(date -u +%Y-%m-%dT%H:%M:%SZ), $("$cli" --version), $(nproc) cores"
  echo "\$ lookalike-cli sample PHOTOS --count $count --split train"
  "$cli" sample "$work/photos" --count "$count" --split train
  run import "$work/photos" 2>&1 | grep -v '^Note: The pretrained model'
  train_output=$(run train 2>&1) || { echo "$train_output"; exit 1; }
  echo "$train_output"
  model=$(sed -n 's/^Trained model \([0-9][0-9]*\).*/\1/p' <<<"$train_output")
  [[ -n "$model" ]] || { echo "fit_start_model: no model id in the train output" >&2; exit 1; }
  run models list
  run models export "$model" "$out"
  echo "# $(basename "$out"): $(stat -c %s "$out") bytes, sha256 $(sha256sum "$out" | cut -d' ' -f1)"
} 2>&1 | tee "$log"
