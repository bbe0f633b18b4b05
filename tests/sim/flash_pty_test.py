#!/usr/bin/env python3
"""poort-flash against poort-sim over ptys (through the pacing relay).

Modes:
  mkimage   the image tool's command line: round trip, tampered byte,
            wrong key, wrong board, truncated image, each with its message
  flash     full upload; host killed at random points and resumed; box
            power-cut mid-upload and resumed; garbage on the line;
            refusals (wrong board, older, bad signature, truncated, too
            big for the load area), each followed by a reset of the box;
            a corrupted copy of a release (refused, or cut off half way)
            before the good copy, which then goes in from byte 0; --info
            resets the box unless --no-reset; an idle recovery reboots
            into the image; timeout naming what it waited for. After
            each: a valid state.
"""
import argparse
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time

FAIL = []
# poort-sim --idle: recovery with no host reboots after this. Longer than
# poort-flash ever stays silent (its ack timeout at 921600 baud is ~2.2 s).
IDLE_MS = 5000


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAIL.append(what)


class Env:
    def __init__(self, a):
        self.a = a
        self.w = a.workdir
        shutil.rmtree(self.w, ignore_errors=True)
        os.makedirs(self.w)
        self.sim = None
        self.relay = None

    def path(self, n):
        return os.path.join(self.w, n)

    def mkimage(self, *args):
        return subprocess.run([self.a.mkimage, *args], capture_output=True,
                              text=True, timeout=60)

    def payload(self, name, seed, behaviour="confirm", size=200000):
        r = random.Random(seed)
        body = bytes(r.choice(b"abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(size))
        with open(self.path(name), "wb") as f:
            f.write(b"POORT-SIM-APP " + behaviour.encode() + b"\n" + body)
        return self.path(name)

    def image(self, name, ver, rb, board="sim", key=None, seed=None):
        p = self.payload(name + ".bin", seed if seed is not None else rb)
        r = self.mkimage("--key", key or self.a.key, "--board", board,
                         "--version", ver, "--rollback", str(rb),
                         "-o", self.path(name), p)
        assert r.returncode == 0, r.stderr
        return self.path(name)

    def start_sim(self):
        self.sim = subprocess.Popen(
            [self.a.sim, "--flash", self.path("flash.bin"), "--pty-link",
             self.path("dev"), "--window", "300", "--idle", str(IDLE_MS),
             "--log", self.path("sim.log")],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.sim.stdout.readline()  # pty=...

    def stop_sim(self):
        if self.sim:
            self.sim.kill()  # a power cut, as far as the box is concerned
            self.sim.wait()
            self.sim = None

    def start_relay(self, baud, garbage=0.0, seed=1):
        self.relay = subprocess.Popen(
            [sys.executable, self.a.relay, "--device", self.path("dev"),
             "--link", self.path("link"), "--baud", str(baud),
             "--turnaround-ms", "2", "--garbage", str(garbage), "--seed", str(seed)],
            stdout=subprocess.PIPE, text=True)
        self.relay.stdout.readline()

    def stop_relay(self):
        if self.relay:
            self.relay.kill()
            self.relay.wait()
            self.relay = None

    def flash(self, *args, port=None, kill_after=None, baud=921600, victim=None):
        """Runs poort-flash. kill_after=N: once N progress lines (one per
        10% of the image) have appeared, the cable is pulled (or victim()
        runs, e.g. a power cut of the box). Progress, not a clock, picks
        the moment, so a loaded machine does not move it."""
        cmd = [self.a.flash, "--port", port or self.path("link"), "--baud",
               str(baud), "--wait", "10", *args]
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        if kill_after is None:
            out, err = p.communicate(timeout=120)
            return p.returncode, out, err
        err, seen = "", 0
        for line in p.stderr:
            err += line
            if line.startswith("["):
                seen += 1
                if seen >= kill_after:
                    break
        if victim:
            victim()
        else:
            p.kill()  # the cable is pulled
        out, rest = p.communicate(timeout=60)
        return (None if not victim else p.returncode), out, err + rest

    def info(self):
        rc, out, err = self.flash("--info")
        return out

    def log(self):
        with open(self.path("sim.log"), "rb") as f:
            return f.read().decode(errors="replace")

    def close(self):
        self.stop_relay()
        self.stop_sim()


def last_line(out):
    lines = [l for l in out.splitlines() if l.startswith("poort-flash:")]
    return lines[-1] if lines else "(no outcome line)"


def settled(env, ver, slot):
    """After a reboot the box runs `ver` from `slot`, confirmed."""
    out = ""
    for _ in range(3):
        time.sleep(0.5)  # boot, pretend system confirms, reboot loop
        out = env.info()
        if re.search(rf"slot {slot}: confirmed, version {re.escape(ver)}", out):
            return True
    print(out)
    return False


def test_mkimage(env):
    good = env.image("good.img", "1.2.3", 3)
    r = env.mkimage("--inspect", good, "--board", "sim")
    check(r.returncode == 0 and "verdict:       OK" in r.stdout, "mkimage round trip")
    check("version:       1.2.3" in r.stdout and "rollback:      3" in r.stdout,
          "mkimage --inspect explains the header")
    data = open(good, "rb").read()
    bad = env.path("tampered.img")
    open(bad, "wb").write(data[:5000] + bytes([data[5000] ^ 1]) + data[5001:])
    r = env.mkimage("--inspect", bad)
    check(r.returncode == 1 and "payload corrupt" in r.stdout, "mkimage tampered byte")
    open(bad, "wb").write(data[:-1] + bytes([data[-1] ^ 1]))
    r = env.mkimage("--inspect", bad)
    check(r.returncode == 1 and "bad signature" in r.stdout, "mkimage tampered signature")
    other = env.path("other.pem")
    env.mkimage("--genkey", other)
    r = env.mkimage("--inspect", good, "--pub", other)
    check(r.returncode == 1 and "bad signature" in r.stdout, "mkimage wrong key")
    r = env.mkimage("--inspect", good, "--board", "qemu-virt")
    check(r.returncode == 1 and "another board" in r.stdout, "mkimage wrong board")
    open(bad, "wb").write(data[:len(data) // 2])
    r = env.mkimage("--inspect", bad)
    check(r.returncode == 1 and "truncated" in r.stdout, "mkimage truncated image")
    r = env.mkimage("--inspect", good, "--min-rollback", "4")
    check(r.returncode == 1 and "rollback refused" in r.stdout, "mkimage rollback")
    # several components under one signature, each listed with its hash
    kern = env.payload("k.bin", 11)
    initrd = env.payload("i.bin", 12, size=30000)
    dtb = env.payload("d.bin", 13, size=3000)
    multi = env.path("multi.img")
    r = env.mkimage("--key", env.a.key, "--board", "sim", "--version", "4.5.6", "-o", multi,
                    "--kernel", kern, "--initramfs", initrd, "--dtb", dtb,
                    "--cmdline", "console=ttyAMA0 quiet")
    check(r.returncode == 0 and "3 components" not in r.stdout and "4 components" in r.stdout,
          "mkimage kernel+initramfs+dtb+cmdline: " + r.stdout + r.stderr)
    r = env.mkimage("--inspect", multi, "--board", "sim")
    check(r.returncode == 0 and "components:    4" in r.stdout, "inspect lists 4 components")
    for name in ("kernel", "initramfs", "dtb", "cmdline"):
        check(re.search(r"^  %s +at \d+: \d+ bytes stored" % name, r.stdout, re.M),
              "inspect lists " + name)
    check('"console=ttyAMA0 quiet"' in r.stdout, "inspect shows the command line")
    r = env.mkimage("--key", env.a.key, "--board", "sim", "--version", "4.5.6", "-o", multi,
                    "--kernel", kern, "--initramfs", initrd, "--rootfs", dtb)
    check(r.returncode == 2 and "cannot build image" in r.stderr, "initramfs and rootfs refused")
    # a format-1 image (made by the tool before format 2) is named as such
    v1 = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "format1-sim.img")
    r = env.mkimage("--inspect", v1)
    check(r.returncode == 1 and "format:        1 (this tool and boot stage read format 2)"
          in r.stdout and "format version not supported" in r.stdout,
          "inspect of a format-1 image: " + r.stdout)


def test_flash(env, rnd):
    v1 = env.image("v1.img", "1.0.0", 1)
    v2 = env.image("v2.img", "2.0.0", 2)
    v3 = env.image("v3.img", "3.0.0", 3)
    env.start_sim()
    env.start_relay(921600)

    rc, out, err = env.flash(v1)
    check(rc == 0 and "OK: sim v1.0.0" in last_line(out), "full upload: " + last_line(out))
    check(settled(env, "1.0.0", "A"), "v1 boots and confirms")

    # The cable is pulled at random points, 10-30% of the image into each
    # run; each next run resumes.
    resumed = 0
    for i in range(3):
        rc, out, err = env.flash(v2, kill_after=rnd.randint(2, 3))
        if "resuming at" in err:
            resumed += 1
        check(rc is None, f"cable pulled in run {i}")
    rc, out, err = env.flash(v2)
    if "resuming at" in err:
        resumed += 1
    check(rc == 0 and "OK: sim v2.0.0" in last_line(out), "upload after pulled cables: " + last_line(out))
    check(resumed >= 2, f"uploads resumed where they stopped ({resumed} times)")
    check(settled(env, "2.0.0", "B"), "v2 boots and confirms")
    check("rollback-floor=2" in env.info(), "rollback floor raised after confirm")

    # The box loses power mid-upload; after it comes back the upload
    # resumes from its flash journal.
    def power_cut():
        env.stop_relay()
        env.stop_sim()
    rc, out, err = env.flash(v3, kill_after=rnd.randint(3, 6), victim=power_cut)
    check(rc != 0 and "FAILED" in last_line(out),
          "power cut reported: " + last_line(out))
    env.start_sim()
    env.start_relay(921600)
    rc, out, err = env.flash(v3)
    check(rc == 0 and "resuming at" in err, "upload resumed after the box reset")
    check(settled(env, "3.0.0", "A"), "v3 boots and confirms")

    # Garbage on the line, both ways.
    env.stop_relay()
    env.start_relay(921600, garbage=0.004, seed=rnd.randrange(1000))
    v4 = env.image("v4.img", "4.0.0", 4)
    rc, out, err = env.flash(v4)
    m = re.search(r"\((\d+) resends, (\d+) damaged frames\)", err)
    check(rc == 0 and "OK: sim v4.0.0" in last_line(out), "upload through garbage: " + last_line(out))
    check(m is not None and (int(m.group(1)) > 0 or int(m.group(2)) > 0),
          "garbage was seen and survived: " + (m.group(0) if m else "no stats"))
    env.stop_relay()
    env.start_relay(921600)
    check(settled(env, "4.0.0", "B"), "v4 boots and confirms")

    # Refusals: each a clear line, and the box keeps running v4.
    qv = env.image("q.img", "5.0.0", 5, board="qemu-virt")
    rc, out, err = env.flash(qv)
    check(rc == 1 and "wrong board" in last_line(out), "wrong board: " + last_line(out))
    rc, out, err = env.flash(v2)
    check(rc == 1 and "older than installed" in last_line(out), "older: " + last_line(out))
    v5 = env.image("v5.img", "5.0.0", 5)
    data = open(v5, "rb").read()
    bad = env.path("bad.img")
    open(bad, "wb").write(data[:-1] + bytes([data[-1] ^ 0x40]))
    rc, out, err = env.flash(bad)
    check(rc == 1 and "bad signature" in last_line(out), "bad signature: " + last_line(out))
    check("the box is restarting" in last_line(out), "a refusal resets the box")
    open(bad, "wb").write(data[:-100])
    rc, out, err = env.flash(bad)
    check(rc == 1 and "truncated" in last_line(out), "truncated: " + last_line(out))
    check(settled(env, "4.0.0", "B"), "box still runs v4 after refusals")

    # A decompressed image larger than the board's load area, though its
    # stored form fits the slot: refused up front, naming the load area.
    big = env.path("big.bin")
    with open(big, "wb") as f:
        f.write(b"POORT-SIM-APP confirm\n" + bytes(9 << 20))
    r = env.mkimage("--key", env.a.key, "--board", "sim", "--version", "6.0.0",
                    "--rollback", "6", "-o", env.path("big.img"), big)
    assert r.returncode == 0, r.stderr
    rc, out, err = env.flash(env.path("big.img"))
    check(rc == 1 and "load area" in last_line(out) and "8388608" in last_line(out),
          "too big for the load area: " + last_line(out))

    # A corrupted copy of a release first, then the good copy (same
    # header): the refusal drops the journal, the good copy goes in from 0.
    # Before: "resuming at N of N" and the same error for ever.
    v6 = env.image("v6.img", "6.0.0", 6)
    data = open(v6, "rb").read()
    corrupt = env.path("v6-corrupt.img")
    open(corrupt, "wb").write(data[:3000] + bytes([data[3000] ^ 1]) + data[3001:])
    rc, out, err = env.flash(corrupt)
    check(rc == 1 and "payload corrupt" in last_line(out), "corrupted copy: " + last_line(out))
    rc, out, err = env.flash(v6)
    check(rc == 0 and "OK: sim v6.0.0" in last_line(out) and "resuming at" not in err,
          "good copy after a corrupted one: " + last_line(out))
    check(settled(env, "6.0.0", "A"), "v6 boots and confirms")

    # A corrupted copy cut off half way, then the good copy: the box's
    # partial bytes are not this image's, so they are not resumed onto.
    v7 = env.image("v7.img", "7.0.0", 7)
    data = open(v7, "rb").read()
    corrupt = env.path("v7-corrupt.img")
    open(corrupt, "wb").write(data[:3000] + bytes([data[3000] ^ 1]) + data[3001:])
    rc, out, err = env.flash(corrupt, kill_after=4)
    rc, out, err = env.flash(v7)
    check(rc == 0 and "OK: sim v7.0.0" in last_line(out) and "starting over" in err,
          "good copy after a cut-off corrupted one: " + last_line(out))
    check(settled(env, "7.0.0", "B"), "v7 boots and confirms")

    # --info resets the box; with --no-reset it stays in recovery until
    # nobody has talked to it for the idle time, then boots its image.
    rc, out, err = env.flash("--info")
    check(rc == 0 and "the box is restarting" in last_line(out), "--info resets: " + last_line(out))
    rc, out, err = env.flash("--info", "--no-reset")
    check(rc == 0 and "restarting" not in last_line(out), "--no-reset: " + last_line(out))
    seen = len(env.log())
    time.sleep(IDLE_MS / 1000 + 1.5)
    tail = env.log()[seen:]
    check(f"no host for ms={IDLE_MS}, rebooting into slot=1" in tail
          and "boot: start slot=1 version=7.0.0" in tail,
          "idle recovery reboots into the image")

    # Nobody on the line: the timeout says what it waited for.
    os.symlink(os.ttyname(os.openpty()[1]), env.path("dead"))
    rc, out, err = env.flash("--wait", "1", v5, port=env.path("dead"))
    check(rc == 3 and "did not answer a recovery request" in last_line(out),
          "timeout names what it waited for: " + last_line(out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["mkimage", "flash"])
    for o in ("sim", "flash", "mkimage", "key", "relay", "workdir"):
        ap.add_argument("--" + o, required=True)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    a = ap.parse_args()
    print(f"seed {a.seed}", flush=True)
    env = Env(a)
    try:
        if a.mode == "mkimage":
            test_mkimage(env)
        else:
            test_flash(env, random.Random(a.seed))
    finally:
        env.close()
    if FAIL:
        print(f"{len(FAIL)} check(s) failed")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
