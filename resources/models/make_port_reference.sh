#!/bin/sh
# Writes tests/data/mobilenetv2_port_reference.lkckpt: activations of the original nsfwjs@4.4.0
# MobileNetV2 computed by TF.js (development time only; needs npm and node). npm installs into a
# temporary folder, never into the repository.
# Usage: resources/models/make_port_reference.sh [OUT.lkckpt]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/tests/data/mobilenetv2_port_reference.lkckpt}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$here/pack_nsfwjs.sh" "$work"
mkdir "$work/modules"
(cd "$work/modules" && npm init -y >/dev/null && \
    npm install --silent --no-audit --no-fund --ignore-scripts @tensorflow/tfjs@4.22.0 pngjs@7.0.0)
node "$here/tfjs_reference.mjs" "$work/modules" "$work/nsfwjs-4.4.0.tgz" "$root/resources/sample-catalog" "$out"
node "$here/check_conv1.mjs" "$here/mobilenetv2-nsfwjs-block13.lkckpt" "$out"
