#!/usr/bin/python3
"""The admin UI's test login on /admin/why against a real poortd with an
EAP block and its admin listener (python3-requests: the browser adds
nothing to a form POST; admin_why_sso.py's helpers log in with password
and TOTP). A helpdesk admin runs PAP with the right password (accepted,
reason shown), with a wrong one (refused, "wrong password" in Dutch and in
English), PEAP-MSCHAPv2 and TTLS-PAP with the right one (accepted, TLS
version shown), and a disabled account (its reason). The radius child
logs the tests as coming from the internal client "admin-ui-test"; each
test has an audit row (why.test_login, user and outcome); a POST without
its CSRF token is 403; two tests at once both get their answer; a browser
that leaves mid-test harms nothing. The passwords appear in no page, log
line or audit row.

usage: admin_testlogin.py BUILD_DIR WORK_DIR"""

import os
import re
import signal
import socket
import sqlite3
import ssl
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))

from admin_chromium import Codes  # noqa: E402
from admin_why_sso import FAILS, Admin, check  # noqa: E402
import eapcerts  # noqa: E402
import saml_env as env  # noqa: E402

WRONG_PW = "Wrong-pw-Tl-8817"
DORA_PW = "Dora-pass-Tl-3331"


def result_of(text):
    """(data-result, data-reason) of the test's result table, or None."""
    m = re.search(r'id="test-result" data-result="([^"]*)" data-reason="([^"]*)"', text)
    return (m.group(1), m.group(2)) if m else None


def main():
    build, work = sys.argv[1], sys.argv[2]
    p = env.Poortd(build, work, [])
    certs = eapcerts.make(os.path.join(work, "eapcerts"))
    admin_port = env.free_port()
    orig_write = p.write_config

    def write_config():
        orig_write()
        text = open(p.conf).read().replace(
            "  rate 100000", "  rate 100000\n  admin_listen 127.0.0.1 %d" % admin_port)
        text += ('eap {\n\tmethods peap ttls\n\tcertificate "%s"\n\tprivate_key "%s"\n}\n' %
                 (certs["server"], certs["server_key"]))
        open(p.conf, "w").write(text)
    p.write_config = write_config
    base = "https://127.0.0.1:%d" % admin_port
    pages = []
    every = ""

    def test(who, user, pw, method, lang="en", csrf=True):
        r = who.post("/admin/why/test?lang=" + lang,
                     {"user": user, "password": pw, "method": method}, csrf=csrf,
                     page="/admin/why")
        pages.append(r.text)
        return r

    try:
        p.start()
        p.ctl("add", "dora", "--password-stdin", stdin=DORA_PW + "\n")
        p.ctl("disable", "dora")
        desk_pw = p.ctl("admin", "add", "desk", "--role", "helpdesk").stdout.strip()
        desk_pw = desk_pw.split("\t")[-1]
        boss_pw = p.ctl("admin", "add", "boss", "--role", "admin").stdout.strip().split("\t")[-1]
        codes = Codes()
        desk = Admin(base, p.https_crt)
        desk.first_login("desk", desk_pw, "helpdesk staple 42", codes)
        boss = Admin(base, p.https_crt)
        boss.first_login("boss", boss_pw, "correct horse battery", codes)

        r = desk.get("/admin/why?lang=en")
        check(r.status_code == 200 and 'action="/admin/why/test"' in r.text and
              'name="password" type="password"' in r.text,
              "helpdesk: the why page has the test login form")

        # --- PAP, right password: the realm is added, accepted, the reason shown ---
        r = test(desk, env.USER, env.PASSWORD, "pap")
        check(r.status_code == 200 and result_of(r.text) == ("accept", "ok"),
              "PAP, right password: accepted, reason ok (%d %r)" %
              (r.status_code, result_of(r.text)))
        check(env.USER + "@school.example" in r.text and "admin-ui-test" in r.text and
              "Round trips:" in r.text and "What to do:" in r.text,
              "PAP: the user with our realm, the internal client, rounds, what to do")

        # --- PAP, wrong password: refused, explained in Dutch and in English ---
        r = test(desk, env.USER, WRONG_PW, "pap", lang="nl")
        check(result_of(r.text) == ("reject", "wrong-password") and
              "Verkeerd wachtwoord" in r.text and "Wat te doen:" in r.text and
              '<html lang="nl">' in r.text,
              "PAP, wrong password (nl): geweigerd, Verkeerd wachtwoord (%r)" %
              (result_of(r.text),))
        check("geweigerd" in r.text.split('id="test-result"')[-1],
              "PAP, wrong password (nl): the outcome word in Dutch")
        r = test(desk, env.USER, WRONG_PW, "pap", lang="en")
        check(result_of(r.text) == ("reject", "wrong-password") and
              "Wrong password" in r.text and "What to do:" in r.text and
              '<html lang="en">' in r.text,
              "PAP, wrong password (en): refused, Wrong password")
        check('value="%s@school.example"' % env.USER in r.text or
              'value="%s"' % env.USER in r.text,
              "the form keeps the user (never the password)")

        # --- PEAP-MSCHAPv2 and TTLS-PAP, right password: accepted with a TLS version ---
        r = test(desk, env.USER, env.PASSWORD, "peap")
        tls = re.search(r"TLS version: (TLSv1\.[23])", r.text)
        check(result_of(r.text) == ("accept", "ok") and tls is not None,
              "PEAP-MSCHAPv2, right password: accepted, TLS version %s (%r)" %
              (tls and tls.group(1), result_of(r.text)))
        rounds = re.search(r"Round trips: (\d+)", r.text)
        check(rounds is not None and int(rounds.group(1)) >= 5,
              "PEAP: several round trips (%s)" % (rounds and rounds.group(1)))
        r = test(boss, env.USER, env.PASSWORD, "ttls-pap")
        check(result_of(r.text) == ("accept", "ok") and "TLS version: TLSv1." in r.text,
              "admin: TTLS-PAP, right password: accepted with a TLS version")

        # --- a disabled account ---
        r = test(desk, "dora", DORA_PW, "pap")
        check(result_of(r.text) == ("reject", "account-disabled") and
              "Account disabled" in r.text,
              "disabled account: refused, account disabled (%r)" % (result_of(r.text),))
        r = test(desk, "dora", DORA_PW, "peap", lang="nl")
        check(result_of(r.text) == ("reject", "account-disabled") and
              "Account uitgeschakeld" in r.text,
              "disabled account, PEAP (nl): Account uitgeschakeld (%r)" % (result_of(r.text),))

        # --- bad forms: nothing runs ---
        r = test(desk, env.USER, env.PASSWORD, "pap", csrf=False)
        check(r.status_code == 403, "test login without CSRF: 403 (%d)" % r.status_code)
        r = test(desk, env.USER, env.PASSWORD, "chap")
        check(r.status_code == 400 and result_of(r.text) is None,
              "an unknown method: 400, no test (%d)" % r.status_code)
        r = test(desk, "", env.PASSWORD, "pap")
        check(result_of(r.text) is None and 'role="alert"' in r.text,
              "no user: explained, no test")
        r = desk.s.post(base + "/admin/why/test", data={"user": env.USER}, timeout=10,
                        allow_redirects=False, headers={"Origin": "https://evil.example"})
        check(r.status_code == 403, "a foreign Origin: 403")

        # --- two at once: the tests take turns on the link, both answered ---
        out = {}

        def run(i):
            a = Admin(base, p.https_crt)
            a.s.cookies = desk.s.cookies
            rr = test(a, env.USER, env.PASSWORD, "peap")
            out[i] = (rr.status_code, result_of(rr.text))
        ts = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(60)
        check(out.get(0) == (200, ("accept", "ok")) and out.get(1) == (200, ("accept", "ok")),
              "two PEAP tests at once: both accepted (%r)" % (out,))

        # --- the browser leaves mid-test: nothing breaks, the audit row is still written ---
        csrf = re.search(r'name="csrf" value="([^"]+)"', desk.get("/admin/why").text).group(1)
        body = urllib.parse.urlencode({"csrf": csrf, "user": "gone-" + env.USER,
                                       "password": env.PASSWORD, "method": "peap"})
        cookie = "; ".join("%s=%s" % (c.name, c.value) for c in desk.s.cookies)
        ctx = ssl.create_default_context(cafile=p.https_crt)
        for _ in range(3):
            with socket.create_connection(("127.0.0.1", admin_port), timeout=5) as raw:
                with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
                    s.sendall(("POST /admin/why/test HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                               "Cookie: %s\r\nContent-Type: application/x-www-form-urlencoded"
                               "\r\nContent-Length: %d\r\n\r\n%s" %
                               (admin_port, cookie, len(body), body)).encode())
                    time.sleep(0.05)
        time.sleep(4)
        r = test(desk, env.USER, env.PASSWORD, "pap")
        check(p.alive() and result_of(r.text) == ("accept", "ok"),
              "after three browsers left mid-test: poortd serves the next test")
        check(not re.search(r"the web child .*restarting", p.log_text()),
              "the web child never died")

        # --- the radius child restarts: the parent kept the link, the next test runs ---
        pid = int(re.findall(r"started the radius child pid=(\d+)", p.log_text())[-1])
        os.kill(pid, signal.SIGKILL)
        deadline = time.time() + 20
        while time.time() < deadline and not re.search(
                r"the radius child pid=\d+ is serving again", p.log_text()):
            time.sleep(0.1)
        check(re.search(r"the radius child pid=\d+ is serving again", p.log_text()),
              "the radius child killed, restarted by the parent")
        r = test(desk, env.USER, env.PASSWORD, "pap")
        check(result_of(r.text) == ("accept", "ok"),
              "after the radius child's restart: the test login works (%r)" %
              (result_of(r.text),))

        # --- the internal client in the auth log; the audit rows ---
        time.sleep(1.0)
        db = sqlite3.connect(os.path.join(work, "state", "poort.db"))
        rows = db.execute("SELECT client, user_name, result, reason FROM auth_log").fetchall()
        ours = [x for x in rows if x[0] == "admin-ui-test"]
        check(len(ours) >= 10 and len(ours) == len(rows),
              "every test's auth log row names the internal client (%d of %d)" %
              (len(ours), len(rows)))
        check(("admin-ui-test", "dora@school.example", "reject", "account-disabled") in rows,
              "the disabled account's row")
        audit = db.execute("SELECT actor, action, object, outcome, detail FROM audit_log"
                           " WHERE action = 'why.test_login'").fetchall()
        check(("desk", "why.test_login", env.USER + "@school.example", "accept", "") in audit and
              ("desk", "why.test_login", env.USER + "@school.example", "reject", "") in audit and
              ("boss", "why.test_login", env.USER + "@school.example", "accept", "") in audit,
              "audit rows: why.test_login, user and outcome (%d rows)" % len(audit))
        check(len([a for a in audit if a[2] == "gone-" + env.USER + "@school.example"]) == 3,
              "the tests whose browser left are audited too")
        every = repr(db.execute("SELECT * FROM audit_log").fetchall()) + repr(rows)
        db.close()
        r = boss.get("/admin/audit?lang=en")
        check("why.test_login" in r.text, "the audit page lists the test logins")
        pages.append(r.text)
    finally:
        p.stop()
    log = open(p.log).read()
    for pw in (env.PASSWORD, WRONG_PW, DORA_PW):
        check(pw not in log, "the password %s... is in no log line" % pw[:3])
        check(pw not in every, "the password %s... is in no audit or auth log row" % pw[:3])
        check(not any(pw in t for t in pages), "the password %s... is on no page" % pw[:3])
    check("Sanitizer" not in log, "no sanitizer report")
    check("client=admin-ui-test" in log, "poortd's log lines name the internal client")
    if FAILS:
        print("FAILED: %d checks" % len(FAILS))
        print(log[-3000:])
        sys.exit(1)


if __name__ == "__main__":
    main()
