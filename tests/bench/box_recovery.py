#!/usr/bin/env python3
"""Issue 10 item 7: the real signed box image (tools/image's kernel and
initramfs, signed here with poort-mkimage) through the boot stage's field
paths under qemu-system-aarch64 (TCG), from a blank pflash bank:

  serial  poort-flash -> a counting relay -> qemu's PL011 (stdio). qemu does
          not pace its serial port, and its PL011 moves far fewer bytes per
          second than 921600 baud would, so the time under qemu is qemu's,
          not a UART's. What the run gives exactly is the byte count on the
          line in each direction (COBS framing, CRC, acknowledgements,
          every resend and every INFO probe included) and the time the box
          spends answering the lockstep commands (VERIFY, ACTIVATE).
          The wire time at a baud rate is then computed:
            lower  (host->box bytes + replies of lockstep commands) x 10 / baud
                   (8N1; the data phase streams, its acknowledgements travel
                   on the other wire at the same time)
            upper  (all bytes in both directions) x 10 / baud
          plus the box's answer time (VERIFY etc.) as measured under qemu.
          Real NOR erase/program times are not in it (qemu's pflash is
          instant).
  tftp    network recovery: a virtio-net NIC whose frames qemu exchanges
          over unix datagram sockets with tests/netrec/tftp_eth.py's laptop
          (ARP, IPv4, UDP and a TFTP client of its own); put image, get
          status. TFTP is lockstep, one 512-byte block per round trip, so
          the time is the round trips' (qemu's); the wire time at 100 Mbit/s
          is printed beside it.
  After each upload the box is reset and the boot stage starts the image on
  trial: the time from the reset to poortd's ready line is printed too.

  tests/bench/box_recovery.py [--arm64 build-arm64] [--build build]
                              [--only serial|tftp] [--workdir DIR]
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
import tty

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "../netrec"))
import boxlib  # noqa: E402

MIB = 1 << 20
READY = rb"poortd [\d.]+ ready"
RECOVERY = rb'poort recovery: reason="no bootable slot"'


def own_cpu():
    r = os.times()
    return r.user + r.system, r.children_user + r.children_system


def data_disk(work):
    disk = os.path.join(work, "data.img")
    with open(disk, "wb") as f:
        f.truncate(64 << 20)
    return ["-drive", f"if=none,format=raw,file={disk},id=data",
            "-device", "virtio-blk-pci,drive=data"]


class Relay:
    """poort-flash's pty <-> qemu's stdio, counting bytes per direction and
    keeping a timeline of (time, direction, bytes)."""

    def __init__(self, q):
        self.q = q
        self.master, slave = os.openpty()
        tty.setraw(slave)
        self.slave_path = os.ttyname(slave)
        self.slave = slave  # kept open so the master never sees a hang-up
        os.set_blocking(self.master, False)
        self.timeline = []

    def pump(self, until_exit, timeout):
        deadline = time.monotonic() + timeout
        qout = self.q.proc.stdout.fileno()
        while until_exit.poll() is None:
            if time.monotonic() > deadline:
                until_exit.kill()
                raise RuntimeError("poort-flash did not finish in %d s" % timeout)
            r, _, _ = select.select([self.master, qout], [], [], 0.2)
            now = time.monotonic()
            if self.master in r:
                try:
                    data = os.read(self.master, 65536)
                except OSError:
                    data = b""
                if data:
                    self.timeline.append((now, ">", len(data)))
                    self.q.proc.stdin.write(data)
                    self.q.proc.stdin.flush()
            if qout in r:
                data = os.read(qout, 65536)
                if data:
                    self.timeline.append((now, "<", len(data)))
                    self.q.log.write(data)
                    os.write(self.master, data)

    def close(self):
        os.close(self.master)
        os.close(self.slave)


def lockstep_gaps(timeline, min_gap=0.3):
    """Host->box bursts followed by a silence of the box of at least
    min_gap before its answer: (request end, answer start, answer bytes)."""
    out = []
    for i in range(1, len(timeline)):
        (t0, d0, _), (t1, d1, n1) = timeline[i - 1], timeline[i]
        if d0 == ">" and d1 == "<" and t1 - t0 >= min_gap:
            out.append((t0, t1, n1))
    return out


def serial(a, paths, img, work):
    flash = os.path.join(work, "flash-serial.img")
    boxlib.flash_with(flash)
    size = os.path.getsize(img)
    log = os.path.join(work, "serial-console.log")
    q = boxlib.Qemu(a.qemu, log, ["-kernel", paths.elf, "-drive",
                                  f"if=pflash,unit=1,format=raw,file={flash}",
                                  "-netdev", "user,id=n0", "-device",
                                  "virtio-net-pci,netdev=n0,romfile="] + data_disk(work),
                    no_reboot=False)
    relay = None
    try:
        q.expect(RECOVERY, 60)
        relay = Relay(q)
        c_q, (c_me, c_kids) = boxlib.cpu_of(q.proc.pid), own_cpu()
        t0 = time.monotonic()
        p = subprocess.Popen([paths.flash_tool, "--port", relay.slave_path, "--baud", "921600",
                              "--wait", "30", img], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
        relay.pump(p, a.serial_timeout)
        dt = time.monotonic() - t0
        c_q = boxlib.cpu_of(q.proc.pid) - c_q
        c_me2, c_kids2 = own_cpu()
        out = p.stdout.read().decode(errors="replace")
        t_reset = time.monotonic()
        if p.returncode != 0:
            raise RuntimeError("poort-flash exited %d:\n%s" % (p.returncode, out[-2000:]))
        tl = relay.timeline
        fwd = sum(n for _, d, n in tl if d == ">")
        back = sum(n for _, d, n in tl if d == "<")
        gaps = lockstep_gaps(tl)
        box_s = sum(t1 - t0_ for t0_, t1, _ in gaps)
        reply = sum(n for _, _, n in gaps)
        m = re.search(r"\((\d+) resends, (\d+) damaged frames\)", out)
        print("\nserial recovery (poort-flash, blank flash, image activated):")
        for line in out.strip().splitlines():
            if "ETA" not in line:
                print("  poort-flash: " + line.strip())
        print(f"  image {size} B; on the line: host->box {fwd} B ({fwd / size:.4f} x image), "
              f"box->host {back} B; resends {m.group(1) if m else '?'}, damaged frames "
              f"{m.group(2) if m else '?'}")
        print(f"  under qemu (unpaced pty, TCG): {dt:.1f} s = {size / 1024 / dt:.1f} KiB/s; "
              f"box silent before {len(gaps)} answers for {box_s:.1f} s in all "
              f"(verify, activate: {', '.join('%.1f' % (g[1] - g[0]) for g in gaps)} s)")
        print(f"  CPU during the upload: qemu {c_q:.1f} s, relay {c_me2 - c_me:.1f} s, "
              f"poort-flash {c_kids2 - c_kids:.1f} s (load on the shared host stretches the "
              f"wall time, not these)")
        for baud in (115200, 921600):
            lo = (fwd + reply) * 10 / baud
            hi = (fwd + back) * 10 / baud
            print(f"  at {baud:>6} baud (8N1, computed): wire {lo:.0f}-{hi:.0f} s, with the box's "
                  f"answer time {lo + box_s:.0f}-{hi + box_s:.0f} s = "
                  f"{(lo + box_s) / 60:.1f}-{(hi + box_s) / 60:.1f} min")
        relay.close()
        relay = None
        # the box resets (PSCI), the boot stage starts the image on trial
        q.expect(rb"boot: start slot=0 version=[\d.]+ trial=1", 120, since=len(q.seen))
        q.expect(READY, 600)
        print(f"  reset to poortd ready on the new image (trial boot): "
              f"{time.monotonic() - t_reset:.1f} s")
    finally:
        if relay:
            relay.close()
        q.stop()


class SlowLaptop:
    """tests/netrec/tftp_eth.py's Laptop with a longer wait for one
    answer: the last block's ACK comes after the box verified 15 MB."""

    @staticmethod
    def make(sock):
        from tftp_eth import Laptop

        class L(Laptop):
            def tftp_wait(self, timeout=30.0):
                return Laptop.tftp_wait(self, timeout)
        return L(sock)


def tftp(a, paths, img, work):
    from tftp_eth import Fail
    flash = os.path.join(work, "flash-tftp.img")
    boxlib.flash_with(flash)
    with open(img, "rb") as f:
        data = f.read()
    sockdir = tempfile.mkdtemp(prefix="poort-bnet-")
    qsock, psock = os.path.join(sockdir, "q"), os.path.join(sockdir, "p")
    peer = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    peer.bind(psock)
    log = os.path.join(work, "tftp-console.log")
    q = boxlib.Qemu(a.qemu, log, [
        "-kernel", paths.elf, "-drive", f"if=pflash,unit=1,format=raw,file={flash}",
        "-global", "virtio-mmio.force-legacy=false",
        "-netdev", f"dgram,id=n0,local.type=unix,local.path={qsock},"
                   f"remote.type=unix,remote.path={psock}",
        "-device", "virtio-net-device,netdev=n0"] + data_disk(work), no_reboot=False)
    try:
        q.expect(rb"netrec: tftp recovery at 169\.254\.80\.1", 60)
        q.expect(RECOVERY, 60)
        peer.connect(qsock)
        lap = SlowLaptop.make(peer)
        try:
            lap.arp_box()
            c_q, (c_me, _) = boxlib.cpu_of(q.proc.pid), own_cpu()
            t0 = time.monotonic()
            ok, err = lap.tftp_put("image", data)
            dt = time.monotonic() - t0
            c_q, c_me = boxlib.cpu_of(q.proc.pid) - c_q, own_cpu()[0] - c_me
            if not ok:
                raise RuntimeError("image refused: %s" % err)
            st = lap.tftp_get("status").strip()
            if not st.startswith("result=ok"):
                raise RuntimeError("status: %r" % st)
            blocks = len(data) // 512 + 1
            # Ethernet II + IPv4 + UDP + TFTP headers, 64-byte minimum
            # frames, preamble and gap: 20 B per frame on the wire
            wire = blocks * (14 + 20 + 8 + 4 + 512 + 4 + 20) + blocks * (64 + 20)
            print("\nTFTP network recovery (boot stage's lwIP server, laptop peer over "
                  "unix datagram sockets):")
            print(f"  {len(data)} B in {blocks} blocks of 512 B (lockstep, one round trip "
                  f"each): {dt:.1f} s = {len(data) / 1024 / dt:.0f} KiB/s under qemu, "
                  f"{dt / blocks * 1e6:.0f} us per round trip; status: {st}")
            print(f"  CPU during the upload: qemu {c_q:.1f} s, the laptop peer (Python) "
                  f"{c_me:.1f} s")
            print(f"  wire time of the same frames at 100 Mbit/s: {wire * 8 / 100e6:.1f} s "
                  f"(the rest is round-trip latency: the box's per-block work)")
            t_reset = time.monotonic()
            if lap.tftp_get("reboot").strip() != "rebooting":
                raise RuntimeError("reboot not acknowledged")
        except Fail as e:
            raise RuntimeError(str(e))
        q.expect(rb"boot: start slot=0 version=[\d.]+ trial=1", 120, since=len(q.seen))
        q.expect(READY, 600)
        print(f"  reset to poortd ready on the new image (trial boot): "
              f"{time.monotonic() - t_reset:.1f} s")
    finally:
        q.stop()
        peer.close()
        shutil.rmtree(sockdir, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arm64", default=os.path.join(boxlib.TOP, "build-arm64"))
    ap.add_argument("--build", default=os.path.join(boxlib.TOP, "build"))
    ap.add_argument("--only", choices=["serial", "tftp"])
    ap.add_argument("--serial-timeout", type=int, default=3600)
    ap.add_argument("--workdir")
    ap.add_argument("--qemu", default=shutil.which("qemu-system-aarch64"))
    a = ap.parse_args()
    paths = boxlib.Paths(os.path.abspath(a.arm64), os.path.abspath(a.build))
    work = os.path.abspath(a.workdir or tempfile.mkdtemp(prefix="poort-box-recovery-"))
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    img = os.path.join(work, "box.img")
    comps = boxlib.components(boxlib.sign(paths, img))
    print(f"image {img}: {os.path.getsize(img)} B ("
          + ", ".join(f"{t} {s} B {h}" for t, s, h, _ in comps) + ")")
    if a.only in (None, "tftp"):
        tftp(a, paths, img, work)
    if a.only in (None, "serial"):
        serial(a, paths, img, work)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (RuntimeError, FileNotFoundError) as e:
        print("FAIL:", e)
        sys.exit(1)
