"""Runs last (file order): over the whole session the responders wrote well-formed
log lines, access-log levels by status (spec 13).  (5xx answers are checked per test
in conftest.responders_survive.)"""

import re

import pytest

from test_lifecycle import access_lines

LINE_RE = re.compile(r"^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (TRACE|DEBUG|INFO |WARN |ERROR) [^\] ]+\] ")


@pytest.mark.parametrize("svc", ["discovery", "offer"])
def test_session_log_well_formed_lines(env, svc):
    text = env.logs[svc].read_text(errors="replace")
    lines = access_lines(text, svc)
    assert len(lines) > 100
    for m in lines:
        want = "ERROR" if m.group(9)[0] == "5" else "WARN " if m.group(9)[0] == "4" else "INFO "
        assert m.group(2) == want, m.group(0)
    bad = [line for line in text.splitlines() if line and not LINE_RE.match(line)]
    assert bad == [], bad[:5]
    assert "FATAL" not in text
