#!/usr/bin/env python3
"""Benchmark, not a test: server CPU time per full EAP authentication,
poortd against FreeRADIUS 3.2 from Debian, same machine, same run, same
certificates and methods, driven by eapol_test. Prints a table with the
ratio poortd / FreeRADIUS (the target is <= 0.7), under TLS 1.2 and 1.3,
and the floor: the server side of a bare memory-BIO handshake with the
same certificates (eap_floor.py), with the ratio poortd / floor (the
target is <= 2). FreeRADIUS runs Debian's eap settings (tls_max_version
1.2), so it has no TLS 1.3 column.

	tests/bench/bench_eap.py [--build DIR] [--auths N] [--parallel P] [--repeat R]

CPU time is the on-CPU time of the server process's threads from
/proc/PID/task/*/schedstat, read before and after N authentications of one method.
Every authentication must succeed with matching MPPE keys.

--callgrind runs poortd under valgrind's callgrind and prints instructions
per authentication instead (repeatable on a loaded machine: use it for
before/after comparisons of a change, --build pointing at each tree).
FreeRADIUS and the floor are skipped then."""

import argparse
import concurrent.futures
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import glob
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../integration"))
import eap_floor  # noqa: E402
import eapcerts  # noqa: E402
import poortlib as pl  # noqa: E402

PW = "Correct-horse-1"
USER = "anna@" + pl.REALM
METHODS = {
    "peap-mschapv2": 'eap=PEAP\n phase2="auth=MSCHAPV2"',
    "ttls-pap": 'eap=TTLS\n phase2="auth=PAP"',
    "ttls-mschapv2": 'eap=TTLS\n phase2="auth=MSCHAPV2"',
    "eap-tls": "eap=TLS",
}


def cpu_seconds(pid):
    """On-CPU time of all the process's threads, in ns resolution
    (schedstat; /proc/PID/stat's ticks are 10 ms, too coarse here)."""
    total = 0
    for t in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{t}/schedstat") as f:
                total += int(f.read().split()[0])
        except OSError:
            pass
    return total / 1e9


def network(certs, method, tls13):
    lines = ["network={", " key_mgmt=WPA-EAP", f' ca_cert="{certs["ca"]}"',
             f' domain_suffix_match="{eapcerts.SERVER_NAME}"',
             ' phase1="tls_disable_tlsv1_3=%d"' % (0 if tls13 else 1), " " + METHODS[method],
             f' anonymous_identity="anonymous@{pl.REALM}"']
    if method == "eap-tls":
        lines += [f' identity="anonymous@{pl.REALM}"', f' client_cert="{certs["client"]}"',
                  f' private_key="{certs["client_key"]}"']
    else:
        lines += [f' identity="{USER}"', f' password="{PW}"']
    return "\n".join(lines + ["}"]) + "\n"


def eapol(conf, port):
    r = subprocess.run(["eapol_test", "-c", conf, "-a", "127.0.0.1", "-p", str(port), "-s",
                        pl.SECRET, "-r", "0", "-t", "10"], capture_output=True, text=True,
                       timeout=40)
    return r.returncode == 0 and "MPPE keys OK: 1  mismatch: 0" in r.stdout


def callgrind_ir(pid, outdir):
    """Instructions poortd ran since the last call (callgrind_control dumps
    and zeroes the counters)."""
    before = set(glob.glob(os.path.join(outdir, "callgrind.out.*")))
    subprocess.run(["callgrind_control", "-d", str(pid)], check=True, capture_output=True,
                   timeout=60)
    total = 0
    for path in set(glob.glob(os.path.join(outdir, "callgrind.out.*"))) - before:
        with open(path) as f:
            for line in f:
                if line.startswith("summary:") or line.startswith("totals:"):
                    total = max(total, int(line.split()[1]))
    return total


def measure(pid, port, conf, n, parallel, cg_dir=None):
    eapol(conf, port)  # warm-up (caches, first hash)
    if cg_dir:
        callgrind_ir(pid, cg_dir)
        ok = sum(eapol(conf, port) for _ in range(n))
        if ok != n:
            raise RuntimeError(f"{n - ok} of {n} authentications failed")
        return callgrind_ir(pid, cg_dir) / n / 1e6, 0.0
    t0, c0 = time.monotonic(), cpu_seconds(pid)
    with concurrent.futures.ThreadPoolExecutor(parallel) as ex:
        ok = sum(ex.map(lambda _: eapol(conf, port), range(n)))
    c1, t1 = cpu_seconds(pid), time.monotonic()
    if ok != n:
        raise RuntimeError(f"{n - ok} of {n} authentications failed")
    return (c1 - c0) / n * 1000, n / (t1 - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(HERE, "../../build"))
    ap.add_argument("--auths", type=int, default=40)
    ap.add_argument("--parallel", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3, help="rounds; medians are printed")
    ap.add_argument("--methods", default="", help="comma-separated subset of the methods")
    ap.add_argument("--no-freeradius", action="store_true", help="poortd and the floor only")
    ap.add_argument("--callgrind", action="store_true",
                    help="poortd's instructions per authentication (millions), under callgrind")
    args = ap.parse_args()
    os.environ["POORT_BUILD"] = os.path.abspath(args.build)
    pl.POORTD = os.path.join(os.environ["POORT_BUILD"], "src/poortd")
    pl.POORTCTL = os.path.join(os.environ["POORT_BUILD"], "tools/poortctl")

    d = tempfile.mkdtemp(prefix="poort-bench-")
    cg_dir = None
    if args.callgrind:
        args.no_freeradius = True
        cg_dir = os.path.join(d, "callgrind")
        os.makedirs(cg_dir)
        wrap = os.path.join(d, "poortd-callgrind")
        with open(wrap, "w") as f:
            f.write(f'#!/bin/sh\nexec valgrind --tool=callgrind --collect-atstart=yes'
                    f' --callgrind-out-file={cg_dir}/callgrind.out.%p {pl.POORTD} "$@"\n')
        os.chmod(wrap, 0o755)
        pl.POORTD = wrap
    certs = eapcerts.make(d)
    p = pl.Poortd(extra=f"""eap {{
	methods peap ttls tls
	certificate "{certs['server']}"
	private_key "{certs['server_key']}"
	client_ca "{certs['ca']}"
}}
""")
    p.add_user("anna", PW)
    # a single line each at info level, like FreeRADIUS without -X
    p.write_config(p.config_text().replace("log { level debug }", "log { level info }"))
    fr = None
    try:
        p.start()
        if not args.no_freeradius:
            fr = pl.FreeRadiusEap(os.path.join(d, "freeradius"), certs,
                                  f'"{USER}" Cleartext-Password := "{PW}"\n')
            fr_port = fr.port
        print(f"{'method':<16} {'TLS':>3} {'poortd ms/auth':>15} {'FreeRADIUS ms/auth':>19}"
              f" {'ratio':>6} {'floor ms':>9} {'poortd/floor':>13} {'poortd auth/s':>14}"
              f" {'FR auth/s':>10}")
        for tls13 in (False, True):
            for m in METHODS:
                if args.methods and m not in args.methods.split(","):
                    continue
                conf = os.path.join(d, f"{m}.conf")
                with open(conf, "w") as f:
                    f.write(network(certs, m, tls13))
                pcs, prs, fcs, frs, fls = [], [], [], [], []
                for _ in range(args.repeat):  # interleaved, so load drifts hit all alike
                    c, r = measure(p.proc.pid, p.auth_port, conf, args.auths, args.parallel,
                                   cg_dir)
                    pcs.append(c)
                    if cg_dir:
                        continue
                    prs.append(r)
                    if not args.no_freeradius and not tls13:  # Debian's FR: tls_max_version 1.2
                        c, r = measure(fr.proc.pid, fr_port, conf, args.auths, args.parallel)
                        fcs.append(c)
                        frs.append(r)
                    fls.append(eap_floor.floor_ms(certs, tls13, m == "eap-tls",
                                                  eapcerts.SERVER_NAME, n=100, rounds=1))
                if cg_dir:
                    print(f"{m:<16} {'1.3' if tls13 else '1.2':>3}"
                          f" {statistics.median(pcs):>15.2f} M instructions/auth", flush=True)
                    continue
                pc, pr, fl = (statistics.median(x) for x in (pcs, prs, fls))
                fc, frr = (statistics.median(x) for x in (fcs, frs)) if fcs else (0, 0)
                print(f"{m:<16} {'1.3' if tls13 else '1.2':>3} {pc:>15.2f} {fc:>19.2f}"
                      f" {pc / fc if fc else 0:>6.2f} {fl:>9.2f} {pc / fl:>13.2f} {pr:>14.1f}"
                      f" {frr:>10.1f}", flush=True)
    finally:
        if fr is not None:
            fr.stop()
        p.cleanup()
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
