#!/usr/bin/env python3
"""Benchmark, not a test: server CPU time per full EAP authentication,
poortd against FreeRADIUS 3.2 from Debian, same machine, same run, same
certificates and methods, driven by eapol_test. Prints a table with the
ratio poortd / FreeRADIUS (the target is <= 0.7).

	tests/bench/bench_eap.py [--build DIR] [--auths N] [--parallel P] [--repeat R]

CPU time is utime + stime of the server process (all threads) from
/proc/PID/stat, read before and after N authentications of one method.
Every authentication must succeed with matching MPPE keys."""

import argparse
import concurrent.futures
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../integration"))
import eapcerts  # noqa: E402
import poortlib as pl  # noqa: E402

PW = "Correct-horse-1"
USER = "anna@" + pl.REALM
TICK = os.sysconf("SC_CLK_TCK")
METHODS = {
    "peap-mschapv2": 'eap=PEAP\n phase2="auth=MSCHAPV2"',
    "ttls-pap": 'eap=TTLS\n phase2="auth=PAP"',
    "ttls-mschapv2": 'eap=TTLS\n phase2="auth=MSCHAPV2"',
    "eap-tls": "eap=TLS",
}


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
    return total / TICK


def network(certs, method):
    lines = ["network={", " key_mgmt=WPA-EAP", f' ca_cert="{certs["ca"]}"',
             f' domain_suffix_match="{eapcerts.SERVER_NAME}"',
             ' phase1="tls_disable_tlsv1_3=1"', " " + METHODS[method],
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


def measure(pid, port, conf, n, parallel):
    eapol(conf, port)  # warm-up (caches, first hash)
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
    args = ap.parse_args()
    os.environ["POORT_BUILD"] = os.path.abspath(args.build)
    pl.POORTD = os.path.join(os.environ["POORT_BUILD"], "src/poortd")
    pl.POORTCTL = os.path.join(os.environ["POORT_BUILD"], "tools/poortctl")

    d = tempfile.mkdtemp(prefix="poort-bench-")
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
        fr = pl.FreeRadiusEap(os.path.join(d, "freeradius"), certs,
                              f'"{USER}" Cleartext-Password := "{PW}"\n')
        fr_port = fr.port
        print(f"{'method (TLS 1.2)':<16} {'poortd ms/auth':>15} {'FreeRADIUS ms/auth':>19}"
              f" {'ratio':>6} {'poortd auth/s':>14} {'FR auth/s':>10}")
        for m in METHODS:
            conf = os.path.join(d, f"{m}.conf")
            with open(conf, "w") as f:
                f.write(network(certs, m))
            pcs, prs, fcs, frs = [], [], [], []
            for _ in range(args.repeat):  # interleaved, so load drifts hit both alike
                c, r = measure(p.proc.pid, p.auth_port, conf, args.auths, args.parallel)
                pcs.append(c)
                prs.append(r)
                c, r = measure(fr.proc.pid, fr_port, conf, args.auths, args.parallel)
                fcs.append(c)
                frs.append(r)
            pc, pr, fc, frr = (statistics.median(x) for x in (pcs, prs, fcs, frs))
            print(f"{m:<16} {pc:>15.2f} {fc:>19.2f} {pc / fc:>6.2f} {pr:>14.1f} {frr:>10.1f}",
                  flush=True)
    finally:
        if fr is not None:
            fr.stop()
        p.cleanup()
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
