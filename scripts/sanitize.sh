#!/usr/bin/env bash
# Builds the suite with AddressSanitizer (leaks included) and UndefinedBehaviorSanitizer
# (./configure --enable-sanitizers) in a build directory of its own, and runs tests there:
#   scripts/sanitize.sh unit          the C unit tests (make check)
#   scripts/sanitize.sh integration   the integration suite on SQLite (pytest), every
#                                     process of ours under the sanitizers
#   scripts/sanitize.sh all           both (the default)
# Any report fails: a unit program exits non-zero on its first one; in the integration
# run the processes write reports into $SWGR_SANITIZER_LOGS (tests/integration/conftest.py
# points ASAN_OPTIONS and UBSAN_OPTIONS there) and test_zz_sanitizers.py, run last, fails
# if any appeared.  Knobs: SWGR_SANITIZE_DIR (build-asan/ in the tree), SWGR_SANITIZE_JOBS
# (make -j, nproc), SWGR_TEST_DB (sqlite), and pytest arguments after the mode, e.g.
#   scripts/sanitize.sh integration tests/integration/test_lnurl.py
# The integration harness sees the sanitizer build (harness.sanitized_build()): its
# timing tests scale their slack, latency bounds and load by harness.SLOW (3 here, as
# ASan and UBSan cost 2-3x the CPU; SWGR_TEST_SLOW overrides).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:-all}
[ $# -gt 0 ] && shift
case $mode in
unit|integration|all) ;;
*) echo "usage: $0 [unit|integration|all] [pytest args...]" >&2; exit 2 ;;
esac
dir=${SWGR_SANITIZE_DIR:-$top/build-asan}
jobs=${SWGR_SANITIZE_JOBS:-$(nproc)}

# Reports: ASan's and UBSan's, with stacks; abort on the first so nothing goes unseen.
# The unit programs (and whatever they start) report to stderr, where make check's
# .log files keep them.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1:check_initialization_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$top/tests/lsan.supp:print_suppressions=0}

echo "== build with --enable-sanitizers in $dir"
cd "$top" || exit 1
[ -x configure ] || autoreconf -fi >/dev/null || exit 1
mkdir -p "$dir" && cd "$dir" || exit 1
if [ ! -f Makefile ]; then
	"$top/configure" -q --enable-sanitizers || exit 1
elif ! grep -q -- '--enable-sanitizers' config.status; then
	echo "$dir was configured without --enable-sanitizers: use another SWGR_SANITIZE_DIR" >&2
	exit 1
fi
make -j"$jobs" >make.log 2>&1 || { tail -n 40 make.log; exit 1; }

rc=0
if [ "$mode" != integration ]; then
	echo "== unit tests under ASan and UBSan (make check)"
	if make -j"$jobs" check >check.log 2>&1; then
		grep -E '^# (TOTAL|PASS|FAIL|ERROR|SKIP|XFAIL|XPASS):' check.log
	else
		grep -E '^(FAIL|ERROR):|^# (TOTAL|PASS|FAIL|ERROR|SKIP):' check.log
		echo "unit tests failed: see $dir/tests/unit/*.log"
		rc=1
	fi
fi
if [ "$mode" != unit ]; then
	echo "== integration suite under ASan and UBSan (${SWGR_TEST_DB:-sqlite})"
	logs=$dir/sanitizer-logs
	rm -rf "$logs" && mkdir -p "$logs"
	cd "$top" || exit 1
	SWGR_TEST_DB=${SWGR_TEST_DB:-sqlite} SWGR_BUILD_DIR=$dir SWGR_SANITIZER_LOGS=$logs \
		/usr/bin/python3 -m pytest -q -p no:cacheprovider "${@:-tests/integration}" || rc=1
	if [ -n "$(ls -A "$logs")" ]; then
		echo "sanitizer reports in $logs:"
		ls "$logs"
		rc=1
	fi
fi
exit $rc
