#!/bin/sh
# Fetches the pinned nsfwjs npm tarball into a temporary folder, checks its sha256 and converts
# its MobileNetV2 backbone (development time only; needs npm and node).
# Usage: resources/models/fetch_nsfwjs.sh [OUT.lkckpt]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/mobilenetv2-nsfwjs-block13.lkckpt}
expected=585cd178f3b994337c4d10a87b080d342fc52f8b9bf0085c4d1f345a3a1c5382
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent nsfwjs@4.4.0 >/dev/null)
actual=$(sha256sum "$work/nsfwjs-4.4.0.tgz" | cut -d' ' -f1)
if [ "$actual" != "$expected" ]; then
    echo "error: nsfwjs-4.4.0.tgz has sha256 $actual, expected the pinned $expected" >&2
    exit 1
fi
node "$here/convert_nsfwjs_mobilenetv2.mjs" "$work/nsfwjs-4.4.0.tgz" "$out"
