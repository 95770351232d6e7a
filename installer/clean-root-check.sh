#!/usr/bin/env bash
# The clean-root check: proves the README's two commands on a Debian 12 root that has nothing
# but the minimal base system, so that a package missing from install-deps.sh fails here and
# not on a user's fresh machine. The host's installed packages play no part: the root is
# bootstrapped from Debian's packages with mmdebstrap, and the project is built inside it.
#
# Usage (as root): installer/clean-root-check.sh [run|test|all|full]   (default: all)
#   run    install-deps.sh run, then the README's `quickstart.sh run` (no display: the CLI demo)
#   test   install-deps.sh test, configure with the tests and build and run three test programs
#          (postgres_cluster_test both by hand and through ctest's `postgres` fixture: as root,
#          the server must start as the postgres user)
#   all    both, in that order, in one root (as a user who first runs, then tests); .ci/run
#   full   the README's `quickstart.sh test` in full: the whole suite (for the README's figures)
#
# Environment:
#   LOOKALIKE_CLEAN_ROOT_CACHE  where the bootstrapped base root (a tarball, remade after 7 days
#                               or when the apt sources change) and the downloaded .deb files are
#                               kept between runs (default /var/cache/lookalike-clean-root).
#                               Both are Debian's packages as downloaded; nothing is taken from
#                               the host's /usr.
#   LOOKALIKE_CLEAN_ROOT_KEEP=1 keep the root afterwards (its path is printed) to look into it.
# It exits non-zero, naming the step and showing the end of its log, when any step fails.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source_dir="$(dirname "$here")"
mode="${1:-all}"
case "$mode" in
  run|test|all|full) ;;
  *) echo "usage: $0 [run|test|all|full]" >&2; exit 2 ;;
esac
[[ $(id -u) -eq 0 ]] || { echo "clean-root: must run as root (mmdebstrap, chroot)" >&2; exit 2; }

cache="${LOOKALIKE_CLEAN_ROOT_CACHE:-/var/cache/lookalike-clean-root}"
suite=bookworm
started=$SECONDS
say() { printf 'clean-root [%4ds]: %s\n' "$((SECONDS - started))" "$*"; }

"$here/install-deps.sh" clean-root

# The host's apt sources (the mirror this machine reaches), in either format.
sources=()
[[ -s /etc/apt/sources.list ]] && grep -qE '^\s*deb\s' /etc/apt/sources.list && sources+=(/etc/apt/sources.list)
for file in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  [[ -f "$file" ]] && sources+=("$file")
done
[[ ${#sources[@]} -gt 0 ]] || { echo "clean-root: the host has no apt sources to bootstrap from" >&2; exit 1; }
# The same apt options as the host's for reaching that mirror (e.g. a snapshot's dates).
apt_options=(--aptopt='Acquire::Check-Valid-Until "false"' --aptopt='Acquire::Retries "3"')

mkdir -p "$cache/archives"
# The base root is remade when the sources or these bootstrap options change.
key=$( (echo "$suite minbase ${apt_options[*]}"; cat "${sources[@]}") | sha256sum | cut -c1-16)
base="$cache/$suite-minbase-$key.tar"
if [[ -f "$base" && -n $(find "$base" -mtime -7) ]]; then
  say "base root: cached $base"
else
  say "base root: bootstrapping Debian $suite (minbase) with mmdebstrap"
  rm -f "$cache"/"$suite"-minbase-*.tar "$cache"/*.tar.partial
  mmdebstrap --quiet --variant=minbase --mode=root --format=tar "${apt_options[@]}" "$suite" "$base.partial" "${sources[@]}"
  mv "$base.partial" "$base"
fi

work=$(mktemp -d /var/tmp/lookalike-clean-root.XXXXXX)
root="$work/root"
log="$work/log"
cleanup() {
  if [[ "${LOOKALIKE_CLEAN_ROOT_KEEP:-0}" == 1 ]]; then
    echo "clean-root: kept $root"
  else
    rm -rf --one-file-system "$work"
  fi
}
trap cleanup EXIT
mkdir -p "$root"
tar -xf "$base" -C "$root"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true

# The project as a fresh clone would have it: the tracked files (and new untracked ones, so that
# a change can be checked before it is committed), never build folders.
mkdir -p "$root/src"
git -C "$source_dir" ls-files -z --cached --others --exclude-standard |
  (cd "$source_dir" && tar --null --no-recursion --ignore-failed-read -cf - -T -) | tar -xf - -C "$root/src"
say "source: $(find "$root/src" -type f | wc -l) files copied into the root"

# Each output line with the seconds since its step began: the figures for the README.
stamp() {
  local begin=$SECONDS line
  while IFS= read -r line; do printf '[%4ds] %s\n' "$((SECONDS - begin))" "$line"; done
}

# Runs a script inside the root, in a private mount namespace (the mounts vanish with it), with
# a clean environment: no DISPLAY, no host PATH.
in_root() {
  local step="$1" script="$2"
  say "$step"
  if ! unshare --mount --propagation private --fork bash -euc '
      root="$1"; archives="$2"; script="$3"
      mount --rbind /dev "$root/dev"
      mount -t proc proc "$root/proc"
      mount --rbind /sys "$root/sys"
      mount -t tmpfs tmpfs "$root/tmp"
      mount --bind "$archives" "$root/var/cache/apt/archives"
      exec chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        /bin/bash -euo pipefail -c "$script"
    ' in-root "$root" "$cache/archives" "$script" 2>&1 | stamp >"$log"; then
    echo "clean-root: FAILED at step: $step" >&2
    echo "---- the last 60 lines of its output ----" >&2
    tail -n 60 "$log" >&2
    exit 1
  fi
  # Where the time went: packages, configure, build, and the end of the step's output.
  grep -E '^\[ *[0-9]+s\] (install-deps:|-- Configuring done|quickstart:|Trained model|Held-out)' "$log" || true
  grep -E '^\[ *[0-9]+s\] \[[0-9]+/[0-9]+\] ' "$log" | tail -n 1 || true
  tail -n "${3:-12}" "$log"
  say "$step: passed"
}

# apt inside the root keeps its downloads in the shared archive folder.
echo 'APT::Keep-Downloaded-Packages "true";' >"$root/etc/apt/apt.conf.d/90keep-downloads"
# No service starts inside the root, as in every Debian chroot tool: postgresql-15's postinst
# would otherwise try to start its "main" cluster, on the host's network (port 5432 may be taken
# there) and outliving the step. The tests start servers of their own.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
mkdir -p "$root/var/cache/apt/archives"

if [[ "$mode" == run || "$mode" == all ]]; then
  in_root "run: bash installer/quickstart.sh run (no display: the command-line demo)" \
    'cd /src && bash installer/quickstart.sh run'
fi
if [[ "$mode" == test || "$mode" == all ]]; then
  in_root "test: install-deps.sh test, configure with the tests, build and run three test programs" \
    'cd /src && installer/install-deps.sh test &&
     cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLOOKALIKE_BUILD_TESTS=ON &&
     cmake --build build --parallel "$(nproc)" --target datasets_tests main_window_test postgres_cluster_test &&
     build/tests/core/datasets/datasets_tests --gtest_brief=1 &&
     QT_QPA_PLATFORM=offscreen build/tests/ui/main_window_test &&
     build/tests/support/postgres_cluster_test --gtest_brief=1 &&
     ctest --test-dir build -R "^(postgres_cluster_|PostgresClusterTest)" --output-on-failure' 10
fi
if [[ "$mode" == full ]]; then
  in_root "full: bash installer/quickstart.sh test (the whole suite)" 'cd /src && bash installer/quickstart.sh test' 25
fi
say "passed ($mode)"
