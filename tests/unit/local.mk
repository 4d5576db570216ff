# Unit tests: one program per libswgr module, run by make check.
UNIT_TESTS = tests/unit/test_buf tests/unit/test_valid tests/unit/test_model \
	tests/unit/test_address \
	tests/unit/test_fleet \
	tests/unit/test_config tests/unit/test_log tests/unit/test_token \
	tests/unit/test_db tests/unit/test_store tests/unit/test_fcgi \
	tests/unit/test_dbdrv tests/unit/test_bech32 tests/unit/test_bolt11 \
	tests/unit/test_qr tests/unit/test_select tests/unit/test_ln tests/unit/test_lnurl \
	tests/unit/test_http tests/unit/test_uri tests/unit/test_breaker tests/unit/test_offers \
	tests/unit/test_gate tests/unit/test_cidr tests/unit/test_credfile tests/unit/test_endpoint \
	tests/unit/test_activation tests/unit/test_metrics
check_PROGRAMS += $(UNIT_TESTS)
# A tool of the integration suite (test_status.py): invoice outcomes counted into a metrics segment.
noinst_PROGRAMS += tests/unit/invoice_counter
tests_unit_invoice_counter_LDADD = libswgr/libswgr.la $(SWGR_DEP_LIBS)
TESTS += $(UNIT_TESTS)
UNIT_CFLAGS = $(AM_CFLAGS) $(SWGR_DEP_CFLAGS) -I$(top_srcdir)/tests/unit
# the scaffolding the programs share (kit.h): temporary directory, files, children
check_LTLIBRARIES = tests/unit/libkit.la
tests_unit_libkit_la_SOURCES = tests/unit/kit.c tests/unit/kit.h
tests_unit_libkit_la_CFLAGS = $(UNIT_CFLAGS)
UNIT_LDADD = tests/unit/libkit.la libswgr/libswgr.la $(SWGR_DEP_LIBS)
tests_unit_test_buf_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_buf_LDADD = $(UNIT_LDADD)
tests_unit_test_valid_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_valid_LDADD = $(UNIT_LDADD)
tests_unit_test_model_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_model_LDADD = $(UNIT_LDADD)
tests_unit_test_address_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_address_LDADD = $(UNIT_LDADD)
tests_unit_test_config_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_config_LDADD = $(UNIT_LDADD)
tests_unit_test_log_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_log_LDADD = $(UNIT_LDADD)
tests_unit_test_token_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_token_LDADD = $(UNIT_LDADD)
tests_unit_test_db_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_db_LDADD = $(UNIT_LDADD)
tests_unit_test_store_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_store_LDADD = $(UNIT_LDADD)
tests_unit_test_fcgi_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_fcgi_LDADD = $(UNIT_LDADD)
tests_unit_test_dbdrv_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dbdrv_LDADD = $(UNIT_LDADD)
tests_unit_test_bech32_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_bech32_LDADD = $(UNIT_LDADD)
# the encoder that writes the decoder's test invoices lives with the tests
tests_unit_test_bolt11_SOURCES = tests/unit/test_bolt11.c tests/unit/bolt11_encode.c \
	tests/unit/bolt11_encode.h
tests_unit_test_bolt11_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_bolt11_LDADD = $(UNIT_LDADD)
tests_unit_test_qr_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_qr_LDADD = $(UNIT_LDADD)
tests_unit_test_select_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_select_LDADD = $(UNIT_LDADD)
tests_unit_test_ln_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_ln_LDADD = $(UNIT_LDADD)
tests_unit_test_lnurl_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_lnurl_LDADD = $(UNIT_LDADD)
tests_unit_test_fleet_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_fleet_LDADD = $(UNIT_LDADD)
tests_unit_test_uri_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_uri_LDADD = $(UNIT_LDADD)
tests_unit_test_breaker_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_breaker_LDADD = $(UNIT_LDADD)
tests_unit_test_gate_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_gate_LDADD = $(UNIT_LDADD)
tests_unit_test_cidr_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_cidr_LDADD = $(UNIT_LDADD)
tests_unit_test_credfile_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_credfile_LDADD = $(UNIT_LDADD)
tests_unit_test_endpoint_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_endpoint_LDADD = $(UNIT_LDADD)
tests_unit_test_metrics_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_metrics_LDADD = $(UNIT_LDADD)
tests_unit_test_http_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_http_LDADD = $(UNIT_LDADD)
# swgr-lnurl's offer cache, built from the program's own source
tests_unit_test_offers_SOURCES = tests/unit/test_offers.c fcgi/lnurl/offers.c \
	fcgi/lnurl/addresses.c fcgi/lnurl/extern.h
tests_unit_test_offers_CFLAGS = $(UNIT_CFLAGS) -I$(top_srcdir)/fcgi/lnurl
tests_unit_test_offers_LDADD = $(UNIT_LDADD)
EXTRA_DIST += tests/unit/http_peer.py
tests_unit_test_activation_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_activation_LDADD = $(UNIT_LDADD)
