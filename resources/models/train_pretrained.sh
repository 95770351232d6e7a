#!/usr/bin/env bash
# Trains resources/models/emoji-pretrained.lkckpt: the pretrained starting network that
# Lookalike ships, learnt on the cross-style emoji set of build_emoji_set.sh with the
# project's own CLI and the library's default training recipe.
#
# Usage: resources/models/train_pretrained.sh [SET_DIR]
#   SET_DIR        the emoji set; built with build_emoji_set.sh when it has no labels.csv
#                  (default: a temporary folder, removed afterwards)
# Environment:
#   LOOKALIKE_CLI  the lookalike-cli to use (default: build/app/lookalike-cli under the repo);
#                  build it with
#                    cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DLOOKALIKE_BUILD_GUI=OFF
#                    cmake --build build --target lookalike-cli -j2
#   EPOCHS         passes over the training photos (default: 20, as the shipped model)
#   OUT            the checkpoint to write (default: resources/models/emoji-pretrained.lkckpt);
#                  the console output goes next to it, with .log instead of .lkckpt
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cli=${LOOKALIKE_CLI:-$repo/build/app/lookalike-cli}
epochs=${EPOCHS:-20}
out=${OUT:-$here/emoji-pretrained.lkckpt}
log=${out%.lkckpt}.log

if [[ $# -gt 1 ]]; then
  echo "usage: $0 [SET_DIR]" >&2
  exit 2
fi
[[ -x "$cli" ]] || { echo "train_pretrained: no lookalike-cli at $cli (set LOOKALIKE_CLI)" >&2; exit 1; }

# A fresh library would otherwise start from the shipped model (see defaultPretrainedModel in
# core/services/library.cpp): this one must start from the HOG + colour descriptors alone, so that
# the held-out "before" figure is theirs.
export LOOKALIKE_PRETRAINED=

work=$(mktemp -d "${TMPDIR:-/tmp}/lookalike-pretrain.XXXXXX")
trap 'rm -rf "$work"' EXIT
set_dir=${1:-$work/emoji-set}
library=$work/library
mkdir -p "$(dirname "$out")"

run() {
  echo "\$ lookalike-cli --library LIBRARY $*"
  "$cli" --library "$library" "$@"
}

{
  echo "# emoji-pretrained: $(date -u +%Y-%m-%dT%H:%M:%SZ), $("$cli" --version), $(nproc) cores"
  if [[ ! -f "$set_dir/labels.csv" ]]; then
    echo "\$ build_emoji_set.sh SET_DIR"
    bash "$here/build_emoji_set.sh" "$set_dir"
  fi
  run import "$set_dir"
  run groups import "$set_dir/labels.csv"
  TIMEFORMAT="# train command: %R s wall, %U s user, %S s system CPU"
  train_output=$( { time run train --from-scratch --epochs "$epochs"; } 2>&1) || { echo "$train_output"; exit 1; }
  echo "$train_output"
  model=$(sed -n 's/^Trained model \([0-9][0-9]*\).*/\1/p' <<<"$train_output")
  [[ -n "$model" ]] || { echo "train_pretrained: no model id in the train output" >&2; exit 1; }
  run models list
  run models export "$model" "$out"
  echo "# $(basename "$out"): $(stat -c %s "$out") bytes, sha256 $(sha256sum "$out" | cut -d' ' -f1)"
} 2>&1 | tee "$log"
