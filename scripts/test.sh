#!/usr/bin/env bash
# Installs what the tests need, builds, and runs every test: the C unit tests
# (make check, with the store and driver tests also on PostgreSQL and MariaDB)
# and the black-box integration suite through nginx once per database
# (SQLite, PostgreSQL, MariaDB).  Run as root on Debian 12.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
PY=/usr/bin/python3	# Debian's interpreter, where python3-pytest lives

scripts/deps.sh test || exit 1
scripts/build.sh || exit 1

work=$(mktemp -d /tmp/swgr-test.XXXXXX)
chmod 755 "$work"
cleanup() {
	tests/dbctl.sh stop postgres "$work/pg" >/dev/null 2>&1
	tests/dbctl.sh stop mariadb "$work/my" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT

SWGR_TEST_PG_URI=$(tests/dbctl.sh start postgres "$work/pg" 55499) || exit 1
SWGR_TEST_MYSQL_URI=$(tests/dbctl.sh start mariadb "$work/my" 53399) || exit 1
export SWGR_TEST_PG_URI SWGR_TEST_MYSQL_URI

passed=0; failed=0; status=0

echo "== unit tests (make check; stores on SQLite, PostgreSQL, MariaDB)"
make -C build check >"$work/check.out" 2>&1 || status=1
for log in build/tests/unit/*.log; do
	line=$(grep -E '^test_[a-z0-9_]+: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n1)
	if [ -z "$line" ]; then
		echo "  $(basename "$log" .log): no result line"; failed=$((failed + 1)); status=1
		continue
	fi
	echo "  $line"
	p=$(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\1/' <<<"$line")
	f=$(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\2/' <<<"$line")
	passed=$((passed + p)); failed=$((failed + f))
done
grep -E '^(# (TOTAL|PASS|FAIL|ERROR|SKIP)|FAIL:|ERROR:)' "$work/check.out" | sed 's/^/  /'

for db in sqlite postgres mariadb; do
	echo "== integration tests through nginx on $db"
	SWGR_TEST_DB=$db SWGR_BUILD_DIR="$top/build" \
		$PY -m pytest -q -p no:cacheprovider tests/integration >"$work/it-$db.out" 2>&1
	rc=$?
	tail -n 30 "$work/it-$db.out" | grep -E '^(FAILED|ERROR)' | sed 's/^/  /'
	line=$(tail -n1 "$work/it-$db.out")
	echo "  $db: $line"
	[ $rc -eq 0 ] || status=1
	p=$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+' || echo 0)
	f=$(grep -oE '[0-9]+ (failed|error|errors)' <<<"$line" | awk '{s += $1} END {print s + 0}')
	[ -n "$p" ] || p=0; [ -n "$f" ] || f=0
	[ "$p" -gt 0 ] || status=1
	passed=$((passed + p)); failed=$((failed + f))
done

echo "total: $passed passed, $failed failed"
[ "$failed" -eq 0 ] || status=1
exit $status
