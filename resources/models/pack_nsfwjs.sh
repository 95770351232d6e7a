#!/bin/sh
# Packs the pinned nsfwjs npm tarball into DIR and checks its sha256 (development time only;
# needs npm). Used by fetch_nsfwjs.sh and make_port_reference.sh.
# Usage: resources/models/pack_nsfwjs.sh DIR   -> DIR/nsfwjs-4.4.0.tgz
set -eu
dir=$1
expected=585cd178f3b994337c4d10a87b080d342fc52f8b9bf0085c4d1f345a3a1c5382
(cd "$dir" && npm pack --silent nsfwjs@4.4.0 >/dev/null)
actual=$(sha256sum "$dir/nsfwjs-4.4.0.tgz" | cut -d' ' -f1)
if [ "$actual" != "$expected" ]; then
    echo "error: nsfwjs-4.4.0.tgz has sha256 $actual, expected the pinned $expected" >&2
    exit 1
fi
