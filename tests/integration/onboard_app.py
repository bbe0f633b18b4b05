"""The geteduroam app against the box: discovery (/.well-known/letswifi.json),
OAuth 2.0 authorization code with PKCE S256 whose authorization step is the
SSO login page, the token endpoint, and the eap-config with a fresh
certificate. The test then writes an eapol_test configuration from the
eap-config alone and logs in with EAP-TLS under TLS 1.2 and 1.3 (MPPE keys
checked); codes are single use, a wrong verifier is refused, the token is
needed; a revoked device and a disabled account are rejected; the CRL URL
lists revoked devices. Also the student's page: nl and en, platform advice,
downloads, own devices and revocation with the form token."""

import base64
import hashlib
import html
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import xml.etree.ElementTree as ET

import requests

sys.path.insert(0, os.path.dirname(__file__))
import eapcerts  # noqa: E402
import saml_env  # noqa: E402

BUILD = os.environ.get("POORT_BUILD", os.path.join(os.path.dirname(__file__), "../../build"))
EAPOL_TEST = shutil.which("eapol_test")
SECRET = "testing123"
REDIRECT = "http://127.0.0.1:1/callback"
CLIENT = "app.eduroam.geteduroam"


def png_1x1():
    """A real 1x1 PNG (signature, IHDR, IDAT, IEND) for onboarding { logo }."""
    import struct
    import zlib

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x80\x00")) + chunk(b"IEND", b""))


LOGO = png_1x1()
# requests lets these override a session's verify=: the box's own CA must win
for _v in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
    os.environ.pop(_v, None)


class Env(saml_env.Poortd):
    def __init__(self, build, work, certs):
        super().__init__(build, work, [])
        self.certs = certs

    def write_config(self):
        super().write_config()
        text = open(self.conf).read()
        self.auth_port = int(re.search(r"listen auth 127\.0\.0\.1 (\d+)", text).group(1))
        c = self.certs
        logo = os.path.join(self.work, "logo.png")
        with open(logo, "wb") as f:
            f.write(LOGO)
        text += f"""client "lo" {{
	address 127.0.0.1
	secret "{SECRET}"
}}
eap {{
	methods tls
	certificate "{c['server']}"
	private_key "{c['server_key']}"
}}
onboarding {{
	ssid "eduroam"
	display_name "De Testschool"
	helpdesk_email "ict@school.example"
	logo "{logo}"
	server_ca "{c['ca']}"
	device_limit 3
}}
"""
        open(self.conf, "w").write(text)


def pkce():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.decode().rstrip("=")


class OnboardApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if EAPOL_TEST is None:
            raise unittest.SkipTest("eapol_test is not installed (package eapoltest)")
        cls.work = tempfile.mkdtemp(prefix="poort-obapi-")
        cls.certs = eapcerts.make(os.path.join(cls.work, "certs"))
        cls.env = Env(BUILD, os.path.join(cls.work, "env"), cls.certs)
        cls.env.start()

    @classmethod
    def tearDownClass(cls):
        rc = cls.env.stop()
        log = cls.env.log_text()
        shutil.rmtree(cls.work, ignore_errors=True)
        if rc != 0 or "Sanitizer" in log:
            raise AssertionError(f"poortd stopped with {rc}:\n" + log[-4000:])

    def session(self):
        s = requests.Session()
        s.verify = self.env.https_crt
        return s

    def login(self, s, r):
        """Fills the SSO login form of r; returns the response after it."""
        ctx = re.search(r'name="ctx" value="([0-9a-f]+)"', r.text).group(1)
        return s.post(self.env.base + "/saml/login",
                      data={"ctx": ctx, "lang": "en", "username": saml_env.USER,
                            "password": saml_env.PASSWORD}, allow_redirects=False)

    def authorize(self, s, challenge, **over):
        q = {"response_type": "code", "client_id": CLIENT, "redirect_uri": REDIRECT,
             "code_challenge": challenge, "code_challenge_method": "S256",
             "scope": "eap-metadata", "state": "xyz 1"}
        q.update(over)
        return s.get(self.env.base + "/saml/onboard/authorize?" + urllib.parse.urlencode(q),
                     allow_redirects=False)

    def app_flow(self):
        """What the geteduroam app does; returns (eap-config text, verifier, code)."""
        s = self.session()
        disc = s.get(self.env.base + "/.well-known/letswifi.json").json()
        api = disc["http://letswifi.app/api#v2"]
        self.assertEqual(api["authorization_endpoint"],
                         self.env.base + "/saml/onboard/authorize")
        verifier, challenge = pkce()
        r = self.authorize(s, challenge)
        self.assertEqual(r.status_code, 200)  # the SSO login page
        r = self.login(s, r)
        self.assertEqual(r.status_code, 303, r.text)
        r = s.get(self.env.base + r.headers["Location"], allow_redirects=False)
        self.assertEqual(r.status_code, 302, r.text)
        loc = urllib.parse.urlparse(r.headers["Location"])
        self.assertEqual(f"{loc.scheme}://{loc.netloc}{loc.path}", REDIRECT)
        q = urllib.parse.parse_qs(loc.query)
        self.assertEqual(q["state"], ["xyz 1"])
        code = q["code"][0]
        app = requests.Session()  # the app's own HTTP client: no browser cookies
        app.verify = self.env.https_crt
        tok = app.post(api["token_endpoint"], data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
            "client_id": CLIENT, "code_verifier": verifier})
        self.assertEqual(tok.status_code, 200, tok.text)
        tj = tok.json()
        self.assertEqual(tj["token_type"], "Bearer")
        self.assertLessEqual(tj["expires_in"], 3600)
        r = app.post(api["eapconfig_endpoint"],
                     headers={"Authorization": "Bearer " + tj["access_token"]})
        self.assertEqual(r.status_code, 200, r.text)
        self.assertEqual(r.headers["Content-Type"], "application/eap-config")
        return r.content, verifier, code, api, tj["access_token"]

    def supplicant(self, eapconfig):
        root = ET.fromstring(eapconfig)
        idp = root.find("EAPIdentityProvider")
        am = idp.find("AuthenticationMethods/AuthenticationMethod")
        self.assertEqual(am.find("EAPMethod/Type").text, "13")
        d = tempfile.mkdtemp(dir=self.work)
        ca_der = base64.b64decode(am.find("ServerSideCredential/CA").text)
        subprocess.run(["openssl", "x509", "-inform", "DER", "-out", d + "/ca.pem"],
                       input=ca_der, check=True, capture_output=True)
        csc = am.find("ClientSideCredential")
        with open(d + "/dev.p12", "wb") as f:
            f.write(base64.b64decode(csc.find("ClientCertificate").text))
        subprocess.run(["openssl", "pkcs12", "-in", d + "/dev.p12", "-nodes", "-out",
                        d + "/dev.pem", "-passin", "pass:" + csc.find("Passphrase").text],
                       check=True, capture_output=True)
        cert = subprocess.run(["openssl", "x509", "-in", d + "/dev.pem", "-noout", "-serial"],
                              capture_output=True, text=True, check=True).stdout
        return {"dir": d, "server": am.find("ServerSideCredential/ServerID").text,
                "identity": csc.find("OuterIdentity").text,
                "serial": cert.strip().split("=")[1].lower().lstrip("0")}

    def eapol(self, s, tls13):
        conf = os.path.join(s["dir"], "eapol.conf")
        with open(conf, "w") as f:
            f.write("network={\n key_mgmt=WPA-EAP\n eap=TLS\n"
                    f' identity="{s["identity"]}"\n ca_cert="{s["dir"]}/ca.pem"\n'
                    f' domain_match="{s["server"]}"\n'
                    f' client_cert="{s["dir"]}/dev.pem"\n private_key="{s["dir"]}/dev.pem"\n'
                    f' phase1="tls_disable_tlsv1_3={0 if tls13 else 1}"\n}}\n')
        r = subprocess.run([EAPOL_TEST, "-c", conf, "-a", "127.0.0.1", "-p",
                            str(self.env.auth_port), "-s", SECRET, "-t", "10"],
                           capture_output=True, text=True, timeout=40)
        return r.returncode, r.stdout + r.stderr

    def test_app_onboards_and_logs_in(self):
        eapconfig, verifier, code, api, token = self.app_flow()
        s = self.supplicant(eapconfig)
        self.assertEqual(s["server"], eapcerts.SERVER_NAME)
        info = ET.fromstring(eapconfig).find("EAPIdentityProvider/ProviderInfo")
        self.assertEqual(info.find("DisplayName").text, "De Testschool")
        logo = info.find("ProviderLogo")
        self.assertEqual((logo.get("mime"), logo.get("encoding")), ("image/png", "base64"))
        self.assertEqual(base64.b64decode(logo.text), LOGO)
        self.assertEqual(info.find("Helpdesk/EmailAddress").text, "ict@school.example")
        for v13 in (False, True):
            with self.subTest(tls13=v13):
                rc, out = self.eapol(s, v13)
                self.assertEqual(rc, 0, out[-2000:])
                self.assertIn("MPPE keys OK: 1  mismatch: 0", out)
        # the code was single use
        r = requests.post(api["token_endpoint"], verify=self.env.https_crt, data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
            "client_id": CLIENT, "code_verifier": verifier})
        self.assertEqual((r.status_code, r.json()["error"]), (400, "invalid_grant"))
        # revoked: rejected at once, and on the CRL at its URL
        self.env.ctl("device", "revoke", s["serial"])
        time.sleep(0.2)
        rc, out = self.eapol(s, True)
        self.assertNotEqual(rc, 0)
        crl = requests.get(self.env.base + "/onboard/crl", verify=self.env.https_crt)
        self.assertEqual(crl.headers["Content-Type"], "application/pkix-crl")
        p = os.path.join(s["dir"], "crl.der")
        with open(p, "wb") as f:
            f.write(crl.content)
        txt = subprocess.run(["openssl", "crl", "-inform", "DER", "-in", p, "-noout", "-text",
                              "-CAfile", os.path.join(self.env.work, "state",
                                                      "onboard-ca.pem")],
                             capture_output=True, text=True)
        self.assertIn("verify OK", txt.stdout + txt.stderr)
        self.assertIn(s["serial"].upper(), txt.stdout.replace(":", ""))

    def test_disabled_account_rejected(self):
        eapconfig = self.app_flow()[0]
        s = self.supplicant(eapconfig)
        time.sleep(0.3)  # the radius child reads the store through a 100 ms snapshot
        rc, out = self.eapol(s, True)
        self.assertEqual(rc, 0, out[-2000:])
        self.env.ctl("disable", saml_env.USER)
        try:
            time.sleep(0.2)
            rc, out = self.eapol(s, True)
            self.assertNotEqual(rc, 0)
            self.assertNotIn("MPPE keys OK: 1", out)
        finally:
            r = self.env.ctl("enable", saml_env.USER)
            self.assertEqual(r.returncode, 0, r.stderr)
            time.sleep(0.3)  # poortd's read snapshot of the store (100 ms)

    def test_wrong_verifier_and_bad_requests(self):
        s = self.session()
        verifier, challenge = pkce()
        r = self.login(s, self.authorize(s, challenge))
        r = s.get(self.env.base + r.headers["Location"], allow_redirects=False)
        code = urllib.parse.parse_qs(urllib.parse.urlparse(r.headers["Location"]).query)["code"][0]
        tok_url = self.env.base + "/onboard/token"
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
                "client_id": CLIENT, "code_verifier": pkce()[0]}
        r = requests.post(tok_url, data=form, verify=self.env.https_crt)
        self.assertEqual((r.status_code, r.json()["error"]), (400, "invalid_grant"))
        # one try only: the right verifier after a wrong one finds no code
        form["code_verifier"] = verifier
        r = requests.post(tok_url, data=form, verify=self.env.https_crt)
        self.assertEqual((r.status_code, r.json()["error"]), (400, "invalid_grant"))
        # duplicate parameter, plain PKCE, foreign redirect: refused, never redirected
        for q in ("&code_challenge_method=S256", ):
            r = s.get(self.env.base + "/saml/onboard/authorize?response_type=code&client_id=a.b"
                      "&redirect_uri=http%3A%2F%2F127.0.0.1%3A1%2F&code_challenge=" + challenge +
                      "&code_challenge_method=S256&scope=eap-metadata" + q,
                      allow_redirects=False)
            self.assertEqual(r.status_code, 400)
        self.assertEqual(self.authorize(s, challenge, code_challenge_method="plain").status_code,
                         400)
        self.assertEqual(self.authorize(s, challenge,
                                        redirect_uri="https://evil.example/cb").status_code, 400)
        self.assertEqual(self.authorize(s, challenge, scope="openid").status_code, 400)
        # the eap-config endpoint needs a token
        r = requests.post(self.env.base + "/onboard/api/eap-config", verify=self.env.https_crt)
        self.assertEqual(r.status_code, 401)
        r = requests.post(self.env.base + "/onboard/api/eap-config", verify=self.env.https_crt,
                          headers={"Authorization": "Bearer " + "A" * 43})
        self.assertEqual(r.status_code, 401)

    def test_student_page(self):
        s = self.session()
        ua = {"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)"}
        r = s.get(self.env.base + "/saml/onboard?lang=nl", headers=ua, allow_redirects=False)
        self.assertEqual(r.status_code, 200)
        r = self.login(s, r)
        self.assertEqual(r.status_code, 303, r.text[-1500:])
        r = s.get(self.env.base + r.headers["Location"], headers=ua)
        self.assertIn("Verbind je apparaat met eduroam", r.text)
        self.assertIn('data-platform="apple"', r.text)
        self.assertNotIn("<script", r.text)
        r = s.get(self.env.base + "/saml/onboard?lang=en")
        self.assertIn("Connect your device to eduroam", r.text)
        csrf = re.search(r'name="csrf" value="([0-9a-f]{32})"', r.text).group(1)
        # without the form token: refused
        r = s.post(self.env.base + "/saml/onboard/download",
                   data={"kind": "eap-config", "csrf": "0" * 32, "lang": "en"})
        self.assertEqual(r.status_code, 403)
        r = s.post(self.env.base + "/saml/onboard/download",
                   data={"kind": "eap-config", "csrf": csrf, "label": "laptop", "lang": "en"})
        self.assertEqual(r.headers["Content-Type"], "application/eap-config")
        ET.fromstring(r.content)
        r = s.post(self.env.base + "/saml/onboard/download",
                   data={"kind": "mobileconfig", "csrf": csrf, "label": "iphone", "lang": "en"})
        self.assertEqual(r.headers["Content-Type"], "application/x-apple-aspen-config")
        mc = os.path.join(self.work, "p.mobileconfig")
        with open(mc, "wb") as f:
            f.write(r.content)
        v = subprocess.run(["openssl", "smime", "-verify", "-inform", "DER", "-in", mc,
                            "-CAfile", self.env.https_crt, "-purpose", "any"],
                           capture_output=True)
        self.assertEqual(v.returncode, 0, v.stderr)
        import plistlib
        pl = plistlib.loads(v.stdout)
        self.assertEqual(pl["PayloadContent"][2]["EAPClientConfiguration"]["AcceptEAPTypes"],
                         [13])
        # an old device asks for RSA-2048 instead of the default P-256
        r = s.post(self.env.base + "/saml/onboard/download",
                   data={"kind": "pkcs12", "csrf": csrf, "label": "linux", "lang": "en",
                         "key": "dsa"})
        self.assertEqual(r.status_code, 400)
        r = s.post(self.env.base + "/saml/onboard/download",
                   data={"kind": "pkcs12", "csrf": csrf, "label": "linux", "lang": "en",
                         "key": "rsa"})
        self.assertIn("data:application/x-pkcs12;base64,", r.text)
        self.assertIn(eapcerts.SERVER_NAME, r.text)
        p12 = base64.b64decode(re.search(r"data:application/x-pkcs12;base64,([A-Za-z0-9+/=]+)",
                                         r.text).group(1))
        pw = html.unescape(re.search(r'<code class="passphrase">([^<]+)</code>', r.text).group(1))
        pem = subprocess.run(["openssl", "pkcs12", "-nodes", "-nocerts", "-passin", "pass:" + pw],
                             input=p12, capture_output=True, check=True).stdout
        key = subprocess.run(["openssl", "pkey", "-noout", "-text"], input=pem,
                             capture_output=True, check=True).stdout.decode()
        self.assertIn("Private-Key: (2048 bit", key)
        self.assertIn("publicExponent", key)  # RSA, not EC
        # own devices listed; revoke one with the form token
        r = s.get(self.env.base + "/saml/onboard?lang=en")
        for label in ("laptop", "iphone", "linux"):
            self.assertIn(f"<td>{label}</td>", r.text)
        serial = re.search(r'name="serial" value="([0-9a-f]+)"', r.text).group(1)
        r = s.post(self.env.base + "/saml/onboard/revoke",
                   data={"serial": serial, "csrf": csrf, "lang": "en"})
        self.assertIn("The device was revoked.", r.text)
        self.assertNotIn(serial, r.text)
        out = self.env.ctl("device", "list", saml_env.USER).stdout
        self.assertRegex(out, serial + r".*revoked=20")
        # clean up for the other tests (device limit)
        self.env.ctl("device", "revoke", saml_env.USER)


if __name__ == "__main__":
    unittest.main(verbosity=2)
