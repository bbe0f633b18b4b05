#!/usr/bin/python3
"""The HTTPS front's connection bound (http.max_conns): connections beyond
it are refused at the TLS handshake and logged; one closing makes room;
what is already open keeps working. Then the request rate (http.rate):
counted per source address per minute, as etc/poortd.conf.example says,
and one address's count is not reset by requests from addresses that
shared its slot in the old direct-mapped table.

usage: http_limits.py BUILD_DIR WORK_DIR
"""
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
        check(p.stop() == 0, "poortd stops cleanly")
    finally:
        p.stop()
    if FAILS:
        print("FAILED: " + "; ".join(FAILS))
        sys.exit(1)


if __name__ == "__main__":
    main()
