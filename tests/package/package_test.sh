#!/usr/bin/env bash
# Builds the .deb with cpack, unpacks it into a temporary root (as if installed there) and
# checks the layout, the control fields, the installed programs and the desktop metadata.
# Usage: package_test.sh BUILD_DIR APP_ID VERSION   (ctest -L package runs it)
set -euo pipefail

build_dir="$1"
app_id="$2"
version="$3"
source_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "--- $*"; }

for tool in cpack dpkg-deb dpkg-shlibdeps file desktop-file-validate appstreamcli; do
  command -v "$tool" >/dev/null ||
    fail "$tool is missing: installer/install-deps.sh test installs dpkg-dev, file, desktop-file-utils and appstream"
done

work="$(mktemp -d "${TMPDIR:-/tmp}/lookalike-package-test-XXXXXX")"
trap 'rm -rf "$work"' EXIT
root="$work/root"
home="$work/home"
mkdir -p "$root" "$home" "$work/runtime"
chmod 700 "$work/runtime"

step "cpack -G DEB"
cpack --config "$build_dir/CPackConfig.cmake" -G DEB -B "$work/cpack" >"$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log"; fail "cpack failed"; }
shopt -s nullglob
debs=("$work/cpack/lookalike_${version}_"*.deb)
[[ ${#debs[@]} -eq 1 ]] || { ls -l "$work/cpack"; fail "expected one lookalike_${version}_<arch>.deb"; }
deb="${debs[0]}"
echo "$(basename "$deb"): $(du -h "$deb" | cut -f1)"

step "control fields"
control="$(dpkg-deb --field "$deb")"
echo "$control"
field() { dpkg-deb --field "$deb" "$1"; }
[[ "$(field Package)" == lookalike ]] || fail "Package is not lookalike"
[[ "$(field Version)" == "$version" ]] || fail "Version is not $version"
[[ "$(field Section)" == graphics ]] || fail "Section is not graphics"
depends="$(field Depends)"
# dpkg-shlibdeps must have found the libraries the programs link, and the Qt plugins (loaded
# at run time, invisible to it) must be listed by hand.
for package in libqt6widgets6 libopencv-core406 libopencv-imgcodecs406 libdnnl2 libsqlite3-0 \
               zlib1g libgomp1 libstdc++6 qt6-qpa-plugins libqt6svg6; do
  [[ ", $depends," == *", $package"[\ ,]* ]] || fail "Depends lacks $package: $depends"
done

step "layout"
dpkg-deb -x "$deb" "$root"
for file in usr/bin/lookalike usr/bin/lookalike-cli \
            "usr/share/applications/$app_id.desktop" \
            "usr/share/icons/hicolor/scalable/apps/$app_id.svg" \
            "usr/share/metainfo/$app_id.metainfo.xml" \
            usr/share/doc/lookalike/copyright; do
  [[ -f "$root/$file" ]] || fail "the package lacks /$file"
done
[[ -x "$root/usr/bin/lookalike" && -x "$root/usr/bin/lookalike-cli" ]] || fail "programs not executable"
samples="$root/usr/share/lookalike/sample-catalog"
photo_count=$(find "$samples" -type f -name '*.png' | wc -l)
other_count=$(find "$samples" -type f ! -name '*.png' ! -path "$samples/demo-groups.csv" | wc -l)
[[ $photo_count -eq 200 && $other_count -eq 0 && -f "$samples/demo-groups.csv" ]] ||
  fail "sample catalog: $photo_count photos, $other_count other files, demo-groups.csv $( [[ -f "$samples/demo-groups.csv" ]] && echo present || echo missing) (want 200, 0, present)"
backbone="$root/usr/share/lookalike/models/mobilenetv2-nsfwjs-block13.lkckpt"
cmp -s "$backbone" "$source_dir/resources/models/mobilenetv2-nsfwjs-block13.lkckpt" ||
  fail "the package lacks the MobileNetV2 backbone checkpoint, or ships another file under its name"
grep -q "Infinite Red" "$root/usr/share/doc/lookalike/copyright" || fail "copyright lacks the nsfwjs (MIT) notice"
unexpected=$(cd "$root" && find . -type f | grep -v -E '^\./usr/(bin|share/(applications|icons|metainfo|lookalike|doc/lookalike))/' || true)
[[ -z "$unexpected" ]] || fail "files outside the documented layout: $unexpected"

# The programs run as a user would run them: a clean environment, a temporary home, and no
# access to the source tree's data through LOOKALIKE_* variables.
run() {
  env -i HOME="$home" XDG_DATA_HOME="$home/data" XDG_RUNTIME_DIR="$work/runtime" PATH=/usr/bin:/bin LC_ALL=C \
    LOOKALIKE_PRETRAINED= QT_QPA_PLATFORM=offscreen "$@"
}

step "lookalike-cli --version"
out="$(run "$root/usr/bin/lookalike-cli" --version)"
echo "$out"
[[ "$out" == "lookalike-cli $version" ]] || fail "unexpected version line: $out"

step "lookalike --version (offscreen)"
out="$(run "$root/usr/bin/lookalike" --version 2>&1)"
echo "$out"
[[ "$out" == *"$version"* ]] || fail "the GUI did not print its version: $out"

step "lookalike-cli import of installed sample photos"
out="$(run "$root/usr/bin/lookalike-cli" --library "$work/library" import "$samples/bag" "$samples/sneaker")"
echo "$out"
grep -qx "Imported 40, updated 0, skipped 0 unchanged, 0 duplicates, 0 failed." <<<"$out" ||
  fail "the import did not take the 40 photos"
grep -qx "Look-alikes ready: 40 items, model 1 (descriptors)" <<<"$out" || fail "no look-alikes"
out="$(run "$root/usr/bin/lookalike-cli" --library "$work/library" similar "$samples/bag/bag-0001.png" --k 3)"
echo "$out"
[[ $(grep -c "$samples/" <<<"$out") -eq 3 ]] || fail "similar did not list 3 installed photos"

step "lookalike-cli demo finds the sample catalog and its groups beside the program, and trains"
out="$(run "$root/usr/bin/lookalike-cli" demo)"
echo "$out"
grep -qx "Sample catalog: $samples" <<<"$out" || fail "demo did not use the unpacked package's catalog"
grep -qx "Library: $home/data/lookalike/demo (200 items)" <<<"$out" || fail "demo library incomplete"
grep -qx "Rows: 100, matched: 100, groups created: 10, unmatched: 0." <<<"$out" ||
  fail "demo did not curate the installed demo-groups.csv"
grep -q "^Held-out check (2 groups, 20 photos): Recall@1 " <<<"$out" || fail "demo did not train with a held-out check"

step "desktop-file-validate"
desktop-file-validate "$root/usr/share/applications/$app_id.desktop"
grep -qx "Icon=$app_id" "$root/usr/share/applications/$app_id.desktop" || fail "desktop entry: wrong Icon"

step "appstreamcli validate --no-net"
appstreamcli validate --no-net --explain "$root/usr/share/metainfo/$app_id.metainfo.xml"
appstreamcli validate-tree --no-net "$root/usr"

echo "package test passed: $(basename "$deb")"
