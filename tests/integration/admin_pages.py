#!/usr/bin/python3
"""The admin UI's account, guest and access point pages
with Python requests against a real poortd with an admin listener: log in as
an admin and as a helpdesk admin (one-time password, new password, TOTP
computed here), then every page and every form, each form also without its
CSRF token (403). Accounts: search, add (password shown once), enable,
disable, expiry, password reset (the new one works at once with radclient),
the CSV import (multipart; the preview lists every line's errors and writes
nothing; the confirm step commits all) and the CSV export; helpdesk may
change students only and may not add or import. Audit rows for each change.

usage: admin_pages.py BUILD_DIR WORK_DIR"""

import os
import re
import ssl
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))

import requests  # noqa: E402
import saml_env as env  # noqa: E402
from admin_chromium import Codes  # noqa: E402

FAILS = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)


def csrf_of(html):
    m = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    return m.group(1) if m else ""


class Admin:
    def __init__(self, base, ca):
        self.base = base
        self.s = requests.Session()
        ctx = ssl.create_default_context(cafile=ca)
        ctx.check_hostname = False  # an IP address; the chain is still verified

        class Ctx(requests.adapters.HTTPAdapter):
            def init_poolmanager(self, *a, **k):
                k["ssl_context"] = ctx
                return super().init_poolmanager(*a, **k)
        self.s.mount("https://", Ctx())
        self.s.headers["Origin"] = base
        self.csrf = ""

    def get(self, path, **kw):
        r = self.s.get(self.base + path, timeout=20, **kw)
        if r.status_code == 200 and "text/html" in r.headers.get("Content-Type", ""):
            self.csrf = csrf_of(r.text) or self.csrf
        return r

    def post(self, path, data=None, files=None, csrf=True, **kw):
        data = dict(data or {})
        if csrf:
            data["csrf"] = self.csrf
        r = self.s.post(self.base + path, data=data, files=files, timeout=60, **kw)
        if r.status_code == 200:
            self.csrf = csrf_of(r.text) or self.csrf
        return r

    def first_login(self, name, onetime, newpw, codes):
        self.get("/admin/login?lang=en")
        r = self.post("/admin/login", {"name": name, "password": onetime})
        check(r.url.endswith("/admin/password"), "%s: one-time password -> new password" % name)
        r = self.post("/admin/password", {"password": newpw, "password2": newpw})
        m = re.search(r'id="secret">([A-Z2-7]+)<', r.text)
        check(m is not None, "%s: TOTP enrolment" % name)
        r = self.post("/admin/totp", {"code": codes.next(m.group(1))})
        check(r.status_code == 200 and r.url.endswith("/admin/"), "%s: logged in" % name)


def radclient(p, user, pw, secret):
    port = int(re.search(r"listen auth 127.0.0.1 (\d+)", open(p.conf).read()).group(1))
    attrs = ('User-Name = "%s@school.example", User-Password = "%s", '
             'Message-Authenticator = 0x00' % (user, pw))
    r = subprocess.run(["radclient", "-r", "1", "-t", "2", "-x", "127.0.0.1:%d" % port, "auth",
                        secret], input=attrs, capture_output=True, text=True, timeout=30)
    # "Received Access-Accept": radclient also prints "Expected Access-Accept got ..."
    return "Received Access-Accept" in r.stdout + r.stderr


def main():
    build, work = sys.argv[1], sys.argv[2]
    p = env.Poortd(build, work, [])
    admin_port = env.free_port()
    orig_write = p.write_config

    def write_config():
        orig_write()
        text = open(p.conf).read().replace(
            "  rate 100000", "  rate 100000\n  admin_listen 127.0.0.1 %d" % admin_port)
        open(p.conf, "w").write(text)
    p.write_config = write_config
    base = "https://127.0.0.1:%d" % admin_port
    codes = Codes()
    try:
        p.start()
        boss_pw = p.ctl("admin", "add", "boss", "--role", "admin").stdout.strip().split("\t")[-1]
        desk_pw = p.ctl("admin", "add", "desk", "--role", "helpdesk").stdout.strip().split("\t")[-1]
        p.ctl("add", "mia.staff", "--given", "Mia", "--surname", "Docent", "--affiliation",
              "employee", "--password-stdin", stdin="staff-password-1\n")
        a = Admin(base, p.https_crt)
        a.first_login("boss", boss_pw, "correct horse battery", codes)

        # access points: no client yet, so RADIUS is silent; one added here works at once
        check(not radclient(p, env.USER, env.PASSWORD, "nothing-yet-1"), "no AP: no answer")
        r = a.get("/admin/aps?lang=en")
        check(r.status_code == 200 and "{{" not in r.text, "aps: the list (%d)" % r.status_code)
        for path, data in (("/admin/aps/add", {"name": "x", "address": "127.0.0.1"}),
                           ("/admin/aps/delete", {"name": "x"})):
            r = a.post(path, data, csrf=False)
            check(r.status_code == 403, "%s without CSRF: 403 (%d)" % (path, r.status_code))
        r = a.post("/admin/aps/add", {"name": "lab", "address": "127.0.0.1/32"})
        m = re.search(r'id="new_secret">([^<]+)<', r.text)
        check(r.status_code == 200 and m is not None, "aps: add shows the secret")
        radius_secret = m.group(1) if m else "none"
        time.sleep(0.6)
        check(radclient(p, env.USER, env.PASSWORD, radius_secret),
              "aps: the new AP's secret works at once (radclient)")
        r = a.get("/admin/aps")
        check("lab" in r.text and "127.0.0.1/32" in r.text and radius_secret not in r.text,
              "aps: listed, the secret not shown again")
        r = a.post("/admin/aps/add", {"name": "lab", "address": "127.0.0.2"})
        check("already" in r.text and 'id="new_secret"' not in r.text, "aps: a taken name")
        r = a.post("/admin/aps/add", {"name": "bad", "address": "10.0.0.1/8"})
        check("Write an address" in r.text, "aps: host bits after the prefix refused")
        r = a.post("/admin/aps/add", {"name": "gone", "address": "192.0.2.0/24"})
        r = a.post("/admin/aps/delete", {"name": "gone"})
        check(r.status_code == 200 and "<td>192.0.2.0/24</td>" not in r.text, "aps: delete")
        r = a.post("/admin/aps/delete", {"name": "gone"})
        check("no such access point" in r.text, "aps: delete an unknown one")

        # the list and search
        r = a.get("/admin/accounts?lang=en")
        check(r.status_code == 200 and env.USER in r.text and "{{" not in r.text,
              "accounts: the list (%d)" % r.status_code)
        r = a.get("/admin/accounts?q=Vries")
        check(env.USER in r.text and "mia.staff" not in r.text, "accounts: search by surname")
        r = a.get("/admin/accounts?q=nobody-here")
        check("Nothing found" in r.text, "accounts: a search without hits")
        r = a.get("/admin/accounts/edit?u=" + env.USER)
        check(r.status_code == 200 and "Jan" in r.text, "accounts: one account's page")
        check(a.get("/admin/accounts/edit?u=nosuch").status_code == 404, "no such account: 404")

        # add: the password shown once, and it works
        for path, data in (("/admin/accounts/add", {"username": "x"}),
                           ("/admin/accounts/enable", {"u": env.USER, "value": "0"}),
                           ("/admin/accounts/password", {"u": env.USER}),
                           ("/admin/accounts/expiry", {"u": env.USER, "value": ""}),
                           ("/admin/accounts/import", {"confirm": "1", "csv": "a;b"})):
            r = a.post(path, data, csrf=False)
            check(r.status_code == 403, "%s without CSRF: 403 (%d)" % (path, r.status_code))
        r = a.post("/admin/accounts/add", {"username": "piet.nieuw", "given": "Piet",
                                           "surname": "Nieuw", "number": "778899",
                                           "affiliation": "student", "expires": "2099-06-30"})
        m = re.search(r'id="new_password">([^<]+)<', r.text)
        check(r.status_code == 200 and m is not None, "add: the new password on the answer (%d %s)" % (r.status_code, re.findall("role=.alert.>[^<]*", r.text)))
        newpw = m.group(1) if m else ""
        time.sleep(0.6)
        check(radclient(p, "piet.nieuw", newpw, radius_secret),
              "add: the new account logs in with that password (radclient)")
        r = a.get("/admin/accounts?q=piet")
        check("piet.nieuw" in r.text and "2099-06-30" in r.text and newpw not in r.text,
              "add: listed with its expiry, the password not shown again")
        r = a.post("/admin/accounts/add", {"username": "piet.nieuw", "given": "P",
                                           "surname": "N", "affiliation": "student"})
        check("This account exists already" in r.text, "add: an existing name refused")
        r = a.post("/admin/accounts/add", {"username": "Bad Name", "given": "P",
                                           "surname": "N", "affiliation": "student"})
        check("Not a valid account name" in r.text, "add: a bad name refused")

        # disable, enable, expiry, reset
        r = a.post("/admin/accounts/enable", {"u": "piet.nieuw", "value": "0"})
        check("The account is disabled" in r.text, "disable")
        time.sleep(0.6)
        check(not radclient(p, "piet.nieuw", newpw, radius_secret),
              "a disabled account is refused")
        r = a.post("/admin/accounts/enable", {"u": "piet.nieuw", "value": "1"})
        check("The account is enabled" in r.text, "enable")
        r = a.post("/admin/accounts/expiry", {"u": "piet.nieuw", "value": "2098-01-31"})
        check("2098-01-31" in r.text, "expiry set")
        r = a.post("/admin/accounts/expiry", {"u": "piet.nieuw", "value": "tomorrow"})
        check("Write a date" in r.text, "a bad expiry is explained")
        r = a.post("/admin/accounts/password", {"u": "piet.nieuw"})
        m = re.search(r'id="new_password">([^<]+)<', r.text)
        check(m is not None and m.group(1) != newpw, "reset: a new password on the answer")
        time.sleep(0.6)
        if m:
            check(radclient(p, "piet.nieuw", m.group(1), radius_secret),
                  "reset: the new password works at once")
            check(not radclient(p, "piet.nieuw", newpw, radius_secret),
                  "reset: the old one does not")
        r = a.get("/admin/accounts/edit?u=piet.nieuw")
        check('id="new_password"' not in r.text, "the account page does not show it again")

        # the CSV import: preview with per-line errors, nothing written
        bad = ("username;given;surname;number;affiliation;password\n"
               "kees.a;Kees;Aa;1001;student;generate\n"
               "Bad Name;X;Y;1002;student;generate\n"
               "kees.a;Kees;Bb;1003;student;generate\n"
               "lotte.c;Lotte;;1004;student;generate\n")
        r = a.post("/admin/accounts/import", files={"file": ("a.csv", bad, "text/csv")})
        check(r.status_code == 200 and "<td>3</td>" in r.text and "<td>4</td>" in r.text and
              "<td>5</td>" in r.text and "earlier line" in r.text and 'name="confirm"' not in r.text,
              "import: the preview lists every bad line, no confirm button")
        check(a.get("/admin/accounts?q=kees").text.count("kees.a") == 0,
              "import: nothing written by the preview")
        good = ("kees.a;Kees;Aa;1001;student;generate\n"
                "lotte.c;Lotte;Cc;1004;student;lotte-password-9\n")
        r = a.post("/admin/accounts/import", files={"file": ("g.csv", good, "text/csv")})
        check('name="confirm"' in r.text and "No problems found" in r.text,
              "import: a good file -> the confirm step")
        check(a.get("/admin/accounts?q=kees").text.count("kees.a") == 0,
              "import: still nothing written before the confirm")
        r = a.post("/admin/accounts/import", {"confirm": "1", "csv": good})
        m = re.search(r"<td>kees.a</td><td><code>([^<]+)</code>", r.text)
        check(r.status_code == 200 and m is not None and "lotte-password-9" not in r.text,
              "import: committed, the generated password shown once")
        time.sleep(0.6)
        if m:
            check(radclient(p, "kees.a", m.group(1), radius_secret),
                  "import: the generated password works")
        check(radclient(p, "lotte.c", "lotte-password-9", radius_secret),
              "import: the given password works")
        r = a.post("/admin/accounts/import", {"confirm": "1"})
        check("Upload the file again" in r.text, "import: a second confirm finds nothing kept")
        r = a.post("/admin/accounts/import", files={"file": ("g.csv", good, "text/csv")})
        check("This account exists already" in r.text and 'name="confirm"' not in r.text,
              "import: the same file again: every line exists already")
        r = a.post("/admin/accounts/import", files={"file": ("e.csv", "", "text/csv")})
        check("Choose a CSV file first" in r.text, "import: an empty file")

        # export
        r = a.get("/admin/accounts/export")
        check(r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv") and
              '"kees.a";"Kees"' in r.text and "$y$" not in r.text,
              "export: CSV with every account, no hashes")

        # audit rows
        r = a.get("/admin/audit?actor=boss")
        for act in ("account.add", "account.disable", "account.enable", "account.expire",
                    "account.passwd", "account.import", "account.export"):
            check(act in r.text, "audit: %s" % act)
        check(newpw not in r.text, "audit: no password")

        # guest access: a batch, printable vouchers shown once, the list, ending it early
        r = a.get("/admin/guests")
        check(r.status_code == 200 and "{{" not in r.text, "guests: the page")
        r = a.post("/admin/guests/create", {"event": "open-dag", "count": "3",
                                            "until": "2099-01-31"}, csrf=False)
        check(r.status_code == 403, "guests/create without CSRF: 403 (%d)" % r.status_code)
        r = a.post("/admin/guests/expire", {"batch": "open-dag"}, csrf=False)
        check(r.status_code == 403, "guests/expire without CSRF: 403 (%d)" % r.status_code)
        r = a.post("/admin/guests/create", {"event": "open-dag", "count": "3",
                                            "until": "2099-01-31"})
        vs = re.findall(r"<dd>(guest-[a-z0-9]+)@school.example</dd><dt>[^<]*</dt><dd>([^<]+)</dd>",
                        r.text)
        check(r.status_code == 200 and len(vs) == 3 and "eduroam" in r.text and
              "2099-01-31" in r.text and "@media print" in r.text,
              "guests: three printable vouchers with name, password, validity (%d)" % len(vs))
        time.sleep(0.6)
        if vs:
            check(radclient(p, vs[0][0], vs[0][1], radius_secret), "guests: a voucher works")
        r = a.get("/admin/guests")
        check(r.text.count("open-dag") >= 3 and (not vs or vs[0][1] not in r.text),
              "guests: listed by event, passwords not shown again")
        for bad, what in (({"count": "0", "until": "2099-01-31"}, "count 0"),
                          ({"count": "2", "until": "2001-01-31"}, "a past date"),
                          ({"count": "2", "until": ""}, "no date")):
            r = a.post("/admin/guests/create", bad)
            check(r.status_code == 200 and 'role="alert"' in r.text and "<dd>" not in r.text,
                  "guests: %s refused" % what)
        r = a.post("/admin/guests/expire", {"batch": "open-dag"})
        check("have ended" in r.text, "guests: the event ended early")
        time.sleep(0.6)
        if vs:
            check(not radclient(p, vs[0][0], vs[0][1], radius_secret),
                  "guests: an ended voucher is refused")
        r = a.get("/admin/audit?actor=boss")
        check("guest.add" in r.text and "guest.expire" in r.text, "audit: guest.add, guest.expire")

        # helpdesk: students only, no add/import/export
        d = Admin(base, p.https_crt)
        d.first_login("desk", desk_pw, "helpdesk staple 42", codes)
        r = d.get("/admin/accounts")
        check(r.status_code == 200 and 'action="/admin/accounts/add"' not in r.text,
              "helpdesk: the list, without add and import")
        r = d.post("/admin/accounts/password", {"u": "kees.a"})
        check(r.status_code == 200 and 'id="new_password"' in r.text,
              "helpdesk: may reset a student's password")
        r = d.post("/admin/accounts/enable", {"u": "kees.a", "value": "0"})
        check(r.status_code == 200, "helpdesk: may disable a student")
        r = d.post("/admin/accounts/password", {"u": "mia.staff"})
        check(r.status_code == 403, "helpdesk: not an employee's password (%d)" % r.status_code)
        for path, data in (("/admin/accounts/add", {"username": "zz", "given": "Z",
                                                    "surname": "Z", "affiliation": "student"}),
                           ("/admin/accounts/expiry", {"u": "kees.a", "value": ""}),
                           ("/admin/accounts/import", {"confirm": "1", "csv": good})):
            r = d.post(path, data)
            check(r.status_code == 403, "helpdesk: %s 403 (%d)" % (path, r.status_code))
        check(d.get("/admin/accounts/export").status_code == 403, "helpdesk: export 403")
        check(d.get("/admin/guests").status_code == 200, "helpdesk: may open guest access")
        r = d.post("/admin/guests/create", {"count": "1", "until": "2099-01-31"})
        check(r.status_code == 200 and "guest-" in r.text, "helpdesk: may make a voucher")
        check(d.get("/admin/aps").status_code == 403, "helpdesk: the APs page 403")
        check('href="/admin/aps"' not in d.get("/admin/accounts").text, "helpdesk: no APs menu")
        for path in ("/admin/aps/add", "/admin/aps/delete"):
            r = d.post(path, {"name": "lab", "address": "127.0.0.9"})
            check(r.status_code == 403, "helpdesk: %s 403 (%d)" % (path, r.status_code))
        r = a.get("/admin/audit?actor=boss")
        check("client.add" in r.text and "client.delete" in r.text and
              radius_secret not in r.text, "audit: client.add, client.delete, no secret")
        r = a.post("/admin/aps/delete", {"name": "lab"})
        check(r.status_code == 200 and "<td>lab</td>" not in r.text, "aps: lab deleted (%d %s)" % (r.status_code, re.findall("role=.alert.>[^<]*", r.text)))
        # a new AP is looked up on its first packet; a deletion waits for the poll
        deadline = time.time() + 5
        while radclient(p, env.USER, env.PASSWORD, radius_secret) and time.time() < deadline:
            time.sleep(0.3)
        check(not radclient(p, env.USER, env.PASSWORD, radius_secret),
              "aps: a deleted AP gets no answer within seconds")
        extra = getattr(sys.modules[__name__], "EXTRA", [])
        for fn in extra:
            fn(p, a, d, radclient, radius_secret)
        check(p.alive(), "poortd still runs")
    finally:
        check(p.stop() == 0, "poortd stops cleanly")
    if FAILS:
        print("FAILED: " + "; ".join(FAILS))
        sys.exit(1)


if __name__ == "__main__":
    main()
