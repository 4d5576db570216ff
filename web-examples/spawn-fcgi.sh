#!/bin/sh
# Starts the swgr admin responders (Discovery and Offer) as FastCGI processes on the
# unix sockets that web-examples/nginx/swgr-admin.conf passes to, swgr-monitord, and
# swgr-lnurl on the socket of web-examples/nginx/swgr-lnurl.conf.  Run as root; see
# web-examples/README.md.  spawn-fcgi does not restart a responder that dies: in
# production run them under a supervisor (the systemd units of etc/systemd/, runit,
# daemontools with spawn-fcgi -n).
set -eu

CONFIG=${SWGR_CONFIG:-/etc/swgr/config.yaml}
SBIN=${SWGR_SBIN:-/usr/local/sbin}
RUNDIR=${SWGR_RUNDIR:-/run/swgr}
# Two system users, so that the public responder, which any wallet on the internet
# reaches, holds none of the admin services' rights:
# - SWGR_USER (swgr): swgr-discovery, swgr-offer and swgr-monitord.  It reads CONFIG and the auth-authority PEM
#   files and writes the database (a SQLite file, or the memory store's private
#   directory on /dev/shm) and their log files; it owns the tables (database roles:
#   README.md).
# - SWGR_PUBLIC_USER (swgr-public): swgr-lnurl.  It reads CONFIG, the node credentials
#   and a database it may only read (a read-only role, or for SQLite a file it can read
#   but not write), and writes its own log file.  A `type: memory` store is private to
#   one user: with it, run everything as SWGR_USER (SWGR_PUBLIC_USER=swgr).
# Create them once: adduser --system --group swgr; adduser --system --group swgr-public
SWGR_USER=${SWGR_USER:-swgr}
SWGR_GROUP=${SWGR_GROUP:-swgr}
SWGR_PUBLIC_USER=${SWGR_PUBLIC_USER:-swgr-public}
SWGR_PUBLIC_GROUP=${SWGR_PUBLIC_GROUP:-swgr-public}
# The web server's group: the sockets are 0660 and of this group, so nginx's workers
# (user and group www-data on Debian; see the nginx fragments) may connect and no other
# local user can reach a responder past the web server.
WEB_GROUP=${SWGR_WEB_GROUP:-www-data}
# Worker threads per responder (-t, default 32).  Without fastcgi_keep_conn in nginx
# each request holds a thread only while it runs.
THREADS=${SWGR_THREADS:-32}

mkdir -p "$RUNDIR"
chown "$SWGR_USER:$SWGR_GROUP" "$RUNDIR"
chmod 0755 "$RUNDIR"

# -s: the socket spawn-fcgi creates and hands to the responder as fd 0 (spawn-fcgi
# makes it, so its own -M and -G set its mode and group; a responder's own -s socket
# takes the same -M and -G).
# -M 0660 -G $WEB_GROUP: only the owner and the web server's group may connect.
# -u/-g: drop root before exec.  -P: pid file, for `kill $(cat ...)` (SIGTERM:
# the responder finishes requests in flight and exits 0).
spawn-fcgi -s "$RUNDIR/discovery.sock" -M 0660 -G "$WEB_GROUP" -u "$SWGR_USER" -g "$SWGR_GROUP" \
	-P "$RUNDIR/discovery.pid" \
	-- "$SBIN/swgr-discovery" -c "$CONFIG" -t "$THREADS"

spawn-fcgi -s "$RUNDIR/offer.sock" -M 0660 -G "$WEB_GROUP" -u "$SWGR_USER" -g "$SWGR_GROUP" \
	-P "$RUNDIR/offer.pid" \
	-- "$SBIN/swgr-offer" -c "$CONFIG" -t "$THREADS"

# swgr-monitord checks the nodes and writes their status, which swgr-lnurl's balancer
# and /health/full read (without it /health/full answers 502).  It is a daemon in the
# foreground: started here in the background as SWGR_USER (setpriv changes user and
# execs it in place, so $! is its pid), in a session of its own, its pid in
# monitord.pid (kill -TERM: the checks in flight finish, exit 0; kill -HUP: its
# log-file is re-opened).  What it says before its log-file is open (or everything,
# without a monitor.log-file) goes to $RUNDIR/monitord.stderr.  SWGR_MONITORD=no
# leaves it out (another host's monitor, or a supervisor of its own).
if [ -x "$SBIN/swgr-monitord" ] && [ "${SWGR_MONITORD:-yes}" = yes ]; then
	setsid setpriv --reuid="$SWGR_USER" --regid="$SWGR_GROUP" --init-groups \
		-- "$SBIN/swgr-monitord" -c "$CONFIG" \
		</dev/null >>"$RUNDIR/monitord.stderr" 2>&1 &
	echo $! >"$RUNDIR/monitord.pid"
fi

# The public LNURL service (web-examples/nginx/swgr-lnurl.conf), when this host serves wallets.
# It reads offers, backends and the node status that swgr-monitord writes, as its own
# user (SWGR_PUBLIC_USER), and runs no DDL: start the admin services first on a new
# database, they create the schema.
if [ -x "$SBIN/swgr-lnurl" ] && [ "${SWGR_LNURL:-yes}" = yes ]; then
	spawn-fcgi -s "$RUNDIR/lnurl.sock" -M 0660 -G "$WEB_GROUP" \
		-u "$SWGR_PUBLIC_USER" -g "$SWGR_PUBLIC_GROUP" \
		-P "$RUNDIR/lnurl.pid" \
		-- "$SBIN/swgr-lnurl" -c "$CONFIG" -t "$THREADS"
fi
