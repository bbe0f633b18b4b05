#!/usr/bin/env python3
"""The boot stage starts Linux under qemu-system-aarch64 (TCG).

A signed format-2 image -- Debian's arm64 kernel (linux-image-*-arm64,
fetched with `apt-get download`, never installed) and a tiny initramfs
around busybox-static:arm64 -- is written into slot B of an otherwise blank
pflash bank; slot A holds a validly signed image whose kernel is not an
arm64 Image, which the boot stage must refuse with its reason in the log
before it falls back to slot B. The boot stage verifies it, patches qemu's device tree and
enters the kernel at EL2 (virtualization=on). The initramfs prints
/proc/cmdline, the /chosen poort,* properties and the partitions under
flash@0, then powers off. Downloads are cached in the build tree
(--cache); without network or apt the test is skipped with the reason.

Exit 0 pass, 1 fail, 77 skip.
"""
import argparse
import glob
import gzip
import io
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu_boot import Qemu, fresh_flash, BANNER  # noqa: E402

SKIP = 77
SLOT_A = 0x200000  # board/qemu-virt/board.c
SLOT_B = 0x1a00000
CMDLINE = "console=ttyAMA0 rdinit=/init panic=-1 poort.test=linux"

INIT = r"""#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
echo "poort-test: booted into the initramfs"
echo "poort-test: cmdline=$(cat /proc/cmdline)"
for p in slot version board; do
  echo "poort-test: chosen $p=$(cat /proc/device-tree/chosen/poort,$p)"
done
for p in trial rollback; do
  echo "poort-test: chosen $p=$(od -An -tx1 /proc/device-tree/chosen/poort,$p | tr -d ' ')"
done
for d in /proc/device-tree/flash@0/partitions/*/; do
  echo "poort-test: partition $(cat $d/label) reg=$(od -An -tx1 $d/reg | tr -d ' ')"
done
echo "poort-test: done"
/bin/busybox poweroff -f
"""


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, **kw)


def fetch(cache):
    """Debian's arm64 kernel Image and busybox, from the cache or apt."""
    os.makedirs(cache, exist_ok=True)
    r = subprocess.run(["apt-cache", "depends", "linux-image-arm64:arm64"],
                       capture_output=True, text=True)
    m = re.search(r"Depends: (linux-image-[0-9.]+-\d+-arm64):arm64", r.stdout)
    if not m:
        raise FileNotFoundError("apt knows no linux-image-arm64:arm64 "
                                "(dpkg --add-architecture arm64; apt-get update)")
    pkgs = [m.group(1) + ":arm64", "busybox-static:arm64"]
    for p in pkgs:
        name = p.split(":")[0]
        if not glob.glob(os.path.join(cache, name + "_*_arm64.deb")):
            r = subprocess.run(["apt-get", "download", "-qq", "-o", "APT::Sandbox::User=root", p],
                               cwd=cache, capture_output=True, text=True)
            if r.returncode:
                raise FileNotFoundError("apt-get download %s: %s" % (p, r.stderr.strip()))
    kdeb = glob.glob(os.path.join(cache, m.group(1) + "_*_arm64.deb"))[0]
    bdeb = glob.glob(os.path.join(cache, "busybox-static_*_arm64.deb"))[0]
    kimg = os.path.join(cache, "Image")
    if not os.path.exists(kimg) or os.path.getmtime(kimg) < os.path.getmtime(kdeb):
        tar = sh(["dpkg-deb", "--fsys-tarfile", kdeb]).stdout
        names = sh(["tar", "-t"], input=tar).stdout.decode().split()
        vml = [n for n in names if re.match(r"\./boot/vmlinuz-", n)][0]
        data = sh(["tar", "-xO", vml], input=tar).stdout
        with open(kimg + ".tmp", "wb") as f:
            f.write(data)
        os.rename(kimg + ".tmp", kimg)
    bb = os.path.join(cache, "busybox")
    if not os.path.exists(bb):
        tar = sh(["dpkg-deb", "--fsys-tarfile", bdeb]).stdout
        data = sh(["tar", "-xO", "./bin/busybox"], input=tar).stdout
        with open(bb, "wb") as f:
            f.write(data)
    return kimg, bb


def cpio_newc(entries):
    """entries: (name, mode, data or None). A newc archive with TRAILER!!!."""
    out = io.BytesIO()
    for ino, (name, mode, data) in enumerate(entries + [("TRAILER!!!", 0, b"")], 1):
        data = data or b""
        nb = name.encode() + b"\0"
        hdr = "070701" + "".join("%08x" % v for v in (
            ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(nb), 0))
        out.write(hdr.encode() + nb)
        out.write(b"\0" * (-(110 + len(nb)) % 4))
        out.write(data)
        out.write(b"\0" * (-len(data) % 4))
    return out.getvalue()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--qemu", required=True)
    ap.add_argument("--elf", required=True)
    ap.add_argument("--mkimage", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--cache", required=True)
    ap.add_argument("--timeout", type=int, default=240)
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    try:
        kimg, bb = fetch(a.cache)
    except (FileNotFoundError, IndexError, subprocess.CalledProcessError) as e:
        print("skipped: cannot fetch Debian's arm64 kernel/busybox: %s" % e)
        return SKIP
    initrd = os.path.join(a.workdir, "initramfs.cpio.gz")
    with open(bb, "rb") as f:
        busybox = f.read()
    archive = cpio_newc([("bin", 0o40755, None), ("proc", 0o40755, None),
                         ("sys", 0o40755, None), ("dev", 0o40755, None),
                         ("dev/console", 0o20600, None),
                         ("bin/busybox", 0o100755, busybox),
                         ("init", 0o100755, INIT.encode())])
    with open(initrd, "wb") as f:
        f.write(gzip.compress(archive, 6))
    img = os.path.join(a.workdir, "linux.img")
    t = time.monotonic()
    sh([a.mkimage, "--key", a.key, "--board", "qemu-virt", "--version", "6.1.0",
        "--rollback", "1", "-o", img, "--kernel", kimg, "--initramfs", initrd,
        "--cmdline", CMDLINE])
    print("image: %d bytes (kernel %d, initramfs %d) signed in %.1f s"
          % (os.path.getsize(img), os.path.getsize(kimg), os.path.getsize(initrd),
             time.monotonic() - t))
    print(sh([a.mkimage, "--inspect", img]).stdout.decode())
    notimg = os.path.join(a.workdir, "not-arm64.img")
    with open(os.path.join(a.workdir, "random.bin"), "wb") as f:
        f.write(os.urandom(4096))
    sh([a.mkimage, "--key", a.key, "--board", "qemu-virt", "--version", "0.0.1",
        "-o", notimg, "--kernel", os.path.join(a.workdir, "random.bin"), "--initramfs", initrd])
    flash = os.path.join(a.workdir, "flash1.img")
    fresh_flash(flash)
    with open(flash, "r+b") as f:
        for off, path in ((SLOT_A, notimg), (SLOT_B, img)):
            with open(path, "rb") as i:
                f.seek(off)
                f.write(i.read())

    q = Qemu(a.qemu, a.elf, flash, os.path.join(a.workdir, "qemu.log"),
             ["-m", "512M"], machine="virt,virtualization=on")
    try:
        t0 = time.monotonic()
        q.expect(re.escape(BANNER), 30)
        t1 = time.monotonic()
        q.expect(rb"boot: start slot=0 version=0\.0\.1 trial=0", 60)
        q.expect(rb'boot: image refused slot=0 reason="kernel is not an arm64 Linux Image', 60)
        q.expect(rb"boot: start slot=1 version=6\.1\.0 trial=0", 120)
        q.expect(rb"boot: linux kernel=0x[0-9a-f]+ initrd=0x[0-9a-f]+ size=0x[0-9a-f]+ "
                 rb"dtb=0x[0-9a-f]+ \(board\) el=2", 60)
        t2 = time.monotonic()
        q.expect(rb"Booting Linux on physical CPU", 60)
        q.expect(rb"CPU: All CPU\(s\) started at EL2", a.timeout)
        q.expect(rb"poort-test: done", a.timeout)
        t3 = time.monotonic()
        text = q.seen.decode(errors="replace").replace("\r", "")
        want = ["poort-test: booted into the initramfs",
                "poort-test: cmdline=" + CMDLINE,
                "poort-test: chosen slot=B",
                "poort-test: chosen version=6.1.0",
                "poort-test: chosen board=qemu-virt",
                "poort-test: chosen trial=00000000",
                "poort-test: chosen rollback=00000001",
                "poort-test: partition poort-state reg=0400000000080000",
                "poort-test: partition poort-slot-a reg=0420000001800000",
                "poort-test: partition poort-slot-b reg=05a0000001800000",
                "poort-test: partition poort-boot-flash reg=0400000004000000"]
        missing = [w for w in want if w not in text]
        if missing:
            raise RuntimeError("missing from the console: %r" % missing)
        for line in text.splitlines():
            if line.startswith("poort-test:"):
                print(line)
        print("boot stage banner to hand-over %.1f s (1 s key window, verify, load, "
              "decompress), hand-over to initramfs done %.1f s, qemu start to done %.1f s"
              % (t2 - t1, t3 - t2, t3 - t0))
    except RuntimeError as e:
        print("FAIL:", e)
        return 1
    finally:
        q.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
