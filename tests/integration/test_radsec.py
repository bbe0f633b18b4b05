"""RadSec (RFC 6614) both ways, against radsecproxy as the FLR:
poortd -> radsecproxy (TLS) -> FreeRADIUS home server for a visitor, and
radsecproxy -> poortd (TLS) for our own student; certificates checked
against the CA and the configured names both ways; reconnect after the FLR
restarts; failover from the RadSec upstream to a RADIUS/UDP one; a peer
that is not speaking RADIUS is cut off."""

import os
import signal
import socket
import ssl
import struct
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import eapcerts  # noqa: E402
import poortlib as pl  # noqa: E402
import test_eap as te  # noqa: E402

VISITOR = "visitor@other.example"
VPASS = "Visitor-pass-1"
USERS = f'"{VISITOR}" Cleartext-Password := "{VPASS}"\n\tReply-Message := "welkom"\n'
MA = "update reply {\n\t\t\tMessage-Authenticator := 0x00\n\t\t}"
POORT_NAME = "poort.school.example"
FLR_NAME = "flr.radsec.example"
HOME_NAME = "radius.other.example"

RSP_CONF = """ListenUDP 127.0.0.1:{udp}
ListenTLS 127.0.0.1:{tls}
LogLevel 4
LogDestination file:///{d}/radsecproxy.log
tls default {{
	CACertificateFile {ca}
	CertificateFile {cert}
	CertificateKeyFile {key}
}}
client radclient {{
	type udp
	host 127.0.0.1
	secret {secret}
}}
client poortd {{
	type tls
	host 127.0.0.1
	secret radsec
	CertificateNameCheck off
	MatchCertificateAttribute SubjectAltName:DNS:/^poort\\.school\\.example$/
}}
server home {{
	type udp
	host 127.0.0.1
	port {home}
	secret {secret}
}}
server poortd {{
	type tls
	host 127.0.0.1
	port {poort}
	secret radsec
	StatusServer on
	CertificateNameCheck off
	MatchCertificateAttribute SubjectAltName:DNS:/^poort\\.school\\.example$/
}}
realm /@other\\.example$/ {{
	server home
}}
realm /@school\\.example$/ {{
	server poortd
}}
"""


def free_tcp_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RadSecProxy:
    def __init__(self, d, certs, home_port, poort_port):
        self.d = d
        os.makedirs(d, exist_ok=True)
        self.udp = pl.free_udp_port()
        self.tls = free_tcp_port()
        self.conf = os.path.join(d, "radsecproxy.conf")
        cert, key = certs[FLR_NAME]
        with open(self.conf, "w") as f:
            f.write(RSP_CONF.format(udp=self.udp, tls=self.tls, d=d, ca=certs["ca"], cert=cert,
                                    key=key, secret=pl.SECRET, home=home_port,
                                    poort=poort_port))
        self.proc = None
        self.start()

    def start(self):
        self.proc = subprocess.Popen(["radsecproxy", "-f", "-c", self.conf],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.tls)) == 0:
                    return
            if self.proc.poll() is not None:
                raise RuntimeError("radsecproxy exited:\n" + self.log())
            time.sleep(0.05)
        raise TimeoutError("radsecproxy did not start:\n" + self.log())

    def log(self):
        try:
            with open(os.path.join(self.d, "radsecproxy.log"), errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def stop(self):
        pl.terminate(self.proc)
        self.proc = None

    def radclient(self, attrs, timeout=3):
        r = subprocess.run(["radclient", "-r", "1", "-t", str(timeout), "-x",
                            f"127.0.0.1:{self.udp}", "auth", pl.SECRET], input=attrs,
                           capture_output=True, text=True, timeout=30)
        return r.stdout + r.stderr


def radsec_block(certs, name=POORT_NAME):
    cert, key = certs[name]
    return (f'radsec {{\n\tcertificate "{cert}"\n\tkey "{key}"\n\tca "{certs["ca"]}"\n'
            f"\tidle_timeout 60\n}}\n")


def status_server(ident=9):
    """A Status-Server with a Message-Authenticator, secret "radsec"."""
    import hashlib
    import hmac
    attrs = pl._attr(80, b"\0" * 16)
    pkt = struct.pack("!BBH", 12, ident, 20 + len(attrs)) + os.urandom(16) + attrs
    mac = hmac.new(b"radsec", pkt, hashlib.md5).digest()
    return pkt[:22] + mac + pkt[38:]


class RadSecTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # APs at ::1 and 127.0.0.2; the FLR at 127.0.0.1
        cls.p = pl.Poortd(clients=[("loopback6", "::1", pl.SECRET),
                                   ("ap2", "127.0.0.2", pl.SECRET)])
        cls.certs = eapcerts.make_radsec(os.path.join(cls.p.dir, "certs"),
                                         [POORT_NAME, FLR_NAME])
        cls.eapcerts = eapcerts.make(os.path.join(cls.p.dir, "eapcerts"))
        # the visitor's home institution, with full EAP
        cls.home_certs = eapcerts.make(os.path.join(cls.p.dir, "home-certs"),
                                       server_name=HOME_NAME)
        cls.home = pl.FreeRadiusEap(os.path.join(cls.p.dir, "home"), cls.home_certs, USERS,
                                    post_auth=MA, debug_log=os.path.join(cls.p.dir, "home.log"))
        cls.poort_tls = free_tcp_port()
        cls.rsp = RadSecProxy(os.path.join(cls.p.dir, "rsp"), cls.certs, cls.home.port,
                              cls.poort_tls)
        cls.p.extra = (
            te.eap_block(cls.eapcerts) + radsec_block(cls.certs)
            + f"listen radsec 127.0.0.1 {cls.poort_tls}\n"
            # the FLR: RADIUS/UDP with its secret, RadSec with its certificate's name
            + f'client "flr" {{\n\taddress 127.0.0.1\n\tsecret "{pl.SECRET}"\n'
            f'\tcert_name "{FLR_NAME}"\n\tfederation yes\n}}\n'
            + "proxy {\n"
            f'\tupstream "flr-tls" {{\n\taddress 127.0.0.1\n\tport {cls.rsp.tls}\n'
            f'\t\ttransport radsec\n\t\tcert_name "{FLR_NAME}"\n\t}}\n'
            f'\tupstream "flr-udp" {{\n\taddress 127.0.0.1\n\tport {cls.home.port}\n'
            f'\t\tsecret "{pl.SECRET}"\n\t}}\n'
            "\tresponse_window 1\n\tcheck_interval 1\n\tmax_backoff 2\n}\n")
        cls.p.write_config()
        cls.p.add_user("anna", "Correct-horse-1")
        cls.p.start()
        cls.p.wait_log("radsec upstream=flr-tls connected")
        cls.p.wait_log("upstream=flr-tls is answering again", timeout=5)

    @classmethod
    def tearDownClass(cls):
        cls.rsp.stop()
        cls.home.stop()
        rc = cls.p.stop()  # SIGTERM: sanitizer builds check for leaks here
        cls.p.cleanup()
        if rc != 0:
            raise AssertionError(f"poortd exited with {rc}")

    def visitor(self):
        return self.p.radclient(pl.pap_attrs(VISITOR, VPASS), host="::1", timeout=4)

    def home_log(self):
        with open(self.home.debug_log, errors="replace") as f:
            return f.read()

    def test_1_visitor_through_radsec(self):
        out = self.visitor()
        self.assertIn("Received Access-Accept", out)
        self.assertIn('Reply-Message = "welkom"', out)
        self.p.wait_log("auth result=accept upstream=flr-tls")
        self.assertIn('Operator-Name = "1school.example"', self.home_log())
        self.assertIn("TLSv1.3", self.p.log())
        self.assertNotIn("private key", self.p.log())  # 0600 as made: no warning
        # the auth log says which upstream answered and how fast
        self.p.wait_auth_rows(1)
        rows = self.p.ctl("log", "--user", VISITOR).stdout
        self.assertRegex(rows, r"result=accept .*upstream=flr-tls ms=\d+")

    def test_2_student_arrives_over_radsec(self):
        out = self.rsp.radclient(pl.pap_attrs("anna@" + pl.REALM, "Correct-horse-1"))
        self.assertIn("Received Access-Accept", out)
        self.p.wait_log(f"radsec connection from 127.0.0.1:")
        self.p.wait_log("auth result=accept client=flr user=anna@school.example")
        out = self.rsp.radclient(pl.pap_attrs("anna@" + pl.REALM, "wrong-password-1"))
        self.assertIn("Access-Reject", out)

    def eapol_ok(self, name, ca, server, identity, anon, password, port, source="127.0.0.1"):
        """PEAP and TTLS/PAP with eapol_test from source to port: both succeed
        with matching MPPE keys."""
        if te.EAPOL_TEST is None:
            self.skipTest("eapol_test is not installed")
        for method in ("peap", "ttls-pap"):
            with self.subTest(method=method):
                conf = "\n".join([
                    "network={", " key_mgmt=WPA-EAP", f' ca_cert="{ca}"',
                    f' domain_suffix_match="{server}"', " " + te.TUNNEL[method],
                    f' identity="{identity}"', f' anonymous_identity="{anon}"',
                    f' password="{password}"', "}"]) + "\n"
                path = os.path.join(self.p.dir, f"eapol-{name}-{method}.conf")
                with open(path, "w") as f:
                    f.write(conf)
                r = subprocess.run([te.EAPOL_TEST, "-c", path, "-a", "127.0.0.1", "-A", source,
                                    "-p", str(port), "-s", pl.SECRET, "-t", "15"],
                                   capture_output=True, text=True, timeout=40)
                out = r.stdout + r.stderr
                self.assertEqual(r.returncode, 0, out[-3000:])
                self.assertIn("MPPE keys OK: 1  mismatch: 0", out)

    def test_6_student_eap_over_radsec(self):
        """PEAP and TTLS from an access point at another institution: the
        FLR relays over RadSec, MPPE keys survive both re-encryptions."""
        self.eapol_ok("student", self.eapcerts["ca"], eapcerts.SERVER_NAME, f"anna@{pl.REALM}",
                      te.ANON, "Correct-horse-1", self.rsp.udp)
        self.p.wait_log(f"auth result=accept client=flr user={te.ANON}")

    def test_7_reload_cuts_off_a_removed_flr(self):
        with self.tls_client(FLR_NAME) as s:
            s.sendall(status_server(7))
            hdr = self.recv_exact(s, 4)
            self.assertEqual(len(hdr), 4)  # answered
            self.recv_exact(s, struct.unpack("!H", hdr[2:])[0] - 4)
            with open(self.p.conf) as f:
                good = f.read()
            self.p.write_config(good.replace(f'cert_name "{FLR_NAME}"',
                                             'cert_name "someone-else.example"'))
            mark = len(self.p.log())
            self.p.proc.send_signal(signal.SIGHUP)
            try:
                self.assertEqual(self.recv_exact(s, 1), b"")  # closed by poortd
            except (ssl.SSLError, ConnectionError, OSError):
                pass
            # the radius child writes it; the connection may close first
            self.p.wait_log("reason=client-removed-by-reload")
            self.assertIn("reason=client-removed-by-reload", self.p.log()[mark:])
            self.p.write_config(good)
            self.p.proc.send_signal(signal.SIGHUP)
            self.p.wait_log("reload done")

    def test_8_visitor_eap_out_over_radsec(self):
        """A visitor's PEAP and TTLS, opaque to poortd, over RadSec to the
        FLR and on to the home server: MPPE keys survive the re-encryption
        under the RadSec secret."""
        self.eapol_ok("visitor", self.home_certs["ca"], HOME_NAME, VISITOR,
                      "anonymous@other.example", VPASS, self.p.auth_port, source="127.0.0.2")
        self.p.wait_log("auth result=accept upstream=flr-tls user=anonymous@other.example")
        self.assertNotIn(VPASS, self.p.log())  # EAP stayed opaque

    def tls_client(self, which):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(self.certs["ca"])
        ctx.check_hostname = False
        ctx.load_cert_chain(*self.certs[which])
        s = socket.create_connection(("127.0.0.1", self.poort_tls), timeout=3)
        return ctx.wrap_socket(s)

    def recv_exact(self, s, n):
        buf = b""
        while len(buf) < n:
            chunk = s.recv(n - len(buf))
            if not chunk:
                return buf
            buf += chunk
        return buf

    def test_3_stream_framing(self):
        with self.tls_client(FLR_NAME) as s:
            # two packets, the first split over three writes, the second glued to it
            a, b = status_server(1), status_server(2)
            s.sendall(a[:3])
            time.sleep(0.05)
            s.sendall(a[3:25])
            time.sleep(0.05)
            s.sendall(a[25:] + b)
            for want in (1, 2):
                hdr = self.recv_exact(s, 4)
                self.assertEqual(len(hdr), 4)
                code, ident, length = struct.unpack("!BBH", hdr)
                self.assertEqual((code, ident), (2, want))
                self.recv_exact(s, length - 4)
            # a length that cannot be RADIUS: the connection is closed
            s.sendall(struct.pack("!BBH", 1, 3, 9000) + b"\0" * 16)
            self.assertEqual(self.recv_exact(s, 1), b"")
        self.p.wait_log("reason=not-radius")

    def test_4_untrusted_or_misnamed_peers_refused(self):
        # a certificate from a CA poortd does not trust, and an expired one:
        # the log says which check failed (it said "certificate verify failed")
        for which, why in (("untrusted", "unable to get local issuer certificate"),
                           ("expired", "certificate has expired")):
            with self.assertRaises((ssl.SSLError, ConnectionError, OSError)):
                with self.tls_client(which) as s:
                    s.sendall(status_server())
                    if not self.recv_exact(s, 4):
                        raise ConnectionError("closed")
            self.p.wait_log('radsec handshake failed peer=127.0.0.1:')
            self.p.wait_log('error="TLS: certificate verify failed: %s"' % why)
        # trusted, but not the name configured for this client
        with self.tls_client(POORT_NAME) as s:
            try:
                s.sendall(status_server())
                got = self.recv_exact(s, 4)
            except (ssl.SSLError, ConnectionError, OSError):
                got = b""
            self.assertEqual(got, b"")
        self.p.wait_log(f'certificate does not carry the name "{FLR_NAME}"')

    def test_5_flr_restart_failover_and_reconnect(self):
        self.rsp.stop()
        self.p.wait_log("radsec upstream=flr-tls connection lost")
        # reconnecting to a closed port: a socket error, said as one (it was
        # "error:00000005:lib(0)::reason(5)", SSL_ERROR_SYSCALL as an OpenSSL code)
        self.p.wait_log("radsec upstream=flr-tls cannot connect (Connection refused)")
        self.assertNotIn("lib(0)", self.p.log())
        out = self.visitor()  # the RADIUS/UDP upstream takes over at once
        self.assertIn("Received Access-Accept", out)
        self.p.wait_log("auth result=accept upstream=flr-udp")
        self.rsp.start()
        mark = len(self.p.log())
        deadline = time.time() + 10
        while time.time() < deadline and "is answering again" not in self.p.log()[mark:]:
            time.sleep(0.05)
        self.assertIn("upstream=flr-tls is answering again", self.p.log()[mark:])
        self.assertIn("Received Access-Accept", self.visitor())
        self.assertEqual(self.p.log()[mark:].count("auth result=accept upstream=flr-tls"), 1)


class RadSecNameTest(unittest.TestCase):
    """An upstream whose certificate does not carry the configured name is
    never used: the visitor gets an Access-Reject with a reason."""

    def test_wrong_upstream_name(self):
        p = pl.Poortd()
        try:
            certs = eapcerts.make_radsec(os.path.join(p.dir, "certs"), [POORT_NAME, FLR_NAME])
            home = pl.FreeRadius(os.path.join(p.dir, "home"), USERS, post_auth=MA)
            rsp = RadSecProxy(os.path.join(p.dir, "rsp"), certs, home.port, free_tcp_port())
            p.extra = (radsec_block(certs) + "proxy {\n"
                       f'\tupstream "flr-tls" {{\n\taddress 127.0.0.1\n\tport {rsp.tls}\n'
                       '\t\ttransport radsec\n\t\tcert_name "someone-else.example"\n\t}\n'
                       "\tresponse_window 1\n}\n")
            p.write_config()
            os.chmod(certs[POORT_NAME][1], 0o644)  # a careless copy of the key
            p.start()
            p.wait_log(f"private key {certs[POORT_NAME][1]} is accessible to group or others")
            p.wait_log("radsec upstream=flr-tls cannot connect (TLS: certificate verify failed:"
                       " hostname mismatch)")
            self.assertNotIn("connected", p.log())
            out = p.radclient(pl.pap_attrs(VISITOR, VPASS), timeout=3)
            self.assertIn("Access-Reject", out)
            self.assertIn("cannot be reached", out)
            rsp.stop()
            home.stop()
            self.assertEqual(p.stop(), 0)
        finally:
            p.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
