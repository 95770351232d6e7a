#!/usr/bin/env bash
# Builds the cross-style emoji set that resources/models/emoji-pretrained.lkckpt is trained on.
#
# Usage: resources/models/build_emoji_set.sh OUT_DIR
#
# Downloads three pinned npm packages into a cache folder (npm pack, then tar x) and writes
#   OUT_DIR/<style>/<CODEPOINT>.png   64x64 PNG with transparency, one per style and codepoint
#   OUT_DIR/labels.csv                file,group   (file relative to OUT_DIR, group = codepoint)
# for the styles google (Noto), twitter (Twemoji), openmoji-color and openmoji-black.
#
# Needs: npm, tar, python3 (standard library only), rsvg-convert (Debian: librsvg2-bin).
# The cache folder is $LOOKALIKE_EMOJI_CACHE, else ~/.cache/lookalike/emoji-npm.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 OUT_DIR" >&2
  exit 2
fi
out_dir=$1

# Pinned so that the set can be rebuilt exactly. Change them only together with the model.
packages=(
  emoji-datasource-google@16.0.0    # Noto Emoji images, Apache-2.0
  emoji-datasource-twitter@16.0.0   # Twemoji images, CC-BY 4.0
  openmoji@17.0.0                   # OpenMoji, CC-BY-SA 4.0
)

for tool in npm tar python3 rsvg-convert; do
  command -v "$tool" >/dev/null || {
    echo "build_emoji_set: '$tool' is missing (installer/install-deps.sh pretrain installs it)" >&2
    exit 1
  }
done

cache=${LOOKALIKE_EMOJI_CACHE:-$HOME/.cache/lookalike/emoji-npm}
mkdir -p "$cache"
for spec in "${packages[@]}"; do
  name=${spec%@*}
  version=${spec##*@}
  tarball="$cache/$name-$version.tgz"
  unpacked="$cache/$name-$version"
  if [[ ! -s "$tarball" ]]; then
    echo "build_emoji_set: downloading $spec"
    partial=$(mktemp -d "$cache/.download.XXXXXX")
    (cd "$partial" && npm pack --silent "$spec" >/dev/null)
    mv "$partial/$name-$version.tgz" "$tarball"
    rmdir "$partial"
  fi
  if [[ ! -f "$unpacked/.complete" ]]; then
    echo "build_emoji_set: unpacking $tarball"
    rm -rf "$unpacked"
    mkdir -p "$unpacked"
    # Only the 64 px images (not the sprite sheets) and the licence texts.
    case "$name" in
      emoji-datasource-google) wanted=(package/img/google/64 package/LICENSE package/README.md) ;;
      emoji-datasource-twitter) wanted=(package/img/twitter/64 package/LICENSE package/README.md) ;;
      openmoji) wanted=(package/color/svg package/black/svg package/LICENSE.txt package/README.md) ;;
    esac
    tar -xzf "$tarball" -C "$unpacked" package/package.json "${wanted[@]}"
    touch "$unpacked/.complete"
  fi
  echo "build_emoji_set: $spec tarball sha256 $(sha256sum "$tarball" | cut -d' ' -f1)"
done

mkdir -p "$out_dir"
exec python3 - "$cache" "$out_dir" <<'PY'
import collections
import csv
import hashlib
import multiprocessing
import os
import shutil
import subprocess
import sys

cache, out_dir = sys.argv[1], sys.argv[2]
SIZE = 64
STYLES = ["google", "twitter", "openmoji-color", "openmoji-black"]
MIN_STYLES = 3

google_dir = os.path.join(cache, "emoji-datasource-google-16.0.0/package/img/google/64")
twitter_dir = os.path.join(cache, "emoji-datasource-twitter-16.0.0/package/img/twitter/64")
openmoji_dir = os.path.join(cache, "openmoji-17.0.0/package")


def normalise(stem):
    """'1f3f3-fe0f' -> '1F3F3': uppercase hex, '-' separated, FE0F variation selectors dropped."""
    parts = [p.upper() for p in stem.replace("_", "-").split("-") if p]
    for p in parts:
        int(p, 16)  # raises for anything that is not a codepoint sequence
    return "-".join(p for p in parts if p != "FE0F")


def wanted(key):
    """One clean codepoint per concept: no flags, skin tones, keycaps, ZWJ or tag sequences."""
    for p in key.split("-"):
        c = int(p, 16)
        if 0x1F1E6 <= c <= 0x1F1FF:  # regional indicators (flags)
            return False
        if 0x1F3FB <= c <= 0x1F3FF:  # skin-tone modifiers
            return False
        if c == 0x20E3:  # combining enclosing keycap
            return False
        if c == 0x200D:  # zero-width joiner
            return False
        if 0xE0000 <= c <= 0xE007F:  # tag characters (subdivision flags)
            return False
    return True


def collect(folder, suffix):
    """key -> source file, for the files of `folder` ending in `suffix`."""
    found = {}
    for name in sorted(os.listdir(folder)):
        if not name.endswith(suffix):
            continue
        try:
            key = normalise(name[: -len(suffix)])
        except ValueError:
            continue
        if key and wanted(key):
            # With and without FE0F are the same concept: keep the first name seen.
            found.setdefault(key, os.path.join(folder, name))
    return found


sources = {
    "google": collect(google_dir, ".png"),
    "twitter": collect(twitter_dir, ".png"),
    "openmoji-color": collect(os.path.join(openmoji_dir, "color/svg"), ".svg"),
    "openmoji-black": collect(os.path.join(openmoji_dir, "black/svg"), ".svg"),
}
for style in STYLES:
    print(f"build_emoji_set: {style}: {len(sources[style])} clean codepoints in the package")


def candidates():
    """Codepoints in at least MIN_STYLES styles before de-duplication (saves rendering the rest)."""
    count = collections.Counter(k for s in STYLES for k in sources[s])
    return sorted(k for k, n in count.items() if n >= MIN_STYLES)


keys = candidates()

# Fresh style folders, so that a rerun leaves nothing stale behind.
for style in STYLES:
    shutil.rmtree(os.path.join(out_dir, style), ignore_errors=True)
    os.makedirs(os.path.join(out_dir, style))


def render(job):
    svg, png = job
    subprocess.run(["rsvg-convert", "--width", str(SIZE), "--height", str(SIZE),
                    "--keep-aspect-ratio", "--format", "png", "--output", png, svg], check=True)
    return png


jobs = []
for style in STYLES:
    for key in keys:
        source = sources[style].get(key)
        if source is None:
            continue
        target = os.path.join(out_dir, style, key + ".png")
        if source.endswith(".svg"):
            jobs.append((source, target))
        else:
            shutil.copyfile(source, target)  # already 64x64 PNG with alpha
with multiprocessing.get_context("fork").Pool(2) as pool:
    for _ in pool.imap_unordered(render, jobs, chunksize=16):
        pass
print(f"build_emoji_set: rendered {len(jobs)} SVGs at {SIZE}x{SIZE}")

# Byte-identical duplicates: keep the first (by style, then codepoint), drop the rest.
seen = {}
duplicates = 0
present = collections.defaultdict(list)
for style in STYLES:
    for key in keys:
        path = os.path.join(out_dir, style, key + ".png")
        if not os.path.exists(path):
            continue
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        if digest in seen:
            os.remove(path)
            duplicates += 1
            continue
        seen[digest] = path
        present[key].append(style)

# At least MIN_STYLES styles after de-duplication; the others go.
rows = []
per_style = collections.Counter()
dropped = 0
for key in keys:
    styles = present.get(key, [])
    if len(styles) < MIN_STYLES:
        for style in styles:
            os.remove(os.path.join(out_dir, style, key + ".png"))
        dropped += 1
        continue
    for style in styles:
        rows.append((f"{style}/{key}.png", key))
        per_style[style] += 1

rows.sort(key=lambda r: (r[1], r[0]))
with open(os.path.join(out_dir, "labels.csv"), "w", newline="") as f:
    writer = csv.writer(f, lineterminator="\n")
    writer.writerow(["file", "group"])
    writer.writerows(rows)

groups = len({g for _, g in rows})
print(f"build_emoji_set: dropped {duplicates} byte-identical duplicate image(s) and "
      f"{dropped} codepoint(s) left in fewer than {MIN_STYLES} styles")
for style in STYLES:
    print(f"build_emoji_set: {style}: {per_style[style]} images")
full = sum(1 for k in present if len(present[k]) == len(STYLES))
print(f"build_emoji_set: {groups} codepoints ({full} in all {len(STYLES)} styles), {len(rows)} images "
      f"-> {os.path.join(out_dir, 'labels.csv')}")
PY
