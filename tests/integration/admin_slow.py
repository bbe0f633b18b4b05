#!/usr/bin/python3
"""Slow work in the web child must not stop its event loop, and a browser
that leaves while its answer is being computed must not hurt it (issue 13).

Against a real poortd (admin listener, one SP), passwords hashed at cost 2:
- a 500-line CSV import and a 500-guest batch: while each one's confirm is
  being hashed (on the worker pool), a GET of /admin/login and of the SSO
  login page are answered, before the import's own answer; the import
  still writes all 500 accounts, all or nothing (a second import of the
  same file is refused and writes nothing). The times are printed.
- an admin login and an SSO login POSTed on a raw TLS socket that is closed
  (and once reset) before the answer: poortd goes on serving; under
  AddressSanitizer (build-asan) its log has no report.
- SIGTERM while an admin login is on the worker: poortd stops cleanly.

usage: admin_slow.py BUILD_DIR WORK_DIR"""

import os
import socket
import ssl
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))

import admin_pages as ap  # noqa: E402
import saml_env as env  # noqa: E402
from admin_chromium import Codes  # noqa: E402
from saml_attacks import SP1, IDP, ACS, session  # noqa: E402
from saml_pysaml2 import form_fields, redirect_url, sp_client  # noqa: E402

check = ap.check
N = 500


def timed_get(fn):
    t0 = time.monotonic()
    r = fn()
    return r, time.monotonic() - t0, time.monotonic()


def during(slow, probes):
    """Runs slow() in a thread; meanwhile each probe once. Returns (slow's answer,
    its seconds, its end time, [(probe answer, seconds, end time)])."""
    out = {}

    def run():
        out["r"], out["t"], out["end"] = timed_get(slow)
    th = threading.Thread(target=run)
    th.start()
    time.sleep(0.3)  # the confirm is on the worker by now
    res = [timed_get(p) for p in probes]
    th.join(timeout=600)
    return out.get("r"), out.get("t", -1), out.get("end", 0), res


def raw_post(port, ca, path, headers, body, reset=False, keep=False):
    """POSTs on a raw TLS socket and closes it at once (RST with reset),
    before poortd can answer; with keep, returns the open socket."""
    ctx = ssl.create_default_context(cafile=ca)
    ctx.check_hostname = False
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10))
    head = "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" % (path, port)
    head += "".join("%s: %s\r\n" % kv for kv in headers.items())
    head += ("Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n"
             % len(body))
    s.sendall(head.encode() + body.encode())
    if keep:
        return s
    if reset:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    return None


def cookies_of(sess):
    return "; ".join("%s=%s" % (c.name, c.value) for c in sess.cookies)


def main():
    build, work = sys.argv[1], sys.argv[2]
    p = env.Poortd(build, work, [])
    admin_port = env.free_port()
    orig_write = p.write_config

    def write_config():
        orig_write()
        text = open(p.conf).read().replace(
            "  rate 100000", "  rate 100000\n  admin_listen 127.0.0.1 %d" % admin_port)
        # a cost that takes time (about 25 ms a hash here), as on a box
        text = text.replace("password { cost 1 }", "password { cost 2 }")
        open(p.conf, "w").write(text)
    p.write_config = write_config
    sp_key, sp_crt = env.make_key(p.keys, "sp", "test sp")
    eid, xml = env.sp_metadata(SP1, [ACS[SP1]], sp_crt, True, False)
    md = env.sign_metadata(p.keys, "md-sp1", eid, xml, p.fed_key, p.fed_crt)
    p.sps = [(SP1, ["givenName"], "transient", md)]
    base = "https://127.0.0.1:%d" % admin_port
    rc = 1
    try:
        p.start()
        import saml_pysaml2
        saml_pysaml2.ACS.update(ACS)
        c1 = sp_client(p, SP1, sp_key, sp_crt, True)
        boss_pw = p.ctl("admin", "add", "boss", "--role", "admin").stdout.strip().split("\t")[-1]
        a = ap.Admin(base, p.https_crt)
        a.first_login("boss", boss_pw, "correct horse battery", Codes())
        other = ap.Admin(base, p.https_crt)
        sso = session(p)

        def sso_page():
            return sso.get(redirect_url(c1, IDP)[1], timeout=60)

        # ---- a 500-line import
        csv = "username;given;surname;number;affiliation;password\n" + "".join(
            "leerling%03d;Leer;Ling %d;%d;student;generate\n" % (i, i, 100000 + i)
            for i in range(N))
        for what, fn in (("GET /admin/login", lambda: ap.Admin(base, p.https_crt).get("/admin/login")),
                         ("GET SSO login page", sso_page)):
            print("figure: %s when idle (a new connection): %.3f s" % (what, timed_get(fn)[1]))
        t0 = time.monotonic()
        r = a.post("/admin/accounts/import", files={"file": ("big.csv", csv, "text/csv")})
        print("figure: the preview of %d lines (checked on the loop): %.3f s"
              % (N, time.monotonic() - t0))
        check('name="confirm"' in r.text, "import: 500 lines checked clean, confirm offered")
        t0 = time.monotonic()
        r, t, end, probes = during(
            lambda: a.post("/admin/accounts/import", {"confirm": "1"}),
            [lambda: other.get("/admin/login?lang=en"), sso_page,
             lambda: other.get("/admin/login?lang=en")])
        gen = r.text.count("leerling") if r is not None else 0
        check(r is not None and r.status_code == 200 and gen >= N,
              "import: 500 accounts written, their passwords shown (%s, %d names)"
              % (r.status_code if r is not None else None, gen))
        print("figure: import of %d lines (cost 2): %.2f s" % (N, t))
        for (pr, pt, pend), what in zip(probes, ("GET /admin/login", "GET SSO login page",
                                                 "GET /admin/login again")):
            print("figure: %s during the import: %.3f s" % (what, pt))
            check(pr.status_code == 200 and pend < end,
                  "%s answered (%d) during the import, before its answer" % (what, pr.status_code))
        check(p.ctl("list").stdout.count("leerling") == N, "import: all 500 in the store")
        r = a.post("/admin/accounts/import", files={"file": ("big.csv", csv, "text/csv")})
        check("This account exists already" in r.text and 'name="confirm"' not in r.text,
              "import: the same file again is refused, nothing written")

        # ---- a 500-guest batch
        r, t, end, probes = during(
            lambda: a.post("/admin/guests/create", {"event": "groot", "count": str(N),
                                                    "until": "2099-01-01"}),
            [lambda: other.get("/admin/login?lang=en"), sso_page])
        check(r is not None and r.status_code == 200 and r.text.count("guest-") >= N,
              "guests: 500 vouchers shown")
        print("figure: guest batch of %d (cost 2): %.2f s" % (N, t))
        for (pr, pt, pend), what in zip(probes, ("GET /admin/login", "GET SSO login page")):
            print("figure: %s during the guest batch: %.3f s" % (what, pt))
            check(pr.status_code == 200 and pend < end,
                  "%s answered during the guest batch, before its answer" % what)

        # ---- browsers that leave before their login's answer
        lg = ap.Admin(base, p.https_crt)
        lg.get("/admin/login?lang=en")
        body = "csrf=%s&name=boss&password=wrong-password&code=000000" % lg.csrf
        hdr = {"Cookie": cookies_of(lg.s), "Origin": base}
        for reset in (False, True, False):
            raw_post(admin_port, p.https_crt, "/admin/login", hdr, body, reset=reset)
        page = sso_page()
        f = form_fields(page.text)
        sbody = "ctx=%s&lang=nl&username=%s&password=%s" % (f["ctx"], env.USER, env.PASSWORD)
        for reset in (False, True):
            raw_post(p.port, p.https_crt, "/saml/login", {"Cookie": cookies_of(sso)}, sbody,
                     reset=reset)
        time.sleep(1.5)  # the jobs are done and their answers went nowhere
        check(p.alive(), "poortd alive after browsers left mid-login")
        r = other.get("/admin/login?lang=en")
        check(r.status_code == 200, "the admin listener still answers (%d)" % r.status_code)
        page = sso_page()
        r = sso.post(p.base + "/saml/login", data={"ctx": form_fields(page.text)["ctx"],
                                                   "lang": "nl", "username": env.USER,
                                                   "password": env.PASSWORD}, timeout=30)
        check("SAMLResponse" in r.text, "an SSO login still works")

        # ---- SIGTERM while a login is on the worker
        lg.get("/admin/login?lang=en")
        body = "csrf=%s&name=boss&password=wrong-password&code=000000" % lg.csrf
        s = raw_post(admin_port, p.https_crt, "/admin/login",
                     {"Cookie": cookies_of(lg.s), "Origin": base}, body, keep=True)
        rc = p.stop()
        s.close()
        check(rc == 0, "poortd stopped cleanly with a login on the worker (rc=%s)" % rc)
    finally:
        if p.proc is not None:
            rc = p.stop()
    log = open(p.log).read()
    check("AddressSanitizer" not in log and "LeakSanitizer" not in log and
          "runtime error" not in log, "no sanitizer report in poortd's log")
    if ap.FAILS:
        print("%d check(s) failed" % len(ap.FAILS))
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
