#!/usr/bin/env bash
# Brings the suite up on its embedded default (SQLite) behind nginx on this
# machine and shows it working.  Run as root on Debian 12.  Re-running it
# restarts the responders and keeps the data, keys and configuration.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

scripts/deps.sh run
scripts/build.sh --prefix=/usr/local --sysconfdir=/etc --localstatedir=/var
make -C build install >/dev/null

# A system user for the responders; the database and logs belong to it.
id swgr >/dev/null 2>&1 || useradd --system --home-dir /var/lib/swgr --shell /usr/sbin/nologin swgr
install -d -m 0755 /etc/swgr /run/swgr
install -d -m 0750 -o swgr -g swgr /var/lib/swgr /var/log/swgr
[ -f /etc/swgr/config.yaml ] || install -m 0644 etc/config.yaml /etc/swgr/config.yaml

# One key pair per admin service; the private keys stay root's (they mint tokens).
for svc in discovery offer; do
	if [ ! -f /etc/swgr/$svc-public.pem ]; then
		swgr $svc token key -p /etc/swgr/$svc-public.pem -k /etc/swgr/$svc-private.pem
		chmod 0644 /etc/swgr/$svc-public.pem
	fi
done

# The responders, under spawn-fcgi, and nginx in front (web-examples/ is what runs).
# A re-run first stops the running ones (SIGTERM: they finish requests in flight).
for svc in discovery offer lnurl; do
	pidf=/run/swgr/$svc.pid
	if [ -s "$pidf" ] && kill "$(cat "$pidf")" 2>/dev/null; then
		for _ in $(seq 1 50); do kill -0 "$(cat "$pidf")" 2>/dev/null || break; sleep 0.1; done
	fi
	rm -f "$pidf" "/run/swgr/$svc.sock"
done
SWGR_USER=swgr SWGR_GROUP=swgr web-examples/spawn-fcgi.sh
install -m 0644 web-examples/nginx/swgr-admin.conf /etc/nginx/conf.d/swgr-admin.conf
nginx -t -q
if [ -s /run/nginx.pid ] && kill -0 "$(cat /run/nginx.pid)" 2>/dev/null; then nginx -s reload; else nginx; fi

# Show it working: mint short-lived tokens, register a (disabled) node, create metadata and an offer.
for svc in discovery offer; do
	swgr $svc token mint -k /etc/swgr/$svc-private.pem -e 3600 -o /etc/swgr/$svc.token
	chmod 0600 /etc/swgr/$svc.token
done
export DISCOVERY_STORE_HTTP_BASE_URL=http://127.0.0.1:8081 DISCOVERY_STORE_HTTP_AUTHORIZATION=/etc/swgr/discovery.token
export OFFER_STORE_HTTP_BASE_URL=http://127.0.0.1:8082 OFFER_STORE_HTTP_AUTHORIZATION=/etc/swgr/offer.token
for _ in $(seq 1 50); do curl -fs http://127.0.0.1:8081/health >/dev/null && break; sleep 0.1; done
pk=02eec7245d6b7d2ccb30380bfbe2a3648cd7a942653f5aa340edcea1f283686619
swgr discovery get "$pk" >/dev/null 2>&1 ||
	swgr discovery new lnd-grpc "$pk" -p default -n example-node | swgr discovery post
if [ "$(swgr offer get default)" = "[]" ]; then
	tmp=$(mktemp -d)
	meta=$(swgr offer metadata new -p default -t "Pay to example" | tee "$tmp/meta.json" |
		sed -n 's/.*"id": "\(.*\)".*/\1/p')
	swgr offer metadata post -i "$tmp/meta.json"
	swgr offer new -p default -m "$meta" | sed 's/"maxSendable": 0/"maxSendable": 100000000/;
		s/"minSendable": 0/"minSendable": 1000/;
		s/"expires": "1970-01-02T00:00:00Z"/"expires": "2099-01-01T00:00:00Z"/' >"$tmp/offer.json"
	swgr offer post -i "$tmp/offer.json"
	rm -rf "$tmp"
fi

cat <<INFO

swgr is up on SQLite (/var/lib/swgr/swgr.db) behind nginx:
  discovery admin API  http://127.0.0.1:8081   (swgr-discovery, log /var/log/swgr/discovery.log)
  offer admin API      http://127.0.0.1:8082   (swgr-offer, log /var/log/swgr/offer.log)
  configuration        /etc/swgr/config.yaml

Mint a token and call the API:
  swgr discovery token mint -k /etc/swgr/discovery-private.pem -e 3600 -o /tmp/d.token
  curl -H "Authorization: Bearer \$(cat /tmp/d.token)" http://127.0.0.1:8081/discovery

Or with the CLI:
  export DISCOVERY_STORE_HTTP_BASE_URL=http://127.0.0.1:8081 DISCOVERY_STORE_HTTP_AUTHORIZATION=/etc/swgr/discovery.token
  swgr discovery ls

Now registered:
INFO
swgr discovery ls
swgr offer get default
