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
# lnurl-node behind nginx's proxy_pass, with its "lnd" Lightning backend against one
# more simulator's LND REST API (invoices made out of process on both sides).  Then
# wrk (64 connections, a warm-up, then a fixed duration) against each scenario, and
# one table with the targets of issue 4 item 8, all ratios taken within this run.
# Everything started is stopped at the end, also on failure.  See bench/README.md.
#
# A gate: exit status 0 if every target is met, 1 if any is missed (a scenario with
# any non-2xx answer or socket error fails every target that uses it), 2 if the
# set-up failed (nothing measured), 130 if interrupted.
#
# Knobs (environment): BENCH_SECONDS (15) and BENCH_WARMUP (5) per scenario,
# BENCH_CONNS (64), BENCH_THREADS (32, -t of both FastCGI responders),
# BENCH_KEEPALIVE (8, nginx upstream keepalive per worker), BENCH_SIMS (3),
# BENCH_DRIFT_REQUESTS (100000), BENCH_DRIFT_MAX_SECONDS (300, the drift phase's cap),
# SWGR_BUILD_DIR (/tmp/swgr-bench-build),
# BENCH_SWGR_ARGS (more options of swgr-lnurl, e.g. "-l warn"), BENCH_ROUNDS (5),
# BENCH_NODE_BACKEND (lnd; "dummy": lnurl-node's in-process fake invoices, as before),
# BENCH_REPORT_ONLY=1 (print the verdicts, exit 0 even if a target is missed),
# BENCH_HOLD=N (keep the stack up N s before measuring), BENCH_KEEP=1 leaves the temporary directory (logs) in place,
# BENCH_UPSTREAM (kept: fastcgi_keep_conn + upstream keepalive; example: the upstream
# settings of web-examples/nginx/swgr-lnurl.conf, a new FastCGI connection per request),
# BENCH_METRICS (1; 0 turns metrics off), BENCH_FAULTS=1 (instead of the gate: the fault scenarios of bench/faults.sh, on
# PostgreSQL; its knobs are there).
set -eEuo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export LC_ALL=C		# decimal points in awk, sort -g

SECONDS_RUN=${BENCH_SECONDS:-15}
WARMUP=${BENCH_WARMUP:-5}
CONNS=${BENCH_CONNS:-64}
THREADS=${BENCH_THREADS:-32}
KEEPALIVE=${BENCH_KEEPALIVE:-8}
NSIMS=${BENCH_SIMS:-3}
DRIFT_N=${BENCH_DRIFT_REQUESTS:-100000}
ROUNDS=${BENCH_ROUNDS:-5}
DRIFT_MAX=${BENCH_DRIFT_MAX_SECONDS:-300}
NODE_BACKEND=${BENCH_NODE_BACKEND:-lnd}
REPORT_ONLY=${BENCH_REPORT_ONLY:-0}
UPSTREAM=${BENCH_UPSTREAM:-kept}
FAULTS=${BENCH_FAULTS:-0}
METRICS=${BENCH_METRICS:-1}
SLICE=$(( (SECONDS_RUN + ROUNDS - 1) / ROUNDS ))
BUILD=${SWGR_BUILD_DIR:-/tmp/swgr-bench-build}
LNURL_NODE_VERSION=0.27.0
PY=/usr/bin/python3
NCPU=$(nproc)
TICK=$(getconf CLK_TCK)

log() { printf '[bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
# A set-up failure: nothing (more) is measured; exit status 2, not 1 (a missed target).
die() { log "FAILED (set-up, no verdict): $*"; exit 2; }
# Any other command failing under set -e is a failure of the script itself: the same.
trap 'rc=$?; log "FAILED (set-up, no verdict): line $LINENO: \"$BASH_COMMAND\" exited with $rc"; exit 2' ERR
for v in SECONDS_RUN WARMUP CONNS THREADS KEEPALIVE NSIMS DRIFT_N ROUNDS DRIFT_MAX; do
	[[ ${!v} =~ ^[0-9]+$ ]] && [ "${!v}" -gt 0 ] || die "$v=${!v}: a positive integer expected"
done
case $NODE_BACKEND in lnd|dummy) ;; *) die "BENCH_NODE_BACKEND=$NODE_BACKEND: lnd or dummy";; esac
case $UPSTREAM in kept|example) ;; *) die "BENCH_UPSTREAM=$UPSTREAM: kept or example";; esac
case $FAULTS in 0|1) ;; *) die "BENCH_FAULTS=$FAULTS: 0 or 1";; esac
case $METRICS in 0|1) ;; *) die "BENCH_METRICS=$METRICS: 0 or 1";; esac

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
# Metrics on, as by default, their segments on tmpfs as /run is on a usual host (here
# /run may be the disk's: a shared mapping of a disk file is written back, and the
# next store to each page written back waits in a page fault).  BENCH_METRICS=0: off
# (metrics.dir empty), to compare their cost within one tree.
M=$(mktemp -d "$([ -d /dev/shm ] && echo /dev/shm || echo /tmp)/swgr-bench-metrics.XXXXXX")
MDIR=$M; [ "$METRICS" = 1 ] || MDIR=
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
	[ -z "${PG_DIR:-}" ] || "$top/tests/dbctl.sh" stop postgres "$PG_DIR" || true
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
	[ -z "${M:-}" ] || rm -rf "$M"
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

ports=($(free_ports $((6 + 2 * NSIMS + 7))))
read -r P_HELLO P_SWGR P_NODE P_DISC P_OFFER P_NODE_BACK <<<"${ports[*]:0:6}"
read -r P_NSIM P_NSIM_CTL P_NSIM_REST P_SWGR_EX P_PG P_HELLO_EX P_NOREC <<<"${ports[*]:$((6 + 2 * NSIMS)):7}"

# ---- the database: SQLite; PostgreSQL for the fault scenarios (one to stop) ----

PG_DIR=
DB_URI="sqlite://$T/swgr.db?mode=rwc"
if [ "$FAULTS" = 1 ]; then
	log "starting PostgreSQL (tests/dbctl.sh) on port $P_PG"
	PG_DIR=$T/pg
	DB_URI=$(tests/dbctl.sh start postgres "$PG_DIR" "$P_PG" 2>"$T/pg.err") ||
		die "PostgreSQL did not start: $(tail -n1 "$T/pg.err")"
fi
# The number of healthy nodes in swgr_node_status (0 if it cannot be read).
count_healthy() {
	if [ -n "$PG_DIR" ]; then
		psql -h "$PG_DIR" -p "$P_PG" -U postgres -d swgr -tAqc \
		    'select count(*) from swgr_node_status where healthy' 2>/dev/null || echo 0
	else
		$PY -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(
		    'select count(*) from swgr_node_status where healthy').fetchone()[0])" "$T/swgr.db" 2>/dev/null || echo 0
	fi
}

# ---- Lightning node simulators ----

log "starting $NSIMS node simulators"
# (the fault scenarios hold calls 100 ms, or until a timeout: more threads)
SIM_WORKERS=32
[ "$FAULTS" = 0 ] || SIM_WORKERS=128
sim_ports=() sim_ctl=() sim_kind=()
for i in $(seq 1 "$NSIMS"); do
	port=${ports[$((4 + 2 * i))]} ctl=${ports[$((5 + 2 * i))]}
	kind=lnd; [ $((i % 2)) = 0 ] && kind=cln
	$PY tests/sim/lnsim.py --kind $kind --dir "$T/sim$i" --port "$port" --control-port "$ctl" \
	    --workers $SIM_WORKERS >"$T/sim$i.log" 2>&1 &
	pids+=($!)
	sim_ports+=("$port") sim_ctl+=("$ctl") sim_kind+=("$kind")
done
# lnurl-node's node: one more LND simulator, not registered with swgr, that also serves
# LND's REST API (lnurl-node's "lnd" backend makes one POST /v1/invoices per callback).
NSIM_PID=
if [ "$NODE_BACKEND" = lnd ]; then
	$PY tests/sim/lnsim.py --kind lnd --dir "$T/simnode" --port "$P_NSIM" --control-port "$P_NSIM_CTL" \
	    --rest-port "$P_NSIM_REST" --workers 32 >"$T/simnode.log" 2>&1 &
	NSIM_PID=$!
	pids+=($NSIM_PID)
fi
for i in $(seq 1 "$NSIMS") ${NSIM_PID:+node}; do
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
metrics:
  dir: "$MDIR"
# the simulators write their credentials in this run's temporary directory (doc/nodes.md, node-access)
node-access:
  credential-directories: ["$T"]
store:
  discover:
    type: database
    database-uri: "$DB_URI"
    max-connections: 5
  offer:
    type: database
    database-uri: "$DB_URI"
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
# The same without invoice records: the callback's cost of recording them, compared.
sed -e 's|^lnurl-service:$|lnurl-service:\n  invoice-records: false|' \
    -e "s|log-file: $T/lnurl.log|log-file: $T/lnurl-norec.log|" "$T/config.yaml" >"$T/config-norec.yaml"
# shellcheck disable=SC2086
spawn lnurl_norec "$BUILD/swgr-lnurl" -c "$T/config-norec.yaml" -t "$THREADS" ${BENCH_SWGR_ARGS:-}
"$BUILD/swgr-monitord" -c "$T/config.yaml" >"$T/monitord.stderr" 2>&1 &
MON_PID=$!
pids+=($MON_PID)
node_args=(dummy)
[ "$NODE_BACKEND" = lnd ] &&
	node_args=(lnd "https://localhost:$P_NSIM_REST/" "$T/simnode/tls.cert" "$T/simnode/invoice.macaroon")
node bench/lnurl-node.js "$P_NODE_BACK" "http://127.0.0.1:$P_NODE" "$T/lnurl-node.paths" "${node_args[@]}" \
    >"$T/lnurl-node.log" 2>&1 &
NODE_PID=$!
pids+=($NODE_PID)

mkdir -p "$T/nginx-tmp"
# swgr-lnurl's upstream: kept connections (the gate's default), or the settings of the
# shipped example (web-examples/nginx/swgr-lnurl.conf: no upstream keepalive, no
# fastcgi_keep_conn: a new FastCGI connection per request).  A second server block
# with the example's settings is there in either mode (the fault scenarios compare).
if [ "$UPSTREAM" = kept ]; then
	SWGR_UPSTREAM_KEEP="keepalive $KEEPALIVE; keepalive_requests 100000;"
	SWGR_KEEP_CONN="fastcgi_keep_conn on;"
	UPSTREAM_DESC="upstream keepalive $KEEPALIVE, fastcgi_keep_conn on"
else
	SWGR_UPSTREAM_KEEP="" SWGR_KEEP_CONN=""
	UPSTREAM_DESC="swgr-lnurl with the example's upstream settings (no upstream keepalive, no fastcgi_keep_conn; hello: keepalive $KEEPALIVE, fastcgi_keep_conn on)"
fi
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
    upstream swgr  { server unix:$T/lnurl.sock; $SWGR_UPSTREAM_KEEP }
    upstream swgr_norec { server unix:$T/lnurl_norec.sock; $SWGR_UPSTREAM_KEEP }
    upstream lnnode { server 127.0.0.1:$P_NODE_BACK; keepalive $KEEPALIVE; keepalive_requests 100000; }

    server {    # the ceiling: hello-world FastCGI responder
        listen 127.0.0.1:$P_HELLO;
        location / {
            include $T/fastcgi.params;
            fastcgi_pass hello;
            fastcgi_keep_conn on;
        }
    }
    server {    # swgr-lnurl, as web-examples/nginx/swgr-lnurl.conf (BENCH_UPSTREAM=kept: plus upstream keepalive)
        listen 127.0.0.1:$P_SWGR;
        location / {
            include $T/fastcgi.params;
            fastcgi_pass swgr;
            $SWGR_KEEP_CONN
            fastcgi_read_timeout 30s;
        }
    }
    server {    # swgr-lnurl without invoice records, as the one above otherwise
        listen 127.0.0.1:$P_NOREC;
        location / {
            include $T/fastcgi.params;
            fastcgi_pass swgr_norec;
            $SWGR_KEEP_CONN
            fastcgi_read_timeout 30s;
        }
    }
    server {    # hello with the example's upstream settings (the fault scenarios compare)
        listen 127.0.0.1:$P_HELLO_EX;
        location / {
            include $T/fastcgi.params;
            fastcgi_pass unix:$T/hello.sock;
        }
    }
    server {    # swgr-lnurl with the example's upstream settings, whatever BENCH_UPSTREAM says
        listen 127.0.0.1:$P_SWGR_EX;
        location / {
            include $T/fastcgi.params;
            fastcgi_pass unix:$T/lnurl.sock;
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
# A Lightning Address bound to that offer, on the host wrk sends (127.0.0.1:port).
"$BUILD/swgr" offer address new -d "127.0.0.1:$P_SWGR" -u bench -p default -O "$offer" \
    -o "$T/address.json" 2>"$T/address-new.log" >/dev/null
"$BUILD/swgr" offer address post -i "$T/address.json" >/dev/null

SW=http://127.0.0.1:$P_SWGR
SWN=http://127.0.0.1:$P_NOREC	# without invoice records
SWX=http://127.0.0.1:$P_SWGR_EX	# the example's upstream settings
HX=http://127.0.0.1:$P_HELLO_EX/	# hello, likewise
PAY=/offers/default/$offer
CB=$PAY/invoice?amount=5000
APAY=/.well-known/lnurlp/Bench	# typed in another case than stored: the lookup folds it
ACB=/.well-known/lnurlp/bench/invoice?amount=5000
# payRequest and callback alternating, for the drift phase and fault (c); the requests
# are made in init: wrk adds the Host header only then.
cat >"$T/mixed.lua" <<LUA
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
LUA
wait_http "$SW/health/full" 300 || die "swgr-lnurl never saw a healthy node (see $T/monitord.log)"
# Every simulator healthy in the status table before the load starts (30 s at most).
healthy=0
for _ in $(seq 1 300); do
	healthy=$(count_healthy)
	[[ $healthy =~ ^[0-9]+$ ]] || healthy=0
	[ "$healthy" -ge "$NSIMS" ] && break
	sleep 0.1
done
[ "$healthy" -ge "$NSIMS" ] ||
	die "only $healthy of $NSIMS simulators healthy in swgr_node_status after 30 s (see $T/monitord.log, $T/sim*.log)"
# An invoice through swgr-lnurl, from one of its simulators.
curl -fs "$SW$CB" | grep -q '"pr":"lnbc' || die "swgr-lnurl: no invoice from $SW$CB"
for _ in $(seq 1 100); do [ -s "$T/lnurl-node.paths" ] && break; sleep 0.1; done
[ -s "$T/lnurl-node.paths" ] || die "lnurl-node did not start (see $T/lnurl-node.log)"
NPAY=$(sed -n 1p "$T/lnurl-node.paths")
NCB=$(sed -n 2p "$T/lnurl-node.paths")?amount=5000
NU=http://127.0.0.1:$P_NODE
curl -fs "$NU$NPAY" | grep -q '"tag":"payRequest"' || die "lnurl-node: no payRequest from $NU$NPAY"
# lnurl-node's invoice: from its simulator over LND's REST API (made and signed there:
# its counter moves, the payee is its key, amount and description hash are the request's).
nsim_invoices() { curl -fs "http://127.0.0.1:$P_NSIM_CTL/state" | $PY -c 'import json,sys; print(json.load(sys.stdin)["counts"]["invoices"])'; }
[ -z "$NSIM_PID" ] || n0=$(nsim_invoices) || die "lnurl-node's simulator does not answer (see $T/simnode.log)"
pr=$(curl -fs "$NU$NCB" | sed -n 's/.*"pr":"\(ln[a-z0-9]*\)".*/\1/p') || true
case $pr in lnbc*) ;; *) die "lnurl-node: no invoice from $NU$NCB (see $T/lnurl-node.log, $T/simnode.log)";; esac
if [ -n "$NSIM_PID" ]; then
	[ "$(nsim_invoices)" -gt "$n0" ] || die "lnurl-node's invoice did not come from its simulator"
	PYTHONPATH=tests/sim $PY -c '
import bolt11, hashlib, json, sys
inv, node = bolt11.decode(sys.argv[1]), json.load(open(sys.argv[2]))
meta = b"[[\"text/plain\",\"Pay to the swgr benchmark\"]]"
assert inv["payee"].hex() == node["publicKey"], "payee %s, not the simulator %s" % (inv["payee"].hex(), node["publicKey"])
assert inv["amount_msat"] == 5000, "amount %s msat, not 5000" % inv["amount_msat"]
assert inv["description_hash"] == hashlib.sha256(meta).digest(), "not the description hash of the metadata"
' "$pr" "$T/simnode/node.json" 2>"$T/check-node-invoice.log" ||
		die "lnurl-node's invoice is not its simulator's: $(tail -n1 "$T/check-node-invoice.log")"
fi
HELLO_PID=$(cat "$T/hello.pid")
SWGR_PID=$(cat "$T/lnurl.pid")
NOREC_PID=$(cat "$T/lnurl_norec.pid")
DISC_PID=$(cat "$T/discovery.pid")
OFFER_PID=$(cat "$T/offer.pid")
# Every measured URL once: anything but 200 is only reported here (the verdicts judge it).
for u in "http://127.0.0.1:$P_HELLO/" "$SW/health" "$SW$PAY" "$SW$APAY" "$NU$NPAY"; do
	code=$(curl -s -o /dev/null -w '%{http_code}' "$u") || true
	[ "$code" = 200 ] || log "warning: $u answers $code at set-up; measuring anyway (its targets will fail)"
done

# ---- measurement helpers ----

cpu_ticks() {	# PID...: utime+stime of all threads, in clock ticks
	local p t=0
	for p in "$@"; do
		t=$((t + $(sed 's/^.*) //' "/proc/$p/stat" | awk '{print $12 + $13}')))
	done
	echo $t
}
status_kb() {	# PID FIELD: a field of /proc/PID/status in kB; nothing if the process is gone
	awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status" 2>/dev/null || true
}
to_ms() {	# wrk's 1.23ms / 456.78us / 1.02s / 1.50m
	awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) ; else if (v ~ /m$/) n *= 60000; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'
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
# wrk's summary of one run into W_ALL (the answers it counted, whatever their status),
# W_NON2XX ("Non-2xx or 3xx responses": wrk counts status > 399 there), W_CONN W_READ
# W_WRITE W_TIMEOUT ("Socket errors"), W_SECS (its run time) and W_GOOD, the 2xx/3xx
# answers in time: W_ALL minus the non-2xx minus the timeouts.  (wrk counts an answer
# that came after --timeout in W_ALL and in "timeout"; connect, read and write errors
# are requests that never got an answer, not in W_ALL.)  False if there is no summary.
wrk_parse() {	# TEXT
	local f
	f=$(awk '
		/ requests in / { all = $1; s = $4; sub(",", "", s); t = s + 0
			if (s ~ /us$/) t /= 1e6; else if (s ~ /ms$/) t /= 1e3; else if (s ~ /m$/) t *= 60; else if (s ~ /h$/) t *= 3600
			seen = 1 }
		/Non-2xx or 3xx responses:/ { bad = $NF }
		/Socket errors:/ { gsub(",", ""); c = $4; r = $6; w = $8; to = $10 }
		END { if (seen) printf "%d %d %d %d %d %d %.6f\n", all, bad, c, r, w, to, t }' <<<"$1")
	[ -n "$f" ] || return 1
	read -r W_ALL W_NON2XX W_CONN W_READ W_WRITE W_TIMEOUT W_SECS <<<"$f"
	W_GOOD=$((W_ALL - W_NON2XX - W_TIMEOUT))
	[ "$W_GOOD" -ge 0 ] || W_GOOD=0
	W_SOCK=$((W_CONN + W_READ + W_WRITE + W_TIMEOUT))
}
wrk_errs() {	# after wrk_parse: the errors of that run in words, or nothing
	local r=()
	[ "$W_NON2XX" = 0 ] || r+=("$W_NON2XX non-2xx answers")
	[ "$W_SOCK" = 0 ] || r+=("$W_SOCK socket errors (connect $W_CONN, read $W_READ, write $W_WRITE, timeout $W_TIMEOUT)")
	join "; " ${r[@]+"${r[@]}"}
}
join() {	# SEP WORD...: the words with SEP between them
	local sep=$1 out="" w
	shift
	[ $# = 0 ] && return 0
	out=$1
	shift
	for w in "$@"; do out+=$sep$w; done
	echo "$out"
}

declare -A LABEL URL PIDS REQS ALL SECS TICKS NON2XX SOCK EMPTY WERR P50S P99S RPS P50 P99 CPUK SL_RPS SL_CPU
declare -A CONNS_OF	# a scenario's own wrk connections (default $CONNS)
define() {	# NAME LABEL URL PIDS...: a scenario, and the processes whose CPU it is charged
	LABEL[$1]=$2 URL[$1]=$3 REQS[$1]=0 ALL[$1]=0 SECS[$1]=0 TICKS[$1]=0 NON2XX[$1]=0 SOCK[$1]=0
	EMPTY[$1]=0 WERR[$1]="" P50S[$1]="" P99S[$1]="" SL_RPS[$1]="" SL_CPU[$1]=""
	PIDS[$1]="${*:4}"
}
warm() {	# NAME...
	local name out
	for name in "$@"; do
		out=$(wrk -t2 -c"$CONNS" --timeout 10s -d"${WARMUP}s" "${URL[$name]}")
		echo "$out" >>"$T/wrk-$name-warmup.txt"
		wrk_parse "$out" || die "wrk printed no summary for ${LABEL[$name]} (see $T/wrk-$name-warmup.txt)"
		WERR[$name]=$(wrk_errs)
	done
}
# Why the figures of a scenario cannot pass a target: any non-2xx answer or socket
# error in its slices, a slice without one good answer, errors in its warm-up.
why() {	# NAME: nothing if none
	local r=()
	[ "${NON2XX[$1]}" = 0 ] || r+=("${NON2XX[$1]} non-2xx answers")
	[ "${SOCK[$1]}" = 0 ] || r+=("${SOCK[$1]} socket errors")
	[ "${EMPTY[$1]}" = 0 ] || r+=("${EMPTY[$1]} slices without a 2xx answer")
	[ -z "${WERR[$1]}" ] || r+=("in its warm-up: ${WERR[$1]}")
	[ ${#r[@]} = 0 ] && return 0
	echo "${LABEL[$1]}: $(join "; " "${r[@]}")"
}
# One slice of SLICE seconds of wrk on NAME; its counts are added to the scenario's.
slice() {
	local name=$1 out c0 c1 s0=0 st0=0 n0=0 nt0=0
	if [ "$name" = swgr_callback ]; then s0=$(sim_invoices) st0=$(sim_ticks); fi
	if [ "$name" = node_callback ] && [ -n "$NSIM_PID" ]; then n0=$(nsim_invoices) nt0=$(cpu_ticks "$NSIM_PID"); fi
	# shellcheck disable=SC2086
	c0=$(cpu_ticks ${PIDS[$name]})
	out=$(wrk -t2 -c"${CONNS_OF[$name]:-$CONNS}" --timeout 10s -d"${SLICE}s" --latency "${URL[$name]}")
	# shellcheck disable=SC2086
	c1=$(cpu_ticks ${PIDS[$name]})
	if [ "$name" = swgr_callback ]; then
		SIM_INV=$((SIM_INV + $(sim_invoices) - s0)) SIM_TICKS=$((SIM_TICKS + $(sim_ticks) - st0))
	fi
	if [ "$name" = node_callback ] && [ -n "$NSIM_PID" ]; then
		NSIM_INV=$((NSIM_INV + $(nsim_invoices) - n0)) NSIM_TICKS=$((NSIM_TICKS + $(cpu_ticks "$NSIM_PID") - nt0))
	fi
	echo "$out" >>"$T/wrk-$name.txt"
	wrk_parse "$out" || die "wrk printed no summary for ${LABEL[$name]} (see $T/wrk-$name.txt)"
	# this slice alone: 2xx answers/s and CPU s per 1000 of them, for the per-round ratios
	# ("-" for a slice without a good answer: no ratio from it, and the scenario fails)
	if [ "$W_GOOD" -gt 0 ]; then
		SL_RPS[$name]+=" $(awk -v n="$W_GOOD" -v t="$W_SECS" 'BEGIN { printf "%.1f", n / t }')"
		SL_CPU[$name]+=" $(awk -v d=$((c1 - c0)) -v hz="$TICK" -v n="$W_GOOD" 'BEGIN { printf "%.5f", d / hz / n * 1000 }')"
	else
		SL_RPS[$name]+=" -" SL_CPU[$name]+=" -"
		EMPTY[$name]=$((EMPTY[$name] + 1))
	fi
	REQS[$name]=$((REQS[$name] + W_GOOD)) ALL[$name]=$((ALL[$name] + W_ALL))
	NON2XX[$name]=$((NON2XX[$name] + W_NON2XX)) SOCK[$name]=$((SOCK[$name] + W_SOCK))
	SECS[$name]=$(awk -v a="${SECS[$name]}" -v b="$W_SECS" 'BEGIN { printf "%.6f", a + b }')
	TICKS[$name]=$((TICKS[$name] + c1 - c0))
	P50S[$name]+=" $(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")"
	P99S[$name]+=" $(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")"
}
# The median of the numeric VALUES ("-" if none); of an even count, the mean of the
# middle two.
median() {
	{ printf '%s\n' "$@" | grep -E '^[0-9]+([.][0-9]+)?$' || true; } | sort -g |
	    awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.6g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# The scenarios of a group in turn, ROUNDS times: background load that comes and goes
# weighs on all of them alike, so their ratios hold better than with one long run each.
# Every other round runs them in reverse order (A B, B A, ...): load that rises or falls
# through a round then favours neither of two scenarios compared.
rounds() {
	local r name order
	warm "$@"
	for r in $(seq 1 "$ROUNDS"); do
		order="$* "
		[ $((r % 2)) = 1 ] || order=$(printf '%s\n' "$@" | tac | tr '\n' ' ')
		log "round $r/$ROUNDS: $order(${SLICE}s each)"
		for name in $order; do slice "$name"; done
	done
	for name in "$@"; do
		# shellcheck disable=SC2086
		RPS[$name]=$(awk -v n="${REQS[$name]}" -v t="${SECS[$name]}" 'BEGIN { printf "%.0f", (t > 0 ? n / t : 0) }')
		# shellcheck disable=SC2086
		P50[$name]=$(median ${P50S[$name]} | awk '$1 != "-" { $1 = sprintf("%.2f", $1) } 1')
		# shellcheck disable=SC2086
		P99[$name]=$(median ${P99S[$name]} | awk '$1 != "-" { $1 = sprintf("%.2f", $1) } 1')
		CPUK[$name]=$(awk -v d="${TICKS[$name]}" -v hz="$TICK" -v n="${REQS[$name]}" 'BEGIN { if (n > 0) printf "%.3f", d / hz / n * 1000; else print "-" }')
	done
}

# BENCH_HOLD=N: keep the stack up N seconds before the scenarios (for profiling by hand).
if [ -n "${BENCH_HOLD:-}" ]; then
	printf 'hello-example %s\n' "$HX" | tee "$T/urls"
	printf 'hello http://127.0.0.1:%s/\nswgr %s%s\nswgr %s%s\nswgr-example %s%s\nnode %s%s\nnode %s%s\nswgr pid %s hello pid %s node pid %s\nsim control ports %s\n' \
	    "$P_HELLO" "$SW" "$PAY" "$SW" "$CB" "$SWX" "$CB" "$NU" "$NPAY" "$NU" "$NCB" "$SWGR_PID" "$HELLO_PID" "$NODE_PID" "${sim_ctl[*]}" | tee -a "$T/urls"
	sleep "$BENCH_HOLD" &
	wait $! || true		# (killing this sleep ends the hold early)
fi

# BENCH_FAULTS=1: the fault scenarios instead of the gate (bench/faults.sh, sourced:
# it uses the helpers above), and their exit status.
if [ "$FAULTS" = 1 ]; then
	# shellcheck source=bench/faults.sh
	. "$top/bench/faults.sh"
	exit "$FAULTS_RC"
fi

# ---- the scenarios ----

define hello "hello (ceiling)" "http://127.0.0.1:$P_HELLO/" "$HELLO_PID"
define swgr_health "swgr /health" "$SW/health" "$SWGR_PID"
define swgr_pay "swgr payRequest" "$SW$PAY" "$SWGR_PID"
define node_pay "lnurl-node payRequest" "$NU$NPAY" "$NODE_PID"
define swgr_callback "swgr callback" "$SW$CB" "$SWGR_PID"
define node_callback "lnurl-node callback" "$NU$NCB" "$NODE_PID"
define swgr_addr_pay "swgr address payRequest" "$SW$APAY" "$SWGR_PID"
define swgr_addr_callback "swgr address callback" "$SW$ACB" "$SWGR_PID"
define swgr_callback_norec "swgr callback, no records" "$SWN$CB" "$NOREC_PID"
# The cost of the records in a callback's latency, below the simulators' saturation
# (at 64 connections the three simulators are the bottleneck, and a callback's p50 is
# their queue's): 8 connections each, records on and off.
define swgr_callback_c8 "swgr callback -c8" "$SW$CB" "$SWGR_PID"
define swgr_callback_norec_c8 "swgr callback -c8 no rec" "$SWN$CB" "$NOREC_PID"
CONNS_OF[swgr_callback_c8]=8 CONNS_OF[swgr_callback_norec_c8]=8
rounds hello swgr_pay swgr_health node_pay swgr_addr_pay
SIM_INV=0 SIM_TICKS=0 NSIM_INV=0 NSIM_TICKS=0
rounds swgr_callback node_callback swgr_addr_callback swgr_callback_norec
rounds swgr_callback_c8 swgr_callback_norec_c8
# The simulators while swgr's callback slices ran, and lnurl-node's while its ran.
SIM_RATE=$(awk -v n=$SIM_INV -v s="${SECS[swgr_callback]}" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')
SIM_CPU=$(awk -v d=$SIM_TICKS -v hz="$TICK" -v s="${SECS[swgr_callback]}" 'BEGIN { printf "%.2f", (s > 0 ? d / hz / s : 0) }')
NSIM_RATE=$(awk -v n=$NSIM_INV -v s="${SECS[node_callback]}" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')
NSIM_CPU=$(awk -v d=$NSIM_TICKS -v hz="$TICK" -v s="${SECS[node_callback]}" 'BEGIN { printf "%.2f", (s > 0 ? d / hz / s : 0) }')

# RSS drift: swgr-lnurl after a mixed warm-up, then after DRIFT_N more mixed requests
# ($T/mixed.lua, written with the offer's paths).
log "RSS drift: mixed warm-up ${WARMUP}s, then $DRIFT_N mixed requests (payRequest + callback), ${DRIFT_MAX}s at most"
out=$(wrk -t2 -c"$CONNS" --timeout 10s -d"${WARMUP}s" -s "$T/mixed.lua" "$SW")
echo "$out" >>"$T/wrk-drift-warmup.txt"
wrk_parse "$out" || die "wrk printed no summary for the drift warm-up (see $T/wrk-drift-warmup.txt)"
drift_werr=$(wrk_errs)
sleep 1
RSS0=$(status_kb "$SWGR_PID" VmRSS)
[ -n "$RSS0" ] || die "swgr-lnurl (pid $SWGR_PID) is gone (see $T/lnurl.stderr, $T/lnurl.log)"
# Runs of 10 s (less near the cap) until DRIFT_N good answers; a run without one good
# answer, or the cap of DRIFT_MAX seconds, ends the phase (and fails its target).
done_n=0 drift_all=0 drift_non2xx=0 drift_sock=0 drift_runs=0 drift_stop="" drift_t0=$(date +%s)
logl0=$(grep -c ' clf::lnurl' "$T/lnurl.log" || true)
while [ "$done_n" -lt "$DRIFT_N" ]; do
	left=$((DRIFT_MAX - ($(date +%s) - drift_t0)))
	if [ "$left" -le 0 ]; then
		drift_stop="only $done_n of $DRIFT_N good answers within ${DRIFT_MAX}s"
		break
	fi
	out=$(wrk -t2 -c"$CONNS" --timeout 10s -d"$((left < 10 ? left : 10))s" -s "$T/mixed.lua" "$SW")
	echo "$out" >>"$T/wrk-drift.txt"
	wrk_parse "$out" || die "wrk printed no summary in the drift phase (see $T/wrk-drift.txt)"
	drift_runs=$((drift_runs + 1))
	done_n=$((done_n + W_GOOD)) drift_all=$((drift_all + W_ALL))
	drift_non2xx=$((drift_non2xx + W_NON2XX)) drift_sock=$((drift_sock + W_SOCK))
	if [ "$W_GOOD" = 0 ]; then
		drift_stop="run $drift_runs got no 2xx answer ($W_ALL answers in all)"
		break
	fi
done
# The access log of swgr-lnurl proves the requests reached it.
drift_seen=$(($(grep -c ' clf::lnurl' "$T/lnurl.log" || true) - logl0))
drift_secs=$(($(date +%s) - drift_t0))
sleep 1
RSS1=$(status_kb "$SWGR_PID" VmRSS)
[ -n "$RSS1" ] || die "swgr-lnurl (pid $SWGR_PID) is gone (see $T/lnurl.stderr, $T/lnurl.log)"
DRIFT=$((RSS1 - RSS0))
drift_why=()
[ "$drift_non2xx" = 0 ] || drift_why+=("$drift_non2xx non-2xx answers")
[ "$drift_sock" = 0 ] || drift_why+=("$drift_sock socket errors")
[ -z "$drift_stop" ] || drift_why+=("$drift_stop")
[ -z "$drift_werr" ] || drift_why+=("in its warm-up: $drift_werr")
# Peak RSS of every swgr process (swgr-discovery and swgr-offer served the set-up only;
# swgr-monitord checked the nodes every second throughout).
SWGR_PROCS=(swgr-lnurl swgr-discovery swgr-offer swgr-monitord)
declare -A PROC_PID=([swgr-lnurl]=$SWGR_PID [swgr-discovery]=$DISC_PID [swgr-offer]=$OFFER_PID [swgr-monitord]=$MON_PID)
declare -A HWM
for p in "${SWGR_PROCS[@]}"; do HWM[$p]=$(status_kb "${PROC_PID[$p]}" VmHWM); done
HWM_HELLO=$(status_kb "$HELLO_PID" VmHWM)
HWM_NODE=$(status_kb "$NODE_PID" VmHWM)
RSS_SHARED=$(status_kb "$SWGR_PID" RssFile)
NTHR_SWGR=$(awk '$1 == "Threads:" {print $2}' "/proc/$SWGR_PID/status" 2>/dev/null || true)

# ---- the report ----

printf '\nswgr benchmark, %s, %s cores, load average %s\n' "$(date -u '+%Y-%m-%d %H:%M:%S UTC')" \
    "$NCPU" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'wrk -c%s -t2, %s rounds of %ss per scenario (interleaved) after %ss warm-up; nginx %s workers, %s;\n' \
    "$CONNS" "$ROUNDS" "$SLICE" "$WARMUP" "$NCPU" "$UPSTREAM_DESC"
if [ "$NODE_BACKEND" = lnd ]; then
	node_desc="lnd backend: LND REST API of its own simulator"
else
	node_desc="dummy backend: fake invoices made and signed in its process"
fi
printf 'FastCGI responders: 1 process x %s threads (spawn-fcgi), swgr-lnurl %s; %s simulators (lnd/cln); lnurl-node %s (%s)\n\n' \
    "$THREADS" "${BENCH_SWGR_ARGS:-with its default log level (info: one access-log line per request)}" "$NSIMS" \
    "$LNURL_NODE_VERSION" "$node_desc"
printf '%-24s %9s %9s %9s %9s %7s %16s\n' scenario req/s p50_ms p99_ms requests errors cpu_s/1000req
row() { printf '%-24s %9s %9s %9s %9s %7s %16s\n' "${LABEL[$1]}" "${RPS[$1]}" "${P50[$1]}" "${P99[$1]}" "${REQS[$1]}" "$((NON2XX[$1] + SOCK[$1]))" "${CPUK[$1]}"; }
for s in hello swgr_health swgr_pay swgr_callback swgr_addr_pay swgr_addr_callback swgr_callback_norec \
    swgr_callback_c8 swgr_callback_norec_c8 node_pay node_callback; do row "$s"; done
printf '\n(req/s and requests: 2xx answers only (wrk: answers minus "Non-2xx or 3xx" minus timeouts), over all slices; errors: non-2xx answers plus socket errors;\n p50/p99: median of the slices; cpu: utime+stime of the responder process - swgr-lnurl, hello - or of the node process, over its slices, per 1000 2xx answers)\n'
printf 'simulators: %s invoices/s in all during swgr callback slices (%s sims; ~2000-2800/s each alone), %s CPU cores busy\n' "$SIM_RATE" "$NSIMS" "$SIM_CPU"
[ -z "$NSIM_PID" ] ||
	printf "lnurl-node's simulator (REST): %s invoices/s during lnurl-node callback slices, %s CPU cores busy\n" "$NSIM_RATE" "$NSIM_CPU"
printf 'peak RSS (VmHWM): swgr-lnurl %s kB (%s threads, %s kB of it file-backed now), swgr-discovery %s kB, swgr-offer %s kB, swgr-monitord %s kB; hello %s kB, lnurl-node %s kB\n' \
    "${HWM[swgr-lnurl]:-gone}" "${NTHR_SWGR:-?}" "${RSS_SHARED:-?}" "${HWM[swgr-discovery]:-gone}" "${HWM[swgr-offer]:-gone}" \
    "${HWM[swgr-monitord]:-gone}" "${HWM_HELLO:-gone}" "${HWM_NODE:-gone}"
printf 'RSS drift of swgr-lnurl over %s mixed 2xx answers (%ss, %s runs, %s errors, %s in its access log): %s kB -> %s kB = %+d kB\n\n' \
    "$done_n" "$drift_secs" "$drift_runs" "$((drift_non2xx + drift_sock))" "$drift_seen" "$RSS0" "$RSS1" "$DRIFT"

fails=0
# A verdict.  Errors in any scenario the target uses fail it, whatever its figure.
check() {	# LABEL VALUE OK(0/1) [SCENARIO...]
	local verdict=PASS label=$1 value=$2 ok=$3 s w
	shift 3
	local r=()
	for s in "$@"; do
		w=$(why "$s")
		[ -z "$w" ] || r+=("$w")
	done
	[ ${#r[@]} = 0 ] || ok=0
	[ "$ok" = 1 ] || { verdict=FAIL; fails=$((fails + 1)); }
	[ ${#r[@]} = 0 ] || value+=" ($(join "; " "${r[@]}"))"
	printf '%-4s %-52s %s\n' "$verdict" "$label" "$value"
}
# Each target compares two scenarios; their slices of one round ran one after the
# other, so each round gives one ratio under nearly the same background load.  The
# verdict takes the median of the rounds' ratios (load that comes and goes moves the
# ratio of totals by +-5 %); the ratio of the totals is printed beside it.
ratios() {	# A B KIND(SL_RPS|SL_CPU): the per-round ratios A/B ("-" where either is missing or 0)
	local -a a b
	local -n src=$3
	read -ra a <<<"${src[$1]}"
	read -ra b <<<"${src[$2]}"
	local i out=""
	for i in "${!a[@]}"; do
		out+=" $(awk -v x="${a[$i]}" -v y="${b[$i]:--}" 'BEGIN { if (x == "-" || y == "-" || y + 0 == 0) print "-"; else printf "%.3f", x / y }')"
	done
	echo "$out"
}
ratio() {	# A B FORMAT: the ratio of two totals, "-" if either is not a number or B is 0
	awk -v x="$1" -v y="$2" -v f="$3" 'BEGIN { if (x !~ /^[0-9.]+$/ || y !~ /^[0-9.]+$/ || y + 0 == 0) print "-"; else printf f, x / y }'
}
meets() {	# VALUE OP LIMIT: 1 if VALUE (a number) OP LIMIT, else 0
	awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN { if (v !~ /^[0-9.]+$/) print 0; else if (op == ">=") print (v + 0 >= l); else if (op == "<=") print (v + 0 <= l); else print (v + 0 < l) }'
}
rr_hello=$(ratios swgr_pay hello SL_RPS) rr_node=$(ratios swgr_pay node_pay SL_RPS)
rr_cpu=$(ratios swgr_callback node_callback SL_CPU)
# shellcheck disable=SC2086
r_hello=$(median $rr_hello) r_node=$(median $rr_node) r_cpu=$(median $rr_cpu)
t_hello=$(ratio "${RPS[swgr_pay]}" "${RPS[hello]}" %.3f)
t_node=$(ratio "${RPS[swgr_pay]}" "${RPS[node_pay]}" %.2f)
t_cpu=$(ratio "${CPUK[swgr_callback]}" "${CPUK[node_callback]}" %.3f)
printf 'per-round ratios: payRequest/hello%s; payRequest/lnurl-node%s; callback CPU swgr/lnurl-node%s\n' \
    "$rr_hello" "$rr_node" "$rr_cpu"
# A Lightning Address against its offer, no target of its own: the lookup of the
# binding, the metadata written and (callback) hashed per request.
rr_apay=$(ratios swgr_addr_pay swgr_pay SL_RPS) rr_acpu=$(ratios swgr_addr_callback swgr_callback SL_CPU)
# shellcheck disable=SC2086
printf 'Lightning Address vs its offer (medians of rounds): payRequest req/s %s (%s), callback CPU %s (%s)\n\n' \
    "$(median $rr_apay)" "${rr_apay# }" "$(median $rr_acpu)" "${rr_acpu# }"
# The invoice records: the callback with them (the gate's swgr-lnurl) against one
# without (invoice-records: false), their slices run one after the other each round.
rr_rec=$(ratios swgr_callback_c8 swgr_callback_norec_c8 P50S)
rr_rec64=$(ratios swgr_callback swgr_callback_norec P50S)
# shellcheck disable=SC2086
r_rec=$(median $rr_rec)
med() {	# RATIO UNIT: "RATIO[UNIT] median of rounds", or that there is none
	if [ "$1" = - ]; then echo "no ratio (no round with 2xx answers on both sides)"; else echo "$1$2 median of rounds"; fi
}
check "payRequest >= 85% of the hello-world ceiling" "$(med "$r_hello" "") ($t_hello of totals)" \
    "$(meets "$r_hello" ">=" 0.85)" swgr_pay hello
check "callback p50 with invoice records <= 1.05x without" "$(med "$r_rec" x) at 8 connections (${P50[swgr_callback_c8]} vs ${P50[swgr_callback_norec_c8]} ms; rounds:${rr_rec})" \
    "$(meets "$r_rec" "<=" 1.05)" swgr_callback_c8 swgr_callback_norec_c8
echo "     (at 64 connections, the simulators saturated: $(median $rr_rec64)x, rounds:${rr_rec64})"
check "payRequest >= 3x lnurl-node's" "$(med "$r_node" x) (${t_node}x of totals)" \
    "$(meets "$r_node" ">=" 3)" swgr_pay node_pay
check "CPU per 1000 callbacks <= half of lnurl-node's" "$(med "$r_cpu" "") ($t_cpu of totals: ${CPUK[swgr_callback]} s vs ${CPUK[node_callback]} s)" \
    "$(meets "$r_cpu" "<=" 0.5)" swgr_callback node_callback
# What each side's CPU figure holds, beside its verdict.
if [ "$NODE_BACKEND" = lnd ]; then
	printf '     %s\n' \
	    "swgr-lnurl's: the FastCGI request, the offer (cached), the choice of a node, one gRPC call (AddInvoice/Invoice, TLS, HTTP/2) as client," \
	    "  and the invoice checked: decoded, its signer recovered (libsecp256k1), amount, description hash and payee compared" \
	    "lnurl-node's: the HTTP request from nginx (express), its memory store, one REST call (POST /v1/invoices, HTTPS, HTTP/1.1 kept" \
	    "  connections) as client; it does not decode or check the invoice" \
	    "neither: making and signing the invoice (in the simulators' processes, not charged to either side)"
else
	printf '     %s\n' \
	    "NOT like for like (BENCH_NODE_BACKEND=dummy): lnurl-node's figure includes making and signing a fake invoice in its" \
	    "  process; swgr-lnurl's includes neither (its simulators sign) but checks every invoice (signer recovered, amount, hash, payee)"
fi
for p in "${SWGR_PROCS[@]}"; do
	if [ -n "${HWM[$p]}" ]; then
		check "peak RSS of $p <= 32 MB (32768 kB)" "${HWM[$p]} kB" "$([ "${HWM[$p]}" -le 32768 ] && echo 1 || echo 0)"
	else
		check "peak RSS of $p <= 32 MB (32768 kB)" "(pid ${PROC_PID[$p]} is gone)" 0
	fi
done
drift_value="$DRIFT kB"
if [ ${#drift_why[@]} -gt 0 ]; then
	drift_value+=" (drift phase: $(join "; " "${drift_why[@]}"))"
fi
check "RSS drift over $DRIFT_N requests < 1 MB (1024 kB)" "$drift_value" \
    "$([ "$DRIFT" -lt 1024 ] && [ ${#drift_why[@]} = 0 ] && echo 1 || echo 0)"
# /health is measured but no target uses it: its errors are reported, not judged.
w=$(why swgr_health)
[ -z "$w" ] || printf 'note: %s (no target uses it)\n' "$w"
# (only with access logging on: at -l warn or above, 2xx answers are not logged)
[ "$drift_seen" = 0 ] || [ "$drift_seen" -ge "$drift_all" ] ||
	log "WARNING: only $drift_seen of $drift_all drift requests reached swgr-lnurl's access log"
if [ "$fails" = 0 ]; then
	printf '\nall targets met\n'
	exit 0
fi
if [ "$REPORT_ONLY" = 1 ]; then
	printf '\n%s target(s) missed (BENCH_REPORT_ONLY=1: exit status 0)\n' "$fails"
	exit 0
fi
printf '\n%s target(s) missed\n' "$fails"
exit 1
