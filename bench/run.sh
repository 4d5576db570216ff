#!/usr/bin/env bash
# The benchmark of swgr-lnurl, in one command (as root, Debian 12):
#
#   bench/run.sh
#
# Builds the suite out of tree, compiles bench/hello.c, installs lnurl-node from npm
# into bench/.node/, brings up in a temporary directory: nginx in front of everything,
# a hello-world FastCGI responder (the ceiling) and swgr-lnurl under spawn-fcgi with
# the same threads, swgr-discovery and swgr-offer (to register nodes and an offer, on
# SQLite), swgr-monitord, Lightning node simulators (tests/sim/lnsim.py), and
# lnurl-node with its dummy Lightning backend behind nginx's proxy_pass.  Then wrk
# (64 connections, a warm-up, then a fixed duration) against each scenario, and one
# table with the targets of issue 4 item 8, all ratios taken within this run.
# Everything started is stopped at the end, also on failure.  See bench/README.md.
#
# Knobs (environment): BENCH_SECONDS (15) and BENCH_WARMUP (5) per scenario,
# BENCH_CONNS (64), BENCH_THREADS (32, -t of both FastCGI responders),
# BENCH_KEEPALIVE (8, nginx upstream keepalive per worker), BENCH_SIMS (3),
# BENCH_DRIFT_REQUESTS (100000), SWGR_BUILD_DIR (/tmp/swgr-bench-build),
# BENCH_SWGR_ARGS (more options of swgr-lnurl, e.g. "-l warn"), BENCH_ROUNDS (5),
# BENCH_HOLD=N (keep the stack up N s before measuring), BENCH_KEEP=1 leaves the temporary directory (logs) in place.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

SECONDS_RUN=${BENCH_SECONDS:-15}
WARMUP=${BENCH_WARMUP:-5}
CONNS=${BENCH_CONNS:-64}
THREADS=${BENCH_THREADS:-32}
KEEPALIVE=${BENCH_KEEPALIVE:-8}
NSIMS=${BENCH_SIMS:-3}
DRIFT_N=${BENCH_DRIFT_REQUESTS:-100000}
ROUNDS=${BENCH_ROUNDS:-5}
SLICE=$(( (SECONDS_RUN + ROUNDS - 1) / ROUNDS ))
BUILD=${SWGR_BUILD_DIR:-/tmp/swgr-bench-build}
LNURL_NODE_VERSION=0.27.0
PY=/usr/bin/python3
NCPU=$(nproc)
TICK=$(getconf CLK_TCK)

log() { printf '[bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }

# ---- what the run needs: Debian packages, the build, hello, lnurl-node ----

[ "$(id -u)" = 0 ] || die "run as root (installs packages, starts nginx)"
scripts/deps.sh run
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
	log "installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

log "building the suite in $BUILD"
[ -x configure ] || autoreconf -fi >/dev/null
mkdir -p "$BUILD"
[ -f "$BUILD/Makefile" ] || (cd "$BUILD" && "$top/configure" -q)
make -C "$BUILD" -j"$NCPU" >/dev/null

T=$(mktemp -d /tmp/swgr-bench.XXXXXX)
chmod 0755 "$T"		# nginx workers (nobody) reach the sockets in it
gcc -O2 -Wall -pthread -o "$T/hello" bench/hello.c -lfcgi

node_dir=$top/bench/.node
if [ "$(cd "$node_dir" 2>/dev/null && node -p 'require("./node_modules/lnurl/package.json").version' 2>/dev/null)" != "$LNURL_NODE_VERSION" ]; then
	log "installing lnurl@$LNURL_NODE_VERSION from npm into bench/.node/"
	mkdir -p "$node_dir"
	(cd "$node_dir" && npm install --no-audit --no-fund --loglevel=error "lnurl@$LNURL_NODE_VERSION" >/dev/null)
fi

# ---- stop everything at the end, also on failure ----

pids=()		# every process we started (spawn-fcgi children are added by pid file)
cleanup() {
	local rc=$? p
	trap - EXIT INT TERM
	[ -s "$T/nginx.pid" ] && kill "$(cat "$T/nginx.pid")" 2>/dev/null
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for _ in $(seq 1 50); do
		local alive=0
		for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
		[ $alive = 0 ] && break
		sleep 0.1
	done
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	if [ "${BENCH_KEEP:-0}" = 1 ] || [ $rc != 0 ]; then
		log "logs kept in $T"
	else
		rm -rf "$T"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_ports() {	# N free TCP ports on 127.0.0.1, below the ephemeral range (no clash with clients)
	$PY - "$1" <<'EOF'
import random, socket, sys
out, p = [], random.randrange(20000, 30000)
while len(out) < int(sys.argv[1]):
    p += 1
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
        out.append(p)
    except OSError:
        pass
    finally:
        s.close()
print(" ".join(map(str, out)))
EOF
}
wait_http() {	# URL [tries of 0.1 s]
	local i
	for i in $(seq 1 "${2:-200}"); do
		curl -fs -o /dev/null "$1" && return 0
		sleep 0.1
	done
	return 1
}

ports=($(free_ports $((6 + 2 * NSIMS))))
read -r P_HELLO P_SWGR P_NODE P_DISC P_OFFER P_NODE_BACK <<<"${ports[*]:0:6}"

# ---- Lightning node simulators ----

log "starting $NSIMS node simulators"
sim_ports=() sim_ctl=() sim_kind=()
for i in $(seq 1 "$NSIMS"); do
	port=${ports[$((4 + 2 * i))]} ctl=${ports[$((5 + 2 * i))]}
	kind=lnd; [ $((i % 2)) = 0 ] && kind=cln
	$PY tests/sim/lnsim.py --kind $kind --dir "$T/sim$i" --port "$port" --control-port "$ctl" \
	    --workers 32 >"$T/sim$i.log" 2>&1 &
	pids+=($!)
	sim_ports+=("$port") sim_ctl+=("$ctl") sim_kind+=("$kind")
done
for i in $(seq 1 "$NSIMS"); do
	for _ in $(seq 1 300); do [ -s "$T/sim$i/node.json" ] && break; sleep 0.1; done
	[ -s "$T/sim$i/node.json" ] || die "simulator $i did not start (see $T/sim$i.log)"
done

# ---- configuration, keys, responders, nginx ----

for svc in discovery offer; do
	"$BUILD/swgr" $svc token key -p "$T/$svc-public.pem" -k "$T/$svc-private.pem" >/dev/null
done
cat >"$T/config.yaml" <<EOF
lnurl-service:
  partitions: ["default"]
  address: 127.0.0.1:$P_SWGR
  health-check-frequency-secs: 1.0
  parallel-health-check: true
  health-check-consecutive-success-to-healthy: 1
  health-check-consecutive-failure-to-unhealthy: 1
  backend-update-frequency-secs: 1.0
  invoice-expiry-secs: 180
  ln-client-timeout-secs: 2.0
  allowed-hosts: [localhost, 127.0.0.1]
  backoff:
    type: exponential
    max-elapsed-time-secs: 2.5
  backend-selection: round-robin
  selection-capacity-bias: -0.2
  bech32-qr-scale: 8
  bech32-qr-light: 255
  bech32-qr-dark: 0
  log-file: $T/lnurl.log
discovery-service:
  address: 127.0.0.1:$P_DISC
  auth-authority: $T/discovery-public.pem
  log-file: $T/discovery.log
offer-service:
  address: 127.0.0.1:$P_OFFER
  auth-authority: $T/offer-public.pem
  max-page-size: 100
  log-file: $T/offer.log
monitor:
  instance: bench
  log-file: $T/monitord.log
store:
  discover:
    type: database
    database-uri: "sqlite://$T/swgr.db?mode=rwc"
    max-connections: 5
  offer:
    type: database
    database-uri: "sqlite://$T/swgr.db?mode=rwc"
    max-connections: 5
EOF

spawn() {	# NAME PROGRAM ARGS...: under spawn-fcgi on $T/NAME.sock, its pid in $T/NAME.pid
	local name=$1
	shift
	spawn-fcgi -s "$T/$name.sock" -M 0666 -P "$T/$name.pid" -- "$@" >>"$T/$name.stderr" 2>&1 ||
		die "spawn-fcgi $name"
	pids+=("$(cat "$T/$name.pid")")
}
log "starting responders (-t $THREADS), monitord, lnurl-node, nginx"
spawn discovery "$BUILD/swgr-discovery" -c "$T/config.yaml"
spawn offer "$BUILD/swgr-offer" -c "$T/config.yaml"
spawn hello "$T/hello" -t "$THREADS"
# shellcheck disable=SC2086
spawn lnurl "$BUILD/swgr-lnurl" -c "$T/config.yaml" -t "$THREADS" ${BENCH_SWGR_ARGS:-}
"$BUILD/swgr-monitord" -c "$T/config.yaml" >"$T/monitord.stderr" 2>&1 &
pids+=($!)
node bench/lnurl-node.js "$P_NODE_BACK" "http://127.0.0.1:$P_NODE" "$T/lnurl-node.paths" \
    >"$T/lnurl-node.log" 2>&1 &
NODE_PID=$!
pids+=($NODE_PID)

mkdir -p "$T/nginx-tmp"
# The CGI parameters of web-examples/nginx/swgr-lnurl.conf, for both FastCGI responders.
cat >"$T/fastcgi.params" <<'EOF'
fastcgi_param QUERY_STRING    $query_string;
fastcgi_param REQUEST_METHOD  $request_method;
fastcgi_param CONTENT_TYPE    $content_type;
fastcgi_param CONTENT_LENGTH  $content_length;
fastcgi_param SCRIPT_NAME     $fastcgi_script_name;
fastcgi_param REQUEST_URI     $request_uri;
fastcgi_param DOCUMENT_URI    $document_uri;
fastcgi_param SERVER_PROTOCOL $server_protocol;
fastcgi_param REQUEST_SCHEME  $scheme;
fastcgi_param HTTPS           $https if_not_empty;
fastcgi_param REMOTE_ADDR     $remote_addr;
fastcgi_param REMOTE_PORT     $remote_port;
fastcgi_param SERVER_ADDR     $server_addr;
fastcgi_param SERVER_PORT     $server_port;
fastcgi_param SERVER_NAME     $server_name;
EOF
cat >"$T/nginx.conf" <<EOF
worker_processes $NCPU;
pid $T/nginx.pid;
error_log $T/nginx-error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $T/nginx-tmp/body;
    fastcgi_temp_path $T/nginx-tmp/fastcgi;
    proxy_temp_path $T/nginx-tmp/proxy;
    uwsgi_temp_path $T/nginx-tmp/uwsgi;
    scgi_temp_path $T/nginx-tmp/scgi;
    # Clients (wrk) keep their connections; so does nginx towards every upstream,
    # with the same idle-connection cache per worker for all three.  With
    # fastcgi_keep_conn each idle kept connection pins one responder thread:
    # $KEEPALIVE x $NCPU workers stays well below the $THREADS threads.
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    upstream hello { server unix:$T/hello.sock; keepalive $KEEPALIVE; keepalive_requests 100000; }
    upstream swgr  { server unix:$T/lnurl.sock; keepalive $KEEPALIVE; keepalive_requests 100000; }
    upstream lnnode { server 127.0.0.1:$P_NODE_BACK; keepalive $KEEPALIVE; keepalive_requests 100000; }

    server {    # the ceiling: hello-world FastCGI responder
        listen 127.0.0.1:$P_HELLO;
        location / {
            include $T/fastcgi.params;
            fastcgi_pass hello;
            fastcgi_keep_conn on;
        }
    }
    server {    # swgr-lnurl, as web-examples/nginx/swgr-lnurl.conf plus upstream keepalive
        listen 127.0.0.1:$P_SWGR;
        location / {
            include $T/fastcgi.params;
            fastcgi_pass swgr;
            fastcgi_keep_conn on;
            fastcgi_read_timeout 30s;
        }
    }
    server {    # lnurl-node, over HTTP/1.1 with kept connections
        listen 127.0.0.1:$P_NODE;
        location / {
            proxy_pass http://lnnode;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$http_host;
        }
    }
    server {    # admin: registration of nodes and the offer only
        listen 127.0.0.1:$P_DISC;
        location / { include /etc/nginx/fastcgi_params; fastcgi_pass unix:$T/discovery.sock; }
    }
    server {
        listen 127.0.0.1:$P_OFFER;
        location / { include /etc/nginx/fastcgi_params; fastcgi_pass unix:$T/offer.sock; }
    }
}
EOF
nginx -q -t -c "$T/nginx.conf" -p "$T" 2>"$T/nginx-t.log" || die "nginx -t: $(cat "$T/nginx-t.log")"
nginx -c "$T/nginx.conf" -p "$T"
for _ in $(seq 1 50); do [ -s "$T/nginx.pid" ] && break; sleep 0.1; done

# ---- nodes and the offer, through the admin API and the CLI ----

for svc in discovery offer; do
	"$BUILD/swgr" $svc token mint -k "$T/$svc-private.pem" -e 3600 -o "$T/$svc.token" >/dev/null
done
export DISCOVERY_STORE_HTTP_BASE_URL=http://127.0.0.1:$P_DISC DISCOVERY_STORE_HTTP_AUTHORIZATION=$T/discovery.token
export OFFER_STORE_HTTP_BASE_URL=http://127.0.0.1:$P_OFFER OFFER_STORE_HTTP_AUTHORIZATION=$T/offer.token
wait_http "http://127.0.0.1:$P_DISC/health" || die "swgr-discovery does not answer"
wait_http "http://127.0.0.1:$P_OFFER/health" || die "swgr-offer does not answer"
for i in $(seq 1 "$NSIMS"); do
	d=$T/sim$i kind=${sim_kind[$((i - 1))]} port=${sim_ports[$((i - 1))]}
	pk=$($PY -c "import json,sys; print(json.load(open(sys.argv[1]))['publicKey'])" "$d/node.json")
	"$BUILD/swgr" discovery new "$kind-grpc" "$pk" -p default -n "sim-$i" 2>/dev/null |
	    $PY -c '
import json, sys
b = json.load(sys.stdin); kind, d, port = sys.argv[1], sys.argv[2], sys.argv[3]
i = b["implementation"]
if kind == "lnd":
    i.update(url="https://127.0.0.1:%s/" % port, domain="localhost",
             auth={"type": "path", "tlsCertPath": d + "/tls.cert", "macaroonPath": d + "/swgr.macaroon"})
else:
    i.update(url="https://127.0.0.1:%s/" % port, domain="localhost",
             auth={"type": "path", "caCertPath": d + "/ca.pem", "clientCertPath": d + "/client.pem",
                   "clientKeyPath": d + "/client-key.pem"})
b["enabled"] = True
json.dump(b, sys.stdout)' "$kind" "$d" "$port" >"$T/backend$i.json"
	"$BUILD/swgr" discovery put "$pk" -i "$T/backend$i.json" >/dev/null
done
meta=$("$BUILD/swgr" offer metadata new -p default -t "Pay to the swgr benchmark" | tee "$T/meta.json" |
    sed -n 's/.*"id": "\(.*\)".*/\1/p')
"$BUILD/swgr" offer metadata post -i "$T/meta.json" >/dev/null
"$BUILD/swgr" offer new -p default -m "$meta" | sed 's/"maxSendable": 0/"maxSendable": 100000000/;
	s/"minSendable": 0/"minSendable": 1000/;
	s/"expires": "1970-01-02T00:00:00Z"/"expires": "2099-01-01T00:00:00Z"/' >"$T/offer.json"
"$BUILD/swgr" offer post -i "$T/offer.json" >/dev/null
offer=$("$BUILD/swgr" offer get default | sed -n 's/^    "id": "\(.*\)",$/\1/p' | head -n1)
[ -n "$offer" ] || die "no offer registered"

SW=http://127.0.0.1:$P_SWGR
PAY=/offers/default/$offer
CB=$PAY/invoice?amount=5000
wait_http "$SW/health/full" 300 || die "swgr-lnurl never saw a healthy node (see $T/monitord.log)"
# Every simulator healthy in the status table before the load starts.
for _ in $(seq 1 100); do
	n=$($PY -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(
	    'select count(*) from swgr_node_status where healthy').fetchone()[0])" "$T/swgr.db" 2>/dev/null || echo 0)
	[ "$n" -ge "$NSIMS" ] 2>/dev/null && break
	sleep 0.1
done
curl -fs "$SW$CB" | grep -q '"pr":"lnbc' || die "swgr-lnurl: no invoice from $SW$CB"
for _ in $(seq 1 100); do [ -s "$T/lnurl-node.paths" ] && break; sleep 0.1; done
[ -s "$T/lnurl-node.paths" ] || die "lnurl-node did not start (see $T/lnurl-node.log)"
NPAY=$(sed -n 1p "$T/lnurl-node.paths")
NCB=$(sed -n 2p "$T/lnurl-node.paths")?amount=5000
NU=http://127.0.0.1:$P_NODE
curl -fs "$NU$NPAY" | grep -q '"tag":"payRequest"' || die "lnurl-node: no payRequest from $NU$NPAY"
curl -fs "$NU$NCB" | grep -q '"pr":"lnbc' || die "lnurl-node: no invoice from $NU$NCB"
HELLO_PID=$(cat "$T/hello.pid")
SWGR_PID=$(cat "$T/lnurl.pid")

# ---- measurement helpers ----

cpu_ticks() {	# PID...: utime+stime of all threads, in clock ticks
	local p t=0
	for p in "$@"; do
		t=$((t + $(sed 's/^.*) //' "/proc/$p/stat" | awk '{print $12 + $13}')))
	done
	echo $t
}
status_kb() {	# PID FIELD
	awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"
}
to_ms() {	# wrk's 1.23ms / 456.78us / 1.02s
	awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) ; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'
}
sim_invoices() {
	local c n=0
	for c in "${sim_ctl[@]}"; do
		n=$((n + $(curl -fs "http://127.0.0.1:$c/state" | $PY -c 'import json,sys; print(json.load(sys.stdin)["counts"]["invoices"])')))
	done
	echo $n
}
sim_ticks() {
	local i=0 p t=0
	for p in "${pids[@]:0:$NSIMS}"; do t=$((t + $(cpu_ticks "$p"))); done
	echo $t
}

declare -A URL PIDS REQS SECS TICKS ERRS P50S P99S RPS P50 P99 CPUK SL_RPS SL_CPU
define() {	# NAME URL PIDS...: a scenario, and the processes whose CPU it is charged
	URL[$1]=$2 REQS[$1]=0 SECS[$1]=0 TICKS[$1]=0 ERRS[$1]=0 P50S[$1]="" P99S[$1]=""
	SL_RPS[$1]="" SL_CPU[$1]=""
	PIDS[$1]="${*:3}"
}
warm() {	# NAME...
	local name
	for name in "$@"; do wrk -t2 -c"$CONNS" --timeout 10s -d"${WARMUP}s" "${URL[$name]}" >/dev/null; done
}
# One slice of SLICE seconds of wrk on NAME; its counts are added to the scenario's.
slice() {
	local name=$1 out c0 c1 s0 st0
	[ "$name" = swgr_callback ] && s0=$(sim_invoices) st0=$(sim_ticks)
	# shellcheck disable=SC2086
	c0=$(cpu_ticks ${PIDS[$name]})
	out=$(wrk -t2 -c"$CONNS" --timeout 10s -d"${SLICE}s" --latency "${URL[$name]}")
	# shellcheck disable=SC2086
	c1=$(cpu_ticks ${PIDS[$name]})
	if [ "$name" = swgr_callback ]; then
		SIM_INV=$((SIM_INV + $(sim_invoices) - s0)) SIM_TICKS=$((SIM_TICKS + $(sim_ticks) - st0))
	fi
	echo "$out" >>"$T/wrk-$name.txt"
	local n secs
	n=$(echo "$out" | awk '/requests in/ {print $1}')
	secs=$(echo "$out" | awk '/requests in/ {sub(",", "", $4); print $4 + 0}')
	# this slice alone: req/s and CPU s per 1000 requests, for the per-round ratios
	SL_RPS[$name]+=" $(awk -v n="$n" -v t="$secs" 'BEGIN { printf "%.1f", n / t }')"
	SL_CPU[$name]+=" $(awk -v d=$((c1 - c0)) -v hz="$TICK" -v n="$n" 'BEGIN { printf "%.5f", d / hz / n * 1000 }')"
	REQS[$name]=$((REQS[$name] + n))
	SECS[$name]=$(echo "$out" | awk -v t="${SECS[$name]}" '/requests in/ {sub(",", "", $4); print t + $4 + 0}')
	TICKS[$name]=$((TICKS[$name] + c1 - c0))
	ERRS[$name]=$((ERRS[$name] + $(echo "$out" | awk '/Non-2xx/ {n += $NF} /Socket errors/ {gsub(",", ""); n += $4 + $6 + $8 + $10} END {print n + 0}')))
	P50S[$name]+=" $(to_ms "$(echo "$out" | awk '$1 == "50%" {print $2}')")"
	P99S[$name]+=" $(to_ms "$(echo "$out" | awk '$1 == "99%" {print $2}')")"
}
median() { echo "$@" | tr ' ' '\n' | grep . | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
# The scenarios of a group in turn, ROUNDS times: background load that comes and goes
# weighs on all of them alike, so their ratios hold better than with one long run each.
# Every other round runs them in reverse order (A B, B A, ...): load that rises or falls
# through a round then favours neither of two scenarios compared.
rounds() {
	local r name order
	warm "$@"
	for r in $(seq 1 "$ROUNDS"); do
		order="$* "
		[ $((r % 2)) = 0 ] && order=$(printf '%s\n' "$@" | tac | tr '\n' ' ')
		log "round $r/$ROUNDS: $order(${SLICE}s each)"
		for name in $order; do slice "$name"; done
	done
	for name in "$@"; do
		RPS[$name]=$(awk -v n="${REQS[$name]}" -v t="${SECS[$name]}" 'BEGIN { printf "%.0f", n / t }')
		P50[$name]=$(median ${P50S[$name]})
		P99[$name]=$(median ${P99S[$name]})
		CPUK[$name]=$(awk -v d="${TICKS[$name]}" -v hz="$TICK" -v n="${REQS[$name]}" 'BEGIN { printf "%.3f", d / hz / n * 1000 }')
	done
}

# BENCH_HOLD=N: keep the stack up N seconds before the scenarios (for profiling by hand).
if [ -n "${BENCH_HOLD:-}" ]; then
	printf 'hello http://127.0.0.1:%s/\nswgr %s%s\nswgr %s%s\nnode %s%s\nnode %s%s\nswgr pid %s hello pid %s node pid %s\n' \
	    "$P_HELLO" "$SW" "$PAY" "$SW" "$CB" "$NU" "$NPAY" "$NU" "$NCB" "$SWGR_PID" "$HELLO_PID" "$NODE_PID" | tee "$T/urls"
	sleep "$BENCH_HOLD" &
	wait $!
fi

# ---- the scenarios ----

define hello "http://127.0.0.1:$P_HELLO/" "$HELLO_PID"
define swgr_health "$SW/health" "$SWGR_PID"
define swgr_pay "$SW$PAY" "$SWGR_PID"
define node_pay "$NU$NPAY" "$NODE_PID"
define swgr_callback "$SW$CB" "$SWGR_PID"
define node_callback "$NU$NCB" "$NODE_PID"
rounds hello swgr_pay swgr_health node_pay
SIM_INV=0 SIM_TICKS=0
rounds swgr_callback node_callback
# The simulators while swgr's callback slices ran.
SIM_RATE=$(awk -v n=$SIM_INV -v s="${SECS[swgr_callback]}" 'BEGIN { printf "%.0f", n / s }')
SIM_CPU=$(awk -v d=$SIM_TICKS -v hz="$TICK" -v s="${SECS[swgr_callback]}" 'BEGIN { printf "%.2f", d / hz / s }')

# RSS drift: swgr-lnurl after a mixed warm-up, then after DRIFT_N more mixed requests.
# (the requests are made in init: wrk adds the Host header only then)
cat >"$T/mixed.lua" <<EOF
local i, pay, cb = 0
init = function(args)
  pay = wrk.format("GET", "$PAY")
  cb = wrk.format("GET", "$CB")
end
request = function()
  i = i + 1
  if i % 2 == 0 then return cb end
  return pay
end
EOF
log "RSS drift: mixed warm-up ${WARMUP}s, then $DRIFT_N mixed requests (payRequest + callback)"
wrk -t2 -c"$CONNS" --timeout 10s -d"${WARMUP}s" -s "$T/mixed.lua" "$SW" >/dev/null
sleep 1
RSS0=$(status_kb "$SWGR_PID" VmRSS)
done_n=0 drift_errs=0 drift_t0=$(date +%s) logl0=$(grep -c ' clf::lnurl' "$T/lnurl.log" || true)
while [ "$done_n" -lt "$DRIFT_N" ]; do
	out=$(wrk -t2 -c"$CONNS" --timeout 10s -d10s -s "$T/mixed.lua" "$SW")
	done_n=$((done_n + $(echo "$out" | awk '/requests in/ {print $1}')))
	drift_errs=$((drift_errs + $(echo "$out" | awk '/Non-2xx/ {n += $NF} END {print n + 0}')))
done
# The access log of swgr-lnurl proves the requests reached it.
drift_seen=$(($(grep -c ' clf::lnurl' "$T/lnurl.log" || true) - logl0))
drift_secs=$(($(date +%s) - drift_t0))
sleep 1
RSS1=$(status_kb "$SWGR_PID" VmRSS)
DRIFT=$((RSS1 - RSS0))
HWM_SWGR=$(status_kb "$SWGR_PID" VmHWM)
HWM_HELLO=$(status_kb "$HELLO_PID" VmHWM)
HWM_NODE=$(status_kb "$NODE_PID" VmHWM)
RSS_SHARED=$(awk '$1 == "RssFile:" {print $2}' "/proc/$SWGR_PID/status")
NTHR_SWGR=$(awk '$1 == "Threads:" {print $2}' "/proc/$SWGR_PID/status")

# ---- the report ----

printf '\nswgr benchmark, %s, %s cores, load average %s\n' "$(date -u '+%Y-%m-%d %H:%M:%S UTC')" \
    "$NCPU" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'wrk -c%s -t2, %s rounds of %ss per scenario (interleaved) after %ss warm-up; nginx %s workers, upstream keepalive %s, fastcgi_keep_conn on;\n' \
    "$CONNS" "$ROUNDS" "$SLICE" "$WARMUP" "$NCPU" "$KEEPALIVE"
printf 'FastCGI responders: 1 process x %s threads (spawn-fcgi), swgr-lnurl %s; %s simulators (lnd/cln); lnurl-node %s (dummy backend)\n\n' \
    "$THREADS" "${BENCH_SWGR_ARGS:-with its default log level (info: one access-log line per request)}" "$NSIMS" "$LNURL_NODE_VERSION"
printf '%-24s %9s %9s %9s %9s %7s %16s\n' scenario req/s p50_ms p99_ms requests errors cpu_s/1000req
row() { printf '%-24s %9s %9s %9s %9s %7s %16s\n' "$1" "${RPS[$2]}" "${P50[$2]}" "${P99[$2]}" "${REQS[$2]}" "${ERRS[$2]}" "${CPUK[$2]}"; }
row "hello (ceiling)" hello
row "swgr /health" swgr_health
row "swgr payRequest" swgr_pay
row "swgr callback" swgr_callback
row "lnurl-node payRequest" node_pay
row "lnurl-node callback" node_callback
printf '\n(req/s: all requests over all slices; p50/p99: median of the slices; cpu: utime+stime of the responder process - swgr-lnurl, hello - or of the node process, over the measured run)\n'
printf 'simulators: %s invoices/s in all during swgr callback slices (%s sims; ~2000-2800/s each alone), %s CPU cores busy\n' "$SIM_RATE" "$NSIMS" "$SIM_CPU"
printf 'peak RSS (VmHWM): swgr-lnurl %s kB (%s threads, %s kB of it file-backed now), hello %s kB, lnurl-node %s kB\n' \
    "$HWM_SWGR" "$NTHR_SWGR" "$RSS_SHARED" "$HWM_HELLO" "$HWM_NODE"
printf 'RSS drift of swgr-lnurl over %s mixed requests (%ss, %s errors, %s in its access log): %s kB -> %s kB = %+d kB\n\n' \
    "$done_n" "$drift_secs" "$drift_errs" "$drift_seen" "$RSS0" "$RSS1" "$DRIFT"

fails=0
check() {	# LABEL VALUE OK(0/1)
	local verdict=PASS
	[ "$3" = 1 ] || { verdict=FAIL; fails=$((fails + 1)); }
	printf '%-4s %-52s %s\n' "$verdict" "$1" "$2"
}
# Each target compares two scenarios; their slices of one round ran one after the
# other, so each round gives one ratio under nearly the same background load.  The
# verdict takes the median of the rounds' ratios (load that comes and goes moves the
# ratio of totals by +-5 %); the ratio of the totals is printed beside it.
ratios() {	# A B KIND(SL_RPS|SL_CPU): the per-round ratios A/B
	local -a a b
	local -n src=$3
	read -ra a <<<"${src[$1]}"
	read -ra b <<<"${src[$2]}"
	local i out=""
	for i in "${!a[@]}"; do out+=" $(awk -v x="${a[$i]}" -v y="${b[$i]}" 'BEGIN { printf "%.3f", x / y }')"; done
	echo "$out"
}
rr_hello=$(ratios swgr_pay hello SL_RPS) rr_node=$(ratios swgr_pay node_pay SL_RPS)
rr_cpu=$(ratios swgr_callback node_callback SL_CPU)
r_hello=$(median $rr_hello) r_node=$(median $rr_node) r_cpu=$(median $rr_cpu)
t_hello=$(awk -v a="${RPS[swgr_pay]}" -v b="${RPS[hello]}" 'BEGIN { printf "%.3f", a / b }')
t_node=$(awk -v a="${RPS[swgr_pay]}" -v b="${RPS[node_pay]}" 'BEGIN { printf "%.2f", a / b }')
t_cpu=$(awk -v a="${CPUK[swgr_callback]}" -v b="${CPUK[node_callback]}" 'BEGIN { printf "%.3f", a / b }')
printf 'per-round ratios: payRequest/hello%s; payRequest/lnurl-node%s; callback CPU swgr/lnurl-node%s\n\n' \
    "$rr_hello" "$rr_node" "$rr_cpu"
check "payRequest >= 85% of the hello-world ceiling" "$r_hello median of rounds ($t_hello of totals)" \
    "$(awk -v r="$r_hello" 'BEGIN { print (r >= 0.85) }')"
check "payRequest >= 3x lnurl-node's" "${r_node}x median of rounds (${t_node}x of totals)" \
    "$(awk -v r="$r_node" 'BEGIN { print (r >= 3) }')"
check "CPU per 1000 callbacks <= half of lnurl-node's" "$r_cpu median of rounds ($t_cpu of totals: ${CPUK[swgr_callback]} s vs ${CPUK[node_callback]} s)" \
    "$(awk -v r="$r_cpu" 'BEGIN { print (r <= 0.5) }')"
check "peak RSS per responder process <= 32 MB (32768 kB)" "$HWM_SWGR kB" "$([ "$HWM_SWGR" -le 32768 ] && echo 1 || echo 0)"
check "RSS drift over $DRIFT_N requests < 1 MB (1024 kB)" "$DRIFT kB" "$([ "$DRIFT" -lt 1024 ] && echo 1 || echo 0)"
errs=0
for k in "${!ERRS[@]}"; do errs=$((errs + ERRS[$k])); done
[ "$errs" = 0 ] || log "WARNING: $errs non-2xx answers or socket errors (see the errors column)"
[ "$drift_errs" = 0 ] || log "WARNING: $drift_errs drift requests failed"
# (only with access logging on: at -l warn or above, 2xx answers are not logged)
[ "$drift_seen" = 0 ] || [ "$drift_seen" -ge "$DRIFT_N" ] || log "WARNING: only $drift_seen drift requests reached swgr-lnurl"
[ "$fails" = 0 ] && printf '\nall targets met\n' || printf '\n%s target(s) missed\n' "$fails"
exit 0
