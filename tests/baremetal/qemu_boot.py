#!/usr/bin/env python3
"""Boots the bare-metal boot stage under qemu-system-aarch64 -M virt with its
PL011 UART on a host pty and checks what a field engineer would see.

  banner  the boot stage starts and prints its banner on the pty
  flash   tools/poort-flash through the emulated UART: a corrupted copy of
          the release is refused and the box reset; the good copy then goes
          in from byte 0 (not resumed onto the refused bytes), is verified
          and left unactivated in recovery (--no-activate --no-reset); a
          third run has the box check its copy (RESUME: SHA-256 over the CFI
          flash), resumes at the end, activates; after the reset the boot
          stage starts it: the image is the stub kernel
          (tests/baremetal/stub_kernel) and a random initramfs, and the stub
          reports the hand-over (EL1, x0 = device tree, MMU and caches off,
          /chosen)
  net     network recovery on the bare-metal build: a virtio-net NIC whose
          frames qemu exchanges with this script over unix datagram sockets
          (-netdev dgram); the same independent ARP/ICMP/TFTP peer as the
          simulator test refuses a tampered image, uploads a good one and
          asks for the reboot; the boot stage then starts it on trial, this
          time with EL2 (virtualization=on): the stub must run at EL2

Every wait is bounded; qemu is always killed. Exit 0 pass, 1 fail, 77 skip.
"""
import argparse
import os
import re
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time

SKIP = 77
BANNER = b"Poort boot stage (bare-metal aarch64) board=qemu-virt"
FLASH_SIZE = 64 << 20  # qemu virt pflash banks are 64 MiB


class Qemu:
    def __init__(self, qemu, elf, flash_img, log_path, extra=(), machine="virt"):
        self.log = open(log_path, "wb")
        cmd = [qemu, "-M", machine, "-cpu", "cortex-a53", "-m", "128M",
               "-nographic", "-nic", "none", "-monitor", "none",
               "-serial", "pty", "-kernel", elf,
               "-drive", f"if=pflash,unit=1,format=raw,file={flash_img}"] + list(extra)
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.pty = self._find_pty(10.0)
        # Non-blocking raw access to the pty; qemu holds the other side.
        self.fd = os.open(self.pty, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        import termios
        import tty
        tty.setraw(self.fd)
        attrs = termios.tcgetattr(self.fd)
        attrs[3] &= ~termios.ECHO
        termios.tcsetattr(self.fd, termios.TCSANOW, attrs)
        self.seen = b""

    def _find_pty(self, timeout):
        # qemu prints "char device redirected to /dev/pts/N (label serial0)".
        deadline = time.monotonic() + timeout
        out = b""
        while time.monotonic() < deadline:
            r, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if r:
                chunk = os.read(self.proc.stdout.fileno(), 4096)
                if not chunk:
                    break
                out += chunk
                self.log.write(chunk)
                m = re.search(rb"redirected to (/dev/pts/\d+)", out)
                if m:
                    return m.group(1).decode()
        raise RuntimeError("qemu did not report its pty: %r" % out[-300:])

    def expect(self, pattern, timeout):
        """Reads the UART until pattern (bytes regex) appears; returns the match."""
        deadline = time.monotonic() + timeout
        while True:
            m = re.search(pattern, self.seen)
            if m:
                return m
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                raise RuntimeError("timeout waiting for %r; UART said: %r"
                                   % (pattern, self.seen[-400:]))
            r, _, _ = select.select([self.fd], [], [], min(left, 0.2))
            if r:
                try:
                    chunk = os.read(self.fd, 4096)
                except BlockingIOError:
                    continue
                self.seen += chunk
                self.log.write(chunk)
                self.log.flush()

    def close(self):
        try:
            os.close(self.fd)
        except OSError:
            pass
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        self.log.close()


def fresh_flash(path):
    with open(path, "wb") as f:
        f.truncate(FLASH_SIZE)
    # Erased NOR reads as 0xff; a sparse file of zeros would look like a
    # programmed, corrupt state record to the boot stage.
    with open(path, "r+b") as f:
        blank = b"\xff" * (1 << 20)
        for _ in range(FLASH_SIZE >> 20):
            f.write(blank)


def test_banner(args):
    flash = os.path.join(args.workdir, "flash1.img")
    fresh_flash(flash)
    q = Qemu(args.qemu, args.elf, flash, os.path.join(args.workdir, "qemu.log"))
    try:
        t0 = time.monotonic()
        q.expect(re.escape(BANNER), 20)
        print("banner after %.2f s on %s" % (time.monotonic() - t0, q.pty))
        # The portable core runs: it reads the (blank) state over the CFI
        # driver, finds nothing to boot and offers recovery.
        q.expect(rb"boot: slot=1 empty", 20)
        q.expect(rb'poort recovery: reason="no bootable slot"', 20)
        print("recovery offered after %.2f s" % (time.monotonic() - t0))
    finally:
        q.close()
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--qemu", required=True)
    ap.add_argument("--elf", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--flash-tool")
    ap.add_argument("--mkimage")
    ap.add_argument("--key")
    ap.add_argument("--stub", help="stub-kernel.bin")
    ap.add_argument("--payload-kib", type=int, default=128)
    ap.add_argument("--flash-timeout", type=int, default=150)
    ap.add_argument("what", choices=["banner", "flash", "net"])
    args = ap.parse_args()
    if not os.path.exists(args.elf):
        print("skipped: %s not built" % args.elf)
        return SKIP
    os.makedirs(args.workdir, exist_ok=True)
    try:
        return {"banner": test_banner, "flash": test_flash, "net": test_net}[args.what](args)
    except RuntimeError as e:
        print("FAIL:", e)
        return 1


def make_image(args, out, version, rollback, initrd, tamper=False, dtb=None):
    """The stub kernel + a random initramfs + a command line (+ a device
    tree), signed."""
    subprocess.run([args.mkimage, "--key", args.key, "--board", "qemu-virt",
                    "--version", version, "--rollback", str(rollback), "-o", out,
                    "--kernel", args.stub, "--initramfs", initrd,
                    "--cmdline", "console=ttyAMA0 poort.test=1"]
                   + (["--dtb", dtb] if dtb else []),
                   check=True, timeout=60, stdout=subprocess.DEVNULL)
    with open(out, "rb") as f:
        img = bytearray(f.read())
    if tamper:
        img[-1] ^= 1  # last byte of the ECDSA signature
        with open(out, "wb") as f:
            f.write(img)
    return bytes(img)


def expect_handover(q, el, slot, trial, dtb_from=b"board"):
    """The boot stage's hand-over line, then the stub kernel's report."""
    q.expect(rb"boot: linux kernel=0x0000000040200000 initrd=0x[0-9a-f]+ size=0x[0-9a-f]+ "
             rb"dtb=0x[0-9a-f]+ \(%s\) el=%d" % (dtb_from, el), 30)
    m = q.expect(rb"stub kernel: el=(\d) x0=(0x[0-9a-f]+) dtb=(\w+) mmu=(\w+) dcache=(\w+) "
                 rb"icache=(\w+) x1-x3=(\w+)", 30)
    got = [g.decode() for g in m.groups()]
    want = [str(el), got[1], "ok", "off", "off", "off", "0"]
    if got != want:
        raise RuntimeError("hand-over state %r, want %r" % (got, want))
    q.expect(rb"stub kernel: done", 10)
    text = q.seen.decode(errors="replace")
    for line in ("chosen poort,slot=%s" % slot, "chosen poort,trial=0x%016x" % trial,
                 "chosen linux,initrd-start=0x", "chosen linux,initrd-end=0x",
                 "chosen poort,board=qemu-virt"):
        if line not in text:
            raise RuntimeError("stub did not see %r in /chosen: %r" % (line, text[-600:]))
    print("hand-over: el=%s x0=%s dtb ok, MMU and caches off, /chosen has slot %s trial %d"
          % (got[0], got[1], slot, trial))


def test_flash(args):
    for p in (args.flash_tool, args.mkimage, args.key, args.stub):
        if not p or not os.path.exists(p):
            print("skipped: %s not built" % p)
            return SKIP
    work = args.workdir
    flash = os.path.join(work, "flash1.img")
    fresh_flash(flash)
    payload = os.path.join(work, "payload.bin")
    with open(payload, "wb") as f:
        # Random bytes: incompressible, so the upload is really this big.
        f.write(os.urandom(args.payload_kib * 1024))
    image = os.path.join(work, "good.img")
    make_image(args, image, "2.3.4", 1, payload)
    size = os.path.getsize(image)
    with open(image, "rb") as f:
        data = f.read()
    corrupt = os.path.join(work, "corrupt.img")
    with open(corrupt, "wb") as f:
        f.write(data[:3000] + bytes([data[3000] ^ 1]) + data[3001:])

    q = Qemu(args.qemu, args.elf, flash, os.path.join(work, "qemu.log"))
    try:
        t0 = time.monotonic()
        q.expect(re.escape(BANNER), 20)
        q.expect(rb'poort recovery: reason="no bootable slot"', 20)
        # poort-flash owns the port while it runs: two readers on one pty
        # would steal each other's bytes.
        os.close(q.fd)
        def flash_once(img=image, *opts):
            try:
                r = subprocess.run([args.flash_tool, "--port", q.pty, "--wait", "30", *opts,
                                    img], capture_output=True, timeout=args.flash_timeout)
            except subprocess.TimeoutExpired:
                raise RuntimeError("poort-flash did not finish within %d s" % args.flash_timeout)
            out = (r.stdout + r.stderr).decode(errors="replace")
            print(out.strip())
            return r, out
        # On a heavily loaded machine qemu's side of the pty has been seen to
        # stall (poort-flash: "went away ... run again to resume", then no
        # answer for a while). What an engineer does then is run it again,
        # and again: it must resume from the box's journal and finish.
        def flash_retrying(img=image, *opts):
            r, out = flash_once(img, *opts)
            for attempt in range(2):
                if r.returncode != 3:
                    break
                print("link trouble; running poort-flash again (%d) to resume" % (attempt + 1))
                r, out = flash_once(img, *opts)
            return r, out
        r, out = flash_retrying(corrupt)
        if r.returncode != 1 or "payload corrupt" not in out or "restarting" not in out:
            raise RuntimeError("corrupted copy: poort-flash exited %d" % r.returncode)
        t1 = time.monotonic()
        r, out = flash_retrying(image, "--no-activate", "--no-reset")
        dt = time.monotonic() - t1
        if r.returncode != 0 or "not activated" not in out:
            raise RuntimeError("good copy after a corrupted one: poort-flash exited %d"
                               % r.returncode)
        if "another image" in out:
            raise RuntimeError("the refused copy's journal survived its refusal")
        r, out = flash_retrying()
        if r.returncode == 0 and "resuming at %d of %d" % (size, size) not in out:
            raise RuntimeError("the verified copy was not resumed after the box's check")
        if r.returncode != 0:
            raise RuntimeError("poort-flash exited %d" % r.returncode)
        print("uploaded %d bytes in %.1f s (%.1f KiB/s) through the emulated PL011"
              % (size, dt, size / 1024 / dt))
        q.fd = os.open(q.pty, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        q.seen = b""
        # poort-flash activated and asked for a reboot: qemu resets
        # (PSCI), the boot stage comes up again from the same pflash,
        # verifies the new slot and starts it on trial. The banner may
        # have gone out while no one held the pty (qemu drops it then);
        # the slot line comes after the 1 s key window, so it is seen.
        q.expect(rb"boot: start slot=0 version=2\.3\.4 trial=1", 30)
        expect_handover(q, 1, "A", 1)
        print("new image started on trial after %.1f s in all" % (time.monotonic() - t0))
    finally:
        q.close()
    return 0


def test_net(args):
    for p in (args.mkimage, args.key, args.stub):
        if not p or not os.path.exists(p):
            print("skipped: %s not built" % p)
            return SKIP
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "netrec"))
    from tftp_eth import Laptop, Fail  # the simulator test's independent peer

    work = args.workdir
    flash = os.path.join(work, "flash1.img")
    fresh_flash(flash)
    payload = os.path.join(work, "payload.bin")
    with open(payload, "wb") as f:
        f.write(os.urandom(args.payload_kib * 1024))
    # This image carries its own device tree (qemu's, dumped with the same
    # machine options): the boot stage must hand over that one, patched.
    dtb = os.path.join(work, "virt.dtb")
    subprocess.run([args.qemu, "-M", "virt,virtualization=on,dumpdtb=" + dtb, "-cpu",
                    "cortex-a53", "-m", "128M", "-nographic", "-nic", "none"],
                   check=True, timeout=30, capture_output=True)
    good = make_image(args, os.path.join(work, "good.img"), "3.4.5", 0, payload, dtb=dtb)
    bad = make_image(args, os.path.join(work, "bad.img"), "3.4.6", 0, payload, tamper=True)

    # Short socket paths: sun_path holds 108 bytes, build trees can be deep.
    sockdir = tempfile.mkdtemp(prefix="poort-qnet-")
    qsock, psock = os.path.join(sockdir, "q"), os.path.join(sockdir, "p")
    peer = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    peer.bind(psock)
    net = ["-global", "virtio-mmio.force-legacy=false",
           "-netdev", f"dgram,id=n0,local.type=unix,local.path={qsock},"
                      f"remote.type=unix,remote.path={psock}",
           "-device", "virtio-net-device,netdev=n0"]
    # EL2 (virtualization=on): the kernel must get EL2, and the reset after
    # "get reboot" goes through PSCI over SMC.
    q = Qemu(args.qemu, args.elf, flash, os.path.join(work, "qemu.log"), net,
             machine="virt,virtualization=on")
    try:
        t0 = time.monotonic()
        q.expect(re.escape(BANNER), 20)
        q.expect(rb"netrec: tftp recovery at 169\.254\.80\.1", 20)
        q.expect(rb'poort recovery: reason="no bootable slot"', 20)
        peer.connect(qsock)
        lap = Laptop(peer)
        try:
            lap.arp_box()
            lap.ping()
            ok, err = lap.tftp_put("image", bad)
            if ok:
                raise RuntimeError("tampered image accepted")
            st = lap.tftp_get("status")
            if not st.startswith("result=error code=-5 "):
                raise RuntimeError("status after tampered image: %r" % st)
            print("tampered image refused: %s" % st.strip())
            t1 = time.monotonic()
            ok, err = lap.tftp_put("image", good)
            dt = time.monotonic() - t1
            if not ok:
                raise RuntimeError("good image refused: %s" % err)
            st = lap.tftp_get("status")
            if not st.startswith("result=ok slot=A version=3.4.5"):
                raise RuntimeError("status after good image: %r" % st)
            print("uploaded %d bytes over TFTP in %.1f s (%.0f KiB/s): %s"
                  % (len(good), dt, len(good) / 1024 / dt, st.strip()))
            if lap.tftp_get("reboot").strip() != "rebooting":
                raise RuntimeError("reboot not acknowledged")
        except Fail as e:
            raise RuntimeError(str(e))
        q.seen = b""
        q.expect(re.escape(BANNER), 30)
        q.expect(rb"boot: start slot=0 version=3\.4\.5 trial=1", 30)
        expect_handover(q, 2, "A", 1, dtb_from=b"image")
        print("new image started on trial after %.1f s in all" % (time.monotonic() - t0))
    finally:
        q.close()
        peer.close()
        shutil.rmtree(sockdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
