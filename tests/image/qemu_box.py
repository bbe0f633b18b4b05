#!/usr/bin/env python3
"""Boots the box's Linux image (tools/image: kernel Image + initramfs) under
qemu-system-aarch64 -M virt (TCG, Cortex-A53, qemu's own DTB) with a blank
virtio-blk data disk and user networking, and checks what the box promises:

  - first boot makes the persistent data area and starts poortd (factory
    config) under the supervisor; the figures are printed: boot time to
    RADIUS ready, RAM in use, poortd's RSS
  - an engineer on the serial console sets a RADIUS client and a user;
    poortd killed with SIGKILL is restarted by the supervisor
  - radclient from the host, through qemu's UDP port forward, gets an
    Access-Accept with a Message-Authenticator for a request that carries one
  - the log ring in /data/log has poortd's lines
  - after a reboot the data area is mounted, not made again, and the same
    user still logs in without any provisioning

  qemu_box.py --image-dir DIR --workdir DIR [--qemu PATH] [--radclient PATH]

Every wait is bounded; qemu is always killed. Exit 0 pass, 1 fail, 77 skip.
"""
import argparse
import glob
import os
import re
import select
import shutil
import socket
import subprocess
import sys
import time

SKIP = 77
SECRET = "box-test-secret-1"
USER = "anna@school.example"
PASSWORD = "Correct-horse-1"
# generous: TCG on a shared 2-core machine
BOOT_TIMEOUT = 300
STEP_TIMEOUT = 120


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Box:
    """One qemu run; the PL011 console on qemu's stdio (pipes)."""

    def __init__(self, qemu, kernel, initrd, disk, port, log_path):
        self.log = open(log_path, "ab")
        cmd = [qemu, "-M", "virt", "-cpu", "cortex-a53", "-m", "256M", "-smp", "1",
               "-display", "none", "-monitor", "none", "-serial", "stdio", "-no-reboot",
               "-kernel", kernel, "-initrd", initrd, "-append", "console=ttyAMA0",
               "-drive", f"if=none,format=raw,file={disk},id=data",
               "-device", "virtio-blk-pci,drive=data",
               "-netdev", f"user,id=n0,hostfwd=udp:127.0.0.1:{port}-:1812",
               "-device", "virtio-net-pci,netdev=n0,romfile=",
               "-device", "virtio-rng-pci"]
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        os.set_blocking(self.proc.stdout.fileno(), False)
        self.seen = b""
        self.mark = 0

    def _read(self, wait):
        r, _, _ = select.select([self.proc.stdout], [], [], wait)
        if r:
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            if chunk:
                self.log.write(chunk)
                self.log.flush()
                self.seen += chunk

    def expect(self, pattern, timeout, since=None):
        """Reads the console until pattern (bytes regex) appears after
        offset since (default: everything seen so far); returns the match."""
        start = self.mark if since is None else since
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern)
        while True:
            m = rx.search(self.seen, start)
            if m:
                self.mark = m.end()
                return m
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                raise RuntimeError("timeout waiting for %r; console said:\n%s"
                                   % (pattern, self.seen[-1500:].decode(errors="replace")))
            self._read(min(left, 0.2))

    def run(self, command, timeout=STEP_TIMEOUT):
        """Types a command on the console shell and returns its output. The
        end marker is computed by the shell, so the echo of what we typed
        does not match it."""
        self.mark = self.mark_cmd = len(self.seen)
        n = self.mark % 9000 + 1000
        line = f"{command}; echo END-$(({n}+1))-$?\n"
        self.proc.stdin.write(line.encode())
        self.proc.stdin.flush()
        m = self.expect(rb"END-%d-(\d+)" % (n + 1), timeout)
        return self.seen[self.mark_cmd:m.start()].decode(errors="replace"), int(m.group(1))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=30)
        self.log.close()


def radclient(radc, port, attrs, code="auth"):
    r = subprocess.run([radc, "-x", "-r", "3", "-t", "3", f"127.0.0.1:{port}", code, SECRET],
                       input=attrs, capture_output=True, text=True, timeout=60)
    return r.stdout + r.stderr


def pap(user, password):
    return (f'User-Name = "{user}", User-Password = "{password}", '
            "Message-Authenticator = 0x00")


def check(cond, what, detail=""):
    print(("ok: " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        if detail:
            print(detail)
        raise SystemExit(1)


def figures(box, t_ready):
    meminfo, _ = box.run("cat /proc/meminfo")
    kv = dict(re.findall(r"^(\w+):\s+(\d+) kB", meminfo, re.M))
    used = int(kv["MemTotal"]) - int(kv["MemAvailable"])
    rss, _ = box.run("grep VmRSS /proc/$(pidof poortd)/status")
    m = re.search(r"VmRSS:\s+(\d+) kB", rss)
    print(f"figure: boot to RADIUS ready {t_ready:.1f} s (qemu TCG, shared host)")
    print(f"figure: RAM in use after boot {used / 1024:.1f} MiB "
          f"(MemTotal {int(kv['MemTotal']) / 1024:.1f} MiB, MemAvailable "
          f"{int(kv['MemAvailable']) / 1024:.1f} MiB)")
    if m:
        print(f"figure: poortd RSS idle {int(m.group(1)) / 1024:.1f} MiB")
    return used


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--image-dir", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--qemu", default=shutil.which("qemu-system-aarch64"))
    ap.add_argument("--radclient", default=shutil.which("radclient"))
    a = ap.parse_args()

    kernels = sorted(glob.glob(os.path.join(a.image_dir, "poort-*-qemu-virt-Image")))
    initrds = sorted(glob.glob(os.path.join(a.image_dir, "poort-*-qemu-virt-initramfs.cpio.gz")))
    if not kernels or not initrds:
        print(f"skipped: no image in {a.image_dir} (run tools/image)")
        return SKIP
    if not a.qemu or not a.radclient:
        print("skipped: qemu-system-aarch64 or radclient missing (tools/setup)")
        return SKIP
    shutil.rmtree(a.workdir, ignore_errors=True)
    os.makedirs(a.workdir)
    disk = os.path.join(a.workdir, "data.img")
    with open(disk, "wb") as f:
        f.truncate(64 << 20)  # blank: the box makes its file system
    port = free_udp_port()
    log = os.path.join(a.workdir, "console.log")
    print(f"console log: {log}")

    box = Box(a.qemu, kernels[-1], initrds[-1], disk, port, log)
    try:
        box.expect(rb"poort: data area: first boot", BOOT_TIMEOUT)
        box.expect(rb"poort: data area: created", STEP_TIMEOUT)
        box.expect(rb"poortd [\d.]+ ready", BOOT_TIMEOUT)
        t_ready = time.monotonic() - box.t0
        check(True, "first boot: data area made, poortd ready on the factory config")
        box.expect(rb"by DHCP", STEP_TIMEOUT, since=0)
        check(True, "network configured by DHCP")
        used = figures(box, t_ready)
        check(used < 64 * 1024, "RAM in use after boot within the 64 MiB budget")

        # provisioning as an engineer on the console would
        conf = "\n".join([
            'state_dir "/data/lib/poort"', 'realm "school.example"',
            "listen auth * 1812", "listen acct * 1813",
            'client "qemu-host" {', "address 10.0.2.2/32", f'secret "{SECRET}"', "}",
            "log {", "level info", "}"])
        out, rc = box.run("printf '%s\\n' " + " ".join(f"'{l}'" for l in conf.split("\n"))
                          + " >/data/etc/poortd.conf && poortd -n -c /data/etc/poortd.conf")
        check(rc == 0, "config written and checked on the box", out)
        out, rc = box.run(f"echo '{PASSWORD}' | poortctl -c /data/etc/poortd.conf add anna"
                          " --password-stdin")
        check(rc == 0, "user added with poortctl on the box", out)
        mark = len(box.seen)
        box.run("kill -KILL $(pidof poortd)")
        box.expect(rb"poortd exited with status 137", STEP_TIMEOUT, since=mark)
        box.expect(rb"poortd [\d.]+ ready", STEP_TIMEOUT, since=mark)
        check(True, "poortd killed with SIGKILL was restarted by the supervisor")

        out = radclient(a.radclient, port, pap(USER, PASSWORD))
        check("Received Access-Accept" in out, "Access-Accept through the port forward", out)
        check("Message-Authenticator" in out.split("Received Access-Accept", 1)[1],
              "the reply carries a Message-Authenticator", out)
        out = radclient(a.radclient, port, pap(USER, "wrong-password"))
        check("Received Access-Reject" in out, "wrong password rejected", out)

        out, rc = box.run("grep -c 'auth result=accept' /data/log/poortd.log")
        check(rc == 0, "poortd's lines are in the log ring /data/log/poortd.log", out)

        # reboot: the data area survives and is not made again
        mark = len(box.seen)
        box.proc.stdin.write(b"reboot\n")
        box.proc.stdin.flush()
        box.expect(rb"poort: stopping", STEP_TIMEOUT, since=mark)
        box.proc.wait(timeout=STEP_TIMEOUT)  # -no-reboot: qemu exits
    finally:
        box.stop()

    box = Box(a.qemu, kernels[-1], initrds[-1], disk, port, log)
    try:
        box.expect(rb"poort: data area: /dev/vda mounted", BOOT_TIMEOUT)
        check(b"first boot" not in box.seen, "second boot keeps the data area")
        box.expect(rb"poortd [\d.]+ ready", BOOT_TIMEOUT)
        out = radclient(a.radclient, port, pap(USER, PASSWORD))
        check("Received Access-Accept" in out, "the user still logs in after the reboot", out)
    finally:
        box.stop()
    print("all box checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
