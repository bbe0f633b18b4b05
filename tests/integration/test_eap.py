"""EAP in poortd against eapol_test (Debian's eapoltest) as the supplicant:
PEAP-MSCHAPv2, TTLS/PAP, TTLS/MSCHAPv2, TTLS/EAP-MSCHAPv2 and EAP-TLS under
TLS 1.2 and 1.3 with MPPE key checks, rejections, VLAN attributes, session
resumption, small fragments, 100 concurrent logins, the conversation bound
and malformed EAP from a raw client."""

import concurrent.futures
import hashlib
import hmac
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import eapcerts  # noqa: E402
import poortlib as pl  # noqa: E402

EAPOL_TEST = shutil.which("eapol_test")
PW = "Correct-horse-1"
ANON = "anonymous@" + pl.REALM

TUNNEL = {
    "peap": ('eap=PEAP\n phase2="auth=MSCHAPV2"'),
    "ttls-pap": ('eap=TTLS\n phase2="auth=PAP"'),
    "ttls-mschapv2": ('eap=TTLS\n phase2="auth=MSCHAPV2"'),
    "ttls-eap-mschapv2": ('eap=TTLS\n phase2="autheap=MSCHAPV2"'),
}


def eap_block(certs, extra=""):
    return f"""eap {{
	methods peap ttls tls
	certificate "{certs['server']}"
	private_key "{certs['server_key']}"
	client_ca "{certs['ca']}"
	crl "{certs['crl']}"
	{extra}
	reply "student" {{ vlan 20; session_timeout 3600 }}
}}
"""


class EapBase(unittest.TestCase):
    eap_extra = ""
    top_extra = ""  # config lines before the eap block (more realms)
    clients = None  # poortlib's default: loopback over IPv4 and IPv6

    @classmethod
    def setUpClass(cls):
        if EAPOL_TEST is None:
            raise unittest.SkipTest("eapol_test is not installed (package eapoltest)")
        cls.certdir = tempfile.mkdtemp(prefix="poort-certs-")
        cls.certs = eapcerts.make(cls.certdir)
        cls.p = pl.Poortd(clients=cls.clients, extra=cls.top_extra + eap_block(cls.certs,
                                                                               cls.eap_extra))
        cls.p.add_user("anna", PW, "--affiliation", "student")
        cls.p.add_user("bert", "Bert-pass-22", "--affiliation", "employee")
        cls.p.add_user("dora", "Dora-pass-333", "--affiliation", "student")
        cls.p.ctl("disable", "dora")
        cls.p.start()
        cls.n = 0

    @classmethod
    def tearDownClass(cls):
        # a clean stop, so a sanitizer build reports leaks of conversations here
        rc = cls.p.stop()
        log = cls.p.log()
        cls.p.cleanup()
        shutil.rmtree(cls.certdir, ignore_errors=True)
        if rc != 0 or "Sanitizer" in log:
            raise AssertionError(f"poortd stopped with {rc}:\n" + log[-4000:])

    def network(self, method, tls13, identity="anna@" + pl.REALM, password=PW, anon=ANON,
                server_name=eapcerts.SERVER_NAME, cert="client"):
        lines = ["network={", " key_mgmt=WPA-EAP", f' ca_cert="{self.certs["ca"]}"',
                 f' domain_suffix_match="{server_name}"',
                 f' phase1="tls_disable_tlsv1_3={0 if tls13 else 1}"']
        if method == "tls":
            lines += [" eap=TLS", f' identity="{anon}"',
                      f' client_cert="{self.certs[cert]}"',
                      f' private_key="{self.certs[cert + "_key"]}"']
        else:
            lines += [" " + TUNNEL[method], f' identity="{identity}"',
                      f' anonymous_identity="{anon}"', f' password="{password}"']
        return "\n".join(lines + ["}"]) + "\n"

    def eapol(self, conf, reauth=0, timeout=10):
        """Runs eapol_test; returns (exit code, output)."""
        type(self).n += 1
        path = os.path.join(self.p.dir, f"eapol-{os.getpid()}-{time.monotonic_ns()}.conf")
        with open(path, "w") as f:
            f.write(conf)
        try:
            r = subprocess.run([EAPOL_TEST, "-c", path, "-a", "127.0.0.1", "-p",
                                str(self.p.auth_port), "-s", pl.SECRET, "-r", str(reauth),
                                "-t", str(timeout)], capture_output=True, text=True,
                               timeout=timeout * (reauth + 1) + 20)
            return r.returncode, r.stdout + r.stderr
        finally:
            os.unlink(path)

    def rows_for(self, user):
        return [r for r in self.p.auth_rows() if r[2] == user]


class EapMethodsTest(EapBase):
    def test_matrix(self):
        """Each method under TLS 1.2 and 1.3: success, and eapol_test's MPPE check."""
        cases = [(m, v) for m in ["peap", "ttls-pap", "ttls-mschapv2", "ttls-eap-mschapv2",
                                  "tls"] for v in (False, True)]
        with concurrent.futures.ThreadPoolExecutor(4) as ex:
            results = list(ex.map(lambda c: (c, self.eapol(self.network(*c))), cases))
        for (method, v13), (rc, out) in results:
            with self.subTest(method=method, tls13=v13):
                self.assertEqual(rc, 0, out[-3000:])
                self.assertIn("MPPE keys OK: 1  mismatch: 0", out)
                self.assertIn("Using TLS version TLSv1.3" if v13 else "TLSv1.2", out)
        rows = [r for r in self.p.wait_auth_rows(len(cases)) if r[4] == "accept"]
        self.assertGreaterEqual(len(rows), len(cases))
        # the log keeps the anonymous outer identity and the real inner one
        self.assertTrue(all(r[2] == ANON and r[3] == "anna@" + pl.REALM for r in rows), rows)

    def test_vlan_and_timeout_by_affiliation(self):
        rc, out = self.eapol(self.network("ttls-pap", True))
        self.assertEqual(rc, 0)
        self.assertRegex(out, r"Attribute 81 \(Tunnel-Private-Group-Id\)")
        self.assertRegex(out, r"Attribute 27 \(Session-Timeout\)")
        # an employee has no reply block (and there is no default one)
        rc, out = self.eapol(self.network("ttls-pap", True, identity="bert@" + pl.REALM,
                                          password="Bert-pass-22"))
        self.assertEqual(rc, 0, out[-2000:])
        self.assertNotIn("Tunnel-Private-Group-Id", out)

    def test_resumption_fewer_rounds(self):
        for method in ["ttls-pap", "tls", "peap"]:
            for v13 in (False, True):
                with self.subTest(method=method, tls13=v13):
                    mark = len(self.p.log())
                    rc, out = self.eapol(self.network(method, v13), reauth=1)
                    self.assertEqual(rc, 0, out[-2000:])
                    self.assertIn("MPPE keys OK: 2  mismatch: 0", out)
                    # poortd writes info lines once per turn of its loop: wait for them
                    deadline = time.time() + 5
                    while True:
                        done = re.findall(r"eap done result=accept .*rounds=(\d+) resumed=(\d)",
                                          self.p.log()[mark:])
                        if len(done) >= 2 or time.time() > deadline:
                            break
                        time.sleep(0.02)
                    self.assertEqual(len(done), 2, done)
                    (full, r0), (again, r1) = done
                    self.assertEqual((r0, r1), ("0", "1"))
                    self.assertLess(int(again), int(full))


class EapRejectTest(EapBase):
    def expect_reject(self, conf, reason):
        before = len(self.p.auth_rows())
        rc, out = self.eapol(conf)
        self.assertNotEqual(rc, 0)
        self.assertNotIn("MPPE keys OK: 1", out)
        rows = self.p.wait_auth_rows(before + 1)
        if reason is not None:
            self.assertEqual(rows[-1][4:], ("reject", reason), rows[-1])
        return rows[-1]

    def test_wrong_password(self):
        for m in ["peap", "ttls-pap", "ttls-mschapv2", "ttls-eap-mschapv2"]:
            with self.subTest(method=m):
                self.expect_reject(self.network(m, True, password="Wrong-pass-1"),
                                   "wrong-password")

    def test_unknown_user(self):
        row = self.expect_reject(self.network("ttls-pap", False, identity="nobody@" + pl.REALM),
                                 "unknown-user")
        self.assertEqual(row[3], "nobody@" + pl.REALM)

    def test_wrong_inner_realm(self):
        row = self.expect_reject(self.network("peap", True, identity="anna@other.example"),
                                 "inner-realm-mismatch")
        self.assertEqual(row[2:4], (ANON, "anna@other.example"))

    def test_outer_realm_not_ours(self):
        self.expect_reject(self.network("ttls-pap", True, anon="@elsewhere.example"),
                           "realm-not-local")

    def test_client_certificates(self):
        for cert, reason in [("untrusted", "client-cert-untrusted"),
                             ("expired", "client-cert-expired"),
                             ("revoked", "client-cert-revoked"),
                             ("wrongusage", "client-cert-wrong-usage"),
                             ("dora", "account-disabled")]:
            for v13 in (False, True):
                with self.subTest(cert=cert, tls13=v13):
                    self.expect_reject(self.network("tls", v13, cert=cert), reason)

    def test_client_wants_other_server_name(self):
        for m in ["peap", "tls"]:
            with self.subTest(method=m):
                self.expect_reject(self.network(m, True, server_name="radius.other.example"),
                                   "tls-alert-from-peer")


class EapTlsAccountTest(EapBase):
    """EAP-TLS: a certificate is worth no more than its account, looked up at
    every login. Every failed check of the certificate's name rejects, with
    its reason in the auth log (today's main accepted all but disabled and
    expired accounts)."""
    top_extra = 'realm "second.example"\n'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for name, cn in [("nobody", "nobody@" + pl.REALM), ("noat", "anna"),
                         ("nul", "anna\0@" + pl.REALM), ("long", "a" * 250 + "@" + pl.REALM),
                         ("gus", "gus@" + pl.REALM), ("hank", "Hank@" + pl.REALM),
                         ("ella", "ella@" + pl.REALM)]:
            cls.certs[name], cls.certs[name + "_key"] = eapcerts.issue_raw(
                cls.certdir, cls.certs["ca"], name, cn)
        cls.p.add_user("gus", "Gus-pass-4444")
        cls.p.add_user("hank", "Hank-pass-5555")
        cls.p.add_user("ella", "Ella-pass-6666", "--expires", "2020-01-01")

    def tls_reject(self, cert, reason, anon=ANON):
        for v13 in (False, True):
            with self.subTest(cert=cert, tls13=v13):
                before = len(self.p.auth_rows())
                rc, out = self.eapol(self.network("tls", v13, cert=cert, anon=anon))
                self.assertNotEqual(rc, 0)
                self.assertNotIn("MPPE keys OK: 1", out)
                self.assertNotIn("Access-Accept", out)
                rows = self.p.wait_auth_rows(before + 1)
                self.assertEqual(rows[-1][4:], ("reject", reason), rows[-1])

    def tls_accept(self, cert):
        rc, out = self.eapol(self.network("tls", True, cert=cert))
        self.assertEqual(rc, 0, out[-2000:])
        self.assertIn("MPPE keys OK: 1  mismatch: 0", out)

    def test_bad_names_and_accounts(self):
        self.tls_reject("nobody", "unknown-user")
        self.tls_reject("noat", "inner-identity-without-realm")
        self.tls_reject("nul", "bad-inner-identity")
        self.tls_reject("long", "bad-inner-identity")
        self.tls_reject("ella", "account-expired")
        self.tls_reject("dora", "account-disabled")

    def test_outer_names_another_of_our_realms(self):
        self.tls_reject("client", "inner-realm-mismatch", anon="anonymous@second.example")

    def ctl_seen(self, *args):
        """poortctl, then the time poortd's shared read snapshot of the store
        may lag behind (store_set_read_snapshot: 100 ms)."""
        self.p.ctl(*args)
        time.sleep(0.2)

    def test_disable_and_delete_end_certificates_at_once(self):
        self.tls_accept("hank")  # the CN's case does not matter
        self.ctl_seen("disable", "hank")
        self.tls_reject("hank", "account-disabled")
        self.ctl_seen("enable", "hank")
        self.tls_accept("hank")
        self.tls_accept("gus")
        self.ctl_seen("delete", "gus")
        self.tls_reject("gus", "unknown-user")


class EapFragmentTest(EapBase):
    eap_extra = "fragment_size 300\n\tmax_conversations 3\n\ttimeout 2"

    def test_small_fragments(self):
        for m in ["peap", "tls", "ttls-eap-mschapv2"]:
            with self.subTest(method=m):
                rc, out = self.eapol(self.network(m, True))
                self.assertEqual(rc, 0, out[-2000:])
                self.assertIn("MPPE keys OK: 1  mismatch: 0", out)
                sizes = [int(x) for x in re.findall(
                    r"code=11 \(Access-Challenge\) identifier=\d+ length=(\d+)", out)]
                self.assertTrue(sizes and max(sizes) < 300 + 120, sizes)

    def test_conversation_bound_and_timeout(self):
        socks = []
        try:
            for i in range(3):
                self.assertEqual(eap_identity(self.p, ANON)[0], 11)  # Access-Challenge
            code, _ = eap_identity(self.p, ANON)
            self.assertEqual(code, 3)
            self.p.wait_log("eap conversation limit reached")
            self.p.wait_log("eap conversation timed out", timeout=6)
            deadline = time.time() + 6
            while time.time() < deadline and eap_identity(self.p, ANON)[0] != 11:
                time.sleep(0.3)
            rc, out = self.eapol(self.network("ttls-pap", True))
            self.assertEqual(rc, 0, out[-2000:])
            self.assertEqual(self.p.log().count("eap conversation limit reached"), 1)
        finally:
            for s in socks:
                s.close()


class EapConcurrencyTest(EapBase):
    eap_extra = "max_conversations 150"

    def test_hundred_at_once(self):
        with concurrent.futures.ThreadPoolExecutor(100) as ex:
            results = list(ex.map(lambda i: self.eapol(self.network("ttls-pap", i % 2 == 0),
                                                       timeout=30), range(100)))
        bad = [out[-1500:] for rc, out in results if rc != 0 or "MPPE keys OK: 1" not in out]
        self.assertEqual(bad, [], bad[:1])


class EapReloadTest(EapBase):
    def test_reload_and_check(self):
        good = self.p.config_text()
        # a missing key: poortd -n names it, a reload keeps the running certificates
        bad = good.replace(self.certs["server_key"], self.certs["server_key"] + ".missing")
        path = os.path.join(self.p.dir, "bad.conf")
        with open(path, "w") as f:
            f.write(bad)
        r = subprocess.run([pl.POORTD, "-n", "-c", path], capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(r.returncode, 1)
        self.assertIn("eap private_key", r.stderr)
        self.p.write_config(bad)
        self.p.proc.send_signal(signal.SIGHUP)
        self.p.wait_log("eap reload refused")
        rc, out = self.eapol(self.network("peap", True))
        self.assertEqual(rc, 0, out[-2000:])
        # a good reload with another fragment size takes effect at once
        self.p.write_config(good.replace("eap {", "eap {\n\tfragment_size 200"))
        mark = len(self.p.log())
        self.p.proc.send_signal(signal.SIGHUP)
        deadline = time.time() + 5
        while "reload done" not in self.p.log()[mark:] and time.time() < deadline:
            time.sleep(0.05)
        rc, out = self.eapol(self.network("tls", True))
        self.assertEqual(rc, 0, out[-2000:])
        sizes = [int(x) for x in re.findall(
            r"code=11 \(Access-Challenge\) identifier=\d+ length=(\d+)", out)]
        self.assertTrue(sizes and max(sizes) < 200 + 120, sizes)


# --- raw EAP over RADIUS, for what eapol_test will not send -----------------

def radius_eap(p, user, eap, state=None, ident=1, src="127.0.0.1", secret=pl.SECRET):
    attrs = pl._attr(1, user.encode())
    for i in range(0, len(eap), 253):
        attrs += pl._attr(79, eap[i:i + 253])
    if state is not None:
        attrs += pl._attr(24, state)
    attrs = pl._attr(80, b"\0" * 16) + attrs
    auth = os.urandom(16)
    pkt = struct.pack("!BBH", 1, ident, 20 + len(attrs)) + auth + attrs
    mac = hmac.new(secret.encode(), pkt, hashlib.md5).digest()
    pkt = pkt[:22] + mac + pkt[38:]
    reply = pl.udp_exchange(pkt, p.auth_port, src=src, timeout=3)
    assert reply is not None, "no reply"
    pl.check_reply(reply, pkt, secret)
    out = {}
    pos = 20
    while pos < len(reply):
        t, ln = reply[pos], reply[pos + 1]
        out.setdefault(t, b"")
        out[t] += reply[pos + 2:pos + ln]
        pos += ln
    return reply[0], out


def eap_identity(p, name, **kw):
    eap = struct.pack("!BBHB", 2, 0, 5 + len(name), 1) + name.encode()
    return radius_eap(p, name, eap, **kw)


AP2, AP2_SECRET = "127.0.0.2", "ap2-secret-22"
FLR1, FLR2, FLR_SECRET = "127.0.0.3", "127.0.0.4", "flr-secret-33"


def resign(pkt, secret, req_auth=None):
    """pkt with its Message-Authenticator (and, for a reply to a request with
    req_auth, its Response Authenticator) made again under secret."""
    pos = 20
    while pos < len(pkt):
        if pkt[pos] == 80:
            pkt = pkt[:pos + 2] + b"\0" * 16 + pkt[pos + 18:]
            break
        pos += pkt[pos + 1]
    head = pkt[:4] + (req_auth if req_auth is not None else pkt[4:20])
    mac = hmac.new(secret.encode(), head + pkt[20:], hashlib.md5).digest()
    pkt = pkt[:pos + 2] + mac + pkt[pos + 18:]
    if req_auth is not None:
        resp = hashlib.md5(pkt[:4] + req_auth + pkt[20:] + secret.encode()).digest()
        pkt = pkt[:4] + resp + pkt[20:]
    return pkt


class StateThief:
    """Between eapol_test and poortd: the first `switch` requests go on from
    the access point (127.0.0.1), the later ones (State and all) from another
    configured access point with its own secret, as a neighbour replaying
    the conversation would. Replies are signed again for eapol_test. Codes
    of the replies the second one got are in .stolen."""

    def __init__(self, port, switch):
        self.port, self.switch, self.n, self.stolen = port, switch, 0, []
        self.front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.front.bind(("127.0.0.1", 0))
        self.front.settimeout(0.2)
        self.stop = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop:
            try:
                pkt, peer = self.front.recvfrom(4096)
            except socket.timeout:
                continue
            self.n += 1
            if self.n <= self.switch:
                reply = pl.udp_exchange(pkt, self.port, timeout=3)
            else:
                out = resign(pkt, AP2_SECRET)
                reply = pl.udp_exchange(out, self.port, src=AP2, timeout=3)
                if reply is not None:
                    pl.check_reply(reply, out, AP2_SECRET)
                    self.stolen.append(reply[0])
                    reply = resign(reply, pl.SECRET, pkt[4:20])
            if reply is not None:
                self.front.sendto(reply, peer)

    def close(self):
        self.stop = True
        self.thread.join()
        self.front.close()


class EapStateBindingTest(EapBase):
    """A conversation (its State) belongs to the client and transport that
    started it: another configured access point replaying the State gets no
    Access-Accept and no MSK (today's main gave it both). FLRs may fail
    over to one another."""
    clients = [("loopback", "127.0.0.1", pl.SECRET), ("ap2", AP2, AP2_SECRET),
               ("flr1", FLR1, FLR_SECRET), ("flr2", FLR2, FLR_SECRET)]

    @classmethod
    def setUpClass(cls):
        cls.top_extra = ""
        super().setUpClass()
        text = cls.p.config_text().replace(f"address {FLR1}", f"address {FLR1}\n\tfederation yes")
        cls.p.write_config(text.replace(f"address {FLR2}", f"address {FLR2}\n\tfederation yes"))
        cls.p.stop()
        cls.p.start()

    def last_row(self, n):
        return self.p.wait_auth_rows(n)[-1]

    def test_nak_and_stale_id_from_another_client(self):
        code, attrs = eap_identity(self.p, ANON)
        self.assertEqual(code, 11)
        req = attrs[79]
        n = len(self.p.auth_rows())
        # a NAK asking for TTLS, with the State, from the other access point
        nak = struct.pack("!BBHBB", 2, req[1], 6, 3, 21)
        code, out = radius_eap(self.p, ANON, nak, state=attrs[24], src=AP2, secret=AP2_SECRET)
        self.assertEqual(code, 3)
        self.assertNotIn(24, out)
        self.assertEqual(self.last_row(n + 1)[0::5], ("ap2", "state-from-other-client"))
        # a stale identifier (which gets the last request again from its own client)
        stale = struct.pack("!BBHBB", 2, (req[1] - 1) & 0xff, 6, 25, 0)
        code, out = radius_eap(self.p, ANON, stale, state=attrs[24], src=AP2, secret=AP2_SECRET)
        self.assertEqual(code, 3)
        # the conversation itself goes on from where it started
        code, out = radius_eap(self.p, ANON, nak, state=attrs[24])
        self.assertEqual(code, 11)
        self.assertEqual(out[79][4], 21)  # TTLS Start
        self.assertEqual(out[24], attrs[24])

    def test_next_rounds_of_a_real_login(self):
        for method in ["ttls-pap", "peap", "tls"]:
            for switch in (2, 5):
                with self.subTest(method=method, switch=switch):
                    thief = StateThief(self.p.auth_port, switch)
                    path = os.path.join(self.p.dir, "thief.conf")
                    with open(path, "w") as f:
                        f.write(self.network(method, True))
                    try:
                        r = subprocess.run([EAPOL_TEST, "-c", path, "-a", "127.0.0.1", "-p",
                                            str(thief.front.getsockname()[1]), "-s",
                                            pl.SECRET, "-t", "10"], capture_output=True,
                                           text=True, timeout=40)
                    finally:
                        thief.close()
                    self.assertNotEqual(r.returncode, 0)
                    self.assertNotIn(2, thief.stolen)  # no Access-Accept to ap2
                    self.assertTrue(thief.stolen, "the second client sent nothing")
                    self.assertEqual(thief.stolen[-1], 3)
        rows = [r for r in self.p.auth_rows() if r[0] == "ap2"]
        self.assertTrue(rows and all(r[4:] == ("reject", "state-from-other-client")
                                     for r in rows), rows)

    def test_federation_failover(self):
        code, attrs = eap_identity(self.p, ANON, src=FLR1, secret=FLR_SECRET)
        self.assertEqual(code, 11)
        nak = struct.pack("!BBHBB", 2, attrs[79][1], 6, 3, 21)
        # not to an access point ...
        code, _ = radius_eap(self.p, ANON, nak, state=attrs[24], src=AP2, secret=AP2_SECRET)
        self.assertEqual(code, 3)
        # ... but to the other FLR, logged
        code, out = radius_eap(self.p, ANON, nak, state=attrs[24], src=FLR2, secret=FLR_SECRET)
        self.assertEqual(code, 11)
        self.assertEqual(out[79][4], 21)
        self.p.wait_log('eap conversation moved between federation clients from="udp flr1 '
                        f'{FLR1}" to="udp flr2 {FLR2}"')


class EapBadInputTest(EapBase):
    def last_reason(self, *want):
        """The reason of the newest auth row, once it is one of want (rows are
        written in batches, the previous test's may still be on their way)."""
        deadline = time.time() + 5
        while True:
            rows = self.p.wait_auth_rows(1)
            if (rows and rows[-1][5] in want) or time.time() > deadline:
                return rows[-1][5] if rows else None
            time.sleep(0.02)

    def test_malformed_eap(self):
        code, _ = radius_eap(self.p, ANON, b"\x02\x00\x00\x30\x01abc")  # length > data
        self.assertEqual(code, 3)
        self.assertEqual(self.last_reason("malformed-eap"), "malformed-eap")
        code, _ = radius_eap(self.p, ANON, b"\x02\x00\x00\x05\x19", state=b"x" * 16)
        self.assertEqual(code, 3)
        self.assertEqual(self.last_reason("unknown-or-expired-state"), "unknown-or-expired-state")

    def test_oversize_and_truncated_tls(self):
        code, attrs = eap_identity(self.p, ANON)
        self.assertEqual(code, 11)
        req = attrs[79]
        # the peer claims a 1 MiB TLS message
        body = bytes([0x19, 0xC0]) + struct.pack("!I", 1 << 20) + b"\x16" * 100
        eap = struct.pack("!BBH", 2, req[1], 4 + len(body)) + body
        code, _ = radius_eap(self.p, ANON, eap, state=attrs[24])
        self.assertEqual(code, 3)
        self.assertEqual(self.last_reason("oversize-tls-message"), "oversize-tls-message")
        # last fragment shorter than the announced length
        code, attrs = eap_identity(self.p, ANON)
        req = attrs[79]
        body = bytes([0x19, 0x80]) + struct.pack("!I", 500) + b"\x16" * 100
        eap = struct.pack("!BBH", 2, req[1], 4 + len(body)) + body
        code, _ = radius_eap(self.p, ANON, eap, state=attrs[24])
        self.assertEqual(code, 3)
        self.assertEqual(self.last_reason("truncated-tls-message"), "truncated-tls-message")

    def test_garbage_tls(self):
        code, attrs = eap_identity(self.p, ANON)
        req = attrs[79]
        body = bytes([0x19, 0x00]) + b"\x15\x03\x03\x00\x02\x02\x28"  # a fatal alert
        eap = struct.pack("!BBH", 2, req[1], 4 + len(body)) + body
        code, _ = radius_eap(self.p, ANON, eap, state=attrs[24])
        self.assertEqual(code, 3)
        reasons = ("tls-alert-from-peer", "tls-handshake-failed")
        self.assertIn(self.last_reason(*reasons), reasons)


if __name__ == "__main__":
    unittest.main(verbosity=2)
