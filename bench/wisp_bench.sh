#!/usr/bin/env bash
# bench/wisp_bench.sh - Switchyard's Wisp server against the npm wisp-js server and a direct TCP connection: same machine, same rounds, loopback only.
#
#   direct      wisp_load ──────── TCP ────────▶ target
#   switchyard  wisp_load ─ws─▶ switchyard /wisp/ (egress allowlist 127.0.0.1/32) ─TCP─▶ target
#   wisp-js     wisp_load ─ws─▶ node bench/wisp_js_server.mjs (wisp-js 0.5.0) ─TCP─▶ target
#
# The targets are wisp_load itself (`--serve echo` and `--serve download`), so
# all three setups reach the same servers; everything listens on 127.0.0.1 on
# ephemeral ports. Tests (bench/README.md, section "Wisp", says why these):
#   d1      one stream downloads 1 GiB                       MB/s, server CPU
#   e1      one stream, streaming echo for SECS s (64 KiB DATA)  MB/s, server CPU
#   d100    100 streams download 16 MiB each                 MB/s, server peak RSS
#   d1000   1000 streams download 1 MiB each (30 s limit)    MB/s, server peak RSS
#   oseq    stream opens one after the other (3000, SECS s at most)   opens/s, p50, p99
#   opar    stream opens, 32 in flight (20000, SECS s at most)        opens/s, p50, p99
#   idle1k  1000 idle streams on one connection, fresh server: RSS growth / stream
#   idle10k 10000 idle streams on 5 connections, fresh server: RSS growth / stream
# Each round restarts both Wisp servers, runs d100 first (peak RSS of a fresh
# process), then the other tests, every test for every setup before the next
# test, the setup order rotating each round; idle tests get a fresh server
# each. The table shows medians over the rounds and the ratios
# switchyard/wisp-js and switchyard/direct.
#
# Usage: bench/wisp_bench.sh [BIN_DIR [ROUNDS]]
#   BIN_DIR  with switchyard and wisp_load (default build/bin)
#   ROUNDS   default 3
#   SY_BENCH_SECS (default 5): echo duration and opens time cap.
#   SY_BENCH_SETUPS (default "direct switchyard wisp-js"): which to run.
#   SY_WISP_LOAD: wisp_load elsewhere than BIN_DIR.
#   SY_BENCH_NODE_MODULES (default tests/node/node_modules, installed with
#     `npm ci --prefix tests/node` when missing): where wisp-js 0.5.0 and ws are.
# Every process it starts is stopped on exit (also on failure or Ctrl-C), every
# client run has a deadline, and its scratch dir /tmp/sywisp.* is removed
# (kept and named when something failed). Needs no root; sends nothing beyond 127.0.0.1.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=$(cd "${1:-$root/build/bin}" 2>/dev/null && pwd) || { echo "no bin directory ${1:-$root/build/bin}"; exit 2; }
rounds=${2:-3}
secs=${SY_BENCH_SECS:-5}
setups=${SY_BENCH_SETUPS:-direct switchyard wisp-js}
load=${SY_WISP_LOAD:-$bin/wisp_load}
modules=${SY_BENCH_NODE_MODULES:-$root/tests/node/node_modules}
[ "$rounds" -ge 1 ] && [ "$rounds" -le 20 ] && [ "$secs" -ge 1 ] && [ "$secs" -le 60 ] ||
  { echo "ROUNDS must be 1..20, SY_BENCH_SECS 1..60"; exit 2; }
[ -x "$load" ] || { echo "missing $load (ninja -C build wisp_load)"; exit 2; }
wanted() { case " $setups " in *" $1 "*) return 0 ;; esac; return 1; }
if wanted switchyard; then
  [ -x "$bin/switchyard" ] || { echo "missing $bin/switchyard"; exit 2; }
fi
if wanted wisp-js; then
  command -v node >/dev/null || { echo "needs node (apt-get install nodejs)"; exit 2; }
  if [ ! -f "$modules/@mercuryworkshop/wisp-js/package.json" ] && [ -z "${SY_BENCH_NODE_MODULES:-}" ]; then
    echo "installing wisp-js: npm ci --prefix tests/node"
    timeout 300 npm ci --prefix "$root/tests/node" --no-audit --no-fund >/dev/null || { echo "npm ci failed"; exit 2; }
  fi
  v=$(node -p "require('$modules/@mercuryworkshop/wisp-js/package.json').version" 2>/dev/null)
  [ "$v" = 0.5.0 ] || { echo "need wisp-js 0.5.0 in $modules, found '${v:-none}'"; exit 2; }
fi
# The idle tests hold 10000 streams: the target, the servers and the client
# need that many descriptors and more.
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" -ge 12000 ] || echo "warning: ulimit -n is $(ulimit -n); the 10000-stream idle test needs ~10100"

tmp=$(mktemp -d /tmp/sywisp.XXXXXX)
PIDS=()
FAILED=0

cleanup() {
  local rc=$? pid i alive
  trap - EXIT
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for i in $(seq 1 30); do
    alive=0
    for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.1
  done
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  if [ "$rc" != 0 ] || [ "$FAILED" != 0 ]; then
    echo "logs kept in $tmp (exit $rc, $FAILED failed runs)"
  else
    rm -rf "$tmp"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start_bg NAME COMMAND...: starts COMMAND, waits up to 15 s for its
# "listening on 127.0.0.1:PORT" line; sets BG_PID and BG_PORT.
start_bg() {
  local name=$1 i
  shift
  "$@" >"$tmp/$name.log" 2>&1 &
  BG_PID=$!
  PIDS+=("$BG_PID")
  BG_PORT=""
  for i in $(seq 1 150); do
    BG_PORT=$(grep -oE 'listening on 127\.0\.0\.1:[0-9]+' "$tmp/$name.log" | head -n 1 | sed 's/.*://')
    [ -n "$BG_PORT" ] && return 0
    kill -0 "$BG_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "$name did not start:"
  tail -n 5 "$tmp/$name.log"
  return 1
}

stop_pid() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null
  for i in $(seq 1 30); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  forget_pid "$pid"
}

# A reaped pid may be reused by someone else's process: never signal it again.
forget_pid() {
  local keep=() p
  for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
  PIDS=("${keep[@]}")
}

# A copy: servers restart every round, and a rebuild meanwhile must not mix versions.
if wanted switchyard; then
  cp "$bin/switchyard" "$tmp/switchyard" || exit 2
fi

cat >"$tmp/switchyard.toml" <<EOF
[server]
listen = "127.0.0.1:0"

[[network]]
name = "default"
egress = "allowlist"
wisp_max_streams = 2000

# Loopback is reserved: only a cidr rule inside it opens it.
[[network.rule]]
action = "allow"
cidr = "127.0.0.1/32"

# Nothing here needs names; a dead loopback upstream keeps the resolver off the internet.
[[resolver.upstream]]
url = "https://127.0.0.1:9/dns-query"
address = "127.0.0.1"
EOF

declare -A SRV_PID=() SRV_URL=()
start_server() {  # start_server switchyard|wisp-js
  local s=$1
  case $s in
    switchyard)
      rm -rf "$tmp/state"
      start_bg switchyard "$tmp/switchyard" --config "$tmp/switchyard.toml" --state-dir "$tmp/state" --log-level info || return 1
      SRV_URL[$s]="ws://127.0.0.1:$BG_PORT/wisp/"
      ;;
    wisp-js)
      start_bg wisp-js node "$here/wisp_js_server.mjs" "$modules" 0 || return 1
      SRV_URL[$s]="ws://127.0.0.1:$BG_PORT/"
      ;;
  esac
  SRV_PID[$s]=$BG_PID
}
restart_server() {
  [ -n "${SRV_PID[$1]:-}" ] && stop_pid "${SRV_PID[$1]}"
  start_server "$1"
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

results="$tmp/results.tsv"  # setup test round server_cpu_seconds json
: >"$results"

run() {  # run SETUP TEST ROUND
  local s=$1 t=$2 r=$3 port=$DL_PORT limit args=() json="$tmp/$1-$2-$3.json"
  case $t in
    d1) args=(--mode download --bytes $((1 << 30))); limit=60 ;;
    e1) args=(--mode echo --duration "$secs"); port=$ECHO_PORT; limit=$((secs + 30)) ;;
    d100) args=(--mode download --streams 100 --bytes $((16 << 20))); limit=60 ;;
    d1000) args=(--mode download --streams 1000 --bytes $((1 << 20))); limit=30 ;;
    oseq) args=(--mode opens --streams 3000 --concurrency 1 --duration "$secs"); limit=$((secs + 30)) ;;
    opar) args=(--mode opens --streams 20000 --concurrency 32 --duration "$secs"); limit=$((secs + 30)) ;;
    idle1k) args=(--mode idle --streams 1000 --settle 2); port=$ECHO_PORT; limit=60 ;;
    idle10k) args=(--mode idle --streams 10000 --conns 5 --settle 2); port=$ECHO_PORT; limit=60 ;;
  esac
  args+=(--host 127.0.0.1 --port "$port" --timeout "$limit")
  local pid=""
  if [ "$s" = direct ]; then
    args+=(--direct)
  else
    pid=${SRV_PID[$s]}
    args+=(--url "${SRV_URL[$s]}" --rss-pid "$pid")
  fi
  local before=0 after=0
  [ -n "$pid" ] && before=$(cpu_ticks "$pid")
  # In the background and waited for: a TERM to the script is handled at once
  # (bash runs traps only between foreground commands), and cleanup stops it.
  timeout $((limit + 20)) "$load" "${args[@]}" >"$json" 2>"$json.err" &
  local cpid=$!
  PIDS+=("$cpid")
  wait "$cpid"
  local rc=$?
  forget_pid "$cpid"
  [ -n "$pid" ] && after=$(cpu_ticks "$pid")
  if ! grep -q '^{' "$json"; then
    echo "  round $r $t $s: no result (exit $rc): $(head -c 200 "$json.err")"
    FAILED=$((FAILED + 1))
    return 0
  fi
  [ "$rc" = 0 ] || FAILED=$((FAILED + 1))
  local cpu
  cpu=$(awk -v a="$after" -v b="$before" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.2f", (a - b) / hz}')
  printf '%s\t%s\t%s\t%s\t%s\n' "$s" "$t" "$r" "$cpu" "$(head -n 1 "$json")" >>"$results"
  python3 - "$json" "$s" "$t" "$r" "$cpu" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1])); s, t, r, cpu = sys.argv[2:6]
secs = j["seconds"] or 1
if t.startswith("idle"):
    what = f"{j['rss_per_stream_bytes']:8.0f} B/stream (RSS {j['rss_before_kib']} -> {j['rss_idle_kib']} KiB, {j['opens']} open)"
elif j["mode"] == "opens":
    what = f"{j['opens_per_s']:9.1f} opens/s  p50 {j['open_p50_ms']:.3f} ms  p99 {j['open_p99_ms']:.3f} ms"
else:
    what = f"{j['mb_per_s']:9.1f} MB/s  ({j['bytes'] / 1e6:.0f} MB in {j['seconds']:.2f} s, client CPU {100 * j['client_cpu_s'] / secs:.0f} %"
    if s != "direct":
        what += f", server CPU {100 * float(cpu) / secs:.0f} %, peak RSS {j['rss_peak_kib'] / 1024:.0f} MiB"
    what += ")"
bad = ""
if j["errors"] or j["timeout"]:
    bad = (f"  FAILED: {j['streams_done']}/{j['streams']} streams done, {j['errors']} errors"
           f"{', timeout' if j['timeout'] else ''} {j['first_error'][:120]}")
print(f"  round {r} {t:<7} {s:<10} {what}{bad}")
EOF
}

# --- targets and servers ------------------------------------------------------
start_bg echo-target "$load" --serve echo --listen 127.0.0.1:0 || exit 1
ECHO_PORT=$BG_PORT
start_bg download-target "$load" --serve download --listen 127.0.0.1:0 || exit 1
DL_PORT=$BG_PORT

active=()
for s in direct switchyard wisp-js; do
  wanted "$s" || continue
  if [ "$s" = direct ] || start_server "$s"; then
    active+=("$s")
  else
    echo "setup $s left out"
  fi
done
[ ${#active[@]} -gt 0 ] || { echo "no setup works"; exit 1; }

echo "== $rounds rounds, setups: ${active[*]}; $(nproc) cores, kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
[ -n "${SRV_PID[wisp-js]:-}" ] && echo "   $(head -n 1 "$tmp/wisp-js.log")"
n=${#active[@]}
for round in $(seq 1 "$rounds"); do
  order=()
  for i in $(seq 0 $((n - 1))); do order+=("${active[$(((i + round - 1) % n))]}"); done
  # Fresh servers: d100's peak RSS is that of a process that did nothing else.
  if [ "$round" -gt 1 ]; then
    for s in "${order[@]}"; do [ "$s" = direct ] || restart_server "$s" || exit 1; done
  fi
  # d1000 last: a wisp-js that stalls there keeps its stuck streams.
  for t in d100 d1 e1 oseq opar d1000; do
    for s in "${order[@]}"; do run "$s" "$t" "$round"; done
  done
  for t in idle1k idle10k; do
    for s in "${order[@]}"; do
      [ "$s" = direct ] && continue
      restart_server "$s" || exit 1
      sleep 1  # let a fresh node finish its start-up allocations
      run "$s" "$t" "$round"
    done
  done
done

echo
echo "== medians over $rounds rounds (load average now $(cut -d' ' -f1-3 /proc/loadavg))"
python3 - "$results" <<'EOF'
import json, statistics, sys
rows = []
for line in open(sys.argv[1]):
    s, t, r, cpu, j = line.rstrip("\n").split("\t", 4)
    rows.append((s, t, int(r), float(cpu), json.loads(j)))
setups = ["direct", "switchyard", "wisp-js"]

def values(s, t, f):
    return [f(j, cpu) for (s2, t2, r, cpu, j) in rows if s2 == s and t2 == t]

def med(s, t, f):
    v = [x for x in values(s, t, f) if x is not None]
    return statistics.median(v) if v else None

def fmt(x, digits, mark=""):
    if x is None: return "-"
    return f"{x:,.{digits}f}{mark}"

def failed(s, t):
    return any(not ok for ok in values(s, t, lambda j, cpu: not (j["errors"] or j["timeout"])))

def ratio(a, b):
    return f"{a / b:.2f}" if a is not None and b else "-"

mbps = lambda j, cpu: j["mb_per_s"]
cpu_pct = lambda j, cpu: 100 * cpu / j["seconds"] if j["transport"] == "wisp" and j["seconds"] else None
peak = lambda j, cpu: j["rss_peak_kib"] / 1024 if j["transport"] == "wisp" else None
growth = lambda j, cpu: (j["rss_peak_kib"] - j["rss_before_kib"]) / 1024 if j["transport"] == "wisp" else None
client = lambda j, cpu: 100 * j["client_cpu_s"] / j["seconds"] if j["seconds"] else None
ops = lambda j, cpu: j["opens_per_s"]
p50 = lambda j, cpu: j["open_p50_ms"]
p99 = lambda j, cpu: j["open_p99_ms"]
per_stream = lambda j, cpu: j["rss_per_stream_bytes"] if j["transport"] == "wisp" and j["opens"] else None
ok = lambda j, cpu: 0 if (j["errors"] or j["timeout"]) else 1

table = [
    ("single stream download 1 GiB, MB/s", "d1", mbps, 1),
    ("  server CPU, % of a core", "d1", cpu_pct, 0),
    ("  load generator CPU, % of a core", "d1", client, 0),
    ("single stream echo, MB/s", "e1", mbps, 1),
    ("  server CPU, % of a core", "e1", cpu_pct, 0),
    ("100 streams x 16 MiB download, MB/s", "d100", mbps, 1),
    ("  server peak RSS, MiB", "d100", peak, 1),
    ("  server RSS growth, MiB", "d100", growth, 1),
    ("1000 streams x 1 MiB download, MB/s", "d1000", mbps, 1),
    ("  server peak RSS, MiB", "d1000", peak, 1),
    ("  load generator CPU, % of a core", "d1000", client, 0),
    ("opens/s, sequential", "oseq", ops, 0),
    ("  open latency p50, ms", "oseq", p50, 3),
    ("  open latency p99, ms", "oseq", p99, 3),
    ("opens/s, 32 in flight", "opar", ops, 0),
    ("  open latency p50, ms", "opar", p50, 3),
    ("  open latency p99, ms", "opar", p99, 3),
    ("RSS per idle stream (1000), bytes", "idle1k", per_stream, 0),
    ("RSS per idle stream (10000), bytes", "idle10k", per_stream, 0),
]
w = 38
print(f"{'test':<{w}}" + "".join(f"{s:>12}" for s in setups) + f"{'sy/wisp-js':>12}{'sy/direct':>11}")
for name, t, f, d in table:
    v = [med(s, t, f) for s in setups]
    marks = ["*" if failed(s, t) else "" for s in setups]
    print(f"{name:<{w}}" + "".join(f"{fmt(x, d, m):>12}" for x, m in zip(v, marks)) +
          (f"{'':>12}{'':>11}" if "CPU" in name else f"{ratio(v[1], v[2]):>12}{ratio(v[1], v[0]):>11}"))
if any(failed(s, t) for s in setups for (_, t, _, _) in table):
    print("* some of these runs failed or stalled (their figures count what arrived before the deadline)")
print()
print("runs that completed without error (of each test's runs):")
for t in ["d1", "e1", "d100", "d1000", "oseq", "opar", "idle1k", "idle10k"]:
    cells = []
    for s in setups:
        v = values(s, t, ok)
        if v: cells.append(f"{s} {sum(v)}/{len(v)}")
    print(f"  {t:<8} " + ", ".join(cells))
EOF
exit 0
