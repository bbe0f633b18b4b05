"""'Why can't X log in?' against the real poortd: real failures made with
radclient and eapol_test (wrong password, disabled account, a typo of our
realm, a foreign realm with nowhere to go, a revoked device certificate over
EAP-TLS, a device that does not trust the server's name, a device that goes
silent mid-EAP), then `poortctl why` by user, MAC in each notation and CUI,
in English and Dutch; and `poortctl online` from radclient accounting:
Start, Interim, Stop, an access point's Accounting-On, and the timeout."""

import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import eapcerts  # noqa: E402
import poortlib as pl  # noqa: E402
from test_eap import eap_identity  # noqa: E402

EAPOL_TEST = shutil.which("eapol_test")
PW = "Correct-horse-1"
ANON = "anonymous@" + pl.REALM


class WhyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.certdir = tempfile.mkdtemp(prefix="poort-certs-")
        cls.certs = eapcerts.make(cls.certdir)
        c = cls.certs
        cls.p = pl.Poortd(extra=f"""eap {{
	methods peap ttls tls
	certificate "{c['server']}"
	private_key "{c['server_key']}"
	client_ca "{c['ca']}"
	crl "{c['crl']}"
	timeout 2
}}
""")
        cls.p.add_user("anna", PW)
        cls.p.add_user("rob", "Rob-pass-4444")
        cls.p.add_user("dora", "Dora-pass-333")
        cls.p.ctl("disable", "dora")
        cls.p.start()

    @classmethod
    def tearDownClass(cls):
        rc = cls.p.stop()
        log = cls.p.log()
        cls.p.cleanup()
        shutil.rmtree(cls.certdir, ignore_errors=True)
        if rc != 0 or "Sanitizer" in log:
            raise AssertionError(f"poortd stopped with {rc}:\n" + log[-4000:])

    def pap(self, user, pw, mac, extra=""):
        before = len(self.p.auth_rows())
        self.p.radclient(pl.pap_attrs(user, pw, extra=f', Calling-Station-Id = "{mac}"' + extra))
        self.p.wait_auth_rows(before + 1)

    def eapol(self, net):
        path = os.path.join(self.p.dir, f"eapol-{time.monotonic_ns()}.conf")
        with open(path, "w") as f:
            f.write("network={\n key_mgmt=WPA-EAP\n" + net + "\n}\n")
        r = subprocess.run([EAPOL_TEST, "-c", path, "-a", "127.0.0.1", "-p",
                            str(self.p.auth_port), "-s", pl.SECRET, "-t", "10",
                            "-M", "02:00:00:00:00:42"],
                           capture_output=True, text=True, timeout=40)
        return r.returncode, r.stdout + r.stderr

    def why(self, *args):
        return self.p.ctl("why", *args).stdout

    def wait_why(self, subject, *texts, timeout=10):
        """poortctl why subject, once its output holds every one of texts."""
        deadline = time.time() + timeout
        while True:
            out = self.why(subject)
            if all(t in out for t in texts) or time.time() > deadline:
                return out
            time.sleep(0.2)

    def test_password_disabled_typo_and_notations(self):
        self.pap("anna@" + pl.REALM, "wrong-one", "AA-BB-CC-DD-EE-01")
        self.pap("dora@" + pl.REALM, "Dora-pass-333", "aa:bb:cc:dd:ee:02")
        self.pap("anna@schol.example", PW, "aabb.ccdd.ee03")
        self.pap("jan@uva.example", "x", "aabbccddee04")
        self.pap("anna@" + pl.REALM, PW, "AA-BB-CC-DD-EE-01")

        out = self.why("anna", "--lang", "en")
        # newest first: the good one, the typo, the wrong password
        lines = [l for l in out.splitlines()  # this test's rows (the others use other MACs)
                 if not l.startswith("  ") and ("EE-01" in l or "ee03" in l)]
        self.assertEqual(len(lines), 3, out)
        self.assertIn(" accept user=", lines[0])
        self.assertIn("why=ok", lines[0])
        self.assertIn("why=realm-typo", lines[1])
        self.assertIn("why=wrong-password", lines[2])
        self.assertIn("Wrong password: The account exists and may log in", out)
        self.assertIn("Meant: @school.example (typed: @schol.example)", out)
        self.assertIn("What to do:", out)

        nl = self.why("dora@school.example", "--lang", "nl")
        self.assertIn("why=account-disabled", nl)
        self.assertIn("Account uitgeschakeld", nl)
        self.assertIn("Wat te doen: Schakel het account in", nl)

        # another institution's realm, no proxy configured: not a typo
        out = self.why("jan")
        self.assertIn("why=realm-unknown", out)
        # the MAC in each notation finds the same rows
        for mac in ("aa:bb:cc:dd:ee:01", "AABB.CCDD.EE01", "aabbccddee01", "AA-BB-CC-DD-EE-01"):
            out = self.why(mac)
            self.assertEqual(out.count("user=anna@school.example"), 2, (mac, out))
        self.assertIn("No login attempts found", self.why("nobody"))
        # a time range that excludes everything
        self.assertIn("No login attempts found", self.why("anna", "--until", "2020-01-01"))
        self.assertIn("why=wrong-password", self.why("anna", "--since", "1h"))

    def test_access_point_secret_and_unknown(self):
        """Requests poortd drops still tell the helpdesk why: a known AP with
        another secret, and an address that is no AP."""
        self.p.radclient(pl.pap_attrs("anna@" + pl.REALM, PW,
                                      extra=', Calling-Station-Id = "aa-bb-cc-dd-ee-51"'),
                         secret="not-the-secret")
        out = self.wait_why("aa:bb:cc:dd:ee:51", "why=")
        self.assertIn("dropped user=anna@school.example", out)
        self.assertIn("ap=loopback reason=bad-message-authenticator why=ap-secret", out)
        self.assertIn("Access point's secret wrong", out)
        pkt = pl.access_request("anna@" + pl.REALM, PW,
                                extra=pl._attr(31, b"aa-bb-cc-dd-ee-52"))
        self.assertIsNone(pl.udp_exchange(pkt, self.p.auth_port, src="127.0.0.2", timeout=0.5))
        out = self.wait_why("aabbccddee52", "why=")
        self.assertIn("ap=127.0.0.2 reason=unknown-client why=ap-unknown", out)
        self.assertIn("Access point not known", out)

    def test_cui(self):
        self.pap("anna@" + pl.REALM, PW, "aa-00-00-00-00-07",
                 extra=", Chargeable-User-Identity = 0x00")
        with self.p.db() as c:
            cui = c.execute("SELECT cui FROM auth_log WHERE cui != '' ORDER BY id DESC").fetchone()
        self.assertTrue(cui and len(cui[0]) == 40, cui)
        out = self.why(cui[0])
        self.assertIn("why=ok", out)
        self.assertIn("mac=aa-00-00-00-00-07", out)

    @unittest.skipIf(EAPOL_TEST is None, "eapol_test is not installed (package eapoltest)")
    def test_eap_failures(self):
        c = self.certs
        # a revoked device certificate (EAP-TLS)
        rc, out = self.eapol(f' eap=TLS\n identity="{ANON}"\n ca_cert="{c["ca"]}"\n'
                             f' client_cert="{c["revoked"]}"\n private_key="{c["revoked_key"]}"')
        self.assertNotEqual(rc, 0)
        # the device does not accept the server's name: it aborts the handshake
        rc, out = self.eapol(f' eap=PEAP\n identity="rob@{pl.REALM}"\n'
                             f' anonymous_identity="{ANON}"\n password="Rob-pass-4444"\n'
                             f' ca_cert="{c["ca"]}"\n domain_suffix_match="radius.other.example"\n'
                             ' phase2="auth=MSCHAPV2"')
        self.assertNotEqual(rc, 0)
        out = self.wait_why("02:00:00:00:00:42", "client-cert-revoked", "tls-alert-from-peer")
        self.assertIn("reason=client-cert-revoked why=device-revoked", out)
        self.assertIn("Device certificate revoked", out)
        self.assertIn("reason=tls-alert-from-peer why=server-cert-rejected", out)
        self.assertIn("does not trust the box's certificate", out)

    def test_device_goes_silent(self):
        """A device that stops after the method's first request (as one that
        does not trust our certificate often does): a row after eap.timeout."""
        code, _ = eap_identity(self.p, "silent@" + pl.REALM)
        self.assertEqual(code, 11)  # Access-Challenge: the method starts
        out = self.wait_why("silent", "why=")
        self.assertIn(" timeout user=silent@school.example", out)
        self.assertIn("reason=eap-abandoned-tls why=eap-abandoned-tls", out)
        self.assertIn("CA certificate and the server name", out)


class TestLoginTest(unittest.TestCase):
    """poortctl test-login: PAP and EAP-TTLS/PAP run by poortctl itself against
    the running poortd, explained from the row poortd logged for it."""

    @classmethod
    def setUpClass(cls):
        cls.certdir = tempfile.mkdtemp(prefix="poort-certs-")
        cls.certs = eapcerts.make(cls.certdir)
        c = cls.certs
        cls.p = pl.Poortd(extra=f"""eap {{
	methods peap ttls
	certificate "{c['server']}"
	private_key "{c['server_key']}"
}}
""")
        cls.p.add_user("anna", PW)
        cls.p.add_user("dora", "Dora-pass-333")
        cls.p.ctl("disable", "dora")
        cls.p.start()

    @classmethod
    def tearDownClass(cls):
        rc = cls.p.stop()
        log = cls.p.log()
        cls.p.cleanup()
        shutil.rmtree(cls.certdir, ignore_errors=True)
        if rc != 0 or "Sanitizer" in log:
            raise AssertionError(f"poortd stopped with {rc}:\n" + log[-4000:])

    def login(self, user, pw, *args):
        r = self.p.ctl("test-login", user, *args, input=pw + "\n", check=False)
        self.assertNotIn(pw, r.stdout + r.stderr)  # the password is never shown
        return r

    def test_pap(self):
        r = self.login("anna", PW, "--method", "pap")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("anna@school.example pap result=accept", r.stdout)
        self.assertIn("why=ok", r.stdout)
        r = self.login("anna", "Wrong-horse-9", "--method", "pap", "--lang", "nl")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("why=wrong-password", r.stdout)
        self.assertIn("Verkeerd wachtwoord", r.stdout)
        r = self.login("dora", "Dora-pass-333")
        self.assertEqual(r.returncode, 1)
        self.assertIn("why=account-disabled", r.stdout)
        r = self.login("anna@schol.example", PW)
        self.assertIn("why=realm-typo", r.stdout)
        self.assertIn("Meant: @school.example", r.stdout)
        # the password was not logged either
        self.assertNotIn(PW, self.p.log())

    def test_ttls_pap(self):
        r = self.login("anna", PW, "--method", "ttls-pap", "--ca", self.certs["ca"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("ttls-pap result=accept", r.stdout)
        self.assertIn("tls=TLSv1.3", r.stdout)
        self.assertIn("why=ok", r.stdout)
        rows = [x for x in self.p.auth_rows() if x[4] == "accept" and x[2].startswith("anon")]
        self.assertTrue(rows and rows[-1][3] == "anna@school.example", rows)
        r = self.login("anna", "Wrong-horse-9", "--method", "ttls-pap")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("why=wrong-password", r.stdout)
        r = self.login("dora", "Dora-pass-333", "--method", "ttls-pap")
        self.assertIn("why=account-disabled", r.stdout)
        # a server certificate the CA given does not vouch for: the test says so
        r = self.login("anna", PW, "--method", "ttls-pap", "--ca", self.certs["crl"])
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)

    def test_peap(self):
        r = self.login("anna", PW, "--method", "peap", "--ca", self.certs["ca"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("peap result=accept", r.stdout)
        self.assertIn("why=ok", r.stdout)
        r = self.login("anna", "Wrong-horse-9", "--method", "peap")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("why=wrong-password", r.stdout)
        r = self.login("dora", "Dora-pass-333", "--method", "peap")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("why=account-disabled", r.stdout)

    def test_no_server(self):
        self.p.write_config(self.p.config_text().replace(str(self.p.auth_port),
                                                         str(pl.free_udp_port())))
        try:
            r = self.login("anna", PW)
            self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
            self.assertIn("no answer from the server", r.stdout)
            self.assertIn("why=no-answer", r.stdout)
            self.assertIn("What to do: Check that poortd runs", r.stdout)
        finally:
            self.p.write_config()


class OnlineTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.p = pl.Poortd()
        cls.p.start()

    @classmethod
    def tearDownClass(cls):
        rc = cls.p.stop()
        log = cls.p.log()
        cls.p.cleanup()
        if rc != 0 or "Sanitizer" in log:
            raise AssertionError(f"poortd stopped with {rc}:\n" + log[-4000:])

    def acct(self, status, sid, user="anna@school.example", mac="AA-BB-CC-00-00-01", extra=""):
        out = self.p.radclient(
            f'Acct-Status-Type = {status}, Acct-Session-Id = "{sid}", User-Name = "{user}",'
            f' Calling-Station-Id = "{mac}", NAS-IP-Address = 127.0.0.1' + extra, code="acct")
        self.assertIn("Accounting-Response", out)

    def online(self, *args):
        return self.p.ctl("online", *args).stdout

    def test_start_interim_stop(self):
        self.acct("Start", "s1")
        out = self.online()
        self.assertIn("anna@school.example ap=loopback mac=AA-BB-CC-00-00-01", out)
        self.assertIn('in="0 B"', out)
        self.acct("Interim-Update", "s1", extra=", Acct-Input-Octets = 1500000,"
                  " Acct-Output-Octets = 2500, Acct-Session-Time = 60,"
                  " Framed-IP-Address = 10.0.0.7")
        out = self.online("--user", "anna")
        self.assertIn('in="1.5 MB" out="2.5 kB"', out)
        self.assertIn("ip=10.0.0.7", out)
        self.assertIn("session=s1", self.online("--mac", "aabb.cc00.0001"))
        self.acct("Stop", "s1", extra=", Acct-Session-Time = 70")
        self.assertNotIn("session=s1", self.online())

    def test_timeout_and_accounting_on(self):
        self.acct("Start", "t1", user="bert@school.example", mac="aa-bb-cc-00-00-02")
        self.assertIn("session=t1", self.online())
        time.sleep(2.2)
        # no update for longer than the timeout: no longer online
        self.assertNotIn("session=t1", self.online("--timeout", "2"))
        self.assertIn("session=t1", self.online())
        # the access point restarted: its sessions are gone
        self.acct("Start", "t2", user="cees@school.example", mac="aa-bb-cc-00-00-03")
        self.p.radclient('Acct-Status-Type = Accounting-On, NAS-IP-Address = 127.0.0.1',
                         code="acct")
        out = self.online()
        self.assertNotIn("session=t2", out)
        self.assertNotIn("session=t1", out)


if __name__ == "__main__":
    unittest.main(verbosity=2)
