"""Onboarding in proxy mode: a student who exists only at the school's own
IdP (another poortd, U) logs in at the box (P) through U, onboards with the
geteduroam app's OAuth flow and logs in on Wi-Fi with EAP-TLS; the box keeps
no password for them. Revoking the device rejects it; a local account that
later takes the same name does not inherit the device."""

import os
import re
import shutil
import sys
import tempfile
import time
import unittest
import urllib.parse

import requests

sys.path.insert(0, os.path.dirname(__file__))
import eapcerts  # noqa: E402
import saml_env as env  # noqa: E402
import onboard_app  # noqa: E402
from onboard_app import CLIENT, REDIRECT, SECRET, pkce  # noqa: E402
from saml_pysaml2 import form_fields, login  # noqa: E402

BUILD = os.environ.get("POORT_BUILD", os.path.join(os.path.dirname(__file__), "../../build"))


class ProxyOnboardTest(unittest.TestCase):
    supplicant = onboard_app.OnboardApiTest.supplicant
    eapol = onboard_app.OnboardApiTest.eapol

    @classmethod
    def setUpClass(cls):
        if shutil.which("eapol_test") is None:
            raise unittest.SkipTest("eapol_test is not installed (package eapoltest)")
        cls.work = tempfile.mkdtemp(prefix="poort-obproxy-")
        certs = eapcerts.make(os.path.join(cls.work, "certs"))
        P = env.Poortd(BUILD, os.path.join(cls.work, "proxy"), [])
        U = env.Poortd(BUILD, os.path.join(cls.work, "upstream"), [])
        U.entity_id = "https://upstream.school.example/saml"
        U.extra_saml = ['scope "ad.school.example"']
        eid, xml = env.sp_metadata(P.entity_id, [P.base + "/saml/acs"], P.idp_crt, True, False)
        md = env.sign_metadata(U.keys, "md-proxy", eid, xml, U.fed_key, U.fed_crt)
        U.sps = [(P.entity_id, ["uid", "givenName", "sn", "eduPersonAffiliation"], "transient",
                  md)]
        U.start()
        P.extra_saml = [
            'upstream "%s" {' % U.entity_id,
            '  metadata "%s"' % U.idp_md_file,
            '  metadata_certificate "%s"' % U.idp_crt,
            '  user urn:oid:0.9.2342.19200300.100.1.1',
            '  scope "ad.school.example"',
            '}']
        write = P.write_config

        def write_config():
            write()
            text = open(P.conf).read()
            P.auth_port = int(re.search(r"listen auth 127\.0\.0\.1 (\d+)", text).group(1))
            text += f"""client "lo" {{
	address 127.0.0.1
	secret "{SECRET}"
}}
eap {{
	methods tls
	certificate "{certs['server']}"
	private_key "{certs['server_key']}"
}}
onboarding {{
	server_ca "{certs['ca']}"
}}
"""
            open(P.conf, "w").write(text)
        P.write_config = write_config
        P.start()
        # the student exists only upstream: no account, no password on the box
        P.ctl("delete", env.USER)
        cls.P, cls.U = P, U
        cls.env = P

    @classmethod
    def tearDownClass(cls):
        rcs = [cls.P.stop(), cls.U.stop()]
        log = cls.P.log_text()
        shutil.rmtree(cls.work, ignore_errors=True)
        if rcs != [0, 0] or "Sanitizer" in log:
            raise AssertionError(f"poortd stopped with {rcs}:\n" + log[-4000:])

    def test_upstream_student_onboards_and_logs_in(self):
        P = self.P
        self.assertNotIn(env.USER, P.ctl("list").stdout)
        s = requests.Session()
        s.trust_env = False
        s.verify = False  # two test CAs (P and U)
        verifier, challenge = pkce()
        q = {"response_type": "code", "client_id": CLIENT, "redirect_uri": REDIRECT,
             "code_challenge": challenge, "code_challenge_method": "S256",
             "scope": "eap-metadata", "state": "s"}
        r = s.get(P.base + "/saml/onboard/authorize?" + urllib.parse.urlencode(q), timeout=30)
        self.assertTrue(r.url.startswith(self.U.base + "/saml/sso"), r.url)
        r = login(s, r.text, base=self.U.base)
        f = form_fields(r.text)
        self.assertIn("SAMLResponse", f)
        r = s.post(P.base + "/saml/acs", data=f, allow_redirects=False, timeout=30)
        self.assertEqual(r.status_code, 303, r.text[-1000:])
        r = s.get(P.base + r.headers["Location"], allow_redirects=False, timeout=30)
        self.assertEqual(r.status_code, 302, r.text[-1000:])
        loc = urllib.parse.urlparse(r.headers["Location"])
        self.assertIn("code", urllib.parse.parse_qs(loc.query), r.headers["Location"])
        code = urllib.parse.parse_qs(loc.query)["code"][0]
        tok = requests.post(P.base + "/onboard/token", verify=False, data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
            "client_id": CLIENT, "code_verifier": verifier}).json()
        r = requests.post(P.base + "/onboard/api/eap-config", verify=False,
                          headers={"Authorization": "Bearer " + tok["access_token"]})
        self.assertEqual(r.status_code, 200, r.text)
        sup = self.supplicant(r.content)
        for v13 in (False, True):
            with self.subTest(tls13=v13):
                rc, out = self.eapol(sup, v13)
                self.assertEqual(rc, 0, out[-2000:])
                self.assertIn("MPPE keys OK: 1  mismatch: 0", out)
        listed = P.ctl("device", "list", env.USER).stdout
        self.assertIn(sup["serial"], listed)
        self.assertNotIn(env.USER, P.ctl("list").stdout)  # still no account here
        # a local account taking the name later does not inherit the device
        P.ctl("add", env.USER, "--password-stdin", stdin="Another-pass-1\n")
        time.sleep(0.3)
        rc, out = self.eapol(sup, True)
        self.assertNotEqual(rc, 0)
        P.ctl("delete", env.USER)
        time.sleep(0.3)
        rc, out = self.eapol(sup, True)
        self.assertEqual(rc, 0, out[-2000:])
        # the school revokes it
        r = P.ctl("device", "revoke", env.USER)
        self.assertEqual(r.returncode, 0, r.stderr)
        time.sleep(0.3)
        rc, out = self.eapol(sup, True)
        self.assertNotEqual(rc, 0)
        import sqlite3
        time.sleep(0.3)  # the log writer's batch
        with sqlite3.connect(os.path.join(P.work, "state", "poort.db")) as db:
            row = db.execute("SELECT result, reason FROM auth_log ORDER BY id DESC"
                             " LIMIT 1").fetchone()
        self.assertEqual(row, ("reject", "device-revoked"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
