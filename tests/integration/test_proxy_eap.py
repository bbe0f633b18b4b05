"""EAP across eduroam with real peers on loopback, both directions:

    visitor:  eapol_test -> poortd -> FLR -> home server of other.example
    student:  eapol_test -> FLR -> poortd (our realm, our EAP and store)

The FLR is FreeRADIUS 3.2 in proxy mode (RADIUS/UDP) and a client of
poortd marked `federation yes` (at ::1; access points are at 127.0.0.1);
the foreign home server is FreeRADIUS 3.2 with Debian's full EAP config and
certificates of its own. Visitors authenticate with PEAP-MSCHAPv2 and TTLS/PAP; eapol_test
checks the MS-MPPE keys that arrive after two re-encryptions (FLR, poortd).
The visitor's password never reaches poortd's log."""

import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import eapcerts  # noqa: E402
import poortlib as pl  # noqa: E402

EAPOL_TEST = shutil.which("eapol_test")
FOREIGN = "other.example"
VISITOR = "visitor@" + FOREIGN
VPASS = "Visitor-secret-pass-77"
HOME_NAME = "radius." + FOREIGN
PW = "Correct-horse-1"
# the home server answers a CUI request (RFC 4372) with a pseudonym
HOME_CUI = """if (&Chargeable-User-Identity) {
		update reply {
			&Chargeable-User-Identity := "cui-visitor-0042"
		}
	}"""
METHODS = {
    "peap": 'eap=PEAP\n phase2="auth=MSCHAPV2"',
    "ttls-pap": 'eap=TTLS\n phase2="auth=PAP"',
}


class ProxyEapTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if EAPOL_TEST is None:
            raise unittest.SkipTest("eapol_test is not installed (package eapoltest)")
        # access points at 127.0.0.1; the FLR, a federation client, at ::1
        cls.p = pl.Poortd(clients=[("ap", "127.0.0.1", pl.SECRET)])
        d = cls.p.dir
        cls.home = cls.flr = None
        try:
            cls.certs = eapcerts.make(os.path.join(d, "certs"))
            cls.home_certs = eapcerts.make(os.path.join(d, "home-certs"), server_name=HOME_NAME)
            cls.home = pl.FreeRadiusEap(os.path.join(d, "home"), cls.home_certs,
                                        f'"{VISITOR}" Cleartext-Password := "{VPASS}"\n',
                                        post_auth=HOME_CUI,
                                        debug_log=os.path.join(d, "home.log"))
            # the FLR sends other.example to its home server and our realm to us
            cls.flr = pl.FreeRadiusProxy(os.path.join(d, "flr"),
                                         {FOREIGN: cls.home.port,
                                          pl.REALM: ("::1", cls.p.auth_port),
                                          # a routing mistake upstream
                                          "loop.example": ("::1", cls.p.auth_port)},
                                         debug_log=os.path.join(d, "flr.log"))
            cls.p.extra = f"""client "flr" {{
	address ::1
	secret "{pl.SECRET}"
	federation yes
}}
proxy {{
	upstream "flr1" {{
		address 127.0.0.1
		port {cls.flr.port}
		secret "{pl.SECRET}"
	}}
	response_window 5
	check_interval 2
	visitor_vlan 900
}}
eap {{
	methods peap ttls tls
	certificate "{cls.certs['server']}"
	private_key "{cls.certs['server_key']}"
	client_ca "{cls.certs['ca']}"
}}
"""
            cls.p.write_config()
            cls.p.add_user("anna", PW, "--affiliation", "student")
            cls.p.start()
        except BaseException:
            cls.stop_peers()
            cls.p.cleanup()
            raise

    @classmethod
    def stop_peers(cls):
        for fr in (cls.flr, cls.home):
            if fr is not None:
                fr.stop()

    @classmethod
    def tearDownClass(cls):
        cls.stop_peers()
        rc = cls.p.stop()  # SIGTERM: sanitizer builds report leaks here
        log = cls.p.log()
        cls.p.cleanup()
        if rc != 0 or "Sanitizer" in log:
            raise AssertionError(f"poortd stopped with {rc}:\n" + log[-4000:])

    def eapol(self, port, method, identity, password, anon, ca, server_name, tls13=False,
              attrs=()):
        conf = "\n".join([
            "network={", " key_mgmt=WPA-EAP", f' ca_cert="{ca}"',
            f' domain_suffix_match="{server_name}"',
            f' phase1="tls_disable_tlsv1_3={0 if tls13 else 1}"', " " + METHODS[method],
            f' identity="{identity}"', f' anonymous_identity="{anon}"',
            f' password="{password}"', "}"]) + "\n"
        path = os.path.join(self.p.dir, f"eapol-{time.monotonic_ns()}.conf")
        with open(path, "w") as f:
            f.write(conf)
        try:
            r = subprocess.run([EAPOL_TEST, "-c", path, "-a", "127.0.0.1", "-p", str(port),
                                "-s", pl.SECRET, "-r", "0", "-t", "20",
                                *(f"-N{a}" for a in attrs)], capture_output=True,
                               text=True, timeout=60)
            return r.returncode, r.stdout + r.stderr
        finally:
            os.unlink(path)

    def visitor(self, method, password=VPASS):
        return self.eapol(self.p.auth_port, method, VISITOR, password, "anonymous@" + FOREIGN,
                          self.home_certs["ca"], HOME_NAME)

    def wait_log_count(self, text, n, timeout=5.0):
        deadline = time.time() + timeout
        while self.p.log().count(text) < n and time.time() < deadline:
            time.sleep(0.05)
        return self.p.log().count(text)

    def test_1_visitor_peap_and_ttls(self):
        """poortd -> FLR -> home server; MPPE keys survive both proxies."""
        accepted = "auth result=accept upstream=flr1 user=anonymous@" + FOREIGN
        for i, method in enumerate(METHODS, 1):
            with self.subTest(method=method):
                rc, out = self.visitor(method)
                self.assertEqual(rc, 0, out[-3000:])
                self.assertIn("MPPE keys OK: 1  mismatch: 0", out)
                # our visitor VLAN, not the home server's ideas
                self.assertRegex(out, r"Attribute 81 \(Tunnel-Private-Group-Id\)")
                self.assertRegex(out, r"Attribute 89 \(Chargeable-User-Identity\)")
                self.assertEqual(self.wait_log_count(accepted, i), i, self.p.log()[-3000:])
        log = self.p.log()
        self.assertIn("proxy result=challenge upstream=flr1", log)
        # the home server's CUI reaches the access point and our auth log
        self.assertIn("auth result=accept upstream=flr1 user=anonymous@other.example"
                      " mac=02-00-00-00-00-01 cui=cui-visitor-0042 operator=1school.example"
                      " client=ap ms=", log)
        self.assertRegex(log, r"F-TICKS/eduroam/1.0#REALM=other.example#VISCOUNTRY=NL"
                         r"#VISINST=1school.example#CSI=[0-9a-f]{16}#RESULT=OK#")
        rows = [r for r in self.p.wait_auth_rows(2) if r[2] == "anonymous@" + FOREIGN]
        self.assertGreaterEqual(len(rows), 2, rows)
        self.assertTrue(all(r[4] == "accept" for r in rows), rows)
        # the home server saw who is visiting and our CUI request
        home = self.home.log()
        self.assertIn('Operator-Name = "1school.example"', home)
        self.assertNotIn(VPASS, self.p.log())

    def test_2_visitor_wrong_password_rejected(self):
        mark = len(self.p.log())
        for method in METHODS:
            with self.subTest(method=method):
                rc, out = self.visitor(method, password="Not-the-password-1")
                self.assertNotEqual(rc, 0)
                self.assertNotIn("MPPE keys OK: 1", out)
        self.assertEqual(self.wait_log_count("auth result=reject upstream=flr1", 2), 2)
        self.assertIn("#RESULT=FAIL#", self.p.log()[mark:])
        self.assertNotIn("Not-the-password-1", self.p.log())

    def test_3_visitors_concurrently(self):
        """Interleaved conversations: State and EAP-Message stay with their own."""
        with concurrent.futures.ThreadPoolExecutor(6) as ex:
            results = list(ex.map(lambda i: self.visitor(list(METHODS)[i % 2]), range(12)))
        bad = [out[-1500:] for rc, out in results
               if rc != 0 or "MPPE keys OK: 1  mismatch: 0" not in out]
        self.assertEqual(bad, [], bad[:1])
        self.assertNotIn(VPASS, self.p.log())

    def test_4_student_through_the_flr(self):
        """Our own student at another institution: the FLR is our client."""
        student = "anonymous@" + pl.REALM
        for method in METHODS:
            for v13 in (False, True):
                with self.subTest(method=method, tls13=v13):
                    # the visited SP asks for a CUI and names itself (RFC 4372, 5580)
                    rc, out = self.eapol(self.flr.port, method, "anna@" + pl.REALM, PW,
                                         "anonymous@" + pl.REALM, self.certs["ca"],
                                         eapcerts.SERVER_NAME, tls13=v13,
                                         attrs=("89:x:00", "126:s:1visited.example"))
                    self.assertEqual(rc, 0, out[-3000:])
                    self.assertIn("MPPE keys OK: 1  mismatch: 0", out)
                    self.assertRegex(out, r"Attribute 89 \(Chargeable-User-Identity\)")
        deadline = time.time() + 5
        while True:  # the auth log is written behind the loop
            rows = [r for r in self.p.auth_rows() if r[2] == student]
            if len(rows) >= 4 or time.time() > deadline:
                break
            time.sleep(0.05)
        self.assertEqual(len(rows), 4, rows)
        for client, _mac, _user, inner, result, reason in rows:
            self.assertEqual((client, inner, result, reason),
                             ("flr", "anna@" + pl.REALM, "accept", "-"))
        self.assertIn("Proxy-State", self.flr.log())
        # one pseudonym for anna at this operator, in the log with the operator
        cuis = set(re.findall(r"auth result=accept client=flr user=" + student +
                              r" mac=\S+ cui=(\S+) operator=1visited.example", self.p.log()))
        self.assertEqual(len(cuis), 1, self.p.log()[-2000:])
        self.assertNotIn("-", cuis)
        self.assertNotIn(PW, self.p.log())

    def test_5_foreign_realm_from_the_flr_is_not_sent_back(self):
        """An FLR that wrongly routes another realm to us gets a reject, not a loop."""
        r = subprocess.run(["radclient", "-r", "1", "-t", "5", f"127.0.0.1:{self.flr.port}",
                            "auth", pl.SECRET], input=pl.pap_attrs("x@loop.example", VPASS),
                           capture_output=True, text=True, timeout=30)
        self.assertIn("Access-Reject", r.stdout + r.stderr)
        self.p.wait_log("client=flr user=x@loop.example mac=- cui=- operator=- reason="
                        "foreign-realm-from-federation")
        time.sleep(0.5)
        # as an attribute: in from radclient, out to poortd, never in again
        seen = re.findall(r'^\(\d+\)\s+User-Name = "x@loop.example"$', self.flr.log(), re.M)
        self.assertEqual(len(seen), 2, self.flr.log()[-3000:])


if __name__ == "__main__":
    unittest.main(verbosity=2)
