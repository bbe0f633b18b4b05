#!/usr/bin/env python3
"""Benchmark, not a test: proxied PAP Access-Requests per second, RADIUS/UDP
in and out, poortd against radsecproxy (Debian) and FreeRADIUS 3.2 in proxy
mode, same machine, same run, same home server. Prints requests/s and the
proxy's own CPU-seconds per 1000 requests (medians of --repeat rounds) at 1
and --inflight requests in flight, and the ratios poortd / radsecproxy and
poortd / FreeRADIUS.

    tests/bench/bench_proxy.py [--build build] [--repeat 3] [--packets 20000]

radclient (a file of distinct packets, realm other.example) at 1 in flight,
radload.c (our own load generator, built here) at --inflight -> proxy ->
home server. The home server is home_responder.c (--home responder, the
default; compiled here with cc and libcrypto): one thread, recvmmsg and
sendmmsg, checks every request's Message-Authenticator and answers an
Access-Accept with Message-Authenticator and Proxy-State, passwords not
checked; fast enough that the proxies, not the home side, are the limit.
--home freeradius is the FreeRADIUS home server of before (cleartext PAP
users, Message-Authenticator in every reply), which runs at about the
proxies' own pace. The three proxies do the same job: route other.example to the home
server, add Operator-Name "1school.example" and a CUI request (poortd
always does; radsecproxy by a rewrite, FreeRADIUS in pre-proxy), forward
the client's Message-Authenticator, and log one line per outcome (poortd at
info level plus its auth log; radsecproxy LogLevel 3; FreeRADIUS auth = yes).
FreeRADIUS listens with a 4 MiB receive buffer, as poortd does (radsecproxy
has no such setting). The home server takes all three (it requires a
Message-Authenticator) and has a 4 MiB receive buffer too.
A run with radclient straight at the home server is printed for reference.
UDP drops (the kernel's RcvbufErrors during each run, system-wide) are
printed per run: a dropped datagram costs a 10 s radclient retransmit.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "../integration"))
import poortlib as pl  # noqa: E402
import radius_pap as rp  # noqa: E402

FOREIGN = "other.example"
OPERATOR = "1" + pl.REALM
RCVBUF = 4 << 20  # what poortd asks for on its listeners (radsecproxy cannot)
MA = "update reply {\n\t\t\tMessage-Authenticator := 0x00\n\t\t}"

RADSECPROXY_CONF = """ListenUDP 127.0.0.1:{port}
LogLevel 3
rewrite eduroam {{
	addAttribute 126:'{operator}
	addAttribute 89:'%00
}}
client 127.0.0.1 {{
	type udp
	secret {secret}
	rewriteIn eduroam
}}
server home {{
	type udp
	host 127.0.0.1
	port {home}
	secret {secret}
	StatusServer off
}}
realm {realm} {{
	server home
}}
"""


def udp_rcvbuf_errors():
    """Datagrams the kernel dropped for full socket buffers, system-wide: a
    drop costs radclient a 10 s retransmit, so a run with drops is slow."""
    with open("/proc/net/snmp") as f:
        rows = [ln.split() for ln in f if ln.startswith("Udp:")]
    return int(rows[1][rows[0].index("RcvbufErrors")])


class Radload:
    """radload.c, built into d: our own load generator (no radclient)."""

    def __init__(self, d):
        os.makedirs(d, exist_ok=True)
        self.exe = os.path.join(d, "radload")
        subprocess.run(["cc", "-O2", "-o", self.exe, os.path.join(HERE, "radload.c"),
                        "-lcrypto"], check=True)

    def run(self, port, n, inflight, pid, realm):
        """(requests/s, server CPU microseconds per request), every one accepted."""
        c0 = rp.cpu_seconds(pid)
        r = subprocess.run([self.exe, str(port), pl.SECRET, realm, str(n), str(inflight),
                            str(rp.USERS)], capture_output=True, text=True, timeout=900)
        cpu = rp.cpu_seconds(pid) - c0
        f = dict(kv.split("=") for kv in r.stdout.split())
        if r.returncode != 0:
            raise RuntimeError(f"not every request was accepted: {r.stdout}{r.stderr}")
        return float(f["rate"]), cpu / n * 1e6


def run(port, pkts, inflight, pid, load=None, n=0):
    """pkts is one packet file (one radclient) or a list of them (as many
    radclients at once, inflight shared out: one radclient is the limit
    near 5k requests/s, below what the proxies do). With load (Radload),
    n requests from it instead."""
    d0 = udp_rcvbuf_errors()
    if load is not None:
        rate, cpu_us = load.run(port, n, inflight, pid, FOREIGN)
        return rate, cpu_us, udp_rcvbuf_errors() - d0
    if isinstance(pkts, str):
        rate, cpu_us = rp.run_radclient(port, pkts, inflight, pid)
        return rate, cpu_us, udp_rcvbuf_errors() - d0
    c0, t0 = rp.cpu_seconds(pid), time.monotonic()
    procs = [subprocess.Popen(["radclient", "-q", "-s", "-c", "1", "-p",
                               str(max(1, inflight // len(pkts))), "-r", "3", "-t", "10", "-f", f,
                               f"127.0.0.1:{port}", "auth", pl.SECRET],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for f in pkts]
    outs = [pr.communicate(timeout=900)[0] for pr in procs]
    dt = time.monotonic() - t0
    n = 0
    for f, out in zip(pkts, outs):
        want = sum(1 for line in open(f) if line.startswith("User-Name"))
        acc = [ln for ln in out.splitlines() if ln.strip().startswith("Accepted")]
        if not acc or int(acc[0].split(":")[-1]) != want:
            raise RuntimeError(f"not every request was accepted:\n{out[-2000:]}")
        n += want
    return n / dt, (rp.cpu_seconds(pid) - c0) / n * 1e6, udp_rcvbuf_errors() - d0


class Radsecproxy:
    def __init__(self, d, home_port):
        os.makedirs(d, exist_ok=True)
        self.port = pl.free_udp_port()
        conf = os.path.join(d, "radsecproxy.conf")
        self.logpath = os.path.join(d, "radsecproxy.log")
        with open(conf, "w") as f:
            f.write(RADSECPROXY_CONF.format(port=self.port, home=home_port,
                                            secret=pl.SECRET, realm=FOREIGN,
                                            operator=OPERATOR))
        with open(self.logpath, "wb") as log:  # in the foreground it logs to stderr
            self.proc = subprocess.Popen(["radsecproxy", "-f", "-c", conf, "-i",
                                          os.path.join(d, "pid")], stdout=log, stderr=log)
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("radsecproxy exited: " + open(self.logpath).read()[-2000:])
            r = subprocess.run(["radclient", "-r", "1", "-t", "1", f"127.0.0.1:{self.port}",
                                "auth", pl.SECRET],
                               input=f'User-Name = "u0000@{FOREIGN}", User-Password ='
                                     f' "{rp.password(0)}", Message-Authenticator = 0x00',
                               capture_output=True, text=True)
            if "Access-Accept" in r.stdout:
                return
        self.stop()
        raise TimeoutError("radsecproxy did not answer")

    def stop(self):
        pl.terminate(self.proc)


class Responder:
    """home_responder.c, built into d."""

    def __init__(self, d):
        os.makedirs(d, exist_ok=True)
        exe = os.path.join(d, "home_responder")
        subprocess.run(["cc", "-O2", "-o", exe, os.path.join(HERE, "home_responder.c"),
                        "-lcrypto"], check=True)
        self.port = pl.free_udp_port()
        self.proc = subprocess.Popen([exe, str(self.port), pl.SECRET], stdout=subprocess.PIPE,
                                     text=True)
        if self.proc.stdout.readline().strip() != "ready":
            raise RuntimeError("home_responder did not start")

    def stop(self):
        pl.terminate(self.proc)
        out = self.proc.stdout.read().strip()
        if out:
            print(f"home_responder: {out}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(HERE, "../../build"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--packets", type=int, default=20000, help="packets per run in parallel")
    ap.add_argument("--inflight", type=int, default=256)
    ap.add_argument("--home", choices=("responder", "freeradius"), default="responder")
    ap.add_argument("--clients", type=int, default=4,
                    help="radclients at once for the --inflight runs (1: one file, as before)")
    ap.add_argument("--load", choices=("radload", "radclient"), default="radload",
                    help="radload.c (default) or radclient for the --inflight runs")
    args = ap.parse_args()
    os.environ["POORT_BUILD"] = os.path.abspath(args.build)
    pl.POORTD = os.path.join(os.environ["POORT_BUILD"], "src/poortd")
    pl.POORTCTL = os.path.join(os.environ["POORT_BUILD"], "tools/poortctl")
    work = tempfile.mkdtemp(prefix="poort-bench-")
    peers = []
    p = None
    try:
        many = os.path.join(work, "many.pkts")
        seq = os.path.join(work, "seq.pkts")  # radclient paces itself at 1 in flight
        rp.packets_file(many, args.packets, realm=FOREIGN)
        split = []
        for k in range(args.clients):
            split.append(os.path.join(work, f"part{k}.pkts"))
            rp.packets_file(split[-1], args.packets // args.clients, realm=FOREIGN)
        rp.packets_file(seq, min(args.packets, 1000), realm=FOREIGN)
        users = "".join(f'u{i:04d}@{FOREIGN} Cleartext-Password := "{rp.password(i)}"\n'
                        for i in range(rp.USERS))
        if args.home == "responder":
            home = Responder(os.path.join(work, "home"))
        else:
            home = pl.FreeRadius(os.path.join(work, "home"), users, post_auth=MA,
                                 recv_buff=RCVBUF)
        peers.append(home)
        load = Radload(os.path.join(work, "load")) if args.load == "radload" else None

        p = pl.Poortd(extra=f"""proxy {{
	upstream "home" {{
		address 127.0.0.1
		port {home.port}
		secret "{pl.SECRET}"
	}}
	response_window 10
	max_inflight 4096
}}
""")
        # a line per outcome at info level, as in production
        p.write_config(p.config_text().replace("log { level debug }", "log { level info }"))
        p.start()
        rsp = Radsecproxy(os.path.join(work, "radsecproxy"), home.port)
        peers.append(rsp)
        frp = pl.FreeRadiusProxy(os.path.join(work, "frproxy"), {FOREIGN: home.port},
                                 pre_proxy=f"""update proxy-request {{
			&Operator-Name := "{OPERATOR}"
			&Chargeable-User-Identity := 0x00
		}}""", auth_log=True, recv_buff=RCVBUF)
        peers.append(frp)
        proxies = {"poortd": (p.auth_port, p.proc.pid),
                   "radsecproxy": (rsp.port, rsp.proc.pid),
                   "freeradius-proxy": (frp.port, frp.proc.pid),
                   "(home server direct)": (home.port, home.proc.pid)}
        for port, pid in proxies.values():
            rp.run_radclient(port, seq, 16, pid)  # warm up: sockets, threads, caches

        print(f"Proxied PAP Access-Requests, UDP -> UDP, realm {FOREIGN}; median of"
              f" {args.repeat}; CPU is the proxy's own (utime + stime, all threads)")
        results = {}
        for inflight in (1, args.inflight):
            pkts = seq if inflight == 1 else (many if args.clients == 1 else split)
            runs = {name: [] for name in proxies}
            for _ in range(args.repeat):  # interleaved, so load drifts hit all alike
                for name, (port, pid) in proxies.items():
                    runs[name].append(run(port, pkts, inflight, pid,
                                          load if inflight > 1 else None, args.packets))
            for name, rr in runs.items():
                rate = statistics.median(r[0] for r in rr)
                cpu = statistics.median(r[1] for r in rr) / 1000  # CPU-s per 1000
                results[(name, inflight)] = (rate, cpu)
                print(f"  in-flight {inflight:3d}  {name:22s} {rate:8.0f} req/s"
                      f"  {cpu:7.4f} CPU-s/1000 req"
                      f"  (rates: {', '.join(f'{r[0]:.0f}' for r in rr)};"
                      f" UDP drops: {', '.join(str(r[2]) for r in rr)})", flush=True)
        print("\nratios poortd / peer: requests per second (CPU per request; < 1 is less)")
        for inflight in (1, args.inflight):
            pr, pc = results[("poortd", inflight)]
            line = [f"  in-flight {inflight:3d}:"]
            for peer in ("radsecproxy", "freeradius-proxy"):
                r, c = results[(peer, inflight)]
                line.append(f"poortd/{peer} {pr / r:5.2f}x ({pc / c:5.2f}x)")
            print("  ".join(line))
    finally:
        if p is not None:
            p.cleanup()
        for peer in peers:
            peer.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
