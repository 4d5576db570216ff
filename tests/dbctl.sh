#!/usr/bin/env bash
# Starts and stops throwaway PostgreSQL and MariaDB servers for the tests (no systemd here).
#   tests/dbctl.sh start postgres|mariadb DIR PORT   prints the database URI on stdout
#   tests/dbctl.sh stop  postgres|mariadb DIR
# DIR is created if missing and owned by the server's system user; the server
# listens on 127.0.0.1:PORT only.  Creates database "swgr" (user swgr, password swgr).
set -euo pipefail
cmd=${1:?start|stop}; kind=${2:?postgres|mariadb}; dir=${3:?DIR}; port=${4:-0}

pgbin() { ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1; }

case "$cmd:$kind" in
start:postgres)
	B=$(pgbin); mkdir -p "$dir"; chown postgres "$dir"
	if [ ! -d "$dir/data" ]; then
		runuser -u postgres -- "$B/initdb" -D "$dir/data" -U postgres \
			--auth-local=trust --auth-host=scram-sha-256 --no-sync >"$dir/initdb.log" 2>&1
	fi
	runuser -u postgres -- "$B/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
		-o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=300" start >/dev/null
	# administration over the unix socket (trusted); TCP clients need the password
	psql="psql -h $dir -p $port -U postgres -v ON_ERROR_STOP=1 -q"
	$psql -tc "SELECT 1 FROM pg_roles WHERE rolname='swgr'" | grep -q 1 ||
		$psql -c "CREATE ROLE swgr LOGIN PASSWORD 'swgr'"
	$psql -tc "SELECT 1 FROM pg_database WHERE datname='swgr'" | grep -q 1 ||
		$psql -c "CREATE DATABASE swgr OWNER swgr"
	echo "postgres://swgr:swgr@127.0.0.1:$port/swgr"
	;;
stop:postgres)
	B=$(pgbin)
	[ -d "$dir/data" ] && runuser -u postgres -- "$B/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
	;;
start:mariadb)
	mkdir -p "$dir"; chown mysql "$dir"
	if [ ! -d "$dir/data" ]; then
		mariadb-install-db --no-defaults --user=mysql --datadir="$dir/data" --skip-test-db >"$dir/install.log" 2>&1
	fi
	mariadbd --no-defaults --user=mysql --datadir="$dir/data" --socket="$dir/sock" \
		--pid-file="$dir/pid" --bind-address=127.0.0.1 --port="$port" --skip-name-resolve \
		--max-connections=500 --innodb-flush-log-at-trx-commit=0 >"$dir/log" 2>&1 &
	for _ in $(seq 1 300); do
		mariadb-admin --no-defaults -S "$dir/sock" -uroot ping >/dev/null 2>&1 && break
		sleep 0.1
	done
	mariadb --no-defaults -S "$dir/sock" -uroot -e "CREATE DATABASE IF NOT EXISTS swgr CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
		CREATE USER IF NOT EXISTS 'swgr'@'127.0.0.1' IDENTIFIED BY 'swgr';
		GRANT ALL ON swgr.* TO 'swgr'@'127.0.0.1'; FLUSH PRIVILEGES;"
	echo "mysql://swgr:swgr@127.0.0.1:$port/swgr"
	;;
stop:mariadb)
	if [ -f "$dir/pid" ]; then
		pid=$(cat "$dir/pid"); kill "$pid" 2>/dev/null || true
		for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	fi
	;;
*) echo "usage: $0 start|stop postgres|mariadb DIR [PORT]" >&2; exit 2 ;;
esac
