#!/usr/bin/env python3
"""Benchmark, not a test: poortd's memory per open EAP conversation.

	tests/bench/eap_memory.py [--build DIR] [--n N]

Opens N EAP-TTLS conversations and leaves them open at two points: after
the TTLS Start (Identity answered), and mid-handshake (our ClientHello in,
the server's flight out, or its first fragment: the TLS state and the
ECDHE key are held, waiting for the client's key exchange). Prints poortd's
VmRSS growth per conversation at each point, and that times the default
bound (max_conversations). Then the session caches: --sessions full
authentications (eapol_test) of TTLS/PAP and of EAP-TLS, each leaving a
session for resumption, and the growth per session times the cache's
bound (src/eap/eap_int.h). Last the budget for the 256 MiB box: poortd's
idle RSS plus every bound at its worst."""

import argparse
import hashlib
import hmac
import os
import socket
import ssl
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../integration"))
import eapcerts  # noqa: E402
import poortlib as pl  # noqa: E402

DEFAULT_BOUND = 1024  # max_conversations, src/core/config_eap.c
SESSION_BOUND = {"ttls-pap": 4096, "eap-tls": 2048}  # src/eap/eap_int.h
BOX_FREE_MIB = 190  # the box's free memory after boot (tests/bench/box_image.sh)


def rss_kib(pid):
    """VmRSS of poortd: the parent and its children (the conversations are in
    the radius child since the process split)."""
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        pids = [pid] + [int(x) for x in f.read().split()]
    total = 0
    for p in pids:
        with open(f"/proc/{p}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def radius_eap(sock, port, user, eap, state=None, ident=1):
    attrs = pl._attr(1, user.encode())
    for i in range(0, len(eap), 253):
        attrs += pl._attr(79, eap[i:i + 253])
    if state is not None:
        attrs += pl._attr(24, state)
    attrs = pl._attr(80, b"\0" * 16) + attrs
    pkt = struct.pack("!BBH", 1, ident, 20 + len(attrs)) + os.urandom(16) + attrs
    mac = hmac.new(pl.SECRET.encode(), pkt, hashlib.md5).digest()
    pkt = pkt[:22] + mac + pkt[38:]
    sock.sendto(pkt, ("127.0.0.1", port))
    reply = sock.recv(4096)
    out, pos = {}, 20
    while pos < len(reply):
        t, ln = reply[pos], reply[pos + 1]
        out[t] = out.get(t, b"") + reply[pos + 2:pos + ln]
        pos += ln
    return reply[0], out


def open_conversation(sock, port, cctx, user, mid):
    eap = struct.pack("!BBHB", 2, 0, 5 + len(user), 1) + user.encode()
    code, a = radius_eap(sock, port, user, eap, ident=1)
    assert code == 11, code
    state, req = a[24], a[79]
    if not mid:
        return
    c_in, c_out = ssl.MemoryBIO(), ssl.MemoryBIO()
    cli = cctx.wrap_bio(c_in, c_out, server_hostname=eapcerts.SERVER_NAME)
    try:
        cli.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = c_out.read()
    eap = struct.pack("!BBHBB", 2, req[1], 6 + len(hello), 21, 0) + hello
    code, a = radius_eap(sock, port, user, eap, state=state, ident=2)
    assert code == 11 and a[79][4] == 21 and len(a[79]) > 6, "expected the server's flight"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(HERE, "../../build"))
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--sessions", type=int, default=300)
    args = ap.parse_args()
    os.environ["POORT_BUILD"] = os.path.abspath(args.build)
    pl.POORTD = os.path.join(os.environ["POORT_BUILD"], "src/poortd")
    pl.POORTCTL = os.path.join(os.environ["POORT_BUILD"], "tools/poortctl")
    import tempfile
    d = tempfile.mkdtemp(prefix="poort-bench-mem-")
    certs = eapcerts.make(d)
    cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    cctx.load_verify_locations(certs["ca"])
    cctx.maximum_version = ssl.TLSVersion.TLSv1_2
    user = "anonymous@" + pl.REALM
    print(f"{'point':<16} {'count':>6} {'RSS growth kB':>14} {'kB each':>8} {'bound':>6}"
          f" {'x bound MB':>10}")
    worst = {}
    for mid in (False, True):
        p = pl.Poortd(extra=f"""eap {{
	methods ttls
	certificate "{certs['server']}"
	private_key "{certs['server_key']}"
	max_conversations {args.n + 100}
	timeout 600
}}
""")
        p.write_config(p.config_text().replace("log { level debug }", "log { level info }"))
        try:
            p.start()
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind(("127.0.0.1", 0))
            sock.settimeout(5)
            for _ in range(50):  # warm-up: allocator arenas, OpenSSL's lazy tables
                open_conversation(sock, p.auth_port, cctx, user, mid)
            r0 = rss_kib(p.proc.pid)
            for _ in range(args.n):
                open_conversation(sock, p.auth_port, cctx, user, mid)
            r1 = rss_kib(p.proc.pid)
            per = (r1 - r0) / args.n
            name = "mid-handshake" if mid else "after Start"
            worst[name] = per * DEFAULT_BOUND / 1024
            print(f"{name:<16} {args.n:>6} {r1 - r0:>14} {per:>8.1f} {DEFAULT_BOUND:>6}"
                  f" {worst[name]:>10.1f}", flush=True)
            sock.close()
        finally:
            p.cleanup()


    import bench_eap  # noqa: E402  (eapol_test driving)
    import concurrent.futures
    certs = eapcerts.make(d)
    base = None
    for m in SESSION_BOUND:
        p = pl.Poortd(extra=f"""eap {{
	methods peap ttls tls
	certificate "{certs['server']}"
	private_key "{certs['server_key']}"
	client_ca "{certs['ca']}"
}}
""")
        p.add_user("anna", bench_eap.PW)
        p.write_config(p.config_text().replace("log { level debug }", "log { level info }"))
        try:
            p.start()
            time.sleep(1)
            if base is None:
                base = rss_kib(p.proc.pid)
            conf = os.path.join(d, f"{m}.conf")
            with open(conf, "w") as f:
                f.write(bench_eap.network(certs, m, False))
            with concurrent.futures.ThreadPoolExecutor(2) as ex:  # warm-up
                list(ex.map(lambda _: bench_eap.eapol(conf, p.auth_port), range(30)))
            r0 = rss_kib(p.proc.pid)
            with concurrent.futures.ThreadPoolExecutor(2) as ex:
                ok = sum(ex.map(lambda _: bench_eap.eapol(conf, p.auth_port),
                                range(args.sessions)))
            if ok != args.sessions:
                raise RuntimeError(f"{args.sessions - ok} authentications failed")
            r1 = rss_kib(p.proc.pid)
            per = (r1 - r0) / args.sessions
            worst[m] = per * SESSION_BOUND[m] / 1024
            print(f"{m + ' session':<16} {args.sessions:>6} {r1 - r0:>14} {per:>8.1f}"
                  f" {SESSION_BOUND[m]:>6} {worst[m]:>10.1f}", flush=True)
        finally:
            p.cleanup()
    total = base / 1024 + worst["mid-handshake"] + worst["ttls-pap"] + worst["eap-tls"]
    print(f"poortd idle RSS {base / 1024:.1f} MB (parent and children, shared pages counted"
          f" in each); idle + every bound at its worst: {total:.1f} MB of the box's"
          f" ~{BOX_FREE_MIB} MiB free")


if __name__ == "__main__":
    main()
