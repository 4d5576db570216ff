# shellcheck shell=bash
# The fault scenarios of the benchmark (issue 11 item 5), sourced by bench/run.sh when
# BENCH_FAULTS=1, after its set-up (the stack on PostgreSQL) and with its helpers
# (wrk_parse, to_ms, define, rounds, median, log, ...).  Not a script of its own:
#
#   BENCH_FAULTS=1 bench/run.sh
#
# 1. The upstream settings: swgr's callback at BENCH_CONNS (64) connections with kept
#    FastCGI connections (fastcgi_keep_conn + upstream keepalive, the gate's) and with
#    those of the shipped nginx example (a new connection per request), interleaved in
#    BENCH_ROUNDS rounds; the one verdict: the example's p99 <= 5x its p50.
# 2. The faults, each for BENCH_FAULT_SECONDS (30), wrk on the measured URL and a
#    second wrk (4 connections) on /health during the fault:
#    (a) every node answers 100 ms late, 256 clients on the callback: the share of the
#        throughput bound threads / latency reached;
#    (b) one of the three nodes answers health checks but hangs on invoices, 64 clients
#        on the callback: how many calls paid its timeout (its "hung" counter);
#    (c) the database server stopped, 64 clients on payRequest and callback
#        alternating; then how long until a callback is answered again after the restart.
#    Printed: failed requests (non-2xx answers plus socket errors), p50/p99, /health p99.
#
# Knobs: BENCH_FAULT_SECONDS (30), BENCH_FAULT_CONNS (256, scenario a),
# BENCH_FAULT_LATENCY_MS (100, scenario a), BENCH_FAULT_UPSTREAM (example: the faults
# through the server block with the shipped example's upstream settings; kept: through
# the one with kept connections, whose backlog starves some connections past nginx's
# 30 s read timeout at 256 clients).  Sets FAULTS_RC: 0, or 1 if the example
# upstream's p99 is over 5x its p50 (0 with BENCH_REPORT_ONLY=1).

FAULT_SECS=${BENCH_FAULT_SECONDS:-30}
FAULT_CONNS=${BENCH_FAULT_CONNS:-256}
FAULT_LAT=${BENCH_FAULT_LATENCY_MS:-100}
FAULT_UP=${BENCH_FAULT_UPSTREAM:-example}
case $FAULT_UP in example) FU=$SWX ;; kept) FU=$SW ;; *) die "BENCH_FAULT_UPSTREAM=$FAULT_UP: example or kept";; esac
for v in FAULT_SECS FAULT_CONNS FAULT_LAT; do
	[[ ${!v} =~ ^[0-9]+$ ]] && [ "${!v}" -gt 0 ] || die "$v=${!v}: a positive integer expected"
done

sim_post() {	# INDEX(0-based) JSON: a change of a simulator's fault controls
	curl -fs -o /dev/null -X POST -d "$2" "http://127.0.0.1:${sim_ctl[$1]}/control" ||
		die "simulator $(($1 + 1)) refused the control $2"
}
sim_count() {	# INDEX COUNTER
	curl -fs "http://127.0.0.1:${sim_ctl[$1]}/state" |
	    $PY -c 'import json,sys; print(json.load(sys.stdin)["counts"][sys.argv[1]])' "$2"
}

# One fault window: wrk with CONNS connections on URL (optionally a Lua script) and
# wrk with 4 connections on /health, both for SECS; the figures into F_*.
declare -A F_CONNS F_RPS F_FAIL F_ALL F_P50 F_P99 F_HP99 F_HFAIL F_NOTE
fault_window() {	# NAME CONNS SECS URL [SCRIPT]
	local name=$1 conns=$2 secs=$3 url=$4 script=${5:-} hout out
	local args=(-t2 -c"$conns" --timeout 10s -d"${secs}s" --latency)
	[ -z "$script" ] || args+=(-s "$script")
	wrk -t1 -c4 --timeout 10s -d"${secs}s" --latency "$FU/health" >"$T/wrk-fault-$name-health.txt" &
	local hpid=$!
	out=$(wrk "${args[@]}" "$url")
	wait "$hpid" || true
	echo "$out" >"$T/wrk-fault-$name.txt"
	hout=$(cat "$T/wrk-fault-$name-health.txt")
	wrk_parse "$hout" || die "wrk printed no summary for /health during $name (see $T/wrk-fault-$name-health.txt)"
	F_HP99[$name]=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$hout")")
	F_HFAIL[$name]=$((W_NON2XX + W_SOCK))
	wrk_parse "$out" || die "wrk printed no summary during $name (see $T/wrk-fault-$name.txt)"
	F_CONNS[$name]=$conns
	F_RPS[$name]=$(awk -v n="$W_GOOD" -v t="$W_SECS" 'BEGIN { printf "%.0f", (t > 0 ? n / t : 0) }')
	F_FAIL[$name]=$((W_NON2XX + W_SOCK)) F_ALL[$name]=$W_ALL
	F_P50[$name]=$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")
	F_P99[$name]=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
	F_NOTE[$name]=""
}

# ---- 1. kept connections against the example's upstream settings ----

define up_kept "callback, kept conns" "$SW$CB" "$SWGR_PID"
define up_example "callback, example upstream" "$SWX$CB" "$SWGR_PID"
define hello_kept "hello, kept conns" "http://127.0.0.1:$P_HELLO/" "$HELLO_PID"
define hello_example "hello, example upstream" "$HX" "$HELLO_PID"
[ "$UPSTREAM" = kept ] || LABEL[up_kept]="callback (BENCH_UPSTREAM=example)"
log "upstream settings: swgr callback and hello at $CONNS connections, kept against the example's"
rounds up_kept up_example hello_kept hello_example
for n in up_kept up_example hello_kept hello_example; do
	[ -n "$(why "$n")" ] || continue
	log "note: $(why "$n")"
done
# The tail: the worst slice's p99 too (the median of the slices hides one bad slice).
up_worst() { printf '%s\n' ${P99S[$1]} | sort -g | tail -n1; }

# ---- 2. the faults ----

# (a) slow nodes: every call to every simulator FAULT_LAT ms late.
log "fault (a): every node ${FAULT_LAT} ms late, $FAULT_CONNS clients on the callback, ${FAULT_SECS}s"
for i in "${!sim_ctl[@]}"; do sim_post "$i" "{\"latency_ms\": $FAULT_LAT}"; done
sleep 2		# (the health checks see it too: it is a slow node, not a hanging one)
fault_window slow "$FAULT_CONNS" "$FAULT_SECS" "$FU$CB"
for i in "${!sim_ctl[@]}"; do sim_post "$i" '{"latency_ms": 0}'; done
BOUND=$(awk -v t="$THREADS" -v l="$FAULT_LAT" 'BEGIN { printf "%.0f", t / (l / 1000) }')
F_NOTE[slow]="bound $THREADS threads / ${FAULT_LAT} ms = $BOUND/s: $(awk -v r="${F_RPS[slow]}" -v b="$BOUND" 'BEGIN { printf "%.0f", 100 * r / b }') % reached"

# (b) one of three nodes hangs on invoices only (health checks pass).
sleep 2
log "fault (b): node 1 of $NSIMS hangs on invoices only, $CONNS clients on the callback, ${FAULT_SECS}s"
hung0=$(sim_count 0 hung)
sim_post 0 '{"hang_invoices": true}'
fault_window hang "$CONNS" "$FAULT_SECS" "$FU$CB"
hung=$(($(sim_count 0 hung) - hung0))
sim_post 0 '{"hang_invoices": false}'
F_NOTE[hang]="$hung calls held by the hanging node (each paid ln-client-timeout-secs 2 s)"

# (c) the database server stopped.  First the breaker of node 1 closes again (its
# cool-down, 10 s by default), so that this window measures the database alone;
# payRequest and callback alternate ($T/mixed.lua of run.sh).
sleep 12
log "fault (c): PostgreSQL stopped, $CONNS clients on payRequest + callback, ${FAULT_SECS}s"
tests/dbctl.sh stop postgres "$PG_DIR"
fault_window db "$CONNS" "$FAULT_SECS" "$FU" "$T/mixed.lua"
tests/dbctl.sh start postgres "$PG_DIR" "$P_PG" >/dev/null 2>>"$T/pg.err" ||
	die "PostgreSQL did not start again: $(tail -n1 "$T/pg.err")"
t0=$(date +%s.%N) back=""
for _ in $(seq 1 300); do
	if [ "$(curl -s -o /dev/null -w '%{http_code}' "$SW$CB")" = 200 ]; then
		back=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
		break
	fi
	sleep 0.1
done
F_NOTE[db]="after the restart a callback answered 200 in ${back:-no answer within 30} s"
[ -n "$back" ] || F_NOTE[db]="after the restart no callback answered 200 within 30 s"

# ---- the report ----

printf '\nswgr fault scenarios, %s, %s cores, load average %s; commit %s\n' "$(date -u '+%Y-%m-%d %H:%M:%S UTC')" \
    "$NCPU" "$(cut -d' ' -f1-3 /proc/loadavg)" "$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?')"
printf 'swgr-lnurl: 1 process x %s threads (spawn-fcgi), on PostgreSQL; %s simulators; nginx %s workers\n\n' \
    "$THREADS" "$NSIMS" "$NCPU"
printf 'upstream settings, wrk -c%s, %s rounds of %ss (p50/p99: median of the slices; worst: the highest slice p99):\n' \
    "$CONNS" "$ROUNDS" "$SLICE"
printf '  %-30s %9s %9s %9s %11s %9s %7s\n' upstream req/s p50_ms p99_ms worst_p99 p99/p50 errors
for n in up_kept up_example hello_kept hello_example; do
	printf '  %-30s %9s %9s %9s %11s %9s %7s\n' "${LABEL[$n]}" "${RPS[$n]}" "${P50[$n]}" "${P99[$n]}" \
	    "$(up_worst "$n")" "$(awk -v a="${P99[$n]}" -v b="${P50[$n]}" 'BEGIN { if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.1fx", a / b; else print "-" }')" "$((NON2XX[$n] + SOCK[$n]))"
done
printf '\nfaults, %ss each, through the %s upstream (failed: non-2xx answers plus socket errors; /health: wrk -c4 beside it):\n' "$FAULT_SECS" "$FAULT_UP"
printf '  %-44s %5s %8s %8s %8s %9s %9s %13s\n' scenario conns 2xx/s failed of p50_ms p99_ms health_p99_ms
frow() {	# NAME LABEL
	printf '  %-44s %5s %8s %8s %8s %9s %9s %13s\n' "$2" "${F_CONNS[$1]}" "${F_RPS[$1]}" "${F_FAIL[$1]}" \
	    "${F_ALL[$1]}" "${F_P50[$1]}" "${F_P99[$1]}" "${F_HP99[$1]}"
	printf '  %-44s %s\n' "" "${F_NOTE[$1]}"
	[ "${F_HFAIL[$1]}" = 0 ] || printf '  %-44s %s\n' "" "/health: ${F_HFAIL[$1]} failed"
}
frow slow "(a) nodes ${FAULT_LAT} ms late, callback"
frow hang "(b) 1 of $NSIMS nodes hangs on invoices, callback"
frow db "(c) database stopped, payRequest + callback"
echo

FAULTS_RC=0
ex_ok=$(awk -v a="${P99[up_example]}" -v b="${P50[up_example]}" 'BEGIN { print (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0 && a <= 5 * b) }')
if [ "$ex_ok" = 1 ] && [ -z "$(why up_example)" ]; then
	printf 'PASS example upstream: callback p99 <= 5x p50 at %s connections (%s ms vs %s ms)\n' "$CONNS" "${P99[up_example]}" "${P50[up_example]}"
else
	printf 'FAIL example upstream: callback p99 <= 5x p50 at %s connections (%s ms vs %s ms)%s\n' "$CONNS" \
	    "${P99[up_example]}" "${P50[up_example]}" "$(w=$(why up_example); [ -z "$w" ] || echo " ($w)")"
	[ "$REPORT_ONLY" = 1 ] || FAULTS_RC=1
fi
