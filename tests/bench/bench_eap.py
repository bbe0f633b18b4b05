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

Also printed: the RADIUS round trips per authentication (rt), poortd's CPU
for one round trip without TLS (rt ms, round_ms) and poortd / (floor + rt x
rt ms). --key rsa makes RSA-2048 certificates instead of EC P-256.

Also printed: the protocol floor (proto), what a login must do beyond the
handshake as eap_round_floor.c measures it on this host (each round trip's
datagrams with the server woken, its authenticators, the tunnel's inner
records, the MSK export, MSCHAPv2 or the PAP cache's HMAC) added to the
handshake floor, and poortd / that. A closing "target EAP ..." line per row
says whether poortd <= 2x the handshake floor.

--callgrind runs poortd under valgrind's callgrind and prints instructions
per authentication instead (repeatable on a loaded machine: use it for
before/after comparisons of a change, --build pointing at each tree), and
the floor in instructions (eap_floor.c). FreeRADIUS is skipped then."""

import argparse
import concurrent.futures
import os
import shutil
import socket
import struct
import statistics
import subprocess
import sys
import tempfile
import glob
import re
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../integration"))
import eap_floor  # noqa: E402
import eap_memory  # noqa: E402
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
    """On-CPU time of poortd: the parent and its children (radius, web), all
    threads, in ns resolution (schedstat; /proc/PID/stat's ticks are 10 ms,
    too coarse here)."""
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        pids = [pid] + [int(x) for x in f.read().split()]
    total = 0
    for p in pids:
        for t in os.listdir(f"/proc/{p}/task"):
            try:
                with open(f"/proc/{p}/task/{t}/schedstat") as f:
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


ROWS = []  # (method, tls13, poortd ms, floor ms, round trips, protocol floor ms, parts)
SIZES = {}  # conf -> (mean request, mean reply) octets of the last authentication (eapol_test's)
EXCHANGES = {}  # (conf, port) -> RADIUS round trips of the last authentication (eapol_test's)


def eapol(conf, port):
    r = subprocess.run(["eapol_test", "-c", conf, "-a", "127.0.0.1", "-p", str(port), "-s",
                        pl.SECRET, "-r", "0", "-t", "10"], capture_output=True, text=True,
                       timeout=40)
    EXCHANGES[conf, port] = EXCHANGES["last"] = r.stdout.count(
        "Sending RADIUS message to authentication server")
    # the sizes the round floor is measured at: this login's mean request and reply
    req, rep = [], []
    for m in re.finditer(r"RADIUS message: code=(\d+) \S+ identifier=\d+ length=(\d+)", r.stdout):
        (req if m.group(1) == "1" else rep).append(int(m.group(2)))
    if req and rep:
        SIZES[conf] = (sum(req) // len(req), sum(rep) // len(rep))
    return r.returncode == 0 and "MPPE keys OK: 1  mismatch: 0" in r.stdout


def round_ms(pid, port, n=300):
    """poortd's CPU per RADIUS round trip that does no TLS: an EAP-Response/
    Identity in, an Access-Challenge with the Start out (Message-Authenticator
    checked and signed, a conversation made, the State looked up on the next
    round), n of them. Times the exchanges an authentication takes, this is
    what its RADIUS and EAP framing cost before any cryptography."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(5)
    user = "anonymous@" + pl.REALM
    eap = struct.pack("!BBHB", 2, 0, 5 + len(user), 1) + user.encode()
    try:
        eap_memory.radius_eap(sock, port, user, eap)
        c0 = cpu_seconds(pid)
        for i in range(n):
            code, _ = eap_memory.radius_eap(sock, port, user, eap, ident=i & 0xff)
            if code != 11:
                raise RuntimeError(f"expected an Access-Challenge, got code {code}")
        return (cpu_seconds(pid) - c0) / n * 1000
    finally:
        sock.close()


INNER = {"peap-mschapv2": "mschapv2", "ttls-pap": "pap", "ttls-mschapv2": "mschapv2",
         "eap-tls": None}


def round_floor(exe, certs, tls13, sizes, n=2000):
    """The parts of eap_round_floor.c, ms each: udp, udpwake, auth, record,
    msk, mschapv2, pap (what a login must do beyond the handshake); sizes:
    the mean request and reply of the login, in octets."""
    r = subprocess.run([exe, certs["server"], certs["server_key"], "13" if tls13 else "12",
                        str(n), *(str(x) for x in sizes)], capture_output=True, text=True,
                       check=True, timeout=300)
    return {k: float(v) for k, v in (line.split() for line in r.stdout.split("\n") if line)}


def proto_floor(hs, rf, method, nrt):
    """The protocol's floor for one login, ms: the handshake's (hs), each
    RADIUS round trip's datagrams (the server woken for each) and
    authenticators, a tunnel record read and written for every round after
    the three the handshake takes (identity, ClientHello, the client's
    Finished), the MSK export, the inner method's own crypto."""
    inner = INNER[method]
    tunnel = max(0, nrt - 3) * rf["record"] if inner else 0.0
    return (hs + nrt * (rf["udpwake"] + rf["auth"]) + tunnel + rf["msk"]
            + (rf[inner] if inner else 0.0))


def callgrind_ir(outdir):
    """Instructions all of poortd's processes ran (the parent, radius, web),
    from the dumps callgrind writes as each exits; the dumps are then moved
    into outdir/done (--keep copies them). The children are forked, and
    callgrind_control cannot reach a forked child, so each count is one
    whole poortd run."""
    total = 0
    done = os.path.join(outdir, "done")
    os.makedirs(done, exist_ok=True)
    for path in glob.glob(os.path.join(outdir, "callgrind.out.*")):
        with open(path) as f:
            for line in f:
                if line.startswith("summary:") or line.startswith("totals:"):
                    total += int(line.split()[1])
                    break
        name = f"{len(os.listdir(done)):03d}.{os.path.basename(path)}"
        shutil.move(path, os.path.join(done, name))
    return total


def callgrind_floor(exe, certs, tls13, client_cert, n, outdir):
    """The floor in instructions: the server's SSL_do_handshake calls of
    eap_floor.c (same certificates, version and cipher), per handshake."""
    out = os.path.join(outdir, "floor.out")
    cc = [certs["client"], certs["client_key"]] if client_cert else ["-", "-"]
    subprocess.run(["valgrind", "--tool=callgrind", "--collect-atstart=no",
                    f"--callgrind-out-file={out}", exe, certs["server"], certs["server_key"],
                    certs["ca"], *cc, "13" if tls13 else "12", str(n)],
                   check=True, capture_output=True, timeout=600)
    with open(out) as f:
        for line in f:
            if line.startswith("summary:") or line.startswith("totals:"):
                total = int(line.split()[1])
                break
    os.unlink(out)
    return total / n / 1e6


def callgrind_round_floor(exe, certs, tls13, sizes, outdir, n=200):
    """eap_round_floor.c's parts in M instructions each (user space only:
    callgrind does not see the kernel's part of the datagrams)."""
    out = os.path.join(outdir, "round.out")
    subprocess.run(["valgrind", "--tool=callgrind", "--collect-atstart=no",
                    f"--callgrind-out-file={out}", exe, certs["server"], certs["server_key"],
                    "13" if tls13 else "12", str(n), *(str(x) for x in sizes)], check=True,
                   capture_output=True, timeout=600)
    parts = {}
    for path in glob.glob(out + ".*"):
        name = total = None
        with open(path) as f:
            for line in f:
                if line.startswith("desc: Trigger: Client Request: "):
                    name = line.split(": ", 2)[2].split()[-1]
                elif line.startswith("summary:") or line.startswith("totals:"):
                    total = int(line.split()[1])
                    break
        if name is not None and total is not None:
            parts[name] = total / n / 1e6
        os.unlink(path)
    return parts


def callgrind_row(make, conf, n, cg_dir):
    """Instructions per authentication: a poortd run with a warm-up and n
    authentications less one with the warm-up only (start, stop and the
    warm-up cancel out)."""
    counts = []
    for k in (0, n):
        p = make()
        try:
            p.logf = open(p.logpath, "ab")
            p.log_start = p.logf.tell()
            p.proc = subprocess.Popen([pl.POORTD, "-c", p.conf], stdout=p.logf, stderr=p.logf)
            p.wait_log("ready", 120)  # valgrind starts slowly on a loaded host
            eapol(conf, p.auth_port)  # warm-up (caches, first hash)
            ok = sum(eapol(conf, p.auth_port) for _ in range(k))
            p.stop()
        finally:
            p.cleanup()
        if ok != k:
            raise RuntimeError(f"{k - ok} of {k} authentications failed")
        counts.append(callgrind_ir(cg_dir))
    return (counts[1] - counts[0]) / n / 1e6


def measure(pid, port, conf, n, parallel, cold=None):
    """poortd's CPU ms per authentication and authentications per second.
    cold: an eap_floor.c command line to run meanwhile (its handshakes
    sleep between the server's steps, like a server waiting for its peer,
    while the eapol_test processes run); its output, the cold floor, is
    returned third."""
    eapol(conf, port)  # warm-up (caches, first hash)
    fl = subprocess.Popen(cold, stdout=subprocess.PIPE, text=True) if cold else None
    t0, c0 = time.monotonic(), cpu_seconds(pid)
    with concurrent.futures.ThreadPoolExecutor(parallel) as ex:
        ok = sum(ex.map(lambda _: eapol(conf, port), range(n)))
    c1, t1 = cpu_seconds(pid), time.monotonic()
    cold_ms = float(fl.communicate(timeout=120)[0]) if fl else 0.0
    if ok != n:
        raise RuntimeError(f"{n - ok} of {n} authentications failed")
    return (c1 - c0) / n * 1000, n / (t1 - t0), cold_ms


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(HERE, "../../build"))
    ap.add_argument("--auths", type=int, default=40)
    ap.add_argument("--parallel", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3, help="rounds; medians are printed")
    ap.add_argument("--methods", default="", help="comma-separated subset of the methods")
    ap.add_argument("--no-freeradius", action="store_true", help="poortd and the floor only")
    ap.add_argument("--cold", action="store_true",
                    help="also the cold floor: eap_floor.c sleeping 2 ms before each server"
                    " step, run while poortd is measured (same load, caches gone)")
    ap.add_argument("--key", choices=("ec", "rsa"), default="ec",
                    help="the certificates' keys: EC P-256 (default) or RSA-2048")
    ap.add_argument("--callgrind", action="store_true",
                    help="poortd's instructions per authentication (millions), under callgrind")
    ap.add_argument("--keep", default="", help="with --callgrind: copy the callgrind dumps here"
                    " (callgrind_annotate them; one dump per measured method and round)")
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
        # the children write their dumps after dropping to the poort user
        os.chmod(d, 0o711)
        os.chmod(cg_dir, 0o1777)
        wrap = os.path.join(d, "poortd-callgrind")
        shim = os.path.join(d, "noseccomp.so")  # valgrind knows no seccomp (noseccomp.c)
        subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-o", shim,
                        os.path.join(HERE, "noseccomp.c"), "-lseccomp"], check=True)
        with open(wrap, "w") as f:
            f.write(f'#!/bin/sh\nLD_PRELOAD={shim} exec valgrind --tool=callgrind'
                    ' --collect-atstart=yes'
                    f' --callgrind-out-file={cg_dir}/callgrind.out.%p {pl.POORTD} "$@"\n')
        os.chmod(wrap, 0o755)
        pl.POORTD = wrap
    certs = eapcerts.make(d, key=args.key)
    floor_exe = os.path.join(d, "eap_floor")
    if cg_dir or args.cold:
        subprocess.run(["cc", "-O2", "-o", floor_exe, os.path.join(HERE, "eap_floor.c"), "-lssl",
                        "-lcrypto"], check=True)
    rf_exe = os.path.join(d, "eap_round_floor")
    subprocess.run(["cc", "-O2", "-o", rf_exe, os.path.join(HERE, "eap_round_floor.c"), "-lssl",
                    "-lcrypto"], check=True)

    def make():
        p = pl.Poortd(extra=f"""eap {{
	methods peap ttls tls
	certificate "{certs['server']}"
	private_key "{certs['server_key']}"
	client_ca "{certs['ca']}"
	max_conversations 65536
}}
""")  # round_ms leaves its conversations open till they time out
        p.add_user("anna", PW)
        # a single line each at info level, like FreeRADIUS without -X
        p.write_config(p.config_text().replace("log { level debug }", "log { level info }"))
        return p

    p = make()
    fr = None
    try:
        if not cg_dir:
            p.start()
        if not args.no_freeradius:
            fr = pl.FreeRadiusEap(os.path.join(d, "freeradius"), certs,
                                  f'"{USER}" Cleartext-Password := "{PW}"\n')
            fr_port = fr.port
        if cg_dir:
            print(f"{'method':<14} {'TLS':>3} {'poortd Mi':>9} {'floor Mi':>8} {'p/floor':>7}"
                  f" {'rt':>3} {'proto Mi':>8} {'p/proto':>7}"
                  "   (M instructions per authentication, callgrind)")
        else:
            print(f"{'method':<14} {'TLS':>3} {'poortd ms':>9} {'FR ms':>6} {'p/FR':>5}"
                  f" {'floor ms':>8} {'p/floor':>7} {'rt':>3} {'rt ms':>6} {'floor+rt':>8}"
                  f" {'p/(f+rt)':>8} {'proto':>6} {'p/proto':>7} {'p auth/s':>8} {'FR auth/s':>9}"
                  + (f" {'cold fl':>7}" if args.cold else ""))
        for tls13 in (False, True):
            for m in METHODS:
                if args.methods and m not in args.methods.split(","):
                    continue
                conf = os.path.join(d, f"{m}.conf")
                with open(conf, "w") as f:
                    f.write(network(certs, m, tls13))
                pcs, prs, fcs, frs, fls, rts, cls, rfs = [], [], [], [], [], [], [], []
                cold = None
                if args.cold:
                    cc = [certs["client"], certs["client_key"]] if m == "eap-tls" else ["-", "-"]
                    cold = [floor_exe, certs["server"], certs["server_key"], certs["ca"], *cc,
                            "13" if tls13 else "12", str(max(10, args.auths)), "2000"]
                for _ in range(args.repeat):  # interleaved, so load drifts hit all alike
                    if cg_dir:
                        pcs.append(callgrind_row(make, conf, args.auths, cg_dir))
                        continue
                    c, r, cf = measure(p.proc.pid, p.auth_port, conf, args.auths, args.parallel,
                                       cold)
                    pcs.append(c)
                    cls.append(cf)
                    prs.append(r)
                    if not args.no_freeradius and not tls13:  # Debian's FR: tls_max_version 1.2
                        c, r, _ = measure(fr.proc.pid, fr_port, conf, args.auths, args.parallel)
                        fcs.append(c)
                        frs.append(r)
                    fls.append(eap_floor.floor_ms(certs, tls13, m == "eap-tls",
                                                  eapcerts.SERVER_NAME, n=100, rounds=1))
                    rts.append(round_ms(p.proc.pid, p.auth_port))
                    rfs.append(round_floor(rf_exe, certs, tls13, SIZES[conf]))
                if cg_dir:
                    pc = statistics.median(pcs)
                    fl = callgrind_floor(floor_exe, certs, tls13, m == "eap-tls", 20, d)
                    rf = callgrind_round_floor(rf_exe, certs, tls13, SIZES[conf], d)
                    nrt = EXCHANGES["last"]
                    pf = proto_floor(fl, rf, m, nrt)
                    ROWS.append((m, tls13, pc, fl, nrt, pf, rf, SIZES[conf]))
                    print(f"{m:<14} {'1.3' if tls13 else '1.2':>3} {pc:>9.2f} {fl:>8.2f}"
                          f" {pc / fl:>7.2f} {nrt:>3} {pf:>8.2f} {pc / pf:>7.2f}", flush=True)
                    continue
                pc, pr, fl, rt = (statistics.median(x) for x in (pcs, prs, fls, rts))
                fc, frr = (statistics.median(x) for x in (fcs, frs)) if fcs else (0, 0)
                nrt = EXCHANGES[conf, p.auth_port]
                rf = {k: statistics.median(x[k] for x in rfs) for k in rfs[0]}
                pf = proto_floor(fl, rf, m, nrt)
                ROWS.append((m, tls13, pc, fl, nrt, pf, rf, SIZES[conf]))
                print(f"{m:<14} {'1.3' if tls13 else '1.2':>3} {pc:>9.2f} {fc:>6.2f}"
                      f" {pc / fc if fc else 0:>5.2f} {fl:>8.2f} {pc / fl:>7.2f} {nrt:>3}"
                      f" {rt:>6.3f} {fl + nrt * rt:>8.2f} {pc / (fl + nrt * rt):>8.2f}"
                      f" {pf:>6.3f} {pc / pf:>7.2f} {pr:>8.1f} {frr:>9.1f}"
                      + (f" {statistics.median(cls):>7.2f}" if args.cold else ""), flush=True)
        if ROWS and cg_dir:
            rf = ROWS[0][6]
            print(f"round floor (eap_round_floor.c, M instructions, user space only): udp"
                  f" {rf['udp']:.4f}; authenticators {rf['auth']:.4f}; tunnel record"
                  f" {rf['record']:.4f}; MSK export {rf['msk']:.4f}; MSCHAPv2"
                  f" {rf['mschapv2']:.4f}; PAP cache {rf['pap']:.4f}")
            for m, tls13, pc, fl, nrt, pf, rf, sz in ROWS:
                print(f"instructions EAP {m} TLS {'1.3' if tls13 else '1.2'}: poortd/handshake"
                      f" floor {pc / fl:.2f}; poortd/protocol floor {pc / pf:.2f} ({nrt} rounds,"
                      f" mean request/reply {sz[0]}/{sz[1]} octets, authenticators"
                      f" {rf['auth'] * 1e3:.1f} k per round)")
        elif ROWS:
            rf = ROWS[0][6]
            print(f"round floor (eap_round_floor.c, ms; the first row's sizes): udp {rf['udp']:.4f} hot,"
                  f" {rf['udpwake']:.4f} woken; authenticators {rf['auth']:.4f};"
                  f" tunnel record {rf['record']:.4f}; MSK export {rf['msk']:.4f};"
                  f" MSCHAPv2 {rf['mschapv2']:.4f}; PAP cache {rf['pap']:.4f}")
            for m, tls13, pc, fl, nrt, pf, rf, sz in ROWS:
                print(f"target EAP {m} TLS {'1.3' if tls13 else '1.2'}: poortd/handshake floor"
                      f" {pc / fl:.2f} (target <= 2: {'met' if pc / fl <= 2 else 'NOT met'});"
                      f" poortd/protocol floor {pc / pf:.2f} (handshake {fl:.3f} + {nrt}"
                      f" round trips of {sz[0]}/{sz[1]} octets, woken, and the inner work ="
                      f" {pf:.3f} ms)")
    finally:
        if cg_dir and args.keep:
            shutil.copytree(os.path.join(cg_dir, "done"), args.keep, dirs_exist_ok=True)
        if fr is not None:
            fr.stop()
        p.cleanup()
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
