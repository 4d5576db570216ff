"""The web server in front of the responders, as the suite runs it: nginx, lighttpd or
Apache (SWGR_TEST_WEB, default nginx), one class per server behind one interface
(WebServer).  Each is configured from its shipped example in web-examples/<kind>/ with
only the ports and the socket paths replaced (and, for the public site, the two
switches the tests need: the invoice rate limit and the header-clearing lines), wrapped
in a main configuration of our own, and run as a plain foreground process in the
test's temporary directory.  The main configuration keeps an idle client connection
open for 75 s on all three (nginx's default; lighttpd's and Apache's are 5 s), so a
test that waits a few seconds between two requests on one connection does not race the
server closing it.  A replacement that does not match exactly as often as the
example is expected to hold it fails loudly: the example changed shape.

    front = web.server()(tmp, {"discovery": sock1, "offer": sock2}).start()
    front = web.lnurl(tmp, sock, ratelimit=False, edge=True).start()
    front.url("discovery"); front.port (public site); front.stop()
"""

import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

import harness as H

KINDS = ("nginx", "lighttpd", "apache")
EXAMPLES = H.ROOT / "web-examples"
# The example's placeholders: the ports and socket paths it ships with.
EXAMPLE_PORTS = {"discovery": 8081, "offer": 8082, "lnurl": 8080}
EXAMPLE_SOCKS = {s: f"/run/swgr/{s}.sock" for s in EXAMPLE_PORTS}
# The forwarding headers the public example drops at the edge (as CGI names come from
# them: "X-Real-IP" arrives as HTTP_X_REAL_IP).
CLEARED_HEADERS = ("Forwarded", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Forwarded-For",
                   "X-Real-IP", "True-Client-IP", "CF-Connecting-IP", "Fly-Client-IP",
                   "CloudFront-Viewer-Address")


def kind():
    k = os.environ.get("SWGR_TEST_WEB", "nginx")
    if k not in KINDS:
        raise RuntimeError(f"SWGR_TEST_WEB must be one of {KINDS}, not {k!r}")
    return k


# What a server does before any responder sees the request, where that differs from
# nginx and no configuration changes it (web-examples/README.md, "Differences"): the
# tests of that behaviour skip on that server with this reason.
LACKS = {
    "lighttpd": {
        "empty-header": "lighttpd drops a request header with an empty value: the responder "
                        "never sees it",
        "unknown-method": "lighttpd answers 501 itself to a method it does not know",
        "host-port-zero": "lighttpd answers 400 itself to a Host whose port has a leading "
                          "zero (its host-strict parsing)",
        "ratelimit": "lighttpd 1.4 has no per-address request rate limit",
    },
    "apache": {
        "ratelimit": "Apache 2.4 has no per-address request rate limit of its own",
        "connect-path": "Apache answers 400 itself to CONNECT with a path (it takes only "
                        "host:port)",
        "nul-400": "Apache answers 404 itself to a path with %00",
    },
}


def lacks(what):
    """The reason the run's web server lacks what (a key of LACKS), or None."""
    return LACKS.get(kind(), {}).get(what)


def skip_if_lacking(what):
    """Skips the test when the run's web server lacks what."""
    why = lacks(what)
    if why:
        pytest.skip(why)


def server_class(k):
    return {"nginx": Nginx, "lighttpd": Lighttpd, "apache": Apache}[k]


def server():
    """The class of the web server this run uses (SWGR_TEST_WEB)."""
    return server_class(kind())


def lnurl(tmp, sock, ratelimit=False, edge=True, name=None):
    """The public site (swgr-lnurl.conf) of this run's server on socket sock."""
    return server()(tmp, {"lnurl": sock}, site="lnurl", ratelimit=ratelimit, edge=edge,
                    name=name)


def sub_exactly(text, pattern, repl, count, what, flags=0):
    """re.subn that must replace exactly count times."""
    out, n = re.subn(pattern, repl, text, flags=flags)
    if n != count:
        raise RuntimeError(f"example config changed shape: expected {count} x {what}, found {n}")
    return out


class WebServer:
    """One web server process in front of FastCGI sockets.  site: "admin" (socks of
    discovery and offer, web-examples/<kind>/swgr-admin.conf) or "lnurl" (the socket of
    lnurl, swgr-lnurl.conf).  On the public site, ratelimit keeps the example's invoice
    rate limit (taken out otherwise: the tests send hundreds of callbacks from
    127.0.0.1) and edge keeps its lines that drop a client's forwarding headers (taken
    out otherwise: the server then passes them on, as a proxy behind a trusted one
    would).  name: the folder under tmp.  Subclasses say how their example's ports,
    sockets and switches are written (PORT, SOCK, RATELIMIT, CLEARING, each a regex
    over the example), how the main configuration around it looks (main_conf), how to
    check and start it (check_argv, argv)."""
    kind = None
    # what the server answers itself while nobody accepts on a responder's socket, or
    # when the responder closed a request's connection unanswered
    GONE = {502}
    has_ratelimit = False
    access_log = True
    # regex templates; {port} and {sock} are the example's values
    PORT = None             # (pattern, count per service)
    SOCK = None
    RATELIMIT = None        # one line, public site
    CLEARING = None         # one line per cleared header, public site

    def __init__(self, tmp, socks, site="admin", ratelimit=False, edge=True, name=None):
        self.site = site
        self.dir = Path(tmp) / (name or (self.kind if site == "admin" else f"{self.kind}-{site}"))
        self.socks = socks
        self.ratelimit = ratelimit
        self.edge = edge
        if ratelimit and not self.has_ratelimit:
            raise RuntimeError(f"the {self.kind} example has no invoice rate limit")
        self.ports = {s: H.free_port() for s in socks}
        self.port = self.ports.get("lnurl")
        self.proc = None
        self._errf = None
        if site == "lnurl":
            self.access_log = False

    @property
    def conf_name(self):
        return f"swgr-{self.site}.conf"

    @classmethod
    def example(cls, site="admin"):
        return EXAMPLES / cls.kind / f"swgr-{site}.conf"

    def fragment(self, ports=None):
        """The example with this server's ports (or ports) and sockets, and the
        switches of the public site applied."""
        ports = ports or self.ports
        text = self.example(self.site).read_text()
        for svc in self.socks:
            pat, n = self.PORT
            text = sub_exactly(text, pat.format(port=EXAMPLE_PORTS[svc]),
                               lambda m, p=ports[svc]: m[1] + f"127.0.0.1:{p}" + m[2], n,
                               f"port {EXAMPLE_PORTS[svc]}")
            text = sub_exactly(text, self.SOCK.format(sock=re.escape(EXAMPLE_SOCKS[svc])),
                               lambda m, s=self.socks[svc]: m[1] + s + m[2], 1,
                               f"socket {EXAMPLE_SOCKS[svc]}")
        if self.site == "lnurl":
            if self.RATELIMIT:
                text = sub_exactly(text, self.RATELIMIT, lambda m: m[0] if self.ratelimit else "",
                                   1, "invoice rate limit line", re.M)
            text = sub_exactly(text, self.CLEARING, lambda m: m[0] if self.edge else "",
                               len(CLEARED_HEADERS), "header-clearing line", re.M)
        return text

    def server_blocks(self):
        """The text of conf/<conf_name> (a subclass may add to it)."""
        return self.fragment()

    def prepare(self):
        """Folders and files the main configuration needs beside conf/."""

    def write(self):
        for sub in ("", "conf", "logs", "run"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
            os.chmod(self.dir / sub, 0o755)
        self.prepare()
        (self.dir / "conf" / self.conf_name).write_text(self.server_blocks())
        self.main = self.dir / "conf" / f"{self.kind}.conf"
        self.main.write_text(self.main_conf())

    def start(self):
        self.write()
        t = subprocess.run(self.check_argv(), capture_output=True, text=True)
        if t.returncode != 0:
            raise RuntimeError(f"{self.kind} configuration test failed: {t.stdout}{t.stderr}")
        self._errf = open(self.dir / "logs" / "stderr.log", "ab")
        self.proc = subprocess.Popen(self.argv(), stdin=subprocess.DEVNULL, stdout=self._errf,
                                     stderr=self._errf, start_new_session=True)
        try:
            for p in self.ports.values():
                H.wait_port(p, proc=self.proc)
        except RuntimeError as e:
            raise RuntimeError(f"{e}: {self.error_log()[-2000:]}") from e
        return self

    def url(self, service):
        return f"http://127.0.0.1:{self.ports[service]}"

    def error_log(self):
        out = ""
        for f in ("error.log", "stderr.log"):
            try:
                out += (self.dir / "logs" / f).read_text(errors="replace")
            except OSError:
                pass
        return out

    def stop(self):
        """SIGTERM, each server's fast stop (a test stops its web server once its checks
        are done; Apache's and lighttpd's graceful stops cost one to three seconds each,
        some two minutes over a run), then SIGKILL after 10 s."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self._errf:
            self._errf.close()
            self._errf = None


class Nginx(WebServer):
    """nginx (web-examples/nginx/)."""
    kind = "nginx"
    has_ratelimit = True
    PORT = (r"(\blisten\s+)(?:[\d.]+:)?{port}(\b)", 1)
    SOCK = r"(unix:){sock}(\b)"
    RATELIMIT = r"^\s*limit_req zone=swgr_invoice\b[^;]*;\n"
    CLEARING = r'^\s*fastcgi_param HTTP_\w+\s+"";\n'

    def prepare(self):
        for sub in ("body", "fastcgi", "proxy", "uwsgi", "scgi"):
            (self.dir / sub).mkdir(exist_ok=True)
            os.chmod(self.dir / sub, 0o777)
        # The admin example includes "fastcgi_params" relative to the configuration folder.
        shutil.copy("/etc/nginx/fastcgi_params", self.dir / "conf" / "fastcgi_params")

    def main_conf(self):
        d = self.dir
        access = f"{d}/logs/access.log" if self.access_log else "off"
        user = f"user nobody {H.SOCKET_GROUP};" if H.SOCKET_GROUP else ""
        return f"""
daemon off;
{user}
master_process on;
worker_processes 2;
pid {d}/run/nginx.pid;
error_log {d}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {access};
    client_body_temp_path {d}/body;
    fastcgi_temp_path {d}/fastcgi;
    proxy_temp_path {d}/proxy;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    include {d}/conf/{self.conf_name};
}}
"""

    def check_argv(self):
        return ["nginx", "-t", "-q", "-c", str(self.main), "-p", str(self.dir)]

    def argv(self):
        return ["nginx", "-c", str(self.main), "-p", str(self.dir)]



class Lighttpd(WebServer):
    """lighttpd 1.4 with mod_fastcgi (web-examples/lighttpd/).  It has no request rate
    limit, so the public example has none."""
    kind = "lighttpd"
    GONE = {500, 503}
    PORT = (r'(\$SERVER\["socket"\] == ")(?:[\d.]*):{port}(")', 1)
    SOCK = r'("socket"\s+=> "){sock}(")'
    CLEARING = r'^\s*"[\w-]+"\s+=> "",\n'

    def prepare(self):
        for sub in ("htdocs", "upload"):
            (self.dir / sub).mkdir(exist_ok=True)
        # lighttpd opens its logs after it drops root, and buffers bodies in upload/
        for sub in ("upload", "logs"):
            os.chmod(self.dir / sub, 0o777)

    def main_conf(self):
        d = self.dir
        user = (f'server.username = "nobody"\nserver.groupname = "{H.SOCKET_GROUP}"\n'
                if H.SOCKET_GROUP else "")
        access = (f'server.modules += ( "mod_accesslog" )\naccesslog.filename = "{d}/logs/access.log"\n'
                  if self.access_log else "")
        # The main listener is one of the example's own sockets (the first port), so
        # that lighttpd binds nothing else.
        first = next(iter(self.ports.values()))
        return f"""
server.document-root = "{d}/htdocs"
server.bind = "127.0.0.1"
server.port = {first}
server.errorlog = "{d}/logs/error.log"
server.upload-dirs = ( "{d}/upload" )
server.max-worker = 0
server.max-keep-alive-idle = 75
{user}{access}include "{EXAMPLES}/lighttpd/swgr-parse.conf"
include "{d}/conf/{self.conf_name}"
"""

    def check_argv(self):
        return ["lighttpd", "-tt", "-f", str(self.main)]

    def argv(self):
        return ["lighttpd", "-D", "-f", str(self.main)]


class Apache(WebServer):
    """Apache 2.4 with mod_proxy_fcgi, event MPM (web-examples/apache/).  It has no
    request rate limit of its own, so the public example has none."""
    kind = "apache"
    GONE = {502, 503}
    PORT = (r"(\bListen |<VirtualHost )(?:[\d.]+:|\*:)?{port}(\b)", 2)
    SOCK = r"(unix:){sock}(\|)"
    CLEARING = r"^\s*RequestHeader unset [\w-]+\n"
    MODULES = ("mpm_event", "authz_core", "proxy", "proxy_fcgi", "headers")

    def main_conf(self):
        d = self.dir
        mods = "".join(f"LoadModule {m}_module /usr/lib/apache2/modules/mod_{m}.so\n"
                       for m in self.MODULES)
        user = f"User nobody\nGroup {H.SOCKET_GROUP}\n" if H.SOCKET_GROUP else ""
        access = (f'LogFormat "%h %l %u %t \\"%r\\" %>s %b" common\n'
                  f'CustomLog "{d}/logs/access.log" common\n' if self.access_log else "")
        return f"""
ServerRoot "{d}"
DefaultRuntimeDir "{d}/run"
PidFile "{d}/run/apache2.pid"
Mutex file:{d}/run default
{mods}{user}ServerName localhost
ErrorLog "{d}/logs/error.log"
LogLevel warn
{access}StartServers 2
ServerLimit 4
ThreadsPerChild 64
MaxRequestWorkers 256
KeepAliveTimeout 75
Include "{d}/conf/{self.conf_name}"
"""

    def check_argv(self):
        return ["apache2", "-t", "-f", str(self.main)]

    def argv(self):
        return ["apache2", "-DFOREGROUND", "-f", str(self.main)]

