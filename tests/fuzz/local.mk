# Fuzz targets: make fuzz builds every tests/fuzz/fuzz_*.c with clang, libFuzzer,
# ASan and UBSan, against the libswgr sources in FUZZ_LIBSWGR compiled again the
# same way (not the gcc-built libswgr.la), and runs each for FUZZ_SECONDS on a
# scratch copy of its seed corpus tests/fuzz/corpus/<target>/ (the committed
# corpus never grows).  One line per target, "<target>: PASS" or "<target>: FAIL
# (...)"; the exit status is non-zero if any crashed, leaked, hit undefined
# behaviour or timed out.  FUZZ_JOBS compilers, then targets, run at once (each
# on a core of its own: libFuzzer runs one process), in batches.  Output under tests/fuzz/out/ of the
# build directory.
#   make fuzz FUZZ_SECONDS=20 FUZZ_JOBS=2
FUZZ_SECONDS = 60
FUZZ_JOBS = 2
FUZZ_CC = clang
FUZZ_SANITIZE = -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -Wall -Wextra -Werror
# libFuzzer's options for each run (-max_total_time is added): inputs up to a
# little over SWGR_BOLT11_MAXLEN; one input that runs FUZZ_TIMEOUT s fails too, and
# so does a leak.  A target's tests/fuzz/<target>.dict, if any, is its dictionary.
FUZZ_TIMEOUT = 10
FUZZ_RUNFLAGS = -timeout=$(FUZZ_TIMEOUT) -max_len=8300 -detect_leaks=1 -print_final_stats=1
# Empty: every tests/fuzz/fuzz_*.c.
FUZZ_TARGETS =
# What the targets link with: the parsers and what they call, compiled once
# into one archive that every target links against (each takes only what it
# needs).  Not here: net/grpc.c (fuzz_node stands in for the gRPC calls) and
# the SQL drivers.  A target's extra link flags (a --wrap of the network call
# whose answer the fuzz input plays) are read from its source, one comment line
# "FUZZ_LDFLAGS: <flags>".
FUZZ_LIBSWGR = libswgr/pay/bolt11.c libswgr/core/bech32.c libswgr/core/sha256.c \
	libswgr/core/json_parse.c libswgr/core/json.c libswgr/core/buf.c libswgr/core/uuid.c \
	libswgr/core/pubkey.c libswgr/core/time.c libswgr/core/base64.c libswgr/core/email.c \
	libswgr/core/lnaddr.c \
	libswgr/model/model.c libswgr/model/from_json.c libswgr/model/to_json.c libswgr/model/lud.c \
	libswgr/core/hex.c libswgr/core/utf8.c libswgr/core/err.c libswgr/core/log.c \
	libswgr/core/clock.c libswgr/core/status.c libswgr/core/uri.c libswgr/core/dl.c \
	libswgr/core/cidr.c libswgr/core/credfile.c libswgr/core/endpoint.c libswgr/core/metrics.c \
	libswgr/fcgi/req.c libswgr/fcgi/url.c libswgr/fcgi/client_ip.c libswgr/fcgi/resp.c \
	libswgr/pay/lnurl.c \
	libswgr/config/config.c libswgr/config/expand.c libswgr/config/keys.c libswgr/config/yaml.c \
	libswgr/config/directory.c \
	libswgr/auth/token.c \
	libswgr/ln/ln.c libswgr/ln/kinds.c libswgr/ln/impl.c libswgr/ln/grpc.c libswgr/ln/lnd.c \
	libswgr/ln/cln.c libswgr/ln/eclair.c libswgr/net/http.c libswgr/net/trust.c \
	libswgr/store/http.c libswgr/store/http_discovery.c libswgr/store/http_offer.c
# Generated in the build directory.
FUZZ_GENERATED = proto/cln_node.pb-c.c proto/lnd_lightning.pb-c.c
FUZZ_LIBS = $(SECP256K1_LIBS) $(OPENSSL_LIBS) $(JSONC_LIBS) $(YAML_LIBS) $(FCGI_LIBS) \
	$(PROTOBUFC_LIBS) -ldl -lpthread -lm

FUZZ_COMPILE = $(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SANITIZE) $(DEFS) $(AM_CPPFLAGS) $(CPPFLAGS) \
	$(SWGR_DEP_CFLAGS)

.PHONY: fuzz
fuzz: $(FUZZ_GENERATED)
	@set -e; out=tests/fuzz/out; rm -rf $$out; $(MKDIR_P) $$out/obj; \
	objs=; n=0; for src in $(FUZZ_LIBSWGR:%=$(srcdir)/%) $(FUZZ_GENERATED); do \
		o=$$out/obj/`echo $$src | sed 's|^$(srcdir)/||; s|/|_|g; s|\.c$$|.o|'`; \
		echo "  FUZZCC   $$src"; \
		{ $(FUZZ_COMPILE) -c -o $$o $$src || echo $$src >>$$out/obj/failed; } & \
		objs="$$objs $$o"; n=`expr $$n + 1`; [ $$n -lt $(FUZZ_JOBS) ] || { wait; n=0; }; \
	done; wait; \
	if [ -f $$out/obj/failed ]; then echo "fuzz: does not compile:" `cat $$out/obj/failed`; exit 1; fi; \
	rm -f $$out/libfuzz.a; $(AR) rcs $$out/libfuzz.a $$objs; \
	targets="$(FUZZ_TARGETS)"; \
	[ -n "$$targets" ] || targets=`cd $(srcdir)/tests/fuzz && ls fuzz_*.c | sed 's/\.c$$//'`; \
	set +e; torun=; \
	for t in $$targets; do \
		run=$$out/run-$$t; $(MKDIR_P) $$run/corpus; \
		echo "  FUZZLD   tests/fuzz/$$t"; \
		ldf=`sed -n 's/^.*FUZZ_LDFLAGS: *\([^*]*\).*$$/\1/p' $(srcdir)/tests/fuzz/$$t.c`; \
		if ! $(FUZZ_COMPILE) -o $$out/$$t $(srcdir)/tests/fuzz/$$t.c $$ldf $$out/libfuzz.a \
		    $(FUZZ_LIBS); then \
			echo "$$t: FAIL (does not build)" >$$run/result; continue; \
		fi; \
		seeds=$(srcdir)/tests/fuzz/corpus/$$t; \
		if [ -z "`ls -A $$seeds 2>/dev/null`" ]; then \
			echo "$$t: FAIL (no seed corpus in $$seeds)" >$$run/result; continue; \
		fi; \
		cp $$seeds/* $$run/corpus/; torun="$$torun $$t"; \
	done; \
	n=0; for t in $$torun; do \
		run=$$out/run-$$t; \
		echo "  FUZZ     $$t for $(FUZZ_SECONDS) s, log in $$run/log"; \
		dict=; [ ! -f $(srcdir)/tests/fuzz/$$t.dict ] || dict=-dict=$(srcdir)/tests/fuzz/$$t.dict; \
		( $$out/$$t -max_total_time=$(FUZZ_SECONDS) $(FUZZ_RUNFLAGS) $$dict \
			-artifact_prefix=$$run/ $$run/corpus >$$run/log 2>&1; rc=$$?; \
		execs=`sed -n 's/^stat::number_of_executed_units: *//p' $$run/log`; \
		if [ $$rc -eq 0 ] && grep -q '^Done [0-9]* runs' $$run/log; then \
			echo "$$t: PASS ($${execs:-?} runs, `ls $$run/corpus | wc -l` inputs)"; \
		else \
			tail -n 60 $$run/log; \
			echo "$$t: FAIL (exit $$rc; log $$run/log; artifacts:" \
				`ls $$run | grep -E '^(crash|leak|timeout|oom|slow-unit)-' || echo none`")"; \
		fi >$$run/result ) & \
		n=`expr $$n + 1`; [ $$n -lt $(FUZZ_JOBS) ] || { wait; n=0; }; \
	done; wait; \
	fail=0; for t in $$targets; do \
		cat $$out/run-$$t/result; ! tail -n 1 $$out/run-$$t/result | grep -q ': FAIL' || fail=1; \
	done; \
	exit $$fail

clean-local: clean-fuzz
clean-fuzz:
	rm -rf tests/fuzz/out
.PHONY: clean-fuzz
