#!/usr/bin/env python3
"""Benchmark: payload throughput of poort-flash as a share of the line rate.

The link is paced by relay.py (ptys ignore baud rates) at 115200 and
921600 baud with 2 ms and 16 ms turnaround; poort-sim is the box. For
each case: image bytes sent during the data phase / (baud / 10), and the
same over the whole run (finding the box, begin, verify, activate).

    bench.py --build BUILD_DIR [--size BYTES]
Targets: >= 95% at 115200, >= 90% at 921600 with 2 ms turnaround.
"""
import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--size", type=int, default=0,
                    help="payload bytes (default: about 10 s of line time)")
    ap.add_argument("--workdir", default="/tmp/poort-bench-flash")
    a = ap.parse_args()
    b = os.path.abspath(a.build)
    sim = os.path.join(b, "firmware/poort-sim")
    flash = os.path.join(b, "tools/flash/poort-flash")
    mk = os.path.join(b, "tools/flash/poort-mkimage")
    key = os.path.join(b, "firmware/keys/dev-key.pem")
    w = a.workdir
    shutil.rmtree(w, ignore_errors=True)
    os.makedirs(w)

    rows = []
    for baud in (115200, 921600):
        for ta in (2, 16):
            size = a.size or int(baud / 10 * 10)
            r = random.Random(baud + ta)
            pay = os.path.join(w, "p.bin")
            # random bytes: LZ4 cannot shrink them, so line bytes = size
            with open(pay, "wb") as f:
                f.write(b"POORT-SIM-APP confirm\n" + r.randbytes(size))
            img = os.path.join(w, "img")
            subprocess.run([mk, "--key", key, "--board", "sim", "--version",
                            "1.0.0", "--rollback", "1", "-o", img, pay],
                           check=True, capture_output=True)
            fl = os.path.join(w, "flash.bin")
            if os.path.exists(fl):
                os.unlink(fl)
            s = subprocess.Popen([sim, "--flash", fl, "--pty-link",
                                  os.path.join(w, "dev"), "--window", "300"],
                                 stdout=subprocess.PIPE, text=True)
            s.stdout.readline()
            rl = subprocess.Popen([sys.executable, os.path.join(here, "relay.py"),
                                   "--device", os.path.join(w, "dev"), "--link",
                                   os.path.join(w, "link"), "--baud", str(baud),
                                   "--turnaround-ms", str(ta)],
                                  stdout=subprocess.PIPE, text=True)
            rl.stdout.readline()
            t0 = time.monotonic()
            p = subprocess.run([flash, "--port", os.path.join(w, "link"),
                                "--baud", str(baud), "--wait", "20", img],
                               capture_output=True, text=True, timeout=600)
            total_s = time.monotonic() - t0
            rl.kill()
            s.kill()
            rl.wait()
            s.wait()
            m = re.search(r"sent (\d+) bytes in ([\d.]+) s", p.stderr)
            if p.returncode != 0 or not m:
                print(p.stdout, p.stderr)
                rows.append((baud, ta, None, None, None))
                continue
            sent, secs = int(m.group(1)), float(m.group(2))
            line = baud / 10.0
            rows.append((baud, ta, sent, 100.0 * sent / secs / line,
                         100.0 * os.path.getsize(img) / total_s / line))

    print()
    print("poort-flash throughput (image bytes / line rate, 8N1 = baud/10 B/s)")
    print(f"{'baud':>8} {'turnaround':>10} {'bytes':>8} {'data phase':>11} {'whole run':>10}  target")
    ok = True
    for baud, ta, sent, data_pct, all_pct in rows:
        target = 95 if baud == 115200 else (90 if ta == 2 else None)
        if sent is None:
            print(f"{baud:>8} {ta:>8}ms   FAILED")
            ok = False
            continue
        tgt = f">= {target}%" if target else "-"
        met = "" if not target else (" met" if data_pct >= target else " MISSED")
        print(f"{baud:>8} {ta:>8}ms {sent:>8} {data_pct:>10.1f}% {all_pct:>9.1f}%  {tgt}{met}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
