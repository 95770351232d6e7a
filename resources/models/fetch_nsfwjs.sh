#!/bin/sh
# Fetches the pinned nsfwjs npm tarball into a temporary folder, checks its sha256 and converts
# its MobileNetV2 backbone (development time only; needs npm and node).
# Usage: resources/models/fetch_nsfwjs.sh [OUT.lkckpt]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/mobilenetv2-nsfwjs-block13.lkckpt}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$here/pack_nsfwjs.sh" "$work"
node "$here/convert_nsfwjs_mobilenetv2.mjs" "$work/nsfwjs-4.4.0.tgz" "$out"
