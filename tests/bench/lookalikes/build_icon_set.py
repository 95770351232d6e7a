#!/usr/bin/env python3
"""Builds a cross-style look-alike set from the icon themes installed under /usr/share/icons.

Icon themes draw the same freedesktop icon name (folder, user-trash, printer, ...) each in
its own style. An icon name is a group of look-alikes; a query must find its name drawn by
another theme. For every theme and name this takes the best drawing (detailed enough for the
output first, then a vector over a bitmap, then the most detailed; no symbolic icons), keeps a
drawing that several names share (aliases) under one name only, renders it to a SIZE x SIZE
PNG with transparency (the app composites it on white), drops byte-identical and
near-identical images (one theme re-exporting another's drawing), and keeps the names that at
least MIN_THEMES themes still draw. See README.md beside this file.

Writes into DIR:
  <theme>/<name>.png  the images
  labels.csv          file,group for every image (file relative to DIR, group = icon name)
  curated.csv         the images of half of the names (a stable hash of the name decides):
                      the groups the owner curates
  heldout.csv         the other half, measured after retraining

Needs python3 (standard library only) and rsvg-convert (Debian: librsvg2-bin). Deterministic:
the same installed themes give the same bytes.
"""

import argparse
import base64
import concurrent.futures
import configparser
import csv
import hashlib
import os
import shutil
import struct
import subprocess
import sys
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass

ICON_ROOT = "/usr/share/icons"
# Base themes with their own drawings; colour and dark variants (Yaru-blue, Papirus-Dark,
# breeze-dark, ...) mostly restate these and would make look-alikes trivially easy.
DEFAULT_THEMES = ["Adwaita", "Papirus", "Tango", "Yaru", "breeze", "elementary", "elementary-xfce",
                  "gnome", "mate", "oxygen", "suru"]
EXTENSIONS = (".svg", ".png")
# Near-identical drawings are compared at this side, on white.
NEAR_DUPLICATE_SIDE = 32
NEAR_DUPLICATE_DEFAULT = 3.0


@dataclass(frozen=True)
class Source:
    path: str
    design_size: int  # the detail it was drawn with: Size, and for bitmaps x Scale
    vector: bool
    directory: str


def read_directories(theme_dir):
    """Yields (directory, Size, Scale) for the directories index.theme declares."""
    index = configparser.RawConfigParser(strict=False, interpolation=None)
    index.optionxform = str
    index.read(os.path.join(theme_dir, "index.theme"), encoding="utf-8")
    if not index.has_section("Icon Theme"):
        return
    names = []
    for key in ("Directories", "ScaledDirectories"):
        if index.has_option("Icon Theme", key):
            names += [d.strip() for d in index.get("Icon Theme", key).split(",") if d.strip()]
    for directory in dict.fromkeys(names):  # unique, in order
        if not index.has_section(directory):
            continue
        if any("symbolic" in part for part in directory.split("/")):
            continue
        section = index[directory]
        try:
            size, scale = int(section.get("Size", "0")), int(section.get("Scale", "1"))
        except ValueError:
            continue
        yield directory, size, scale


def is_skipped_name(name):
    # Symbolic icons are one-colour pictograms; -rtl/-ltr variants are mirror images that look
    # like another name (go-next-rtl is go-previous).
    return "-symbolic" in name or name.endswith("-rtl") or name.endswith("-ltr")


def find_sources(theme_dir, min_svg_size, min_png_size):
    """name -> all usable drawings of it in one theme."""
    sources = defaultdict(list)
    for directory, size, scale in read_directories(theme_dir):
        full = os.path.join(theme_dir, directory)
        if not os.path.isdir(full):
            continue
        for entry in sorted(os.listdir(full)):
            stem, extension = os.path.splitext(entry)
            if extension not in EXTENSIONS or is_skipped_name(stem):
                continue
            path = os.path.join(full, entry)
            if not os.path.isfile(path) or os.path.getsize(path) == 0:  # also drops dangling links
                continue
            vector = extension == ".svg"
            # A vector in a 2x directory is the 1x drawing (often the same file); a bitmap
            # there has twice the pixels.
            design_size = size if vector else size * scale
            if design_size < (min_svg_size if vector else min_png_size):
                continue
            sources[stem].append(Source(path, design_size, vector, directory))
    return sources


def best_source(candidates, output_size):
    # Enough detail for the output first, then a vector (renders crisply), then the most
    # detailed drawing; the directory name breaks ties, which also picks one context.
    return min(candidates, key=lambda s: (-min(s.design_size, output_size), not s.vector,
                                          -s.design_size, s.directory))


def file_digest(path):
    with open(path, "rb") as stream:
        return hashlib.sha256(stream.read()).hexdigest()


def png_size(data):
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    return struct.unpack(">II", data[16:24])


def svg_wrapping_png(data):
    """rsvg-convert only reads SVG: wrap a PNG so that it scales it as it would an SVG."""
    width, height = png_size(data)
    encoded = base64.b64encode(data).decode("ascii")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
            f'<image width="{width}" height="{height}" xlink:href="data:image/png;base64,{encoded}"/>'
            f"</svg>").encode("ascii")


def png_rows(data):
    """The filtered scanlines of an 8-bit, non-interlaced RGB or RGBA PNG (what rsvg-convert
    writes): (width, height, bytes per pixel, zlib-decompressed IDAT data)."""
    width, height = png_size(data)
    bit_depth, colour_type, _, _, interlace = data[24:29]
    if bit_depth != 8 or colour_type not in (2, 6) or interlace != 0:
        raise ValueError("not an 8-bit non-interlaced RGB(A) PNG")
    position, compressed = 8, bytearray()
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        if kind == b"IDAT":
            compressed += data[position + 8:position + 8 + length]
        position += 12 + length
    return width, height, 4 if colour_type == 6 else 3, zlib.decompress(bytes(compressed))


def is_blank_png(path):
    """True when every pixel is 0 (fully transparent): with all filtered bytes 0, every PNG
    filter predicts 0 again."""
    with open(path, "rb") as stream:
        width, height, channels, raw = png_rows(stream.read())
    stride = 1 + width * channels
    return all(not raw[row * stride + 1:(row + 1) * stride].strip(b"\0") for row in range(height))


def png_pixels(data):
    """Unfiltered pixel bytes of a small PNG, row after row: (width, height, channels, bytes)."""
    width, height, channels, raw = png_rows(data)
    stride = width * channels
    pixels = bytearray(height * stride)
    for row in range(height):
        kind = raw[row * (stride + 1)]
        line = raw[row * (stride + 1) + 1:(row + 1) * (stride + 1)]
        out = row * stride
        for i in range(stride):
            left = pixels[out + i - channels] if i >= channels else 0
            up = pixels[out + i - stride] if row else 0
            upper_left = pixels[out + i - stride - channels] if row and i >= channels else 0
            if kind == 0:
                predicted = 0
            elif kind == 1:
                predicted = left
            elif kind == 2:
                predicted = up
            elif kind == 3:
                predicted = (left + up) // 2
            else:  # Paeth
                estimate = left + up - upper_left
                distances = (abs(estimate - left), abs(estimate - up), abs(estimate - upper_left))
                predicted = (left, up, upper_left)[distances.index(min(distances))]
            pixels[out + i] = (line[i] + predicted) & 0xFF
    return width, height, channels, bytes(pixels)


def small_on_white(png_path, side):
    """The image composited on white and scaled to side x side: RGB bytes, row after row."""
    with open(png_path, "rb") as stream:
        wrapped = svg_wrapping_png(stream.read())
    result = subprocess.run(["rsvg-convert", "--width", str(side), "--height", str(side),
                             "--background-color", "white", "--format", "png"],
                            input=wrapped, capture_output=True, timeout=60, check=True)
    width, height, channels, pixels = png_pixels(result.stdout)
    if (width, height) != (side, side):  # not square: compared with nothing
        return None
    return bytes(b for i, b in enumerate(pixels) if channels == 3 or i % 4 != 3)


def mean_difference(a, b):
    return sum(abs(x - y) for x, y in zip(a, b)) / len(a)


def render(job):
    """(source, output path, size, near-duplicate side) -> (error message or None, the small
    image on white for near-duplicate checks or None)."""
    source, output, size, small_side = job
    command = ["rsvg-convert", "--width", str(size), "--height", str(size), "--keep-aspect-ratio",
               "--format", "png", "--output", output]
    try:
        if source.vector:
            result = subprocess.run(command + [source.path], capture_output=True, timeout=60)
        else:
            with open(source.path, "rb") as stream:
                wrapped = svg_wrapping_png(stream.read())
            # Without a file argument rsvg-convert reads standard input.
            result = subprocess.run(command, input=wrapped, capture_output=True, timeout=60)
        if result.returncode != 0 or not os.path.isfile(output):
            return f"{source.path}: {result.stderr.decode(errors='replace').strip()[:200]}", None
        if is_blank_png(output):
            os.remove(output)
            return f"{source.path}: renders blank", None
        return None, small_on_white(output, small_side) if small_side else None
    except (OSError, ValueError, subprocess.SubprocessError) as error:
        if os.path.exists(output):
            os.remove(output)
        return f"{source.path}: {error}", None


def is_curated(name):
    return hashlib.sha256(name.encode("utf-8")).digest()[0] < 128


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(["file", "group"])
        writer.writerows(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="output folder (must not exist, or --force)")
    parser.add_argument("--size", type=int, default=128, help="side of the output PNGs (default 128)")
    parser.add_argument("--min-themes", type=int, default=3,
                        help="keep names drawn by at least this many themes (default 3)")
    parser.add_argument("--themes", nargs="+", default=None,
                        help="theme folders under --icons (default: the installed ones of "
                             + ", ".join(DEFAULT_THEMES) + ")")
    parser.add_argument("--icons", default=ICON_ROOT, help=f"icon theme root (default {ICON_ROOT})")
    parser.add_argument("--min-svg-size", type=int, default=32,
                        help="ignore vectors designed for less than this (default 32: the 16 px "
                             "designs are one-colour pictograms)")
    parser.add_argument("--min-png-size", type=int, default=48,
                        help="ignore bitmaps drawn smaller than this (default 48: no blurry upscales)")
    parser.add_argument("--near-duplicate", type=float, default=NEAR_DUPLICATE_DEFAULT,
                        help="drop an image whose %dx%d version on white differs from a kept image of "
                             "its name by less than this mean absolute difference of 0..255 RGB values "
                             "(default %g; 0 keeps them)" % (NEAR_DUPLICATE_SIDE, NEAR_DUPLICATE_SIDE,
                                                              NEAR_DUPLICATE_DEFAULT))
    parser.add_argument("--jobs", type=int, default=2, help="rsvg-convert processes at once (default 2)")
    parser.add_argument("--force", action="store_true", help="replace --out if it exists")
    args = parser.parse_args()

    if shutil.which("rsvg-convert") is None:
        sys.exit("build_icon_set: rsvg-convert not found (Debian: apt-get install librsvg2-bin)")
    if args.size < 8 or args.min_themes < 2 or args.jobs < 1:
        sys.exit("build_icon_set: need --size >= 8, --min-themes >= 2, --jobs >= 1")
    if os.path.exists(args.out) and os.listdir(args.out) and not args.force:
        sys.exit(f"build_icon_set: {args.out} is not empty (use --force to replace it)")
    themes = args.themes or [t for t in DEFAULT_THEMES if os.path.isdir(os.path.join(args.icons, t))]
    missing = [t for t in themes if not os.path.isfile(os.path.join(args.icons, t, "index.theme"))]
    if missing:
        sys.exit(f"build_icon_set: not an icon theme under {args.icons}: {', '.join(missing)}")

    # 1. The best drawing of every name in every theme.
    chosen = {}  # theme -> {name: Source}
    for theme in themes:
        sources = find_sources(os.path.join(args.icons, theme), args.min_svg_size, args.min_png_size)
        chosen[theme] = {name: best_source(c, args.size) for name, c in sources.items()}
    presence = Counter(name for names in chosen.values() for name in names)

    # 2. Aliases: names of one theme that share a drawing (symlinks or copies) are one image,
    # kept under the name most other themes draw too, so no two groups hold the same drawing.
    aliases_dropped = 0
    for theme in themes:
        by_drawing = defaultdict(list)
        for name, source in chosen[theme].items():
            by_drawing[file_digest(source.path)].append(name)
        for names in by_drawing.values():
            if len(names) > 1:
                keep = min(names, key=lambda n: (-presence[n], len(n), n))
                for name in names:
                    if name != keep:
                        del chosen[theme][name]
                        aliases_dropped += 1
    presence = Counter(name for names in chosen.values() for name in names)
    kept_names = {name for name, count in presence.items() if count >= args.min_themes}

    # 3. Render into a staging folder, then move it into place.
    staging = args.out.rstrip("/") + ".partial"
    if os.path.exists(staging):
        shutil.rmtree(staging)
    jobs = []
    for theme in themes:
        os.makedirs(os.path.join(staging, theme))
        for name in sorted(kept_names & chosen[theme].keys()):
            jobs.append((theme, name, (chosen[theme][name], os.path.join(staging, theme, name + ".png"), args.size,
                                       NEAR_DUPLICATE_SIDE if args.near_duplicate > 0 else 0)))
    print(f"build_icon_set: rendering {len(jobs)} images of {len(kept_names)} names from {len(themes)} themes",
          file=sys.stderr)
    failures = []
    images = []  # (theme, name)
    small = {}  # (theme, name) -> small image on white
    # Threads suffice: each job waits on its own rsvg-convert processes.
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for (theme, name, _), (error, pixels) in zip(jobs, pool.map(render, [job for _, _, job in jobs])):
            if error:
                failures.append(error)
            else:
                images.append((theme, name))
                small[theme, name] = pixels
    theme_order = {theme: index for index, theme in enumerate(themes)}
    images.sort(key=lambda item: (theme_order[item[0]], item[1]))

    # 4. Byte-identical outputs (one theme copying another's drawing) would be merged by the
    # app's import; near-identical ones (gnome and mate, elementary and elementary-xfce share
    # many drawings, re-exported) are the same style, not a look-alike in another one. Keep the
    # first in --themes order.
    seen, duplicates, near_duplicates, unique = set(), 0, 0, []
    kept_small = defaultdict(list)  # name -> small images kept so far
    for theme, name in images:
        path = os.path.join(staging, theme, name + ".png")
        digest = file_digest(path)
        pixels = small[theme, name]
        if digest in seen:
            duplicates += 1
        elif pixels is not None and any(mean_difference(pixels, other) < args.near_duplicate
                                        for other in kept_small[name]):
            near_duplicates += 1
        else:
            seen.add(digest)
            unique.append((theme, name))
            if pixels is not None:
                kept_small[name].append(pixels)
            continue
        os.remove(path)

    # 5. Renders and duplicates may have left a name with too few themes.
    count = Counter(name for _, name in unique)
    final = sorted(((theme, name) for theme, name in unique if count[name] >= args.min_themes),
                   key=lambda item: (item[1], item[0]))
    for theme, name in unique:
        if count[name] < args.min_themes:
            os.remove(os.path.join(staging, theme, name + ".png"))
    rows = [(f"{theme}/{name}.png", name) for theme, name in final]
    write_csv(os.path.join(staging, "labels.csv"), rows)
    write_csv(os.path.join(staging, "curated.csv"), [r for r in rows if is_curated(r[1])])
    write_csv(os.path.join(staging, "heldout.csv"), [r for r in rows if not is_curated(r[1])])
    if os.path.exists(args.out):
        shutil.rmtree(args.out)
    os.rename(staging, args.out)

    names = sorted({name for _, name in final})
    curated = sum(1 for n in names if is_curated(n))
    per_theme = Counter(theme for theme, _ in final)
    per_name = Counter(Counter(name for _, name in final).values())
    print(f"Icon set in {args.out}: {len(rows)} images of {len(names)} names from {len(themes)} themes, "
          f"{args.size} px")
    print(f"  split: {curated} curated names ({sum(1 for r in rows if is_curated(r[1]))} images), "
          f"{len(names) - curated} held out")
    print("  images per theme: " + ", ".join(f"{t} {per_theme[t]}" for t in themes))
    print("  themes per name: " + ", ".join(f"{k}: {per_name[k]}" for k in sorted(per_name)))
    print(f"  dropped: {aliases_dropped} aliases, {duplicates} byte-identical and {near_duplicates} "
          f"near-identical images, {len(failures)} failed or blank renders")
    for failure in failures[:10]:
        print(f"    {failure}")


if __name__ == "__main__":
    main()
