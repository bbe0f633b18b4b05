#!/usr/bin/python3
"""Full HTTP flow with curl and a cookie jar: apache2 + mod_auth_mellon as
two SPs, poortd as IdP. The second SP within the session needs no password.

usage: saml_mellon.py BUILD_DIR WORK_DIR
"""
import html
import os
import re
import shutil
import subprocess
import sys

import saml_env as env
from saml_apache import Apache

FAILS = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)


class Curl:
    def __init__(self, work, cafile):
        self.jar = os.path.join(work, "cookies.txt")
        self.cafile = cafile

    def __call__(self, url, data=None):
        """Returns (final url, body). Follows redirects; the jar keeps cookies."""
        cmd = ["curl", "-sS", "--max-time", "30", "--cacert", self.cafile, "-L",
               "--max-redirs", "10", "-c", self.jar, "-b", self.jar,
               "-w", "\n__URL__%{url_effective}"]
        for k, v in (data or {}).items():
            cmd += ["--data-urlencode", "%s=%s" % (k, v)]
        out = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=60)
        body, _, final = out.stdout.rpartition("\n__URL__")
        return final, body


def fields(text):
    return {m.group(1): html.unescape(m.group(2))
            for m in re.finditer(r'name="([^"]+)" value="([^"]*)"', text)}


def post_form(curl, text):
    action = html.unescape(re.search(r'<form method="post" action="([^"]+)"', text).group(1))
    return curl(action, fields(text))


def main():
    build, work = sys.argv[1], sys.argv[2]
    if shutil.which("apache2") is None or not os.path.exists(
            "/usr/lib/apache2/modules/mod_auth_mellon.so"):
        print("SKIP: apache2 or libapache2-mod-auth-mellon not installed")
        sys.exit(77)
    p = env.Poortd(build, work, [])
    # SP1 encrypted (lasso signs); SP2 signed only, which poortd's own signer does
    ap = Apache(work, p, [("sp1", ["givenName", "sn", "uid"], "uid", True),
                          ("sp2", ["givenName"], "transient", False)])
    try:
        p.sps = ap.prepare()
        p.start()
        ap.start()
        curl = Curl(work, p.https_crt)
        url, body = curl(ap.base + "/sp1/secure")
        check(url.startswith(p.base + "/saml/sso") and 'name="password"' in body,
              "SP1 sends the browser to poortd's login page")
        f = fields(body)
        _, body = curl(p.base + "/saml/login", {"ctx": f.get("ctx", ""), "lang": "en",
                                                "username": env.USER,
                                                "password": env.PASSWORD})
        check("SAMLResponse" in body, "login answers with the auto-POST form")
        url, body = post_form(curl, body)
        check(url == ap.base + "/sp1/secure" and "SP page for sp1" in body,
              "mellon accepted the assertion and shows SP1's page")
        check("MELLON_givenName=Jan" in body and "MELLON_uid=jan.student@school.example" in body,
              "released attributes arrive at SP1")
        check("MELLON_NAME_ID=jan.student@school.example" in body, "NameID equals uid")
        check("urn:oid:0.9.2342.19200300.100.1.3" not in body and "mail" not in body.lower(),
              "unreleased attribute (mail) is absent")
        url, body = curl(ap.base + "/sp2/secure")
        if 'name="password"' not in body and "SAMLResponse" in body:
            url, body = post_form(curl, body)
        check("SP page for sp2" in body, "SP2 reached within the session without a password"
              " (a signed, unencrypted assertion)")
        check("MELLON_givenName=Jan" in body and "MELLON_sn" not in body and
              "MELLON_uid" not in body, "SP2 gets only givenName")
        # single logout started at SP1: poortd ends the SSO session and answers SP1
        url, body = curl(ap.base + "/sp1/mellon/logout?ReturnTo=" + ap.base + "/sp1/bye")
        check(url.startswith(ap.base + "/sp1/bye"), "SLO round trip returns to SP1")
        check(p.log_has("saml slo sp=" + ap.entity("sp1") + " user=" + env.USER +
                        " session=ended"), "poortd ended the session on SP1's LogoutRequest")
        check(p.log_has("saml slo asking sp=" + ap.entity("sp2") + " user=" + env.USER) and
              p.log_has("saml slo sp=" + ap.entity("sp2") + " user=" + env.USER +
                        " logged out") and p.log_has("saml slo done user=" + env.USER),
              "the logout went round SP2 (our LogoutRequest, its signed LogoutResponse)")
        url, body = curl(ap.base + "/sp1/secure")
        check('name="password"' in body, "after logout SP1 asks for the password again")
        url, body = curl(ap.base + "/sp2/secure")
        check('name="password"' in body, "and so does SP2: its mellon session ended too")
        # log in to both again, then log out at poortd: both SPs are asked
        f = fields(body)
        _, body = curl(p.base + "/saml/login", {"ctx": f.get("ctx", ""), "lang": "en",
                                                "username": env.USER,
                                                "password": env.PASSWORD})
        url, body = post_form(curl, body)
        url, body = curl(ap.base + "/sp1/secure")
        if 'name="password"' not in body and "SAMLResponse" in body:
            url, body = post_form(curl, body)
        check("SP page for sp1" in body and "SP page for sp2" not in body,
              "logged in again at SP2, then SP1 within the session")
        url, body = curl(p.base + "/saml/logout")
        check(url.startswith(p.base + "/saml/slo") and "Uitgelogd" in body,
              "logout at poortd went round the SPs and ends on poortd's page")
        for name in ("sp1", "sp2"):
            url, body = curl(ap.base + "/" + name + "/secure")
            check('name="password"' in body, "after logout at poortd %s asks for the password"
                  % name)
        log = p.ctl("saml-log", env.USER).stdout
        check(ap.entity("sp1") in log and ap.entity("sp2") in log, "both releases logged")
        check(p.alive(), "poortd alive")
    finally:
        ap.stop()
        rc = p.stop()
        check(rc == 0, "poortd stopped cleanly (rc=%s)" % rc)
        if FAILS:
            print(ap.errors())
    if FAILS:
        print("%d check(s) failed" % len(FAILS))
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
