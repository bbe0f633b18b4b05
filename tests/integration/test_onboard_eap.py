"""Onboarding, per-device certificates: poortctl issues a PKCS#12 from the
box's own client CA (made at poortd's first start) and eapol_test logs in
with it over EAP-TLS under TLS 1.2 and 1.3 (MPPE keys checked). Then the
store decides at every login: a revoked device, a disabled or deleted
account, a device the store does not know, a certificate from another CA
are all rejected; the CRL lists what was revoked and verifies against the
client CA; the per-account device limit holds."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import eapcerts  # noqa: E402
import poortlib as pl  # noqa: E402

EAPOL_TEST = shutil.which("eapol_test")
ANON = "anonymous@" + pl.REALM


class OnboardEapTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if EAPOL_TEST is None:
            raise unittest.SkipTest("eapol_test is not installed (package eapoltest)")
        cls.certdir = tempfile.mkdtemp(prefix="poort-obcerts-")
        cls.certs = eapcerts.make(cls.certdir)
        # a school CA with its CRL as well: the onboarding CA's certificates are
        # checked in the store, not against that CRL
        extra = f"""eap {{
	methods tls
	certificate "{cls.certs['server']}"
	private_key "{cls.certs['server_key']}"
	client_ca "{cls.certs['ca']}"
	crl "{cls.certs['crl']}"
}}
http {{
	listen 127.0.0.1 {pl.free_udp_port()}
	certificate "{cls.certs['server']}"
	key "{cls.certs['server_key']}"
}}
onboarding {{
	ssid "eduroam"
	ssid "eduroam-test"
	display_name "Test School & Co"
	helpdesk_email "ict@school.example"
	helpdesk_url "https://school.example/help"
	terms "https://school.example/terms"
	server_ca "{cls.certs['ca']}"
	device_limit 2
}}
"""
        cls.p = pl.Poortd(extra=extra)
        for u in ("anna", "bert", "carl", "dirk"):
            cls.p.add_user(u, "Pass-word-" + u)
        cls.p.start()

    @classmethod
    def tearDownClass(cls):
        rc = cls.p.stop()
        log = cls.p.log()
        cls.p.cleanup()
        shutil.rmtree(cls.certdir, ignore_errors=True)
        if rc != 0 or "Sanitizer" in log:
            raise AssertionError(f"poortd stopped with {rc}:\n" + log[-4000:])

    def issue(self, user, *opts):
        out = os.path.join(self.p.dir, f"{user}-{time.monotonic_ns()}.p12")
        r = self.p.ctl("device", "issue", user, "--out", out, *opts)
        info = dict(line.split(" ", 1) for line in r.stdout.splitlines())
        self.assertEqual(oct(os.stat(out).st_mode & 0o777), "0o600")
        # what a supplicant gets from the PKCS#12 with its passphrase alone
        pem = out + ".pem"
        subprocess.run(["openssl", "pkcs12", "-in", out, "-nodes", "-out", pem, "-passin",
                        "pass:" + info["passphrase"]], check=True, capture_output=True)
        self.seen()  # poortd sees the new device after its read snapshot (100 ms)
        return info, pem

    def eapol(self, pem, tls13, ca=None, server=eapcerts.SERVER_NAME, identity=ANON,
              port=None):
        conf = os.path.join(self.p.dir, f"eapol-{time.monotonic_ns()}.conf")
        with open(conf, "w") as f:
            f.write("network={\n key_mgmt=WPA-EAP\n eap=TLS\n"
                    f' identity="{identity}"\n ca_cert="{ca or self.certs["ca"]}"\n'
                    f' domain_match="{server}"\n'
                    f' client_cert="{pem}"\n private_key="{pem}"\n'
                    f' phase1="tls_disable_tlsv1_3={0 if tls13 else 1}"\n}}\n')
        r = subprocess.run([EAPOL_TEST, "-c", conf, "-a", "127.0.0.1", "-p",
                            str(port or self.p.auth_port), "-s", pl.SECRET, "-t", "10"],
                           capture_output=True, text=True, timeout=40)
        return r.returncode, r.stdout + r.stderr

    def accept(self, pem, user):
        for v13 in (False, True):
            with self.subTest(tls13=v13):
                before = len(self.p.auth_rows())
                rc, out = self.eapol(pem, v13)
                self.assertEqual(rc, 0, out[-2000:])
                self.assertIn("MPPE keys OK: 1  mismatch: 0", out)
                rows = self.p.wait_auth_rows(before + 1)
                self.assertEqual(rows[-1][4:], ("accept", "-"), rows[-1])

    def reject(self, pem, reason):
        for v13 in (False, True):
            with self.subTest(tls13=v13, reason=reason):
                before = len(self.p.auth_rows())
                rc, out = self.eapol(pem, v13)
                self.assertNotEqual(rc, 0)
                self.assertNotIn("Access-Accept", out)
                rows = self.p.wait_auth_rows(before + 1)
                self.assertEqual(rows[-1][4:], ("reject", reason), rows[-1])

    def crl_serials(self):
        ca = os.path.join(self.p.state, "onboard-ca.pem")
        crl = os.path.join(self.p.state, "onboard-ca.crl")
        r = subprocess.run(["openssl", "crl", "-inform", "DER", "-in", crl, "-CAfile", ca,
                            "-noout", "-text"], capture_output=True, text=True, check=True)
        self.assertIn("verify OK", r.stderr + r.stdout)
        return {s.lower().lstrip("0") for s in re.findall(r"Serial Number: ([0-9A-F]+)",
                                                          r.stdout)}

    def seen(self):
        time.sleep(0.2)  # poortd's read snapshot of the store (100 ms)

    def test_ca_made_at_first_start(self):
        key = os.path.join(self.p.state, "onboard-ca.key")
        self.assertEqual(oct(os.stat(key).st_mode & 0o777), "0o600")
        r = subprocess.run(["openssl", "x509", "-in", os.path.join(self.p.state,
                                                                  "onboard-ca.pem"),
                            "-noout", "-text"], capture_output=True, text=True, check=True)
        self.assertIn("prime256v1", r.stdout)
        self.assertIn("CA:TRUE", r.stdout)

    def test_issue_login_revoke(self):
        info, pem = self.issue("anna", "--label", "phone")
        self.assertRegex(info["identity"], r"^[0-9a-f]{32}@" + re.escape(pl.REALM) + "$")
        self.accept(pem, "anna")
        rows = self.p.ctl("device", "list", "anna").stdout
        self.assertIn(info["serial"], rows)
        self.assertIn("label=phone", rows)
        self.p.ctl("device", "revoke", info["serial"])
        self.seen()
        self.reject(pem, "device-revoked")
        self.assertIn(info["serial"], self.crl_serials())
        # both are in the audit log, the passphrase is not
        audit = self.p.ctl("audit", "--limit", "1000").stdout
        self.assertIn("action=device.issue object=anna from=local outcome=ok serial="
                      + info["serial"], audit)
        self.assertIn(f"action=device.revoke object={info['serial']} from=local outcome=ok",
                      audit)
        self.assertNotIn(info["passphrase"], audit)

    def test_rsa_device(self):
        info, pem = self.issue("anna", "--rsa")
        with open(pem) as f:
            self.assertIn("BEGIN PRIVATE KEY", f.read())
        r = subprocess.run(["openssl", "x509", "-in", pem, "-noout", "-text"],
                           capture_output=True, text=True, check=True)
        self.assertIn("rsaEncryption", r.stdout)
        self.accept(pem, "anna")
        self.p.ctl("device", "revoke", info["serial"])

    def test_disable_and_delete_revoke(self):
        _, pem = self.issue("bert")
        self.accept(pem, "bert")
        self.p.ctl("disable", "bert")
        self.seen()
        self.reject(pem, "device-revoked")
        # enabling the account again does not bring a revoked certificate back
        self.p.ctl("enable", "bert")
        self.seen()
        self.reject(pem, "device-revoked")
        info, pem = self.issue("carl")
        self.accept(pem, "carl")
        self.p.ctl("delete", "carl")
        self.seen()
        self.reject(pem, "device-revoked")
        self.assertIn(info["serial"], self.crl_serials())

    def test_device_unknown_to_the_store(self):
        info, pem = self.issue("dirk")
        with self.p.db() as c:
            c.execute("DELETE FROM devices WHERE serial = ?", (info["serial"],))
        self.seen()
        self.reject(pem, "unknown-device")

    def test_device_limit(self):
        self.issue("dirk")
        self.issue("dirk")
        r = self.p.ctl("device", "issue", "dirk", "--out",
                       os.path.join(self.p.dir, "third.p12"), check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("device_limit", r.stderr)
        self.p.ctl("device", "revoke", "dirk")
        self.issue("dirk")

    def test_other_ca_rejected(self):
        pem = os.path.join(self.p.dir, "untrusted.pem")
        with open(pem, "w") as f:
            for k in ("untrusted", "untrusted_key"):
                with open(self.certs[k]) as g:
                    f.write(g.read())
        for v13 in (False, True):
            rc, out = self.eapol(pem, v13)
            self.assertNotEqual(rc, 0)
            self.assertNotIn("MPPE keys OK: 1", out)

    # The profiles poortctl writes next to the PKCS#12: an eap-config that
    # alone is enough for eapol_test (as the geteduroam app would use it),
    # and a signed Apple mobileconfig.

    def profile_issue(self, user):
        base = os.path.join(self.p.dir, f"{user}-{time.monotonic_ns()}")
        r = self.p.ctl("device", "issue", user, "--out", base + ".p12", "--eap-config",
                       base + ".eap-config", "--mobileconfig", base + ".mobileconfig")
        info = dict(line.split(" ", 1) for line in r.stdout.splitlines())
        self.seen()
        return info, base

    def supplicant_from_eapconfig(self, path):
        """CA file, server name, outer identity and client key+cert from the
        eap-config alone."""
        import base64
        import xml.etree.ElementTree as ET
        root = ET.parse(path).getroot()
        self.assertEqual(root.tag, "EAPIdentityProviderList")
        idp = root.find("EAPIdentityProvider")
        self.assertEqual(idp.get("ID"), pl.REALM)
        self.assertEqual([c.tag for c in idp],
                         ["ValidUntil", "AuthenticationMethods", "CredentialApplicability",
                          "ProviderInfo"])
        am = idp.find("AuthenticationMethods/AuthenticationMethod")
        self.assertEqual(am.find("EAPMethod/Type").text, "13")
        ca = am.find("ServerSideCredential/CA")
        self.assertEqual((ca.get("format"), ca.get("encoding")), ("X.509", "base64"))
        server = am.find("ServerSideCredential/ServerID").text
        csc = am.find("ClientSideCredential")
        outer = csc.find("OuterIdentity").text
        p12 = csc.find("ClientCertificate")
        self.assertEqual((p12.get("format"), p12.get("encoding")), ("PKCS12", "base64"))
        passphrase = csc.find("Passphrase").text
        ssids = [(e.find("SSID").text, e.find("MinRSNProto").text)
                 for e in idp.findall("CredentialApplicability/IEEE80211")]
        self.assertEqual(ssids, [("eduroam", "CCMP"), ("eduroam-test", "CCMP")])
        pi = idp.find("ProviderInfo")
        self.assertEqual(pi.find("DisplayName").text, "Test School & Co")
        self.assertEqual(pi.find("Helpdesk/EmailAddress").text, "ict@school.example")
        self.assertEqual(pi.find("TermsOfUse").text, "https://school.example/terms")
        out = path + ".d"
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, "ca.der"), "wb") as f:
            f.write(base64.b64decode(ca.text))
        with open(os.path.join(out, "dev.p12"), "wb") as f:
            f.write(base64.b64decode(p12.text))
        subprocess.run(["openssl", "x509", "-inform", "DER", "-in", os.path.join(out, "ca.der"),
                        "-out", os.path.join(out, "ca.pem")], check=True, capture_output=True)
        subprocess.run(["openssl", "pkcs12", "-in", os.path.join(out, "dev.p12"), "-nodes",
                        "-out", os.path.join(out, "dev.pem"), "-passin", "pass:" + passphrase],
                       check=True, capture_output=True)
        return dict(ca=os.path.join(out, "ca.pem"), pem=os.path.join(out, "dev.pem"),
                    server=server, identity=outer, valid_until=idp.find("ValidUntil").text)

    def test_eapconfig_alone_logs_in(self):
        info, base = self.profile_issue("anna")
        s = self.supplicant_from_eapconfig(base + ".eap-config")
        self.assertEqual(s["server"], eapcerts.SERVER_NAME)
        self.assertEqual(s["identity"], "anonymous@" + pl.REALM)
        for v13 in (False, True):
            with self.subTest(tls13=v13):
                rc, out = self.eapol(s["pem"], v13, ca=s["ca"], server=s["server"],
                                     identity=s["identity"])
                self.assertEqual(rc, 0, out[-2000:])
                self.assertIn("MPPE keys OK: 1  mismatch: 0", out)
        self.p.ctl("device", "revoke", info["serial"])
        self.seen()
        rc, out = self.eapol(s["pem"], True, ca=s["ca"], server=s["server"],
                             identity=s["identity"])
        self.assertNotEqual(rc, 0)

    def test_profile_against_another_server_name(self):
        """A server with a certificate from the same CA for another name: the
        supplicant set up from the profile refuses it."""
        info, base = self.profile_issue("anna")
        s = self.supplicant_from_eapconfig(base + ".eap-config")
        cadir = os.path.dirname(self.certs["ca"])
        evil, evil_key = eapcerts._issue(cadir, "evil", "evil.example", "radsec",
                                         san="evil.example")
        q = pl.Poortd(extra=f"""eap {{
	methods tls
	certificate "{evil}"
	private_key "{evil_key}"
	client_ca "{self.certs['ca']}"
}}
""")
        try:
            q.start()
            for v13 in (False, True):
                rc, out = self.eapol(s["pem"], v13, ca=s["ca"], server=s["server"],
                                     identity=s["identity"], port=q.auth_port)
                self.assertNotEqual(rc, 0)
                self.assertNotIn("MPPE keys OK: 1", out)
                self.assertIn("Domain mismatch", out)
        finally:
            q.stop()
            q.cleanup()
        self.p.ctl("device", "revoke", info["serial"])

    def test_mobileconfig_signed(self):
        import plistlib
        info, base = self.profile_issue("anna")
        plist = base + ".plist"
        r = subprocess.run(["openssl", "cms", "-verify", "-inform", "DER", "-in",
                            base + ".mobileconfig", "-CAfile", self.certs["ca"], "-purpose",
                            "any", "-out", plist], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Verification successful", r.stderr)
        r = subprocess.run(["openssl", "smime", "-verify", "-inform", "DER", "-in",
                            base + ".mobileconfig", "-CAfile", self.certs["ca"], "-purpose",
                            "any", "-out", "/dev/null"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(plist, "rb") as f:
            pl_ = plistlib.load(f)
        self.assertEqual(pl_["PayloadType"], "Configuration")
        types = [p["PayloadType"] for p in pl_["PayloadContent"]]
        self.assertEqual(types, ["com.apple.security.root", "com.apple.security.pkcs12",
                                 "com.apple.wifi.managed", "com.apple.wifi.managed"])
        root, p12, wifi = pl_["PayloadContent"][0], pl_["PayloadContent"][1], \
            pl_["PayloadContent"][2]
        with open(self.certs["ca"]) as f:
            ca_pem = f.read()
        der = subprocess.run(["openssl", "x509", "-outform", "DER"], input=ca_pem.encode(),
                             capture_output=True, check=True).stdout
        self.assertEqual(root["PayloadContent"], der)
        self.assertEqual(wifi["SSID_STR"], "eduroam")
        self.assertEqual(pl_["PayloadContent"][3]["SSID_STR"], "eduroam-test")
        eap = wifi["EAPClientConfiguration"]
        self.assertEqual(eap["AcceptEAPTypes"], [13])
        self.assertEqual(eap["OuterIdentity"], "anonymous@" + pl.REALM)
        self.assertEqual(eap["TLSTrustedServerNames"], [eapcerts.SERVER_NAME])
        self.assertEqual(eap["PayloadCertificateAnchorUUID"], [root["PayloadUUID"]])
        self.assertNotIn("TLSAllowTrustExceptions", eap)
        self.assertEqual(wifi["PayloadCertificateUUID"], p12["PayloadUUID"])
        self.assertEqual(len({p["PayloadUUID"] for p in pl_["PayloadContent"]}), 4)
        # the PKCS#12 payload opens with its password and holds the device's key
        p12path = base + ".payload.p12"
        with open(p12path, "wb") as f:
            f.write(p12["PayloadContent"])
        r = subprocess.run(["openssl", "pkcs12", "-in", p12path, "-nodes", "-passin",
                            "pass:" + p12["Password"]], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("PRIVATE KEY", r.stdout)
        self.assertIn(info["identity"], r.stdout)
        # removed from the device when the certificate expires
        self.assertEqual(int(pl_["RemovalDate"].timestamp()), int(info["expires"]))
        self.p.ctl("device", "revoke", info["serial"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
