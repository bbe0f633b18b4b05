#!/usr/bin/python3
"""The HTTPS front's connection bound (http.max_conns): connections beyond
it are refused at the TLS handshake and logged; one closing makes room;
what is already open keeps working. Then the request rate (http.rate):
counted per source address per minute, as etc/poortd.conf.example says,
and one address's count is not reset by requests from addresses that
shared its slot in the old direct-mapped table. Then request bodies over
http.max_body: our own 413 page (nl and en) instead of libevent's bare
one, the body dropped as it arrives, the connection still good for the
next request; chunked and pipelined ones still capped by evhttp.

usage: http_limits.py BUILD_DIR WORK_DIR
"""
import re
import socket
import ssl
import subprocess
import sys
import time

import saml_env as env

FAILS = []
MAX = 4


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)


def connect(p, ctx):
    s = socket.create_connection(("127.0.0.1", p.port), timeout=5)
    try:
        return ctx.wrap_socket(s, server_hostname="127.0.0.1")
    except (ssl.SSLError, OSError):
        s.close()
        return None


def get(conn, path="/saml/metadata"):
    conn.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    return conn.recv(64).decode(errors="replace")


def old_slot(addr):
    h = 2166136261
    for c in addr.encode():
        h = ((h ^ c) * 16777619) & 0xffffffff
    return h % 1024


def get_from(p, src, path="/saml/metadata"):
    """One request from loopback address src; the status code."""
    out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert",
                          p.https_crt, "--interface", src, p.base + path],
                         capture_output=True, text=True, timeout=30)
    return int(out.stdout or 0)


RATE = 5


def rate(build, work):
    p = env.Poortd(build, work + "-rate", [])
    orig_write = p.write_config

    def write_config():
        orig_write()
        text = open(p.conf).read().replace("  rate 100000", f"  rate {RATE}")
        open(p.conf, "w").write(text)
    p.write_config = write_config
    victim = "127.0.0.9"
    target = old_slot(victim)
    colliding = [a for a in ("127.0.%d.%d" % (i // 250, 2 + i % 250) for i in range(64000))
                 if old_slot(a) == target and a != victim][:3]
    try:
        p.start()
        codes = [get_from(p, victim) for _ in range(RATE)]
        check(codes == [200] * RATE, f"{RATE} requests within the rate: {codes}")
        check(get_from(p, victim) == 429, "one more is refused (429)")
        time.sleep(1.5)
        check(get_from(p, victim) == 429, "still refused a second later: the rate is per minute")
        check(len(colliding) == 3, "addresses that shared the old slot: %s" % colliding)
        for a in colliding:
            check(get_from(p, a) == 200, f"{a} (its own count) is served")
        check(get_from(p, victim) == 429, "and they did not reset the limited address's count")
        check(p.log_has("http rate_limited addr=" + victim), "the limit is logged")
        check(p.stop() == 0, "poortd stops cleanly")
    finally:
        p.stop()


def response(conn):
    """One HTTP/1.1 response read off conn: (status, headers, body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        more = conn.recv(65536)
        if not more:
            return 0, "", ""
        data += more
    head, body = data.split(b"\r\n\r\n", 1)
    head = head.decode(errors="replace")
    m = re.search(r"(?im)^content-length: *(\d+)", head)
    while m and len(body) < int(m.group(1)):
        more = conn.recv(65536)
        if not more:
            break
        body += more
    return int(head.split()[1]), head, body.decode(errors="replace")


def bodies(p, ctx):
    big = 300000  # over saml_env's max_body 200000
    for lang, text in (("nl", "Er is niets gewijzigd."), ("en", "Nothing was changed.")):
        c = connect(p, ctx)
        c.sendall(("POST /saml/sso HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Language: %s\r\n"
                   "Content-Type: application/x-www-form-urlencoded\r\n"
                   "Content-Length: %d\r\n\r\n" % (lang, big)).encode() + b"x" * big)
        code, head, body = response(c)
        check(code == 413 and text in body and "195 KiB" in body and 'id="too-large"' in body and
              '<html lang="%s">' % lang in body and "text/html" in head,
              "%s: a body over max_body gets our page, 413 (%d)" % (lang, code))
        c.sendall(b"GET /saml/metadata HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        code, _, _ = response(c)
        check(code == 200, "%s: the dropped body did not become a request: next one %d" %
              (lang, code))
        c.close()
    # the head alone: answered before the body comes, nothing waits for it
    c = connect(p, ctx)
    c.sendall(b"POST /saml/sso HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Language: en\r\n"
              b"Content-Length: 99999999999999999999999\r\n\r\n")
    code, _, body = response(c)
    check(code == 413 and 'id="too-large"' in body and "Nothing was changed" in body,
          "a huge Content-Length, the head alone: our page at once (%d)" % code)
    c.close()
    c = connect(p, ctx)  # at the limit: the route's answer, not 413
    c.sendall(b"POST /saml/sso HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 200000\r\n\r\n" +
              b"x" * 200000)
    code, _, _ = response(c)
    check(code not in (0, 413), "a body at max_body is the route's (%d)" % code)
    c.close()
    # chunked: no length to look at first; evhttp's own limit still holds
    c = connect(p, ctx)
    c.sendall(b"POST /saml/sso HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n")
    try:
        for _ in range(40):
            c.sendall(b"2710\r\n" + b"x" * 10000 + b"\r\n")
    except OSError:
        pass
    try:
        code, _, _ = response(c)
    except OSError:
        code = 0
    check(code in (0, 413), "a chunked body over max_body is still refused (%d)" % code)
    c.close()
    # pipelined: the second head is evhttp's alone, and still capped
    c = connect(p, ctx)
    c.sendall(b"GET /saml/metadata HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
              b"POST /saml/sso HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 300000\r\n\r\n")
    first, _, _ = response(c)
    try:
        code, _, _ = response(c)
    except OSError:
        code = 0
    check(first == 200 and code in (0, 413), "pipelined: 200, then still refused (%d)" % code)
    c.close()
    check(p.log_has("http refused: body over the limit"), "the refusal is logged")
    check(p.alive(), "poortd still runs")


def main():
    build, work = sys.argv[1], sys.argv[2]
    rate(build, work)
    p = env.Poortd(build, work, [])
    orig_write = p.write_config

    def write_config():
        orig_write()
        text = open(p.conf).read().replace("  rate 100000", f"  rate 100000\n  max_conns {MAX}")
        open(p.conf, "w").write(text)
    p.write_config = write_config
    ctx = ssl.create_default_context(cafile=p.https_crt)
    try:
        p.start()
        time.sleep(0.5)  # the start-up probe's connection is closed by now
        held = [connect(p, ctx) for _ in range(MAX)]
        check(all(held), f"{MAX} connections are accepted")
        check(connect(p, ctx) is None, "one more is refused at the handshake")
        check(p.log_has("http refused:"), "the refusal is logged")
        check(get(held[0]).startswith("HTTP/1.1 200"), "open connections keep working")
        held.pop().close()
        time.sleep(0.3)
        extra = connect(p, ctx)
        check(extra is not None, "a closed connection makes room")
        if extra is not None:
            check(get(extra).startswith("HTTP/1.1 200"), "and the new one is served")
            extra.close()
        for c in held:
            c.close()
        time.sleep(0.3)
        bodies(p, ctx)
        check(p.stop() == 0, "poortd stops cleanly")
    finally:
        p.stop()
    if FAILS:
        print("FAILED: " + "; ".join(FAILS))
        sys.exit(1)


if __name__ == "__main__":
    main()
