# shellcheck shell=bash
# Sourced by the python-http and node-http `run` scripts: throwaway PostgreSQL and Redis
# servers for a one-command local run, on free loopback ports, in one temp dir, stopped
# and removed by local_deps_stop (the run scripts call it on exit).
#
# Each is started only when its variable is not already set (DATABASE_URL,
# REDIS_ADDRESS): point those at real servers to use them instead. LOCAL_DEPS=0 starts
# none; the checks of whatever is missing then fail and readiness stays 503, which
# /readyz?verbose shows.
#
# The servers run in sessions of their own (setsid), so a Ctrl-C on the terminal reaches
# graced, not them: they stay up while graced drains.

local_deps_dir=""
local_deps_pids=()

local_deps_note() {
  echo "run: $*" >&2
}

local_deps_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

local_deps_start() {
  if [ "${LOCAL_DEPS:-1}" = 0 ]; then
    local_deps_note "LOCAL_DEPS=0: starting no PostgreSQL or Redis"
    return 0
  fi
  local_deps_dir=$(mktemp -d /tmp/graced-example-deps.XXXXXX)
  chmod 0755 "$local_deps_dir"  # the postgres user needs to reach its own subdirectory
  [ -n "${REDIS_ADDRESS:-}" ] || local_deps_start_redis
  [ -n "${DATABASE_URL:-}" ] || local_deps_start_postgres
}

local_deps_start_redis() {
  if ! command -v redis-server >/dev/null; then
    local_deps_note "redis-server not found: the redis check fails and readiness stays 503"
    return 0
  fi
  local port log
  port=$(local_deps_free_port)
  log="$local_deps_dir/redis.log"
  setsid redis-server --bind 127.0.0.1 --port "$port" --protected-mode no --save '' \
    --appendonly no --dir "$local_deps_dir" --logfile "$log" </dev/null &
  local_deps_pids+=($!)
  for _ in $(seq 100); do
    grep -q "Ready to accept connections" "$log" 2>/dev/null && break
    sleep 0.1
  done
  export REDIS_ADDRESS="127.0.0.1:$port"
  local_deps_note "throwaway redis-server on $REDIS_ADDRESS (log: $log)"
}

local_deps_start_postgres() {
  local bin
  bin=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    local_deps_note "no PostgreSQL server under /usr/lib/postgresql: the postgres check fails" \
      "and readiness stays 503"
    return 0
  fi
  local pgdir="$local_deps_dir/pg" as=()
  mkdir -m 0700 "$pgdir"
  if [ "$(id -u)" = 0 ]; then
    # PostgreSQL refuses to run as root: initdb and the server run as the postgres user
    # (setpriv execs in place, so the pid below is the postmaster's).
    chown postgres: "$pgdir"
    as=(setpriv --reuid=postgres --regid=postgres --init-groups)
  fi
  if ! "${as[@]}" "$bin/initdb" --pgdata="$pgdir/data" --username=app --auth=trust \
    --encoding=UTF8 --locale=C --no-sync >"$local_deps_dir/initdb.log" 2>&1; then
    local_deps_note "initdb failed (see $local_deps_dir/initdb.log): the postgres check fails"
    return 0
  fi
  local port
  port=$(local_deps_free_port)
  setsid "${as[@]}" "$bin/postgres" -D "$pgdir/data" -p "$port" \
    -c listen_addresses=127.0.0.1 -c unix_socket_directories="$pgdir" -c fsync=off \
    -c dynamic_shared_memory_type=mmap \
    >"$local_deps_dir/postgres.log" 2>&1 </dev/null &
  local_deps_pids+=($!)
  for _ in $(seq 200); do
    "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" && break
    sleep 0.1
  done
  export DATABASE_URL="postgresql://app@127.0.0.1:$port/postgres"
  local_deps_note "throwaway PostgreSQL on 127.0.0.1:$port (log: $local_deps_dir/postgres.log)"
}

local_deps_stop() {
  local pid
  for pid in "${local_deps_pids[@]}"; do
    # SIGINT: PostgreSQL's fast shutdown; redis-server exits on it too.
    kill -INT "$pid" 2>/dev/null || true
  done
  for pid in "${local_deps_pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  local_deps_pids=()
  if [ -n "$local_deps_dir" ]; then
    rm -rf "$local_deps_dir"
    local_deps_dir=""
  fi
}
