"""poortd confirms a trial boot by itself once healthy, and gives it up
when it cannot become healthy in time.

A file-backed flash with the qemu-virt layout, a /chosen directory as the
boot stage writes it, poortd with a firmware { } block pointing at both.
1. v1 on trial, RADIUS (Status-Server with Message-Authenticator on
   loopback), HTTPS and the store healthy: poortd confirms slot A, the
   rollback floor rises to 1. The parent's status for the dashboard
   (STATE_DIR/firmware.json) says slot A on trial at the start, confirmed
   after.
2. v2 on trial in slot B, but no RADIUS client covers loopback (the health
   check cannot pass): no confirm; after confirm_timeout poortd takes its
   timeout action (on_timeout exit: status 75), and the boot stage's own
   decision (fw_bootcheck) falls back to v1 after the trial boots run out.
"""

import argparse
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../integration"))
import poortlib  # noqa: E402

ap = argparse.ArgumentParser()
for a in ("poortctl", "mkimage", "bootcheck", "key", "workdir"):
    ap.add_argument("--" + a, required=True)
args = ap.parse_args()

W = args.workdir
shutil.rmtree(W, ignore_errors=True)
os.makedirs(W)
FLASH = os.path.join(W, "flash.bin")
CHOSEN = os.path.join(W, "chosen")
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def mkimage(name, version, rollback):
    k = os.path.join(W, name + ".kernel")
    with open(k, "wb") as f:
        f.write(os.urandom(50000))
    out = os.path.join(W, name + ".img")
    subprocess.run([args.mkimage, "--key", args.key, "--board", "qemu-virt", "--version",
                    version, "--rollback", str(rollback), "-o", out, "--kernel", k,
                    "--cmdline", "console=ttyAMA0"], check=True, capture_output=True)
    return out


def ctl(*a):
    return subprocess.run([args.poortctl, "firmware", "--flash", FLASH, "--board", "qemu-virt",
                           *a], capture_output=True, text=True, timeout=60)


def boot():
    r = subprocess.run([args.bootcheck, FLASH, "qemu-virt"], capture_output=True, text=True,
                       timeout=60)
    m = re.search(r"boot slot=(\w) version=(\S+) trial=(\d)", r.stdout)
    return (m.group(1), m.group(2), int(m.group(3))) if m else None


def write_chosen(slot, trial, version, rollback):
    """What the boot stage puts in /chosen (strings NUL-terminated, u32 big-endian)."""
    os.makedirs(CHOSEN, exist_ok=True)
    props = {"poort,slot": slot.encode() + b"\0", "poort,trial": struct.pack(">I", trial),
             "poort,version": version.encode() + b"\0",
             "poort,rollback": struct.pack(">I", rollback), "poort,board": b"qemu-virt\0"}
    for k, v in props.items():
        with open(os.path.join(CHOSEN, k), "wb") as f:
            f.write(v)


def make_https_cert():
    key, crt = os.path.join(W, "https.key"), os.path.join(W, "https.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj",
                    "/CN=127.0.0.1", "-keyout", key, "-out", crt], check=True,
                   capture_output=True)
    os.chmod(key, 0o600)
    return key, crt


def fw_status(p, want=None, timeout=5):
    """The parent's firmware.json (poort/fwstatus.h); waits until want(status)."""
    path = os.path.join(p.state, "firmware.json")
    deadline = time.time() + timeout
    while True:
        try:
            st = json.load(open(path))
        except (OSError, ValueError):
            st = None
        if st is not None and (want is None or want(st)) or time.time() > deadline:
            return st
        time.sleep(0.05)


def firmware_block(timeout):
    return ("firmware {\n"
            f'\tflash "{FLASH}"\n\tchosen "{CHOSEN}"\n\tboard "qemu-virt"\n'
            f"\tconfirm_timeout {timeout}\n\tcheck_interval 1\n\ton_timeout exit\n}}\n")


v1 = mkimage("v1", "1.0.0", 1)
v2 = mkimage("v2", "2.0.0", 2)
open(FLASH, "wb").close()
r = ctl("update", v1, "--no-reboot")
check(r.returncode == 0, "v1 written and activated: " + r.stderr)
check(boot() == ("A", "1.0.0", 1), "v1 boots on trial")
write_chosen("A", 1, "1.0.0", 1)

# 1. healthy: confirmed by poortd itself
key, crt = make_https_cert()
https_port = poortlib.free_udp_port()  # a free number; TCP is free too in practice
extra = (f"http {{\n\tlisten 127.0.0.1 {https_port}\n\tcertificate \"{crt}\"\n"
         f"\tkey \"{key}\"\n}}\n" + firmware_block(60))
p = poortlib.Poortd(extra=extra)
try:
    t0 = time.time()
    p.start()
    check(p.wait_log("firmware: trial slot=A version=1.0.0: confirming once healthy (radius,"
                     " https, store)", 5), "poortd sees the trial")
    st = fw_status(p)
    if st is not None and "firmware confirm" not in p.log():  # not confirmed yet
        check(st["box"] and st["running"] == "A" and st["version"] == "1.0.0" and
              st["on_trial"] and st["slots"][0]["trial"] and st["slots"][0]["running"] and
              st["slots"][0]["state"] == "valid" and st["slots"][1]["state"] == "empty",
              "status at the start: slot A running on trial, B empty: %s" % st)
    check(os.stat(os.path.join(p.state, "firmware.json")).st_mode & 0o777 == 0o644,
          "the status file is readable by the web child's user (0644)")
    with open("/proc/uptime") as f:
        uptime = float(f.read().split()[0])
    if uptime > 120:  # the timeout counts from the boot: long past, 30 s of grace
        check("within 30 s, else exit" in p.log(), "deadline from the boot, not poortd's start")
    p.wait_log("firmware confirm slot=A version=1.0.0 result=ok rollback_floor=1", 30)
    print(f"confirmed after {time.time() - t0:.1f} s", flush=True)
    st = ctl("status").stdout
    check("state confirmed=A trial=- rollback_floor=1" in st, "state after confirm:\n" + st)
    js = fw_status(p, lambda j: not j.get("on_trial", True))
    check(js is not None and js["box"] and not js["on_trial"] and js["rollback_floor"] == 1 and
          js["slots"][0]["confirmed"] and not js["slots"][0]["trial"] and
          js["slots"][0]["version"] == "1.0.0" and js["slots"][0]["rollback"] == 1 and
          js["board"] == "qemu-virt", "status after the confirm: A confirmed: %s" % js)
    check(p.proc.poll() is None, "poortd runs on")
    check("firmware confirm" in p.log() and "result=error" not in p.log(), "no errors")
finally:
    p.stop()
    p.cleanup()
check(boot() == ("A", "1.0.0", 0), "v1 boots confirmed")

# A restart on the confirmed slot: nothing to do.
p = poortlib.Poortd(extra=firmware_block(60))
try:
    p.start()
    time.sleep(1.5)
    check("confirming once healthy" not in p.log(), "no watch on a confirmed slot")
finally:
    p.stop()
    p.cleanup()

# 2. unhealthy: v2 on trial, no RADIUS client covers loopback
r = ctl("update", v2, "--no-reboot")
check(r.returncode == 0 and "slot=B" in r.stdout, "v2 written to slot B: " + r.stderr)
check(boot() == ("B", "2.0.0", 1), "v2 boots on trial")
write_chosen("B", 1, "2.0.0", 2)
p = poortlib.Poortd(clients=[("elsewhere", "192.0.2.0/24", poortlib.SECRET)],
                    extra=firmware_block(5))
try:
    t0 = time.time()
    p.start()
    try:
        rc = p.proc.wait(20)
    except subprocess.TimeoutExpired:
        rc = None
    check(rc == 75, f"the timeout action fired: poortd exited with {rc}"
          f" after {time.time() - t0:.1f} s")
    log = p.log()
    check("no RADIUS client covers 127.0.0.1" in log, "the reason is logged")
    check("not healthy in time (radius=fail" in log, "timeout logged:\n" + log[-800:])
    check("firmware confirm" not in log, "no confirm")
    js = fw_status(p)
    check(js is not None and js["running"] == "B" and js["version"] == "2.0.0" and
          js["on_trial"] and js["slots"][1]["trial"] and js["slots"][1]["running"] and
          js["slots"][0]["confirmed"] and js["slots"][1]["version"] == "2.0.0" and
          js["trial_boots"] >= 1, "status of the unhealthy trial: B on trial, A confirmed: %s"
          % js)
finally:
    p.proc = None
    p.cleanup()
st = ctl("status").stdout
check("state confirmed=A trial=B" in st and "rollback_floor=1" in st,
      "v2 still on trial, floor unchanged:\n" + st)
# the box reboots: the trial counter runs out and v1 comes back
boots = [boot() for _ in range(3)]
check(boots[-1] == ("A", "1.0.0", 0) and ("B", "2.0.0", 1) in boots[:2],
      f"fallback to v1: {boots}")

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("fw_linux_confirm: all checks passed")
