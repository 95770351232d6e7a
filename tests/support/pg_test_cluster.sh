#!/usr/bin/env bash
# The test suite's PostgreSQL server, started once per ctest run (the `postgres` fixture in
# tests/CMakeLists.txt) and shared by every test program that needs it. The same rules as
# tests/support/postgres_cluster.cpp: a fresh initdb with trust for the `postgres` role, a Unix
# socket only (no TCP), the server's defaults otherwise (fsync stays on: crash tests need it).
#
# Usage: pg_test_cluster.sh start DIR [SOCKETDIR [PORT]]   (default DIR/socket, 55432)
#        pg_test_cluster.sh stop DIR [SOCKETDIR]
# DIR is remade by start (a server left running there by an interrupted run is stopped first).
# As root, the server runs as the `postgres` system user (PostgreSQL refuses to run as root).
set -euo pipefail

action="${1:-}"
dir="${2:-}"
[[ ( "$action" == start || "$action" == stop ) && -n "$dir" ]] ||
  { echo "usage: $0 start|stop DIR [SOCKETDIR [PORT]]" >&2; exit 2; }
socket_dir="${3:-$dir/socket}"
port="${4:-55432}"
data="$dir/data"

# The newest server under Debian's /usr/lib/postgresql/<major>/bin.
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | while read -r candidate; do
  [[ -x "$candidate/initdb" && -x "$candidate/pg_ctl" ]] && echo "$candidate"; done | tail -n 1)
[[ -n "$bin" ]] || { echo "pg_test_cluster: PostgreSQL server not installed: run installer/install-deps.sh test" >&2; exit 1; }

as_server=()
if [[ $(id -u) -eq 0 ]]; then
  id -u postgres >/dev/null 2>&1 ||
    { echo "pg_test_cluster: running as root and there is no postgres user to run the server as" >&2; exit 1; }
  as_server=(runuser -u postgres --)
fi

# immediate: the folder is deleted next, so the shutdown checkpoint (a minute of fsyncs once a
# run has made a hundred databases) would be wasted.
stop_server() {
  if [[ -f "$data/postmaster.pid" ]]; then
    "${as_server[@]}" "$bin/pg_ctl" stop -w -m immediate -D "$data" >/dev/null 2>&1 || true
  fi
  rm -rf -- "$dir" "$socket_dir"
}

if [[ "$action" == stop ]]; then
  stop_server
  exit 0
fi

stop_server
mkdir -p "$dir" "$socket_dir"
[[ ${#as_server[@]} -eq 0 ]] || chown postgres: "$dir" "$socket_dir"
log="$dir/commands.log"
fail() {
  echo "pg_test_cluster: $1 failed; the end of its log:" >&2
  tail -n 30 "$log" >&2
  [[ -f "$dir/server.log" ]] && { echo "--- server.log ---" >&2; tail -n 30 "$dir/server.log" >&2; }
  exit 1
}
started=$SECONDS
# The subshell's cd: initdb and pg_ctl as postgres need a working directory they may enter.
(cd "$dir" && "${as_server[@]}" "$bin/initdb" -D "$data" -A trust -U postgres --locale=C -E UTF8 --no-sync) \
  >"$log" 2>&1 || fail initdb
cat >>"$data/postgresql.conf" <<EOF

# lookalike test cluster: a Unix socket only, no TCP
listen_addresses = ''
unix_socket_directories = '$socket_dir'
port = $port
EOF
(cd "$dir" && "${as_server[@]}" "$bin/pg_ctl" start -w -t 60 -D "$data" -l "$dir/server.log") \
  >>"$log" 2>&1 || fail "pg_ctl start"
echo "pg_test_cluster: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on $socket_dir port $port" \
  "(started in $((SECONDS - started)) s)"
