#!/usr/bin/python3
"""The admin UI's helpdesk pages against a real poortd with its admin
listener (python3-requests, logging in with password and a TOTP code
computed here): "why can't X log in?" shows a real failure made with
radclient (wrong password) with its reason and what to do, in Dutch and in
English, searched by user, by MAC in another notation and by time; "online
now" shows a session after a radclient Accounting-Start and not after its
Stop; a helpdesk admin may use both. SSO (admin only, pysaml2 as the SP):
the metadata sources, the SP's release rule as checkboxes; unticking an
attribute and saving shows in the next assertion, with an audit row; the
release log per user and per SP; the helpdesk gets 403 on the page and on
the form. Every form with and without its CSRF token (403 without).

usage: admin_why_sso.py BUILD_DIR WORK_DIR"""

import html
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))

import requests  # noqa: E402

from admin_chromium import Codes  # noqa: E402
import saml_env as env  # noqa: E402

FAILS = []
SECRET = "testing123-secret"


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)


def csrf_of(text):
    m = re.search(r'name="csrf" value="([^"]+)"', text)
    return html.unescape(m.group(1)) if m else ""


def session(ca):
    """The box's self-signed certificate (trust_env off: REQUESTS_CA_BUNDLE
    would win over verify)."""
    s = requests.Session()
    s.trust_env = False
    s.verify = ca
    return s


class Admin:
    """One logged-in admin: a requests session with its cookie."""
    def __init__(self, base, ca):
        self.base = base
        self.s = session(ca)

    def get(self, path, **kw):
        return self.s.get(self.base + path, allow_redirects=False, timeout=10, **kw)

    def post(self, path, data, csrf=True, page=None):
        data = dict(data)
        if csrf:
            data["csrf"] = csrf_of(self.get(page or path).text)
        return self.s.post(self.base + path, data=data, allow_redirects=False, timeout=10)

    def first_login(self, name, onetime, newpw, codes):
        r = self.post("/admin/login", {"name": name, "password": onetime})
        check(r.status_code == 303 and r.headers["Location"] == "/admin/password",
              "%s: one-time password: set a new one (%d)" % (name, r.status_code))
        r = self.post("/admin/password", {"password": newpw, "password2": newpw})
        check(r.status_code == 303 and r.headers["Location"] in ("/admin/", "/admin/totp"),
              "%s: new password set, then TOTP enrolment (%d)" % (name, r.status_code))
        page = self.get("/admin/totp").text
        secret = re.search(r'id="secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
        r = self.s.post(self.base + "/admin/totp", data={"csrf": csrf_of(page),
                                                          "code": codes.next(secret)},
                        allow_redirects=False, timeout=10)
        check(r.status_code == 303 and r.headers["Location"] == "/admin/",
              "%s: enrolled, logged in (%d)" % (name, r.status_code))


def main():
    build, work = sys.argv[1], sys.argv[2]
    from saml_release import REL1, assertion, names
    from saml_pysaml2 import ACS, SP1, sp_client
    p = env.Poortd(build, work, [])
    sp_key, sp_crt = env.make_key(p.keys, "sp", "test sp")
    eid, xml = env.sp_metadata(SP1, [ACS[SP1]], sp_crt, False, False)
    md = env.sign_metadata(p.keys, "md-sp1", eid, xml, p.fed_key, p.fed_crt)
    p.sps = [(SP1, REL1, "uid", md)]
    admin_port = env.free_port()
    orig_write = p.write_config
    ports = {}

    def write_config():
        orig_write()
        text = open(p.conf).read().replace(
            "  rate 100000", "  rate 100000\n  admin_listen 127.0.0.1 %d" % admin_port)
        text += 'client "loopback" {\n\taddress 127.0.0.1\n\tsecret "%s"\n}\n' % SECRET
        for kind in ("auth", "acct"):
            ports[kind] = int(re.search(r"listen %s 127.0.0.1 (\d+)" % kind, text).group(1))
        open(p.conf, "w").write(text)
    p.write_config = write_config
    base = "https://127.0.0.1:%d" % admin_port
    codes = Codes()

    def radclient(attrs, code):
        port = ports["auth" if code == "auth" else "acct"]
        r = subprocess.run(["radclient", "-r", "1", "-t", "2", "-x", "127.0.0.1:%d" % port,
                            code, SECRET], input=attrs, capture_output=True, text=True,
                           timeout=30)
        return r.stdout + r.stderr

    try:
        p.start()
        boss_pw = p.ctl("admin", "add", "boss", "--role", "admin").stdout.strip().split("\t")[-1]
        desk_pw = p.ctl("admin", "add", "desk", "--role", "helpdesk").stdout.strip()
        desk_pw = desk_pw.split("\t")[-1]
        boss = Admin(base, p.https_crt)
        boss.first_login("boss", boss_pw, "correct horse battery", codes)
        desk = Admin(base, p.https_crt)
        desk.first_login("desk", desk_pw, "helpdesk staple 42", codes)

        # --- why can't X log in? ---
        out = radclient('User-Name = "%s@school.example", User-Password = "wrong-pw-1", '
                        'Calling-Station-Id = "02-11-22-33-44-55", '
                        'Message-Authenticator = 0x00' % env.USER, "auth")
        check("Access-Reject" in out, "radclient: a wrong password is rejected")
        time.sleep(1.5)  # the log writer
        for who, a in (("admin", boss), ("helpdesk", desk)):
            r = a.get("/admin/why?lang=nl&q=" + env.USER)
            check(r.status_code == 200 and 'data-reason="wrong-password"' in r.text and
                  "Wat te doen:" in r.text and "{{" not in r.text,
                  "%s: why (nl) by user shows the wrong password (%d)" % (who, r.status_code))
        r = desk.get("/admin/why?lang=nl&q=" + env.USER)
        check("Verkeerd wachtwoord" in r.text or "wachtwoord" in r.text.split("data-reason")[1],
              "why (nl): the reason in Dutch")
        check('<html lang="nl">' in r.text, "why (nl): <html lang=nl>")
        r = desk.get("/admin/why?lang=en&q=" + env.USER)
        check('<html lang="en">' in r.text and "What to do:" in r.text and
              'data-reason="wrong-password"' in r.text and
              "password" in r.text.split('data-reason="wrong-password"')[1].lower(),
              "why (en): the same failure explained in English")
        r = desk.get("/admin/why?lang=en&kind=mac&q=02:11:22:33:44:55")
        check('data-reason="wrong-password"' in r.text, "why by MAC, another notation")
        r = desk.get("/admin/why?lang=en&q=" + env.USER + "&since=2000-01-01&until=2000-01-02")
        check('data-reason' not in r.text and "Nothing found." in r.text,
              "why: a time range without the failure finds nothing")
        r = desk.get("/admin/why?lang=en&q=" + env.USER + "&since=yesterday")
        check('role="alert"' in r.text, "why: a bad date is explained")
        r = desk.get("/admin/why?lang=en&kind=cui&q=0123456789abcdef0123")
        check(r.status_code == 200 and "Nothing found." in r.text, "why by CUI: nothing")
        r = session(p.https_crt).get(base + "/admin/why", allow_redirects=False)
        check(r.status_code == 303, "why without a session: to the login page")

        # --- online now ---
        r = desk.get("/admin/online?lang=en")
        check(r.status_code == 200 and "Nobody is online." in r.text, "online: nobody yet")
        acct = ('User-Name = "%s@school.example", Acct-Session-Id = "ui-1", '
                'Calling-Station-Id = "02-aa-bb-cc-dd-01", NAS-IP-Address = 127.0.0.1, '
                'Acct-Status-Type = %%s%%s' % env.USER)
        out = radclient(acct % ("Start", ""), "acct")
        check("Accounting-Response" in out, "radclient: Accounting-Start answered")
        time.sleep(1.5)
        r = desk.get("/admin/online?lang=nl")
        check(r.status_code == 200 and env.USER + "@school.example" in r.text and
              "02-aa-bb-cc-dd-01" in r.text and 'id="count">1<' in r.text,
              "online (nl): the session after Accounting-Start")
        r = boss.get("/admin/online?lang=en&mac=02:AA:BB:CC:DD:01")
        check('id="count">1<' in r.text, "online: filter by MAC in another notation")
        r = boss.get("/admin/online?lang=en&user=nobody")
        check('id="count">0<' in r.text, "online: filter by another user")
        radclient(acct % ("Stop", ", Acct-Session-Time = 60, Acct-Input-Octets = 1500000"),
                  "acct")
        time.sleep(1.5)
        r = desk.get("/admin/online?lang=en")
        check('id="count">0<' in r.text, "online: ended by Stop")

        # --- SSO ---
        r = desk.get("/admin/sso")
        check(r.status_code == 403, "helpdesk: the SSO page is 403 (%d)" % r.status_code)
        r = desk.post("/admin/sso/release", {"sp": SP1, "a_uid": "1"}, page="/admin/why")
        check(r.status_code == 403, "helpdesk: saving a release rule is 403 (%d)" %
              r.status_code)
        r = boss.get("/admin/sso?lang=en")
        check(r.status_code == 200 and SP1 in r.text and "{{" not in r.text,
              "admin: the SSO page lists the SP")
        check("md-sp1" in r.text or "<code>/" in r.text.split("Metadata")[1],
              "admin: the metadata source with its refresh and validUntil")
        check('name="a_mail" value="1" checked' in r.text and
              'name="a_uid" value="1" checked' in r.text,
              "admin: the release rule as ticked checkboxes")
        sess = session(p.https_crt)
        c1 = sp_client(p, SP1, sp_key, sp_crt, False)
        a = assertion(p, sess, c1)
        check(a is not None and "mail" in names(a), "an assertion before the change has mail")
        keep = {"sp": SP1}
        for n in REL1:
            if n != "mail":
                keep["a_" + n] = "1"
        r = boss.post("/admin/sso/release", keep, csrf=False)
        check(r.status_code == 403, "release rule without CSRF: 403 (%d)" % r.status_code)
        r = boss.post("/admin/sso/release", keep, page="/admin/sso")
        check(r.status_code == 303, "admin: release rule saved (%d)" % r.status_code)
        r = boss.get(r.headers["Location"] + "&lang=nl")
        check("Opgeslagen" in r.text and 'name="a_mail" value="1">' in r.text,
              "the page shows the saved rule (mail unticked), in Dutch")
        a = assertion(p, sess, c1)
        check(a is not None and "mail" not in names(a) and "givenName" in names(a),
              "the next assertion has no mail, still givenName: %r" % (a and names(a),))
        r = boss.get("/admin/audit?lang=en")
        check("sp.release" in r.text and "remove mail" in r.text, "audit row for the change")
        time.sleep(1.0)  # the log writer
        r = boss.get("/admin/sso?lang=en&user=" + env.USER)
        log = r.text.split("<tbody>")[-1]
        check(SP1 in log and env.USER in log, "release log per user")
        r = boss.get("/admin/sso?lang=en&sp=https://nobody.example/sp")
        check(env.USER not in r.text.split("<tbody>")[-1], "release log per SP (another)")

        # --- CSRF on the forms ---
        r = desk.post("/admin/logout", {}, csrf=False)
        check(r.status_code == 403, "logout without CSRF: 403 (%d)" % r.status_code)
        r = desk.post("/admin/logout", {}, page="/admin/why")
        check(r.status_code == 303, "logout with CSRF: 303 (%d)" % r.status_code)
    finally:
        p.stop()
    log = open(p.log).read()
    check("Sanitizer" not in log, "no sanitizer report")
    if FAILS:
        print("FAILED: %d checks" % len(FAILS))
        print(log[-3000:])
        sys.exit(1)


if __name__ == "__main__":
    main()
