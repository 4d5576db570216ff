"""Least privilege (issue 12): swgr-lnurl runs with a read-only database role (SELECT on
the offer, backend and node status tables; SELECT, INSERT and DELETE on its invoice
records, nothing else) on PostgreSQL and MariaDB and serves a payRequest and an invoice
through nginx, whose record it writes; on a database without the schema it
runs no DDL and answers 503 with an LNURL error that says so; its own FastCGI socket is
0660 with the group -G names, the one nginx's workers run as; bad -M and -G values are
usage errors."""

import copy
import os
import re
import shutil
import stat
import subprocess

import pytest
import requests

import harness as H
import nodes
from lnurl_stack import HOST, Invoice, Offer
from nodes import Fleet, Monitord, wait_for
import web
from test_lnurl import lnurl_config, make_offer, usable

RO_USER, RO_PASS = "swgr_ro", "ro-Pa55"
EMPTY_DB = "swgr_empty"
# The tables swgr-lnurl reads (README "Database roles"): offers and metadata, backends
# and their ETag, node status and the monitor heartbeat.
READ_TABLES = ("offer_record_table", "offer_metadata_table", "discovery_backend",
               "discovery_backend_etag", "swgr_node_status", "swgr_monitor_heartbeat")
RECORDS = "swgr_invoice"    # written by swgr-lnurl (SELECT for the retention's DELETE)


def need_server(env):
    if env.db.kind not in ("postgres", "mariadb"):
        pytest.skip("database roles need a database server: run with SWGR_TEST_DB=postgres "
                    "or SWGR_TEST_DB=mariadb")


def admin_sql(db, sql, database=None):
    """Runs sql as the server's superuser (over its unix socket, as tests/dbctl.sh does)."""
    if db.kind == "postgres":
        pg = sorted(os.listdir("/usr/lib/postgresql"), key=lambda v: [int(x) for x in v.split(".")])
        argv = [f"/usr/lib/postgresql/{pg[-1]}/bin/psql", "-h", str(db.dir), "-p", str(db.port),
                "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-q", "-At", "-d", database or "swgr",
                "-c", sql]
        r = subprocess.run(["runuser", "-u", "postgres", "--", *argv], capture_output=True,
                           text=True, timeout=60)
    else:
        argv = ["mariadb", "--no-defaults", "-S", str(db.dir / "sock"), "-uroot", "-N", "-B",
                *([database] if database else []), "-e", sql]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, f"{sql}: {r.stderr}"
    return r.stdout


def role_uri(db, user, password, database):
    """db's URI with another user and database."""
    return re.sub(r"^(\w+)://[^@]+@([^/]+)/.*$", rf"\g<1>://{user}:{password}@\g<2>/{database}",
                  db.uri)


def with_uri(db, uri):
    d = copy.copy(db)
    d.uri = uri
    return d


def tables_of(db, database):
    if db.kind == "postgres":
        out = admin_sql(db, "SELECT table_name FROM information_schema.tables "
                            "WHERE table_schema = 'public'", database)
    else:
        out = admin_sql(db, f"SELECT table_name FROM information_schema.tables "
                            f"WHERE table_schema = '{database}'")
    return sorted(t for t in out.split() if t)


@pytest.fixture(scope="module")
def ro(env):
    """The read-only role: SELECT on the tables swgr-lnurl reads, in the session's
    database; and a second, empty database on which the same role has every right (so
    that a table made there could only be made by swgr-lnurl's DDL)."""
    need_server(env)
    db = env.db
    # The session's admin services made the offer and discovery tables; the status
    # tables are swgr-monitord's: one run makes them (it writes a heartbeat at once).
    mon = Monitord(env.tmp, db, ["priv-none"], instance="priv-ddl").start()
    mon.stop()
    if db.kind == "postgres":
        admin_sql(db, f"DROP DATABASE IF EXISTS {EMPTY_DB}", "postgres")
        admin_sql(db, f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = "
                      f"'{RO_USER}') THEN CREATE ROLE {RO_USER} LOGIN PASSWORD '{RO_PASS}'; "
                      f"END IF; END $$")
        admin_sql(db, f"GRANT CONNECT ON DATABASE swgr TO {RO_USER}; "
                      f"GRANT USAGE ON SCHEMA public TO {RO_USER}; "
                      f"GRANT SELECT ON {', '.join(READ_TABLES)} TO {RO_USER}; "
                      f"GRANT SELECT, INSERT, DELETE ON {RECORDS} TO {RO_USER}")
        admin_sql(db, f"CREATE DATABASE {EMPTY_DB} OWNER {RO_USER}", "postgres")
        admin_sql(db, f"GRANT ALL ON SCHEMA public TO {RO_USER}", EMPTY_DB)
    else:
        grants = " ".join(f"GRANT SELECT ON swgr.{t} TO '{RO_USER}'@'127.0.0.1';"
                          for t in READ_TABLES)
        grants += f" GRANT SELECT, INSERT, DELETE ON swgr.{RECORDS} TO '{RO_USER}'@'127.0.0.1';"
        admin_sql(db, f"DROP DATABASE IF EXISTS {EMPTY_DB}; CREATE DATABASE {EMPTY_DB} "
                      f"CHARACTER SET utf8mb4 COLLATE utf8mb4_bin; "
                      f"CREATE USER IF NOT EXISTS '{RO_USER}'@'127.0.0.1' IDENTIFIED BY "
                      f"'{RO_PASS}'; {grants} "
                      f"GRANT ALL ON {EMPTY_DB}.* TO '{RO_USER}'@'127.0.0.1'; FLUSH PRIVILEGES;")
    return {"main": with_uri(db, role_uri(db, RO_USER, RO_PASS, "swgr")),
            "empty": with_uri(db, role_uri(db, RO_USER, RO_PASS, EMPTY_DB))}


class Front:
    resp = web = base = None

    def stop(self):
        if self.web:
            self.web.stop()
        if self.resp:
            self.resp.terminate()


def start_lnurl(tmp, config):
    """swgr-lnurl on its own -s socket (mode 0660 by default, -G as the harness gives it)
    behind the shipped example of the run's web server."""
    f = Front()
    sock = str(tmp / "lnurl.sock")
    try:
        f.resp = H.Responder("lnurl", config, sock, tmp / "lnurl.stderr", spawn=False).start()
        f.web = web.lnurl(tmp, sock).start()
        f.base = f"http://127.0.0.1:{f.web.port}"
        H.wait_http(f.base + "/health", f.resp)
    except BaseException:
        f.stop()
        raise
    return f


def assert_socket_private(sock):
    st = os.stat(sock)
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o660, oct(stat.S_IMODE(st.st_mode))
    if H.SOCKET_GROUP:
        import grp
        assert st.st_gid == grp.getgrnam(H.SOCKET_GROUP).gr_gid


def test_read_only_role_serves_pay_requests_and_invoices(env, ro):
    tmp = H.make_tmpdir("swgr-priv-ro-")
    part, instance = f"priv-{H.new_uuid()[:8]}", f"priv-{H.new_uuid()[:8]}"
    fleet, mon, front = Fleet(tmp, 1).start(), None, None
    try:
        for n in fleet:
            n.register(env.disc, [part])
        o, m = make_offer(env, part, text="read-only role")
        mon = Monitord(tmp, env.db, [part], instance=instance).start()
        table = nodes.StatusTable(env.db, instance)
        wait_for(lambda: usable(table, fleet[0].pk), 15, "node checked healthy")
        log = tmp / "lnurl.log"
        cfg = lnurl_config(tmp / "lnurl.yaml", ro["main"], [part], instance, log)
        front = start_lnurl(tmp, cfg)
        assert_socket_private(tmp / "lnurl.sock")
        r = requests.get(front.base + f"/offers/{part}/{o['id']}", headers={"Host": HOST},
                         timeout=20)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["tag"] == "payRequest"
        off = Offer(part, o["id"], body["metadata"])
        inv = Invoice(requests.get(front.base + off.path(5000), headers={"Host": HOST},
                                   timeout=20), 5000, off.desc_hash)
        assert inv.payee == H.compress_key(fleet[0].pk)
        recs = lambda: env.offers.get(f"/invoices/{part}").json()     # noqa: E731
        wait_for(lambda: len(recs()) == 1, 5, "the invoice's record")
        assert recs()[0]["bolt11"] == inv.pr
        text = log.read_text()
        assert "creating the database schema" not in text
        assert "permission denied" not in text.lower() and "command denied" not in text.lower()
    finally:
        if front:
            front.stop()
        if mon:
            mon.stop()
        fleet.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def test_empty_database_is_503_and_no_ddl(env, ro):
    tmp = H.make_tmpdir("swgr-priv-empty-")
    front = None
    try:
        assert tables_of(env.db, EMPTY_DB) == []
        log = tmp / "lnurl.log"
        cfg = lnurl_config(tmp / "lnurl.yaml", ro["empty"], ["priv-empty"], "priv-empty", log)
        front = start_lnurl(tmp, cfg)
        oid = H.new_uuid()
        for _ in range(3):      # the first look and the later ones (at most once a second)
            r = requests.get(front.base + f"/offers/priv-empty/{oid}", headers={"Host": HOST},
                             timeout=20)
            assert r.status_code == 503, r.text
            assert r.headers.get("Retry-After") == "1"
            body = r.json()
            assert body["status"] == "ERROR"
            assert body["reason"].startswith("database schema missing: start swgr-discovery"), body
        r = requests.get(front.base + f"/offers/priv-empty/{oid}/invoice?amount=5000",
                         headers={"Host": HOST}, timeout=20)
        assert r.status_code == 503 and "schema missing" in r.json()["reason"], r.text
        assert front.resp.alive()
        # the role may create tables there, and none were made
        assert tables_of(env.db, EMPTY_DB) == []
        text = log.read_text()
        assert "database schema missing" in text
        assert "creating the database schema" not in text
    finally:
        if front:
            front.stop()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.mark.parametrize("args,why", [
    (["-M", "0999"], "octal mode"), (["-M", "01777"], "octal mode"), (["-M", ""], "octal mode"),
    (["-G", "no-such-group-swgr"], "unknown group 'no-such-group-swgr'"),
    (["-G", "4294967000"], "unknown group"),
])
def test_bad_socket_mode_or_group_is_a_usage_error(args, why):
    r = subprocess.run([H.binary("swgr-lnurl"), "-c", "/nonexistent.yaml", "-s", "/tmp/x.sock",
                        *args], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert why in r.stderr, r.stderr
    assert not os.path.exists("/tmp/x.sock")
