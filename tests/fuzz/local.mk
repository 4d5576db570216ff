# Fuzz targets: make fuzz builds every tests/fuzz/fuzz_*.c with clang, libFuzzer,
# ASan and UBSan, against the libswgr sources in FUZZ_LIBSWGR compiled again the
# same way (not the gcc-built libswgr.la), and runs each for FUZZ_SECONDS on a
# scratch copy of its seed corpus tests/fuzz/corpus/<target>/ (the committed
# corpus never grows).  One line per target, "<target>: PASS" or "<target>: FAIL
# (...)"; the exit status is non-zero if any crashed, leaked, hit undefined
# behaviour or timed out.  Output under tests/fuzz/out/ of the build directory.
#   make fuzz FUZZ_SECONDS=20
FUZZ_SECONDS = 60
FUZZ_CC = clang
FUZZ_SANITIZE = -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -Wall -Wextra -Werror
# libFuzzer's options for each run (-max_total_time is added): inputs up to a
# little over SWGR_BOLT11_MAXLEN; one input that runs FUZZ_TIMEOUT s fails too.
FUZZ_TIMEOUT = 10
FUZZ_RUNFLAGS = -timeout=$(FUZZ_TIMEOUT) -max_len=8300 -print_final_stats=1
# Empty: every tests/fuzz/fuzz_*.c.
FUZZ_TARGETS =
# What the targets link with: the decoders and what they call.
FUZZ_LIBSWGR = libswgr/pay/bolt11.c libswgr/core/bech32.c libswgr/core/sha256.c \
	libswgr/core/json_parse.c libswgr/core/json.c libswgr/core/buf.c libswgr/core/uuid.c \
	libswgr/core/pubkey.c libswgr/core/time.c libswgr/core/base64.c libswgr/core/email.c \
	libswgr/model/model.c libswgr/model/from_json.c \
	libswgr/core/hex.c libswgr/core/utf8.c libswgr/core/err.c
FUZZ_LIBS = $(SECP256K1_LIBS) $(OPENSSL_LIBS) $(JSONC_LIBS) -lpthread -lm

FUZZ_COMPILE = $(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SANITIZE) $(DEFS) $(AM_CPPFLAGS) $(CPPFLAGS) \
	$(SWGR_DEP_CFLAGS)

.PHONY: fuzz
fuzz:
	@set -e; out=tests/fuzz/out; rm -rf $$out; $(MKDIR_P) $$out/obj; \
	objs=; for src in $(FUZZ_LIBSWGR); do \
		o=$$out/obj/`basename $$src .c`.o; \
		echo "  FUZZCC   $$src"; \
		$(FUZZ_COMPILE) -c -o $$o $(srcdir)/$$src; \
		objs="$$objs $$o"; \
	done; \
	targets="$(FUZZ_TARGETS)"; \
	[ -n "$$targets" ] || targets=`cd $(srcdir)/tests/fuzz && ls fuzz_*.c | sed 's/\.c$$//'`; \
	set +e; fail=0; \
	for t in $$targets; do \
		echo "  FUZZLD   tests/fuzz/$$t"; \
		if ! $(FUZZ_COMPILE) -o $$out/$$t $(srcdir)/tests/fuzz/$$t.c $$objs $(FUZZ_LIBS); then \
			echo "$$t: FAIL (does not build)"; fail=1; continue; \
		fi; \
		seeds=$(srcdir)/tests/fuzz/corpus/$$t; run=$$out/run-$$t; \
		if [ -z "`ls -A $$seeds 2>/dev/null`" ]; then \
			echo "$$t: FAIL (no seed corpus in $$seeds)"; fail=1; continue; \
		fi; \
		$(MKDIR_P) $$run/corpus; cp $$seeds/* $$run/corpus/; \
		echo "  FUZZ     $$t for $(FUZZ_SECONDS) s, log in $$run/log"; \
		$$out/$$t -max_total_time=$(FUZZ_SECONDS) $(FUZZ_RUNFLAGS) \
			-artifact_prefix=$$run/ $$run/corpus >$$run/log 2>&1; rc=$$?; \
		execs=`sed -n 's/^stat::number_of_executed_units: *//p' $$run/log`; \
		if [ $$rc -eq 0 ] && grep -q '^Done [0-9]* runs' $$run/log; then \
			echo "$$t: PASS ($${execs:-?} runs, `ls $$run/corpus | wc -l` inputs)"; \
		else \
			tail -n 60 $$run/log; \
			echo "$$t: FAIL (exit $$rc; log $$run/log; artifacts:" \
				`ls $$run | grep -E '^(crash|leak|timeout|oom|slow-unit)-' || echo none`")"; \
			fail=1; \
		fi; \
	done; \
	exit $$fail

clean-local: clean-fuzz
clean-fuzz:
	rm -rf tests/fuzz/out
.PHONY: clean-fuzz
