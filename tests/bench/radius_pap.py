#!/usr/bin/env python3
"""PAP Access-Requests per second: poortd against FreeRADIUS 3.2 (Debian),
same users, same machine, same run, driven by radclient with 1 and 256
requests in flight. Prints each figure (median of --repeat runs) and ratios.

FreeRADIUS is measured twice: with the same yescrypt hashes poortd stores
(Crypt-Password: the like-for-like setup) and with cleartext passwords (the
fastest FreeRADIUS can be). poortd is measured with its verified-credential
cache warm (phones re-authenticating: the common case) and cold (cache off:
every request runs yescrypt).

    tests/bench/radius_pap.py [--build build] [--repeat 3]
"""

import argparse
import os
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(HERE, "../../build"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--fast", type=int, default=20000, help="packets per warm run")
    ap.add_argument("--slow", type=int, default=400, help="packets per hashing run")
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

        def measure(name, port, pkts, inflight, pid):
            if inflight == 1 and pkts == fast:
                pkts = seq
            runs = [run_radclient(port, pkts, inflight, pid) for _ in range(args.repeat)]
            rate = statistics.median(r[0] for r in runs)
            cpu = statistics.median(r[1] for r in runs)
            results[(name, inflight)] = (rate, cpu)
            print(f"  {name:30s} in-flight {inflight:3d}: {rate:8.0f}/s  server CPU"
                  f" {cpu:8.1f} us/request  (rates: {', '.join(f'{r[0]:.0f}' for r in runs)})",
                  flush=True)

        print(f"PAP Access-Requests per second, {USERS} users, median of {args.repeat}")
        p.start()
        run_radclient(p.auth_port, slow, 16, p.proc.pid)  # warm the cache once
        for inflight in (1, 256):
            measure("poortd (cache warm)", p.auth_port, fast, inflight, p.proc.pid)
        p.stop()
        p.extra = "limits { pending 4096 }\npassword { cache 0 }\n"
        p.write_config()
        p.start()
        for inflight in (1, 256):
            measure("poortd (cache off, yescrypt)", p.auth_port, slow, inflight, p.proc.pid)
        p.stop()

        for name, users, pkts in (("freeradius (yescrypt)", crypt_users, slow),
                                  ("freeradius (cleartext)", clear_users, fast)):
            fr = pl.FreeRadius(os.path.join(work, name.split()[1].strip("()")), users)
            try:
                for inflight in (1, 256):
                    measure(name, fr.port, pkts, inflight, fr.proc.pid)
            finally:
                fr.stop()
        p.cleanup()

        print("\nratios, requests per second (and requests per CPU-second);"
              " target: poortd >= 1.5x FreeRADIUS")
        for inflight in (1, 256):
            def ratio(a, b):
                ra, rb = results[(a, inflight)], results[(b, inflight)]
                return f"{ra[0] / rb[0]:6.2f}x ({rb[1] / ra[1]:6.2f}x)"
            print(f"  in-flight {inflight:3d}:"
                  f" poortd warm vs freeradius same hashes {ratio('poortd (cache warm)', 'freeradius (yescrypt)')};"
                  f" poortd warm vs freeradius cleartext {ratio('poortd (cache warm)', 'freeradius (cleartext)')};"
                  f" poortd cold vs freeradius same hashes"
                  f" {ratio('poortd (cache off, yescrypt)', 'freeradius (yescrypt)')}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
