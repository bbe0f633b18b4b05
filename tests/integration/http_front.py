#!/usr/bin/python3
"""The web front on a real poortd: the admin listener (http.admin_listen)
is bound by the parent and served with TLS by the web child; only
http.admin_allow may use it (403 for others, logged); the students' pages
are not found there (404) and admin routes are not on the students'
listener; the router answers 405 for a method a page does not take; the
page language follows Accept-Language and the choice cookie. Each listener
counts its own connections (http.max_conns): students holding every
connection of theirs do not lock the admin UI out.

usage: http_front.py BUILD_DIR WORK_DIR
"""
import socket
import ssl
import subprocess
import sys
import time

import saml_env as env

FAILS = []
MAX = 3


def connect(port, ctx):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        return ctx.wrap_socket(s, server_hostname="127.0.0.1")
    except (ssl.SSLError, OSError):
        s.close()
        return None


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)


def curl(p, url, src="127.0.0.1", method="GET", headers=()):
    """(status code, body) of one request from loopback address src."""
    args = ["curl", "-s", "-w", "\n%{http_code}", "--cacert", p.https_crt, "--interface", src,
            "-X", method]
    for h in headers:
        args += ["-H", h]
    out = subprocess.run(args + [url], capture_output=True, text=True, timeout=30).stdout
    body, _, code = out.rpartition("\n")
    return int(code or 0), body


def main():
    build, work = sys.argv[1], sys.argv[2]
    p = env.Poortd(build, work, [])
    admin_port = env.free_port()
    orig_write = p.write_config

    def write_config():
        orig_write()
        text = open(p.conf).read().replace(
            "  rate 100000",
            "  rate 100000\n  max_conns %d\n  admin_listen 127.0.0.1 %d\n"
            "  admin_allow 127.0.0.2/32" % (MAX, admin_port))
        open(p.conf, "w").write(text)
    p.write_config = write_config
    admin = "https://127.0.0.1:%d" % admin_port
    try:
        p.start()
        code, _ = curl(p, admin + "/saml/metadata", src="127.0.0.1")
        check(code == 403, "admin listener: an address outside admin_allow gets 403 (%d)" % code)
        check(p.log_has("not in http.admin_allow"), "and the refusal is logged")
        code, _ = curl(p, admin + "/saml/metadata", src="127.0.0.2")
        check(code == 404, "admin listener: the students' pages are not there (%d)" % code)
        code, _ = curl(p, admin + "/admin/", src="127.0.0.2")
        check(code == 404, "admin listener: served over TLS, unknown page 404 (%d)" % code)
        code, _ = curl(p, p.base + "/saml/metadata", src="127.0.0.2")
        check(code == 200, "students' listener: metadata as before (%d)" % code)
        code, _ = curl(p, p.base + "/saml/metadata", method="POST")
        check(code == 405, "a method a page does not take: 405 from the router (%d)" % code)
        code, _ = curl(p, p.base + "/nothing")
        check(code == 404, "an unknown page: 404 (%d)" % code)
        code, body = curl(p, p.base + "/saml/logout", headers=["Accept-Language: en-GB,en;q=0.9"])
        check(code == 200 and '<html lang="en">' in body and "Logged out" in body,
              "English for Accept-Language en")
        code, body = curl(p, p.base + "/saml/logout",
                          headers=["Accept-Language: de, en;q=0.5, nl;q=0.8"])
        check('<html lang="nl">' in body and "Uitgelogd" in body,
              "Dutch when nl has the higher quality")
        code, body = curl(p, p.base + "/saml/logout",
                          headers=["Accept-Language: nl", "Cookie: __Host-poort_lang=en"])
        check("Logged out" in body, "the choice cookie wins over Accept-Language")
        code, body = curl(p, p.base + "/saml/logout")
        check("Uitgelogd" in body, "Dutch by default")
        ctx = ssl.create_default_context(cafile=p.https_crt)
        time.sleep(0.5)  # the connections above are closed by now
        held = [connect(p.port, ctx) for _ in range(MAX)]
        check(all(held), "%d connections to the students' listener" % MAX)
        check(connect(p.port, ctx) is None, "one more is refused (http.max_conns)")
        code, _ = curl(p, admin + "/admin/", src="127.0.0.2")
        check(code == 404, "the admin listener still answers: it counts its own (%d)" % code)
        for c in held:
            if c is not None:
                c.close()
        check(p.stop() == 0, "poortd stops cleanly")
    finally:
        p.stop()
    if FAILS:
        print("FAILED: " + "; ".join(FAILS))
        sys.exit(1)


if __name__ == "__main__":
    main()
