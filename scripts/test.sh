#!/usr/bin/env bash
# Installs what the tests need, builds, and runs every test (as root on Debian 12):
#   - the layout rules of doc/ARCHITECTURE.md (scripts/check-layout.py);
#   - the C unit tests (make check), with the store and driver tests on SQLite,
#     PostgreSQL and MariaDB: all three are required, a database half that did not
#     run is a failure (SWGR_TEST_REQUIRE_DBS=1);
#   - the C unit tests again under valgrind (leaks and memory errors fail them);
#   - every fuzz target (make fuzz, clang + libFuzzer, ASan/UBSan) for a short run,
#     two at once;
#   - the simulator's BOLT #11 encoder against the spec's vectors;
#   - the black-box integration suite through nginx once per store: SQLite,
#     PostgreSQL, MariaDB and the memory store; then through lighttpd and through
#     Apache on SQLite (SWGR_TEST_WEB), each its own row.  The tests marked `once`,
#     slow fault tests in which neither the store nor the web server plays a part,
#     run in the first row only (SQLite through nginx); those marked `webless`
#     (swgr-monitord's, the web server in their set-up only) in the nginx rows.
# The summary is read from each runner's own record of results (automake's .trs,
# pytest's JUnit XML), made afresh by this run; a suite that exits non-zero without
# a counted failure counts as one failure, and one that left no record at all too.
# Knobs: SWGR_TEST_FUZZ_SECONDS (20 per target), SWGR_TEST_VALGRIND (1; 0 skips it,
# and the skip is counted), SWGR_TEST_STORES (sqlite postgres mariadb memory),
# SWGR_TEST_WEBS (lighttpd apache: the other web servers, on SQLite),
# SWGR_TEST_PG_PORT (55499) and SWGR_TEST_MYSQL_PORT (53399) of the unit tests' servers.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
PY=/usr/bin/python3	# Debian's interpreter, where python3-pytest lives
FUZZ_SECONDS=${SWGR_TEST_FUZZ_SECONDS:-20}
STORES=${SWGR_TEST_STORES-sqlite postgres mariadb memory}
WEBS=${SWGR_TEST_WEBS-lighttpd apache}

scripts/deps.sh test || exit 1

work=$(mktemp -d /tmp/swgr-test.XXXXXX)
chmod 755 "$work"
cleanup() {
	tests/dbctl.sh stop postgres "$work/pg" >/dev/null 2>&1
	tests/dbctl.sh stop mariadb "$work/my" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT

# One row per suite: name, tests passed, failed, skipped, and a remark.
rows=()
t_pass=0 t_fail=0 t_skip=0
sec_t0=$SECONDS
section() {	# TITLE: starts a section, and its clock
	echo "== $*"
	sec_t0=$SECONDS
}
record() {	# SUITE PASSED FAILED SKIPPED [REMARK]
	rows+=("$(printf '%-28s %6s passed %4s failed %4s skipped %5ss  %s' "$1" "$2" "$3" "$4" \
		$((SECONDS - sec_t0)) "${5:-}")")
	t_pass=$((t_pass + $2)) t_fail=$((t_fail + $3)) t_skip=$((t_skip + $4))
	echo "  $1: $2 passed, $3 failed, $4 skipped${5:+ ($5)}"
}
c_pass=0 c_fail=0 c_skip=0	# the CHECKs inside the unit programs, reported apart
summary() {
	echo "== summary (the time of each suite in seconds)"
	printf '  %s\n' "${rows[@]}"
	echo "unit checks: $c_pass passed, $c_fail failed, $c_skip skipped"
	echo "total: $t_pass passed, $t_fail failed, $t_skip skipped"
}

section "build"
if ! scripts/build.sh >"$work/build.out" 2>&1; then
	tail -n 40 "$work/build.out" | sed 's/^/  /'
	record build 0 1 0 "scripts/build.sh failed: nothing was tested"
	summary
	exit 1
fi

# The databases: both servers are required.
have_pg=0 have_my=0
if SWGR_TEST_PG_URI=$(tests/dbctl.sh start postgres "$work/pg" "${SWGR_TEST_PG_PORT:-55499}" 2>"$work/pg.err"); then
	have_pg=1
else
	record "postgres server" 0 1 0 "did not start: $(tail -n1 "$work/pg.err")"
fi
if SWGR_TEST_MYSQL_URI=$(tests/dbctl.sh start mariadb "$work/my" "${SWGR_TEST_MYSQL_PORT:-53399}" 2>"$work/my.err"); then
	have_my=1
else
	record "mariadb server" 0 1 0 "did not start: $(tail -n1 "$work/my.err")"
fi
export SWGR_TEST_PG_URI SWGR_TEST_MYSQL_URI SWGR_TEST_REQUIRE_DBS=1

# The unit programs that make check is to run, from the Makefile itself.
printf 'swgr-print-tests:\n\t@echo $(TESTS)\n' >"$work/print-tests.mk"
unit_tests=$(make -s --no-print-directory -C build -f Makefile -f "$work/print-tests.mk" swgr-print-tests)
[ -n "$unit_tests" ] || record "unit programs" 0 1 0 "make lists no TESTS"

# unit_suite LABEL: reads build/tests/unit/*.trs and .log of this run's make check.
unit_suite() {
	local label=$1 t name res line p f s np=0 nf=0 ns=0
	for t in $unit_tests; do
		name=$(basename "$t")
		if [ ! -f "build/$t.trs" ]; then
			echo "    $name: no result (not built or not run)"
			nf=$((nf + 1))
			continue
		fi
		res=$(sed -n 's/^:test-result: //p' "build/$t.trs" | head -n1)
		line=$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed" "build/$t.log" | tail -n1)
		case $res in
		PASS) np=$((np + 1)) ;;
		SKIP) ns=$((ns + 1)) ;;
		*) nf=$((nf + 1)); echo "    $name: $res${line:+ ($line)}"; [ -n "$line" ] ||
			grep -E 'CHECK failed|got ".*", want|, want |ERROR|Assertion|Sanitizer|signal' "build/$t.log" | head -n5 | sed 's/^/      /' ;;
		esac
		if [ "$label" = unit ] && [ -n "$line" ]; then
			p=$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")
			f=$(sed -E 's/.*, ([0-9]+) failed.*/\1/' <<<"$line")
			s=$(grep -oE '[0-9]+ skipped' <<<"$line" | grep -oE '[0-9]+' || echo 0)
			c_pass=$((c_pass + p)) c_fail=$((c_fail + f)) c_skip=$((c_skip + s))
		fi
	done
	record "$label programs" $np $nf $ns
	last_failed=$nf
}

# check_run LABEL [MAKE ARGS...]: make check afresh (the last run's .log and .trs
# removed first), then its programs' results; a make check that failed with no failed
# program failed elsewhere (compilation) and counts as one failure.
check_run() {
	local label=$1 rc
	shift
	rm -f build/tests/unit/*.log build/tests/unit/*.trs build/test-suite.log
	# Two at once (the machines have two cores): the programs share nothing but the
	# database servers, where each has tables of its own.
	make -C build -j2 check "$@" >"$work/check-$label.out" 2>&1
	rc=$?
	[ $rc -eq 0 ] || grep -E 'error:|Error [0-9]' "$work/check-$label.out" | head -n 10 | sed 's/^/    /'
	unit_suite "$label"
	if [ $rc -ne 0 ] && [ "$last_failed" -eq 0 ]; then
		record "make check ($label)" 0 1 0 "exited $rc without a failed program (see the errors above)"
	fi
}

section "layout (scripts/check-layout.py against doc/ARCHITECTURE.md)"
if /usr/bin/python3 scripts/check-layout.py >"$work/layout.out" 2>&1; then
	record "layout" 1 0 0 "$(tail -n 1 "$work/layout.out")"
else
	sed 's/^/    /' "$work/layout.out"
	record "layout" 0 1 0 "$(tail -n 1 "$work/layout.out")"
fi

section "unit tests (make check; stores on SQLite, PostgreSQL, MariaDB)"
check_run unit

section "unit tests under valgrind (memory errors and leaks fail)"
if [ "${SWGR_TEST_VALGRIND:-1}" = 0 ]; then
	record "valgrind programs" 0 0 1 "SWGR_TEST_VALGRIND=0"
elif ! command -v valgrind >/dev/null; then
	record "valgrind programs" 0 1 0 "valgrind is not installed"
else
	check_run valgrind LOG_COMPILER="$top/tests/valgrind.sh"
fi

section "fuzz targets (make fuzz, ${FUZZ_SECONDS} s each)"
if ! command -v clang >/dev/null; then
	record "fuzz targets" 0 1 0 "clang is not installed (scripts/deps.sh test installs it)"
else
	make -C build fuzz FUZZ_SECONDS="$FUZZ_SECONDS" >"$work/fuzz.out" 2>&1
	fz_rc=$?
	np=$(grep -cE '^fuzz_[a-z0-9_]+: PASS' "$work/fuzz.out" || true)
	nf=$(grep -cE '^fuzz_[a-z0-9_]+: FAIL' "$work/fuzz.out" || true)
	grep -E '^fuzz_[a-z0-9_]+: ' "$work/fuzz.out" | sed 's/^/    /'
	if [ $fz_rc -ne 0 ] && [ "$nf" -eq 0 ]; then
		tail -n 20 "$work/fuzz.out" | sed 's/^/    /'
		nf=1
	fi
	[ "$np" -gt 0 ] || [ "$nf" -gt 0 ] || nf=1	# ran no target at all
	record "fuzz targets" "$np" "$nf" 0
fi

# pytest_suite LABEL XML RC: the counts of pytest's JUnit XML.
pytest_suite() {
	local label=$1 xml=$2 rc=$3 counts p f s
	if ! counts=$($PY - "$xml" 2>/dev/null <<'EOF'
import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
suites = [r] if r.tag == "testsuite" else list(r.iter("testsuite"))
n = f = e = s = 0
for t in suites:
    n += int(t.get("tests", 0)); f += int(t.get("failures", 0))
    e += int(t.get("errors", 0)); s += int(t.get("skipped", 0))
print(n - f - e - s, f + e, s)
EOF
	); then
		record "$label" 0 1 0 "pytest left no results (exit $rc)"
		return
	fi
	read -r p f s <<<"$counts"
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		record "$label" "$p" 1 "$s" "pytest exited $rc without a counted failure"
	elif [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		record "$label" 0 1 "$s" "no test ran"
	else
		record "$label" "$p" "$f" "$s"
	fi
}

section "the simulator's BOLT #11 encoder against the spec's vectors"
$PY -m pytest -q -p no:cacheprovider --junitxml="$work/sim.xml" tests/sim >"$work/sim.out" 2>&1
rc=$?
grep -E '^(FAILED|ERROR)' "$work/sim.out" | sed 's/^/    /'
pytest_suite "simulator oracle" "$work/sim.xml" $rc

# integration WEB DB LABEL: the whole suite through web server WEB on store DB.
integration() {
	local web=$1 db=$2 label=$3 rc
	SWGR_TEST_WEB=$web SWGR_TEST_DB=$db SWGR_BUILD_DIR="$top/build" \
		$PY -m pytest -q -p no:cacheprovider --junitxml="$work/it-$web-$db.xml" tests/integration \
		>"$work/it-$web-$db.out" 2>&1
	rc=$?
	grep -E '^(FAILED|ERROR)' "$work/it-$web-$db.out" | sed 's/^/    /'
	pytest_suite "$label" "$work/it-$web-$db.xml" $rc
}

for db in $STORES; do
	section "integration tests through nginx on $db"
	case $db in
	postgres) [ $have_pg = 1 ] || { record "integration $db" 0 1 0 "no server"; continue; } ;;
	mariadb) [ $have_my = 1 ] || { record "integration $db" 0 1 0 "no server"; continue; } ;;
	esac
	integration nginx "$db" "integration $db"
done

for web in $WEBS; do
	section "integration tests through $web on sqlite"
	integration "$web" sqlite "integration $web sqlite"
done

summary
[ "$t_fail" -eq 0 ] && [ "$c_fail" -eq 0 ]
