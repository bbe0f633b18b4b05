#!/usr/bin/python3
"""The HTTPS front's connection bound (http.max_conns): connections beyond
it are refused at the TLS handshake and logged; one closing makes room;
what is already open keeps working.

usage: http_limits.py BUILD_DIR WORK_DIR
"""
import socket
import ssl
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


def main():
    build, work = sys.argv[1], sys.argv[2]
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
