"""A private OpenLDAP server for the tests (Debian's slapd, run in the foreground): its own
configuration (mdb, the core, cosine and inetOrgPerson schemas), its own data directory,
a port of its own; anonymous users may read nothing, the service account BIND_DN reads
everything, the root DN writes. Changes go through the ldap-utils commands, as an
operator's would."""

import subprocess
import time
from pathlib import Path

import harness as H

SUFFIX = "dc=example,dc=com"
PEOPLE = f"ou=people,{SUFFIX}"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PW = "root-secret"
BIND_DN = f"cn=swgr,{SUFFIX}"
BIND_PW = "swgr-bind-secret"

CONF = """include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {dir}/slapd.pid
access to attrs=userPassword by anonymous auth by * none
access to * by dn.exact="{bind}" read by * none
database mdb
suffix "{suffix}"
rootdn "{root}"
rootpw {rootpw}
directory {dir}/db
maxsize 268435456
index uid eq
"""

BASE = f"""dn: {SUFFIX}
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: {BIND_DN}
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: swgr
userPassword: {BIND_PW}

dn: {PEOPLE}
objectClass: organizationalUnit
ou: people
"""


def person(uid, offer=None, disabled=False):
    """The LDIF of one user: uid, the offer id in employeeNumber, employeeType disabled."""
    text = (f"dn: uid={uid},{PEOPLE}\nobjectClass: inetOrgPerson\nuid: {uid}\n"
            f"cn: {uid}\nsn: {uid}\n")
    if offer is not None:
        text += f"employeeNumber: {offer}\n"
    if disabled:
        text += "employeeType: disabled\n"
    return text


def make_certs(d, cn="127.0.0.1", san="IP:127.0.0.1"):
    """A test CA (d/ca.pem) and a server certificate for cn with subjectAltName san signed
    by it (d/server.pem, d/server.key)."""
    def run(*a):
        subprocess.run(a, check=True, capture_output=True)
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-nodes", "-keyout", f"{d}/ca.key", "-out", f"{d}/ca.pem", "-days", "2",
        "-subj", "/CN=swgr test CA")
    run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", f"{d}/server.key", "-out", f"{d}/server.csr", "-subj", f"/CN={cn}")
    Path(f"{d}/ext").write_text(f"subjectAltName={san}\n")
    run("openssl", "x509", "-req", "-in", f"{d}/server.csr", "-CA", f"{d}/ca.pem",
        "-CAkey", f"{d}/ca.key", "-CAcreateserial", "-out", f"{d}/server.pem", "-days", "2",
        "-extfile", f"{d}/ext")


class Slapd:
    """tls: also an ldaps:// listener (self.ldaps_uri) with a certificate of a test CA
    (self.ca), which the clients must be told to trust."""

    def __init__(self, tmp, tls=False):
        self.dir = Path(tmp) / f"slapd-{H.new_uuid()[:8]}"
        (self.dir / "db").mkdir(parents=True)
        self.conf = self.dir / "slapd.conf"
        conf = CONF.format(dir=self.dir, bind=BIND_DN, suffix=SUFFIX, root=ROOT_DN,
                           rootpw=ROOT_PW)
        self.port = H.free_port()
        self.uri = f"ldap://127.0.0.1:{self.port}"
        self.listen = self.uri
        if tls:
            make_certs(self.dir)
            self.ca = self.dir / "ca.pem"
            conf = (f"TLSCertificateFile {self.dir}/server.pem\n"
                    f"TLSCertificateKeyFile {self.dir}/server.key\n") + conf
            self.ldaps_uri = f"ldaps://127.0.0.1:{H.free_port()}"
            self.listen += " " + self.ldaps_uri
        self.conf.write_text(conf)
        self.proc = self.log = None
        self.password_file = self.dir / "bind.password"
        self.password_file.write_text(BIND_PW + "\n")
        self.password_file.chmod(0o600)

    def start(self):
        self.log = open(self.dir / "slapd.log", "ab")
        self.proc = subprocess.Popen(["slapd", "-d", "0", "-h", self.listen, "-f", str(self.conf)],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while True:
            r = subprocess.run(["ldapwhoami", "-x", "-H", self.uri, "-D", ROOT_DN, "-w", ROOT_PW],
                               capture_output=True)
            if r.returncode == 0:
                return self
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"slapd did not start: {(self.dir / 'slapd.log').read_text()}")
            time.sleep(0.05)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None
        if self.log is not None:
            self.log.close()
        self.log = None

    def _tool(self, tool, ldif, *args):
        r = subprocess.run([tool, "-x", "-H", self.uri, "-D", ROOT_DN, "-w", ROOT_PW, *args],
                           input=ldif.encode(), capture_output=True)
        assert r.returncode == 0, (tool, r.stderr.decode())

    def add(self, ldif):
        self._tool("ldapadd", ldif)

    def modify(self, ldif):
        """ldapmodify with changetype records."""
        self._tool("ldapmodify", ldif)

    def delete(self, uid):
        self._tool("ldapdelete", "", f"uid={uid},{PEOPLE}")

    def set_attr(self, uid, attr, value):
        self.modify(f"dn: uid={uid},{PEOPLE}\nchangetype: modify\nreplace: {attr}\n"
                    f"{attr}: {value}\n")

    def yaml(self, domains, partition, default_offer=None, refresh=2.0, timeout=1.0,
             password_file=None, uri=None):
        """The store.address-directory section for this server (indented under store:)."""
        text = (f"  address-directory:\n    type: ldap\n    uri: {uri or self.uri}\n"
                f"    partition: {partition}\n"
                f"    bind-dn: \"{BIND_DN}\"\n"
                f"    password-file: {password_file or self.password_file}\n"
                f"    base-dn: \"{PEOPLE}\"\n"
                f"    filter: \"(&(objectClass=inetOrgPerson)(uid={{username}})"
                f"(!(employeeType=disabled)))\"\n"
                f"    offer-attribute: employeeNumber\n"
                f"    domains: [{', '.join(domains)}]\n"
                f"    refresh-secs: {refresh}\n    timeout-secs: {timeout}\n")
        if default_offer is not None:
            text += f"    default-offer: {default_offer}\n"
        return text
