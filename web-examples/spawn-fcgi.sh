#!/bin/sh
# Starts the swgr admin responders (Discovery and Offer) as FastCGI processes on the
# unix sockets that web-examples/nginx/swgr-admin.conf passes to.  Run as root; see
# web-examples/README.md.  spawn-fcgi does not restart a responder that dies: in
# production run each line under a supervisor (systemd, runit, daemontools with -n).
set -eu

CONFIG=${SWGR_CONFIG:-/etc/swgr/config.yaml}
SBIN=${SWGR_SBIN:-/usr/local/sbin}
RUNDIR=${SWGR_RUNDIR:-/run/swgr}
# The responders run as this user; it must read CONFIG, the auth-authority PEM files
# and write the database (SQLite file or /dev/shm memory store) and log files.
SWGR_USER=${SWGR_USER:-swgr}
SWGR_GROUP=${SWGR_GROUP:-swgr}
# Worker threads per responder (-t, default 32).  Without fastcgi_keep_conn in nginx
# each request holds a thread only while it runs.
THREADS=${SWGR_THREADS:-32}

mkdir -p "$RUNDIR"
chown "$SWGR_USER:$SWGR_GROUP" "$RUNDIR"
chmod 0755 "$RUNDIR"

# -s: the socket spawn-fcgi creates and hands to the responder as fd 0.
# -M 0666: nginx workers (user www-data) must be able to connect.
# -u/-g: drop root before exec.  -P: pid file, for `kill $(cat ...)` (SIGTERM:
# the responder finishes requests in flight and exits 0).
spawn-fcgi -s "$RUNDIR/discovery.sock" -M 0666 -u "$SWGR_USER" -g "$SWGR_GROUP" \
	-P "$RUNDIR/discovery.pid" \
	-- "$SBIN/swgr-discovery" -c "$CONFIG" -t "$THREADS"

spawn-fcgi -s "$RUNDIR/offer.sock" -M 0666 -u "$SWGR_USER" -g "$SWGR_GROUP" \
	-P "$RUNDIR/offer.pid" \
	-- "$SBIN/swgr-offer" -c "$CONFIG" -t "$THREADS"

# The public LNURL service (web-examples/nginx/swgr-lnurl.conf), when this host serves wallets.
# It reads offers, backends and the node status that swgr-monitord writes.
if [ -x "$SBIN/swgr-lnurl" ] && [ "${SWGR_LNURL:-yes}" = yes ]; then
	spawn-fcgi -s "$RUNDIR/lnurl.sock" -M 0666 -u "$SWGR_USER" -g "$SWGR_GROUP" \
		-P "$RUNDIR/lnurl.pid" \
		-- "$SBIN/swgr-lnurl" -c "$CONFIG" -t "$THREADS"
fi
