"""poortctl firmware against a file-backed flash with the qemu-virt layout.

The same firmware/core code the boot stage runs, built for Linux: an
install and confirm, the refusals (wrong board, bad signature, too large,
rollback) that leave the flash byte for byte unchanged, and updates cut
short by a simulated power cut at a random flash operation (--cut-at, a
torn write or erase) or by SIGKILL at a random moment. After each cut the
boot stage's own decision (fw_bootcheck: boot_main over the same file)
must start a valid image, and the update run again must finish.
"""

import argparse
import hashlib
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time

ap = argparse.ArgumentParser()
for a in ("poortctl", "mkimage", "bootcheck", "key", "workdir"):
    ap.add_argument("--" + a, required=True)
ap.add_argument("--rounds", type=int, default=12)
args = ap.parse_args()

W = args.workdir
shutil.rmtree(W, ignore_errors=True)
os.makedirs(W)
FLASH = os.path.join(W, "flash.bin")
failures = []
rng = random.Random(int(os.environ.get("POORT_TEST_SEED", "10")))


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, flush=True)


def mkimage(name, version, rollback, board="qemu-virt", size=60000, key=None):
    k = os.path.join(W, name + ".kernel")
    i = os.path.join(W, name + ".initramfs")
    with open(k, "wb") as f:
        f.write(os.urandom(size))
    with open(i, "wb") as f:
        f.write(os.urandom(size // 3))
    out = os.path.join(W, name + ".img")
    subprocess.run([args.mkimage, "--key", key or args.key, "--board", board, "--version",
                    version, "--rollback", str(rollback), "-o", out, "--kernel", k,
                    "--initramfs", i, "--cmdline", "console=ttyAMA0", "--no-compress"],
                   check=True, capture_output=True)
    return out


def ctl(*a, cut=None, slot=None):
    cmd = [args.poortctl, "firmware", "--flash", FLASH, "--board", "qemu-virt"]
    if cut is not None:
        cmd += ["--cut-at", str(cut)]
    if slot is not None:
        cmd += ["--slot", slot]
    return subprocess.run(cmd + list(a), capture_output=True, text=True, timeout=120)


def boot():
    r = subprocess.run([args.bootcheck, FLASH, "qemu-virt"], capture_output=True, text=True,
                       timeout=60)
    m = re.search(r"boot slot=(\w) version=(\S+) trial=(\d)", r.stdout)
    return (m.group(1), m.group(2), int(m.group(3))) if r.returncode == 0 and m else None


def digest():
    with open(FLASH, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def status():
    return ctl("status").stdout


v1 = mkimage("v1", "1.0.0", 1)
v2 = mkimage("v2", "2.0.0", 2, size=600000)  # 800 KB: a few journal granules
v0 = mkimage("v0", "0.9.0", 0)
v3 = mkimage("v3", "3.0.0", 3)
sim = mkimage("sim", "3.0.0", 3, board="sim")
big = mkimage("big", "3.0.0", 3, size=19 << 20)  # 19 MiB + a third: more than a 24 MiB slot
badsig = os.path.join(W, "badsig.img")
with open(v2, "rb") as f:
    data = bytearray(f.read())
data[-1] ^= 0x01  # last byte of the signature
with open(badsig, "wb") as f:
    f.write(data)

# A blank box: v1 goes in on trial, boots, and confirms itself.
open(FLASH, "wb").close()
r = ctl("update", v1, "--no-reboot")
check(r.returncode == 0 and "update slot=A version=1.0.0" in r.stdout, "install v1: " + r.stderr)
check(boot() == ("A", "1.0.0", 1), "v1 boots on trial")
r = ctl("confirm", slot="A")
check(r.returncode == 0 and "confirmed rollback_floor=1" in r.stdout, "confirm v1: " + r.stdout + r.stderr)
check(boot() == ("A", "1.0.0", 0), "v1 boots confirmed")
st = status()
check("state confirmed=A trial=- rollback_floor=1" in st, "status after confirm:\n" + st)
check("slot=A version=1.0.0 rollback=1 status=valid confirmed" in st, "slot A line:\n" + st)

# Refusals change nothing on flash.
before = digest()
for img, want in ((sim, "it is for board sim, this box is qemu-virt"),
                  (badsig, "signature does not verify"),
                  (big, "do not fit a slot"),
                  (v0, "rollback counter 0 is below this box's floor 1")):
    r = ctl("update", img, "--no-reboot")
    check(r.returncode == 1 and want in r.stderr and "flash unchanged" in r.stderr,
          f"{os.path.basename(img)} refused: {r.returncode} {r.stderr}")
    check(digest() == before, f"{os.path.basename(img)} left the flash unchanged")

base = os.path.join(W, "flash-v1.bin")
shutil.copyfile(FLASH, base)


def finish_and_check(label):
    """After a cut: the box boots something valid; an update run again
    finishes and the next boot is v2 on trial."""
    b = boot()
    check(b is not None and b[:2] in (("A", "1.0.0"), ("B", "2.0.0")), f"{label}: boots {b}")
    r = ctl("update", v2, "--no-reboot")
    check(r.returncode == 0 and "update slot=B version=2.0.0" in r.stdout,
          f"{label}: restarted update: {r.stdout} {r.stderr}")
    b = boot()
    check(b == ("B", "2.0.0", 1), f"{label}: v2 boots on trial after the restart: {b}")
    m = re.search(r"resumed_from=(\d+)", r.stdout)
    return int(m.group(1)) if m else -1


# How many flash operations a whole update takes (no cut).
r = ctl("update", v2, "--no-reboot")
check(r.returncode == 0, "uncut update: " + r.stderr)
shutil.copyfile(base, FLASH)
resumes = 0
for n in range(args.rounds):
    cut = rng.randrange(0, 260)
    r = ctl("update", v2, "--no-reboot", cut=cut)
    label = f"cut at op {cut}"
    if r.returncode == 0:
        label += " (after the update finished)"
    resumes += finish_and_check(label) > 0
    shutil.copyfile(base, FLASH)

check(resumes > 0, "some cut update resumed from its journal")
kills = 0
for n in range(args.rounds):
    p = subprocess.Popen([args.poortctl, "firmware", "--flash", FLASH, "--board", "qemu-virt",
                          "update", v2, "--no-reboot"], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    time.sleep(rng.uniform(0.0, 0.25))
    if p.poll() is None:
        p.send_signal(signal.SIGKILL)
        kills += 1
    p.wait()
    finish_and_check(f"kill round {n}")
    shutil.copyfile(base, FLASH)

# v2 runs on trial and confirms: the floor rises to 2, v1 is now a rollback.
r = ctl("update", v2, "--no-reboot")
check(boot() == ("B", "2.0.0", 1), "v2 on trial")
r = ctl("update", v1, "--no-reboot", slot="B")
check(r.returncode == 1 and "is on trial: confirm it first" in r.stderr,
      "no update over a running trial image: " + r.stderr)
# The running v2 (as /chosen says) is not confirmed once another image
# replaced it in its slot: here v3 written with no running slot known.
chosen = os.path.join(W, "chosen")
os.makedirs(chosen)
for k, v in (("poort,slot", b"B\0"), ("poort,trial", b"\0\0\0\1"), ("poort,version", b"2.0.0\0"),
             ("poort,rollback", b"\0\0\0\2"), ("poort,board", b"qemu-virt\0")):
    with open(os.path.join(chosen, k), "wb") as f:
        f.write(v)
keep = os.path.join(W, "flash-v2-trial.bin")
shutil.copyfile(FLASH, keep)
r = ctl("update", v3, "--no-reboot")
check(r.returncode == 0 and "slot=B version=3.0.0" in r.stdout, "v3 over the trial slot: " + r.stderr)
r = ctl("--chosen", chosen, "confirm")
check(r.returncode == 1 and "no longer holds the running image" in r.stderr,
      "no confirm of a replaced image: " + r.stdout + r.stderr)
check("state confirmed=A trial=B" in status() and "rollback_floor=1" in status(),
      "floor unchanged after the refused confirm")
shutil.copyfile(keep, FLASH)
r = ctl("--chosen", chosen, "status")
check("running slot=B version=2.0.0 trial=yes" in r.stdout, "status shows /chosen: " + r.stdout)
r = ctl("--chosen", chosen, "confirm")
check(r.returncode == 0 and "rollback_floor=2" in r.stdout, "confirm v2: " + r.stderr)
r = ctl("update", v1, "--no-reboot")
check(r.returncode == 1 and "below this box's floor 2" in r.stderr, "v1 refused after v2: " + r.stderr)
check(boot() == ("B", "2.0.0", 0), "v2 boots confirmed")

print(f"rounds={args.rounds} cut-resumes={resumes} kills-mid-update={kills}")
if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("fw_linux_update: all checks passed")
