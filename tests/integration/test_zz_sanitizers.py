"""Runs last (file order): no process of ours that the session started wrote a
sanitizer report.  conftest.py points ASAN_OPTIONS and UBSAN_OPTIONS (LSan's leak
reports go with ASan's) at conftest.SANITIZER_LOGS; under a build of
scripts/sanitize.sh (./configure --enable-sanitizers) a memory error, a leak at exit or
undefined behaviour in swgr-lnurl, swgr-discovery, swgr-offer, swgr-monitord or swgr
leaves a file there, named for the program and its pid."""

import os

import conftest
import harness as H


def test_sanitizer_options_point_at_the_log_directory():
    for var in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
        assert f"log_path={conftest.SANITIZER_LOGS}/" in os.environ[var], os.environ[var]


def test_no_sanitizer_reports():
    reports = sorted(p for p in conftest.SANITIZER_LOGS.iterdir() if p.is_file())
    text = "".join(f"--- {p.name}\n{p.read_text(errors='replace')[:4000]}" for p in reports[:5])
    assert reports == [], (f"{len(reports)} sanitizer reports in {conftest.SANITIZER_LOGS} "
                           f"(sanitized build: {H.sanitized_build()}):\n{text}")
