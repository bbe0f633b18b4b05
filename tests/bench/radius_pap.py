#!/usr/bin/env python3
"""PAP Access-Requests per second: poortd against FreeRADIUS 3.2 (Debian),
same users, same machine, same run, driven by radclient with 1 and 256
requests in flight. Prints each figure (median of --repeat runs) and ratios.
The 256-in-flight runs without hashing are sent by radload.c (built here with cc and
libcrypto: distinct packets, every reply's authenticators checked), since
radclient, not the servers, was the limit there; --load radclient for the
old way.

FreeRADIUS is measured twice: with the same yescrypt hashes poortd stores
(Crypt-Password: the like-for-like setup) and with cleartext passwords (the
fastest FreeRADIUS can be). poortd is measured with its verified-credential
cache warm (phones re-authenticating: the common case) and cold (cache off:
every request runs yescrypt).

    tests/bench/radius_pap.py [--build build] [--repeat 3]
"""

import argparse
import os
import resource
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../integration"))
import poortlib as pl  # noqa: E402

REALM = pl.REALM
SECRET = pl.SECRET
USERS = 200



def password(i):
    return f"Bench-pass-{i:04d}"


def packets_file(path, n, realm=REALM):
    with open(path, "w") as f:
        for k in range(n):
            i = k % USERS
            f.write(f'User-Name = "u{i:04d}@{realm}", User-Password = "{password(i)}",'
                    f" Message-Authenticator = 0x00\n\n")


def cpu_seconds(pid):
    """User + system CPU of poortd: the parent and its children (radius, web),
    all threads."""
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        pids = [pid] + [int(x) for x in f.read().split()]
    total = 0
    for p in pids:
        with open(f"/proc/{p}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def thread_ticks(pid):
    """{(pid, tid): user + system ticks} of every thread of pid and its children."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            pids = [pid] + [int(x) for x in f.read().split()]
    except OSError:
        pids = [pid]
    out = {}
    for p in pids:
        for t in os.listdir(f"/proc/{p}/task"):
            try:
                with open(f"/proc/{p}/task/{t}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                out[p, t] = int(fields[11]) + int(fields[12])
            except OSError:
                pass
    return out


def host_idle():
    """(idle + iowait, total) jiffies of all CPUs, from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return v[3] + v[4], sum(v)


LIMITS = []  # (server pid, busiest thread, server, load generator, host busy), shares of one core


def run_radclient(port, pkts, inflight, pid):
    """(requests per second, server CPU microseconds per request) for one
    radclient run over the packet file."""
    c0 = cpu_seconds(pid)
    t0 = time.monotonic()
    r = subprocess.run(["radclient", "-q", "-s", "-c", "1", "-p", str(inflight), "-r", "3",
                        "-t", "10", "-f", pkts, f"127.0.0.1:{port}", "auth", SECRET],
                       capture_output=True, text=True, timeout=900)
    dt = time.monotonic() - t0
    n = sum(1 for line in open(pkts) if line.startswith("User-Name"))
    out = r.stdout + r.stderr
    # radclient -s prints "Accepted : N"
    accepted = [ln for ln in out.splitlines() if ln.strip().startswith("Accepted")]
    if not accepted or int(accepted[0].split(":")[-1]) != n:
        raise RuntimeError(f"not every request was accepted:\n{out[-2000:]}")
    return n / dt, (cpu_seconds(pid) - c0) / n * 1e6


def build_radload(d):
    """radload.c (this directory) built into d: a load generator that is not
    the limit (one radclient tops out near 5k requests/s)."""
    exe = os.path.join(d, "radload")
    subprocess.run(["cc", "-O2", "-o", exe, os.path.join(HERE, "radload.c"), "-lcrypto"],
                   check=True)
    return exe


def run_radload(exe, port, n, inflight, pid, realm=REALM):
    """(requests per second, server CPU microseconds per request); every
    request must be accepted."""
    c0 = cpu_seconds(pid)
    t0, th0, h0 = time.monotonic(), thread_ticks(pid), host_idle()
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    r = subprocess.run([exe, str(port), SECRET, realm, str(n), str(inflight), str(USERS)],
                       capture_output=True, text=True, timeout=900)
    cpu = cpu_seconds(pid) - c0
    # who was the limit: the server's busiest thread, the server, the load
    # generator and the whole host, each as a share of one core over the run
    dt, th1, h1 = time.monotonic() - t0, thread_ticks(pid), host_idle()
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    tick = os.sysconf("SC_CLK_TCK")
    per = [(th1[k] - th0.get(k, 0)) / tick / dt for k in th1]
    gen = (ru1.ru_utime + ru1.ru_stime - ru0.ru_utime - ru0.ru_stime) / dt
    ncpu = os.cpu_count() or 1
    busy = ncpu * (1 - (h1[0] - h0[0]) / max(1, h1[1] - h0[1]))
    LIMITS.append((pid, max(per, default=0), sum(per), gen, busy))
    if r.returncode != 0:
        raise RuntimeError(f"not every request was accepted: {r.stdout}{r.stderr}")
    f = dict(kv.split("=") for kv in r.stdout.split())
    return float(f["rate"]), cpu / n * 1e6


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(HERE, "../../build"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--fast", type=int, default=20000, help="packets per warm run")
    ap.add_argument("--slow", type=int, default=400, help="packets per hashing run")
    ap.add_argument("--no-hashing", dest="hashing", action="store_false",
                    help="only the cache-warm and cleartext rows (the hashing rows take"
                         " minutes and lose requests at 256 in flight on a loaded host)")
    ap.add_argument("--load", choices=("radload", "radclient"), default="radload",
                    help="what sends the 256-in-flight runs: radload.c (default) or radclient")
    args = ap.parse_args()
    os.environ["POORT_BUILD"] = os.path.abspath(args.build)
    pl.POORTD = os.path.join(os.environ["POORT_BUILD"], "src/poortd")
    pl.POORTCTL = os.path.join(os.environ["POORT_BUILD"], "tools/poortctl")
    work = tempfile.mkdtemp(prefix="poort-bench-")
    results = {}
    try:
        csv = os.path.join(work, "users.csv")
        with open(csv, "w") as f:
            for i in range(USERS):
                f.write(f"u{i:04d},U,{i},{i},student,{password(i)}\n")
        fast = os.path.join(work, "fast.pkts")
        slow = os.path.join(work, "slow.pkts")
        packets_file(fast, args.fast)
        packets_file(slow, args.slow)
        # one at a time radclient paces itself (it waits between packets), so
        # fewer packets give the same figure in less time
        seq = os.path.join(work, "seq.pkts")
        packets_file(seq, min(args.fast, 1000))

        p = pl.Poortd(cost=4, extra="limits { pending 4096 }\n")
        p.ctl("import", csv)
        with sqlite3.connect(os.path.join(p.state, "poort.db")) as c:
            hashes = c.execute("SELECT username, pw_hash FROM accounts").fetchall()
        crypt_users = "".join(f'{u}@{REALM} Crypt-Password := "{h}"\n' for u, h in hashes)
        clear_users = "".join(f'u{i:04d}@{REALM} Cleartext-Password := "{password(i)}"\n'
                              for i in range(USERS))

        load = build_radload(work) if args.load == "radload" else None

        def one(port, pkts, inflight, pid):
            if load is not None and inflight > 1 and pkts == fast:  # not the hashing runs
                n = sum(1 for line in open(pkts) if line.startswith("User-Name"))
                return run_radload(load, port, n, inflight, pid)
            return run_radclient(port, pkts, inflight, pid)

        def measure(servers, inflight):
            """servers: (name, port, pkts, pid); their rounds interleaved, so
            that load drifts on the shared host hit all alike."""
            runs = {name: [] for name, _, _, _ in servers}
            for _ in range(args.repeat):
                for name, port, pkts, pid in servers:
                    if inflight == 1 and pkts == fast:
                        pkts = seq
                    runs[name].append(one(port, pkts, inflight, pid))
            for name, rr in runs.items():
                lim = [x for x in LIMITS if x[0] == dict((n, q) for n, _, _, q in servers)[name]]
                if inflight > 1 and lim:
                    print(f"  {name:30s} in-flight {inflight:3d}, shares of one core (medians):"
                          f" busiest server thread {statistics.median(x[1] for x in lim):.2f},"
                          f" server {statistics.median(x[2] for x in lim):.2f}, load generator"
                          f" {statistics.median(x[3] for x in lim):.2f}, whole host busy"
                          f" {statistics.median(x[4] for x in lim):.2f} of {os.cpu_count()}",
                          flush=True)
                rate = statistics.median(r[0] for r in rr)
                cpu = statistics.median(r[1] for r in rr)
                results[(name, inflight)] = (rate, cpu)
                print(f"  {name:30s} in-flight {inflight:3d}: {rate:8.0f}/s  server CPU"
                      f" {cpu:8.1f} us/request  (rates: {', '.join(f'{r[0]:.0f}' for r in rr)})",
                      flush=True)

        print(f"PAP Access-Requests per second, {USERS} users, median of {args.repeat}")
        # the like-for-like pair first: poortd's cache warm, FreeRADIUS cleartext
        p.start()
        run_radclient(p.auth_port, slow, 16, p.proc.pid)  # warm the cache once
        fr = pl.FreeRadius(os.path.join(work, "cleartext"), clear_users, recv_buff=4 << 20)
        try:
            for inflight in (1, 256):
                measure([("poortd (cache warm)", p.auth_port, fast, p.proc.pid),
                         ("freeradius (cleartext)", fr.port, fast, fr.proc.pid)], inflight)
        finally:
            fr.stop()
            p.stop()
        if args.hashing:
            p.extra = "limits { pending 4096 }\npassword { cache 0 }\n"
            p.write_config()
            p.start()
            fr = pl.FreeRadius(os.path.join(work, "yescrypt"), crypt_users, recv_buff=4 << 20)
            try:
                for inflight in (1, 256):
                    measure([("poortd (cache off, yescrypt)", p.auth_port, slow, p.proc.pid),
                             ("freeradius (yescrypt)", fr.port, slow, fr.proc.pid)], inflight)
            finally:
                fr.stop()
                p.stop()
        p.cleanup()

        print("\nratios, requests per second (and requests per CPU-second);"
              " target: poortd >= 1.5x FreeRADIUS")
        for inflight in (1, 256):
            def ratio(a, b):
                ra, rb = results[(a, inflight)], results[(b, inflight)]
                return f"{ra[0] / rb[0]:6.2f}x ({rb[1] / ra[1]:6.2f}x)"
            line = (f"  in-flight {inflight:3d}: poortd warm vs freeradius cleartext"
                    f" {ratio('poortd (cache warm)', 'freeradius (cleartext)')}")
            if args.hashing:
                line += (f"; poortd warm vs freeradius same hashes"
                         f" {ratio('poortd (cache warm)', 'freeradius (yescrypt)')};"
                         f" poortd cold vs freeradius same hashes"
                         f" {ratio('poortd (cache off, yescrypt)', 'freeradius (yescrypt)')}")
            print(line)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
