#!/usr/bin/env bash
# bench/selftest.sh: proves that bench/run.sh is a gate that fails (issue 9, item 1):
# a deliberately broken swgr-lnurl, answering every payRequest with 502, must make it
# print FAIL for the targets that use the payRequest and exit 1.
#
#   bench/selftest.sh        (as root, like bench/run.sh; ~4 minutes with the build)
#
# Copies the committed tree (git archive HEAD) into a temporary directory, with the
# working copies of bench/ and tests/sim/ over it, plants a failure in that copy only
# (GET /offers/{partition}/{id} answers 502 before anything else; callbacks, /health
# and the admin services are untouched, so the set-up of run.sh passes), builds it in
# its own SWGR_BUILD_DIR and runs the copy's bench/run.sh with short knobs.  Nothing of
# the planted failure reaches the source tree or the production code.
#
# Exit status 0 only if the gate behaved: run.sh exited 1 (targets missed, not 2 for a
# set-up failure), the two payRequest targets and the RSS drift target printed FAIL
# naming the non-2xx answers, and the callbacks answered without error.
#
# Knobs: the BENCH_* of run.sh (defaults here: BENCH_SECONDS=3 BENCH_ROUNDS=3
# BENCH_WARMUP=1 BENCH_DRIFT_REQUESTS=5000), SELFTEST_KEEP=1 keeps the temporary
# directory (the copy, its build, run.sh's output and logs).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
log() { printf '[selftest %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 2; }

W=$(mktemp -d /tmp/swgr-selftest.XXXXXX)
bench_tmp=""
cleanup() {
	local rc=$?
	if [ "${SELFTEST_KEEP:-0}" = 1 ]; then
		log "kept: $W${bench_tmp:+ and $bench_tmp}"
	else
		rm -rf "$W"
		if [ -n "$bench_tmp" ]; then
			rm -rf "$bench_tmp"
			log "removed $W and $bench_tmp"
		fi
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

src=$W/src
mkdir -p "$src"
log "copying the tree (HEAD, plus the working copies of bench/ and tests/sim/) to $src"
git -C "$top" archive HEAD | tar -x -C "$src"
cp -p "$top"/bench/*.sh "$top"/bench/*.c "$top"/bench/*.js "$top"/bench/*.py "$top"/bench/*.md "$src/bench/"
cp -p "$top"/tests/sim/*.py "$src/tests/sim/"
# lnurl-node from npm, if run.sh installed it already (else the copy's run.sh does)
[ -d "$top/bench/.node/node_modules/lnurl" ] && ln -s "$top/bench/.node" "$src/bench/.node"

# The planted failure: the first statement of pay_request() answers 502 and returns.
f=$src/fcgi/lnurl/main.c
perl -0pi -e 's/(\npay_request\(struct swgr_ctx \*c\)\n\{\n.*?\n)(\tif \(!offer_begin\(c, &o\))/$1\tfail(c, 502, "bench selftest: planted failure");\n\treturn;\n$2/s' "$f"
[ "$(grep -c 'bench selftest: planted failure' "$f")" = 1 ] ||
	die "could not plant the failure in fcgi/lnurl/main.c (pay_request changed?)"
log "planted in the copy's fcgi/lnurl/main.c:"
grep -n -B3 -A2 'bench selftest: planted failure' "$f" | sed 's/^/    /' >&2

log "running the copy's bench/run.sh with a broken swgr-lnurl (build in $W/build)"
set +e
SWGR_BUILD_DIR=$W/build BENCH_SECONDS=${BENCH_SECONDS:-3} BENCH_ROUNDS=${BENCH_ROUNDS:-3} \
    BENCH_WARMUP=${BENCH_WARMUP:-1} BENCH_DRIFT_REQUESTS=${BENCH_DRIFT_REQUESTS:-5000} \
    BENCH_REPORT_ONLY=0 BENCH_KEEP=0 "$src/bench/run.sh" >"$W/run.out" 2>&1
rc=$?
set -e
bench_tmp=$(sed -n 's/.*logs kept in \(\/tmp\/swgr-bench\.[A-Za-z0-9]*\)$/\1/p' "$W/run.out" | tail -n1)
# run.sh's output without the CLI's chatter
grep -v '^\[INFO\]' "$W/run.out" || true

ok=1
expect() {	# DESCRIPTION EXTENDED-REGEX: a line of run.sh's output
	if grep -Eq "$2" "$W/run.out"; then
		printf 'selftest: ok    %s\n' "$1"
	else
		printf 'selftest: WRONG %s (no line matching: %s)\n' "$1" "$2"
		ok=0
	fi
}
echo
if [ "$rc" = 1 ]; then
	printf 'selftest: ok    run.sh exited 1 (targets missed)\n'
else
	printf 'selftest: WRONG run.sh exited %s, not 1 (0: the gate let it pass; 2: the set-up failed)\n' "$rc"
	ok=0
fi
expect "payRequest/hello target FAILs on the non-2xx answers" \
    '^FAIL payRequest >= 85% of the hello-world ceiling .*swgr payRequest: [0-9]+ non-2xx answers'
expect "payRequest/lnurl-node target FAILs on the non-2xx answers" \
    "^FAIL payRequest >= 3x lnurl-node's .*swgr payRequest: [0-9]+ non-2xx answers"
expect "RSS drift target FAILs on the drift phase's non-2xx answers" \
    '^FAIL RSS drift over .*drift phase: [0-9]+ non-2xx answers'
expect "the report ends with the targets missed" '^[0-9]+ target\(s\) missed$'
# The planted failure is the payRequest's alone: callbacks must have answered 2xx.
if grep -Eq '^(PASS|FAIL) CPU per 1000 callbacks.*swgr callback:' "$W/run.out"; then
	printf 'selftest: WRONG callbacks failed too: the planted failure is not the payRequest alone\n'
	ok=0
else
	printf 'selftest: ok    callbacks answered without errors (the failure is the payRequest alone)\n'
fi
if [ "$ok" = 1 ]; then
	printf 'selftest: PASSED: the benchmark fails a responder that answers every payRequest with 502\n'
	exit 0
fi
printf 'selftest: FAILED: the gate did not behave (output above; SELFTEST_KEEP=1 keeps the logs)\n'
exit 1
