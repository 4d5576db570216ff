#!/usr/bin/env bash
# Brings the whole suite up on its embedded default (SQLite) behind nginx on
# this machine, with two simulated Lightning nodes (one LND, one CLN), and
# shows it working: an LNURL that a wallet resolves to a valid invoice.
# Run as root on Debian 12.  Re-running it restarts the processes and keeps
# the data, keys and configuration.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

scripts/deps.sh run
scripts/build.sh --prefix=/usr/local --sysconfdir=/etc --localstatedir=/var
make -C build install >/dev/null

# The system users (web-examples/spawn-fcgi.sh): swgr for the admin services and the
# monitor, owning the database and their logs; swgr-public for swgr-lnurl, which reads
# the database through the group swgr and writes only its own log directory.
id swgr >/dev/null 2>&1 || useradd --system --home-dir /var/lib/swgr --shell /usr/sbin/nologin swgr
id swgr-public >/dev/null 2>&1 ||
	useradd --system --no-create-home --shell /usr/sbin/nologin -G swgr swgr-public
install -d -m 0755 /etc/swgr /run/swgr
install -d -m 0750 -o swgr -g swgr /var/lib/swgr /var/log/swgr
install -d -m 0750 -o swgr-public -g swgr-public /var/log/swgr-lnurl
[ -f /etc/swgr/config.yaml ] || install -m 0644 etc/config.yaml /etc/swgr/config.yaml

# One key pair per admin service; the private keys stay root's (they mint tokens).
for svc in discovery offer; do
	if [ ! -f /etc/swgr/$svc-public.pem ]; then
		swgr $svc token key -p /etc/swgr/$svc-public.pem -k /etc/swgr/$svc-private.pem
		chmod 0644 /etc/swgr/$svc-public.pem
	fi
done

# Stops what a previous run started (SIGTERM: requests in flight finish).
stop() {
	local pidf=/run/swgr/$1.pid
	if [ -s "$pidf" ] && kill "$(cat "$pidf")" 2>/dev/null; then
		for _ in $(seq 1 50); do kill -0 "$(cat "$pidf")" 2>/dev/null || break; sleep 0.1; done
	fi
	rm -f "$pidf"
}
# Starts a long-running program as the swgr user, detached, with a pid file.
start() {
	local name=$1 log=$2
	shift 2
	setsid runuser -u swgr -- "$@" >>"$log" 2>&1 </dev/null &
	echo $! >/run/swgr/$name.pid
}

# Two simulated Lightning nodes stand in for a fleet (doc/nodes.md: real ones).
share=/usr/local/share/swgr
install -d $share/tests/sim $share/proto
install -m 0644 tests/sim/lnsim.py tests/sim/bolt11.py $share/tests/sim/
install -m 0644 proto/*.proto $share/proto/
install -m 0755 scripts/wallet.py /usr/local/bin/swgr-wallet-check
install -d -m 0750 -o swgr -g swgr /var/lib/swgr/sim
for kind in lnd cln; do
	stop sim-$kind
	case $kind in lnd) port=10009 ctl=10010 ;; cln) port=9736 ctl=9737 ;; esac
	start sim-$kind /var/log/swgr/sim-$kind.log /usr/bin/python3 $share/tests/sim/lnsim.py \
		--kind $kind --dir /var/lib/swgr/sim/$kind --port $port --control-port $ctl
done

# The responders under spawn-fcgi and swgr-monitord beside them (spawn-fcgi.sh starts
# all four, each with its pid file in /run/swgr), nginx in front.
stop monitord
for svc in discovery offer lnurl; do
	stop $svc
	rm -f "/run/swgr/$svc.sock"
done
SWGR_USER=swgr SWGR_GROUP=swgr web-examples/spawn-fcgi.sh
install -m 0644 web-examples/nginx/swgr-admin.conf /etc/nginx/conf.d/swgr-admin.conf
install -m 0644 web-examples/nginx/swgr-lnurl.conf /etc/nginx/conf.d/swgr-lnurl.conf
nginx -t -q
if [ -s /run/nginx.pid ] && kill -0 "$(cat /run/nginx.pid)" 2>/dev/null; then nginx -s reload; else nginx; fi

# Tokens for the admin API, then register and enable both nodes.
for svc in discovery offer; do
	swgr $svc token mint -k /etc/swgr/$svc-private.pem -e 3600 -o /etc/swgr/$svc.token
	chmod 0600 /etc/swgr/$svc.token
done
export DISCOVERY_STORE_HTTP_BASE_URL=http://127.0.0.1:8081 DISCOVERY_STORE_HTTP_AUTHORIZATION=/etc/swgr/discovery.token
export OFFER_STORE_HTTP_BASE_URL=http://127.0.0.1:8082 OFFER_STORE_HTTP_AUTHORIZATION=/etc/swgr/offer.token
for _ in $(seq 1 100); do
	curl -fs http://127.0.0.1:8081/health >/dev/null && [ -s /var/lib/swgr/sim/lnd/node.json ] &&
		[ -s /var/lib/swgr/sim/cln/node.json ] && break
	sleep 0.1
done
# The nodes' credentials, copied to where swgr reads them (node-access.credential-directories,
# by default /etc/swgr/node-credentials; doc/nodes.md): a directory per node, the files
# owned by the service user, mode 0600.  swgr refuses paths anywhere else.
creds=/etc/swgr/node-credentials
install -d -m 0750 -o root -g swgr $creds
for kind in lnd cln; do
	install -d -m 0750 -o root -g swgr $creds/$kind
	case $kind in lnd) files="tls.cert swgr.macaroon" ;; cln) files="ca.pem client.pem client-key.pem" ;; esac
	for f in $files; do
		install -m 0600 -o swgr -g swgr /var/lib/swgr/sim/$kind/$f $creds/$kind/$f
	done
done
tmp=$(mktemp -d)
for kind in lnd cln; do
	d=/var/lib/swgr/sim/$kind
	pk=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['publicKey'])" $d/node.json)
	swgr discovery new $kind-grpc "$pk" -p default -n "simulated-$kind" 2>/dev/null |
	    /usr/bin/python3 -c '
import json, sys
b = json.load(sys.stdin); kind, d = sys.argv[1], sys.argv[2]
i = b["implementation"]
if kind == "lnd":
    i.update(url="https://127.0.0.1:10009/", domain="localhost",
             auth={"type": "path", "tlsCertPath": d + "/tls.cert", "macaroonPath": d + "/swgr.macaroon"})
else:
    i.update(url="https://127.0.0.1:9736/", domain="localhost",
             auth={"type": "path", "caCertPath": d + "/ca.pem", "clientCertPath": d + "/client.pem",
                   "clientKeyPath": d + "/client-key.pem"})
b["enabled"] = True
json.dump(b, sys.stdout)' $kind $creds/$kind >"$tmp/$kind.json"
	swgr discovery put "$pk" -i "$tmp/$kind.json"
done

# A sample offer (once): metadata, then an offer of 1 to 100000 sat.
if [ "$(swgr offer get default)" = "[]" ]; then
	meta=$(swgr offer metadata new -p default -t "Pay to example" | tee "$tmp/meta.json" |
		sed -n 's/.*"id": "\(.*\)".*/\1/p')
	swgr offer metadata post -i "$tmp/meta.json"
	swgr offer new -p default -m "$meta" | sed 's/"maxSendable": 0/"maxSendable": 100000000/;
		s/"minSendable": 0/"minSendable": 1000/;
		s/"expires": "1970-01-02T00:00:00Z"/"expires": "2099-01-01T00:00:00Z"/' >"$tmp/offer.json"
	swgr offer post -i "$tmp/offer.json"
fi
rm -rf "$tmp"
offer=$(swgr offer get default | sed -n 's/^    "id": "\(.*\)",$/\1/p' | head -n1)

# Wait until monitord has found a node healthy, then fetch the LNURL and its QR code.
for _ in $(seq 1 100); do
	curl -fs http://127.0.0.1:8080/health/full >/dev/null && break
	sleep 0.1
done
base=http://localhost:8080/offers/default/$offer
lnurl=$(curl -fs "$base/bech32")
curl -fs "$base/bech32/qr" -o /var/lib/swgr/offer-qr.png

cat <<INFO

swgr is up on SQLite (/var/lib/swgr/swgr.db) behind nginx, with two simulated nodes:
  LNURL-pay service    http://localhost:8080     (swgr-lnurl, log /var/log/swgr-lnurl/lnurl.log)
  discovery admin API  http://127.0.0.1:8081     (swgr-discovery, log /var/log/swgr/discovery.log)
  offer admin API      http://127.0.0.1:8082     (swgr-offer, log /var/log/swgr/offer.log)
  node monitor         swgr-monitord              (log /var/log/swgr/monitord.log)
  configuration        /etc/swgr/config.yaml

The sample offer's LNURL (its QR code: /var/lib/swgr/offer-qr.png):
  $lnurl

Fetch an invoice of 5000 msat, as a wallet's second call does:
  curl '$base/invoice?amount=5000'

Mint a token and call the admin API:
  swgr discovery token mint -k /etc/swgr/discovery-private.pem -e 3600 -o /tmp/d.token
  curl -H "Authorization: Bearer \$(cat /tmp/d.token)" http://127.0.0.1:8081/discovery

A wallet-side check of the LNURL (decode, payRequest, invoice, signature, amount, h):
INFO
swgr-wallet-check "$lnurl" 5000
