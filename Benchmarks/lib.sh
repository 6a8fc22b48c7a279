# Benchmarks/lib.sh: the helpers every bench script shares. Sourced, never run:
#
#   BENCH_NAME=bench-foo
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# It defines functions and a few variables (REPO, BENCH_DIR, TMP once bench_tmp
# has run, PIDS, SERVER_*, PIN_* once bench_pin has run, HAS_ENGINES/ENGINES_LINE once bench_engines has
# run, ENGINE_* once engine_seen has run); it runs nothing else when sourced.
# shellcheck shell=bash disable=SC2034  # TICK, SERVER_PORT, ...: set here, used by the scripts that source it

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/.." && pwd)"
BENCH_NAME="${BENCH_NAME:-bench}"

# --- arguments -------------------------------------------------------------------
bench_die() { local code="$1"; shift; echo "$BENCH_NAME: $*" >&2; exit "$code"; }   # CODE MESSAGE

# The script's usage: its header comment, from line 2 to the first line that is not a comment.
bench_usage() { awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"; }

# bench_args "$@": --bin PATH (or --bin=PATH) sets BIN; -h/--help prints the usage.
# A script with more options defines bench_switch ARG, which returns 0 when it took ARG.
BIN=""
bench_args() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --bin) [ $# -ge 2 ] || bench_die 64 "--bin needs a path"
             BIN="$2"; shift 2 ;;
      --bin=*) BIN="${1#--bin=}"; shift ;;
      -h|--help) bench_usage; exit 0 ;;
      *) if declare -F bench_switch >/dev/null && bench_switch "$1"; then shift
         else echo "$BENCH_NAME: unknown argument: $1" >&2; bench_usage >&2; exit 64; fi ;;
    esac
  done
}

# bench_number NAME VALUE MIN MAX: a whole number within bounds (a typo must not run for hours on a shared machine).
bench_number() {
  case "$2" in ''|*[!0-9]*) bench_die 64 "$1 must be a number (got \"$2\")" ;; esac
  if [ "$2" -lt "$3" ] || [ "$2" -gt "$4" ]; then bench_die 64 "$1 must be $3..$4 (got $2)"; fi
}

# bench_need COMMAND...: each must be on PATH (exit 69 otherwise).
bench_need() { local c; for c in "$@"; do command -v "$c" >/dev/null || bench_die 69 "$c not found"; done; }

# bench_apt_install PACKAGE...: apt-get install when run as root on Debian; returns 1 when it could not.
bench_apt_install() {
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || return 1
  echo "missing packages: apt-get install -y $*" >&2
  timeout 300 apt-get update -qq >/dev/null 2>&1 &&
    DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -qq "$@" >/dev/null 2>&1
}

# bench_pkilab: BIN as an absolute path; without --bin, a release build of this repository.
bench_pkilab() {
  if [ -z "$BIN" ]; then
    echo "building: swift build -c release --product pkilab" >&2
    (cd "$REPO" && swift build -c release --product pkilab >&2)
    BIN="$(cd "$REPO" && swift build -c release --show-bin-path)/pkilab"
  fi
  [ -x "$BIN" ] || bench_die 66 "not an executable: $BIN"
  BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"
}

# --- the temporary folder and the processes started in the background -------------
PIDS=()   # every process the script starts in the background
bench_cleanup() {
  local p
  for p in "${PIDS[@]:-}"; do if [ -n "$p" ]; then kill -TERM "$p" 2>/dev/null || true; fi; done
  for p in "${PIDS[@]:-}"; do
    [ -n "$p" ] || continue
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$p" 2>/dev/null || true
  done
  [ -z "${TMP:-}" ] || rm -rf "$TMP"
}
# bench_tmp: a fresh TMP, removed on exit with every process in PIDS.
bench_tmp() {
  TMP="$(mktemp -d "${TMPDIR:-/tmp}/$BENCH_NAME.XXXXXX")"
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
}
forget_pid() {   # drop a pid from PIDS once it has been reaped
  local p; local -a keep=()
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && [ "$p" != "$1" ] && keep+=("$p"); done
  PIDS=("${keep[@]:-}")
}

# --- timing, figures, the machine ---------------------------------------------------
now_ns() { date +%s%N; }
ms_since() { echo $(( ($(now_ns) - $1) / 1000000 )); }   # START_NS: whole ms since
loadavg() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime | sed 's/.*average: //'; }
# ratio A B [DECIMALS]: A/B as "1.23x"; "n/a" when either is missing ("-" or empty) or B is 0.
ratio() {
  awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN{ if (a=="-"||b=="-"||a==""||b==""||b+0==0) print "n/a"; else printf "%." d "fx\n", a/b }'
}
TICK="$(getconf CLK_TCK 2>/dev/null || echo 100)"
tree_pids() {   # PID: PID and its direct children
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v root="$1" '{ pid = $1; line = $0; sub(/^.*\) /, "", line)
    split(line, f, " "); if (pid == root || f[2] == root) print pid }'
}
cpu_ticks() {   # PID: utime+stime of PID and its direct children, in clock ticks
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v root="$1" '{ pid = $1; line = $0; sub(/^.*\) /, "", line)
    split(line, f, " "); if (pid == root || f[2] == root) t += f[12] + f[13] } END { print t + 0 }'
}
child_ticks() {   # PID: cutime+cstime of PID: the CPU of the children it has waited for (a load client run in the foreground)
  awk '{ sub(/^.*\) /, ""); split($0, f, " "); print f[14] + f[15] }' "/proc/$1/stat" 2>/dev/null || echo 0
}
# per_op TICKS N SCALE DECIMALS: CPU per operation (TICKS clock ticks over N operations; SCALE 1000: ms, 1e6: us); "-" when N is 0.
per_op() { awk -v t="$1" -v n="$2" -v s="$3" -v d="$4" -v hz="$TICK" 'BEGIN{ if (n == "" || n == "-" || n + 0 == 0) print "-"; else printf "%." d "f\n", t * s / hz / n }'; }
# core_pct TICKS MS: CPU time as a percentage of one core over MS of wall time ("-" when MS is 0).
core_pct() { awk -v t="$1" -v ms="$2" -v hz="$TICK" 'BEGIN{ if (ms + 0 == 0) print "-"; else printf "%.0f\n", t * 100000 / hz / ms }'; }
status_kib() {   # FIELD PID: a /proc status field in KiB (VmRSS, VmHWM) of PID and its direct children, summed
  local p v t=0
  for p in $(tree_pids "$2"); do
    v="$(awk -v f="$1:" '$1 == f {print $2}' "/proc/$p/status" 2>/dev/null || true)"
    t=$(( t + ${v:-0} ))
  done
  echo "$t"
}
rss_kib() { status_kib VmRSS "$1"; }   # PID: VmRSS of PID and its direct children
hwm_kib() { status_kib VmHWM "$1"; }   # PID: VmHWM (peak RSS since start), summed (an upper bound for several processes)
mib() { awk -v k="$1" 'BEGIN{ if (k == "" || k == "-") print "-"; else printf "%.1f\n", k / 1024 }'; }   # KIB: MiB, one decimal
# verdict A B LIMIT le|ge|lt: whether A/B is at most (le), at least (ge) or below (lt) LIMIT: "met (1.23x, target ...)",
# "NOT met (1.23x, ...)" or "n/a".
verdict() {
  awk -v a="$1" -v b="$2" -v l="$3" -v op="$4" 'BEGIN{ if (a=="-"||b=="-"||a==""||b==""||b+0==0) { print "n/a"; exit }
    r = a / b; ok = (op == "le") ? (r <= l + 1e-9) : (op == "lt") ? (r < l - 1e-9) : (r >= l - 1e-9)
    printf "%s (%.2fx, target %s %.2fx)\n", ok ? "met" : "NOT met", r, op == "le" ? "<=" : op == "lt" ? "<" : ">=", l }'
}

# --- one server core (issue 17) ---------------------------------------------------
# bench_pin: every server on the first CPU this script may use, the load clients on the others (taskset), so
# that the figures are per server core and a client never takes the server's core. BENCH_PIN=0: no pinning
# (servers and clients share every core, as before issue 17). Sets SERVER_CPU, CLIENT_CPUS, PIN_SERVER and
# PIN_CLIENT (command prefixes: `"${PIN_SERVER[@]}" CMD`; empty without pinning) and PIN_LINE (for the header).
# pkilab's event loops: NIO makes one per CPU of the machine (it does not read the affinity mask), so two loops
# would share the one core; pinned, pkilab gets NIO_SINGLETON_GROUP_LOOP_COUNT=1 (unless it is set already),
# as nginx gets worker_processes 1.
BENCH_PIN="${BENCH_PIN:-1}"
SERVER_CPU=""; CLIENT_CPUS=""; PIN_SERVER=(); PIN_CLIENT=(); PIN_LINE="not pinned"
bench_cpus() {   # the CPUs this process may run on, one a line
  awk '/^Cpus_allowed_list:/{ print $2 }' /proc/self/status | tr ',' '\n' |
    awk -F- '{ if (NF == 2) for (i = $1; i <= $2; i++) print i; else if ($1 != "") print $1 }'
}
bench_pin() {
  case "$BENCH_PIN" in 0|1) ;; *) bench_die 64 "BENCH_PIN must be 0 or 1 (got \"$BENCH_PIN\")" ;; esac
  local -a cpus=()
  mapfile -t cpus < <(bench_cpus)
  if [ "$BENCH_PIN" = 0 ]; then PIN_LINE="not pinned (BENCH_PIN=0): servers and clients share all ${#cpus[@]} CPUs"; return 0; fi
  bench_need taskset
  [ "${#cpus[@]}" -ge 1 ] || bench_die 69 "cannot read this process's CPU list (/proc/self/status)"
  SERVER_CPU="${cpus[0]}"
  if [ "${#cpus[@]}" -ge 2 ]; then CLIENT_CPUS="$(IFS=,; echo "${cpus[*]:1}")"; else CLIENT_CPUS="$SERVER_CPU"; fi
  PIN_SERVER=(taskset -c "$SERVER_CPU"); PIN_CLIENT=(taskset -c "$CLIENT_CPUS")
  export NIO_SINGLETON_GROUP_LOOP_COUNT="${NIO_SINGLETON_GROUP_LOOP_COUNT:-1}"
  PIN_LINE="servers on CPU $SERVER_CPU, load clients on CPU $CLIENT_CPUS (taskset); pkilab NIO_SINGLETON_GROUP_LOOP_COUNT=$NIO_SINGLETON_GROUP_LOOP_COUNT"
  [ "${#cpus[@]}" -ge 2 ] || PIN_LINE="$PIN_LINE; ONE CPU ONLY: the clients share the server's core"
}

# --- pkilab's two TLS engines ---------------------------------------------------------
# `pkilab up --tls-engine boringssl|openssl` runs every TLS listener on swift-nio-ssl/BoringSSL (the default)
# or on the system's OpenSSL 3; bench-handshakes and bench-mqtt run pkilab once on each, side by side.
# engine_seen PORT TLS-FLAG STORE CERT-DIR: which engine answered on PORT, from one untimed mutual-TLS handshake
# (client certificate CERT-DIR/{cert,chain,key}.pem; TLS-FLAG e.g. -tls1_3, or "") that asks for RFC 6066
# max_fragment_length 512. Only OpenSSL honours it: `s_client -tlsextdebug` then shows the server's "max fragment
# length" extension (the wire decides). pkilab's event for that connection (STORE/events.jsonl) notes what the
# endpoint was configured with ("tls_engine: openssl) honours it" / "(BoringSSL) does not honour it"). Sets
# ENGINE_SEEN (openssl, boringssl or "?": no handshake) and ENGINE_LINE (what was seen, for a report line).
# bench_engines: whether BIN takes --tls-engine (a binary from before the flag runs BoringSSL only; the scripts
# then run pkilab without the flag and skip pkilab-openssl). Sets HAS_ENGINES (1 or 0) and ENGINES_LINE (for the header).
HAS_ENGINES=0; ENGINES_LINE=""
bench_engines() {
  local help
  help="$("$BIN" up --help 2>&1 || true)"   # captured, not piped to grep -q: no SIGPIPE under pipefail
  case "$help" in
    *--tls-engine*) HAS_ENGINES=1
      ENGINES_LINE="pkilab = BoringSSL engine (default, --tls-engine boringssl), pkilab-openssl = --tls-engine openssl (system OpenSSL 3)" ;;
    *) HAS_ENGINES=0
      ENGINES_LINE="this pkilab has no --tls-engine (older than the OpenSSL engine): pkilab = BoringSSL, pkilab-openssl skipped" ;;
  esac
}
# bench_engine_args ENGINE: the `pkilab up` arguments for ENGINE in ENGINE_ARGS; returns 1 when BIN cannot run it.
# The default engine is asked for explicitly, so that a PKILAB_TLS_ENGINE in the environment cannot swap it.
ENGINE_ARGS=()
bench_engine_args() {
  ENGINE_ARGS=()
  if [ "$HAS_ENGINES" = 1 ]; then ENGINE_ARGS=(--tls-engine "$1"); return 0; fi
  [ "$1" = boringssl ] || { echo "  pkilab-$1: this pkilab has no --tls-engine; skipped"; return 1; }
}

ENGINE_SEEN="?"; ENGINE_LINE=""
engine_seen() {
  local port="$1" ver="$2" store="$3" cert="$4" out="${TMP:-/tmp}/engine-seen.out" ev0 i note="no event note"
  local -a v=(); [ -z "$ver" ] || v=("$ver")
  ev0="$(wc -l <"$store/events.jsonl" 2>/dev/null || echo 0)"
  timeout 10 openssl s_client -connect "127.0.0.1:$port" "${v[@]}" -maxfraglen 512 -tlsextdebug -CAfile "$store/root.pem" \
    -cert "$cert/cert.pem" -cert_chain "$cert/chain.pem" -key "$cert/key.pem" </dev/null >"$out" 2>&1 || true
  if grep -q 'TLS server extension "max fragment length"' "$out"; then
    ENGINE_SEEN=openssl; ENGINE_LINE="max_fragment_length 512 honoured on the wire"
  elif grep -qE '^(Protocol version|New, TLS|    Protocol  :)' "$out"; then
    ENGINE_SEEN=boringssl; ENGINE_LINE="max_fragment_length 512 not honoured on the wire"
  else
    ENGINE_SEEN="?"; ENGINE_LINE="no handshake ($(grep -m1 -iE 'error|alert|errno|refused' "$out" | cut -c1-100 || echo 'no output'))"
  fi
  for ((i = 0; i < 20; i++)); do   # the event is written off the event loop: give it up to 2 s
    if tail -n +"$(( ev0 + 1 ))" "$store/events.jsonl" 2>/dev/null | grep -q 'honours it'; then note="event: tls_engine: openssl"; break; fi
    if tail -n +"$(( ev0 + 1 ))" "$store/events.jsonl" 2>/dev/null | grep -q 'does not honour it'; then note="event: BoringSSL"; break; fi
    sleep 0.1
  done
  ENGINE_LINE="$ENGINE_LINE; $note"
}

# bench_machine_line [EXTRA]: the machine and its load, for the header.
bench_machine_line() { echo "machine: nproc=$(nproc)  load average (1/5/15 min) at start: $(loadavg)${1:+  $1}"; }
bench_pkilab_line() { echo "pkilab:  $BIN ($("$BIN" --version 2>/dev/null || echo '?'))"; }

# --- servers: one at a time, in SERVER_PID / SERVER_PORT / SERVER_LOG / SERVER_KIND ---
SERVER_PID=""; SERVER_PORT=""; SERVER_LOG=""; SERVER_KIND=""
BENCH_SERVER_WORD="${BENCH_SERVER_WORD:-server}"   # "broker" in bench-mqtt's messages
BENCH_SIGNAL_EXIT_OK="${BENCH_SIGNAL_EXIT_OK:-}"   # SERVER_KINDs that end by the signal by design (openssl nginx)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
listening() { [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]; }
wait_listening() {   # PORT PID LOG SECONDS: until the port listens (or the pid dies)
  local port="$1" pid="$2" log="$3" secs="$4" i
  for ((i = 0; i < secs * 10; i++)); do
    listening "$port" && return 0
    kill -0 "$pid" 2>/dev/null || { echo "  $BENCH_SERVER_WORD exited before listening; log tail:"; tail -5 "$log" | sed 's/^/    /'; return 1; }
    sleep 0.1
  done
  echo "  $BENCH_SERVER_WORD did not listen on $port within ${secs}s; log tail:"; tail -5 "$log" | sed 's/^/    /'
  return 1
}
# bench_up LOG ARG...: `pkilab up ARG...` in the background, logged to LOG, until it prints its "ready " line.
bench_up() {
  local log="$1" i; shift
  SERVER_LOG="$log"; SERVER_KIND=pkilab
  : >"$SERVER_LOG"   # emptied here, not only in the child: a log reused from an earlier run must not show its "ready " line
  "${PIN_SERVER[@]}" "$BIN" up "$@" </dev/null >"$SERVER_LOG" 2>&1 &   # pinned after bench_pin (taskset execs: same pid)
  SERVER_PID=$!; PIDS+=("$SERVER_PID")
  for ((i = 0; i < 1200; i++)); do
    grep -q '^ready ' "$SERVER_LOG" 2>/dev/null && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "  pkilab up did not print 'ready'; log tail:"; tail -8 "$SERVER_LOG" | sed 's/^/    /'
  return 1
}
# stop_server: SIGTERM, reap, and say so when it did not exit 0 (except kinds in BENCH_SIGNAL_EXIT_OK).
stop_server() {
  [ -n "$SERVER_PID" ] || return 0
  local rc=0 i
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "  note: $SERVER_KIND (pid $SERVER_PID) still running 10s after SIGTERM; killed"
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  wait "$SERVER_PID" 2>/dev/null || rc=$?
  case " $BENCH_SIGNAL_EXIT_OK " in *" $SERVER_KIND "*) rc=0 ;; esac
  if [ "$rc" != 0 ]; then
    echo "  NOTE: $SERVER_KIND exited $rc on SIGTERM (expected 0); log tail:"; tail -5 "$SERVER_LOG" | sed 's/^/    /'
  fi
  forget_pid "$SERVER_PID"
  SERVER_PID=""
}
