#!/usr/bin/env python3
"""Issue 10 item 7: the real signed box image (tools/image's kernel and
initramfs, signed here with poort-mkimage) through the boot stage's field
paths under qemu-system-aarch64 (TCG), from a blank pflash bank:

  serial  qemu does not pace its serial port, and its PL011 takes one byte
          per main-loop turn (a few KiB/s on a loaded host, resends from
          poort-flash's silence timer), so the time under qemu is qemu's,
          not a UART's. The wire time is computed from the exact bytes on
          the line instead: the data phase (DATA frames with COBS, CRC and
          offset; one ack per chunk) by a model of firmware/core/frame.c's
          encoding, which is checked against a counted run of a small image
          (poort-flash -> a counting relay that decodes the host's frames
          -> the boot stage under qemu: the first sends of DATA must match
          the model to the byte); the control exchange (INFO, BEGIN,
          VERIFY, ACTIVATE, REBOOT) as counted in that run. Then
            lower  (host->box bytes + the replies the host waits for)
                   x 10 / baud (8N1; acks travel on the other wire at the
                   same time: the window of 8 x 4 KiB is far more than the
                   line holds)
            upper  every byte both ways x 10 / baud
          plus the box's verify time (the TFTP run's last block). Real NOR
          erase/program times are not in it (qemu's pflash is instant).
          --serial-full sends the real image through qemu as well.
  tftp    network recovery: a virtio-net NIC whose frames qemu exchanges
          over unix datagram sockets with tests/netrec/tftp_eth.py's laptop
          (ARP, IPv4, UDP and a TFTP client of its own); put image, get
          status. TFTP is lockstep, one 512-byte block per round trip, so
          the time is the round trips' (qemu's); the wire time at 100 Mbit/s
          is printed beside it.
  After the TFTP upload the box is reset and the boot stage starts the image
  on trial: the time from the reset to poortd's ready line is printed too.

  tests/bench/box_recovery.py [--arm64 build-arm64] [--build build]
                              [--only serial|tftp] [--serial-full] [--workdir DIR]
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
import struct
import zlib

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


def cobs_len(body):
    """Wire length of one frame: COBS of body plus the 0x00 delimiter, as
    firmware/core/frame.c encodes it (a zero costs nothing, a run of 254
    non-zero bytes one code byte more)."""
    n, run = 1, 0
    for c in body:
        if c == 0:
            n += 1
            run = 0
            continue
        n += 1
        run += 1
        if run == 254:
            n += 1
            run = 0
    return n + 1


def frame_len(cmd, seq, payload):
    hdr = bytes([cmd, seq & 0xff, (seq >> 8) & 0xff])
    crc = zlib.crc32(hdr + payload)  # fw_crc32: the same CRC-32 (IEEE)
    return cobs_len(hdr + payload + struct.pack("<I", crc))


def data_phase_bytes(image, chunk=4096):
    """Line bytes of the data phase of an upload from 0 with no resends:
    host->box DATA frames (off u32 + chunk) and box->host acks (status +
    next offset), seq counting up from 1."""
    fwd = back = 0
    for seq, off in enumerate(range(0, len(image), chunk), 1):
        data = image[off:off + chunk]
        fwd += frame_len(0x03, seq, struct.pack("<I", off) + data)
        back += frame_len(0x83, seq, b"\0" + struct.pack("<I", off + len(data)))
    return fwd, back


def cobs_decode(piece):
    out, i = bytearray(), 0
    while i < len(piece):
        code = piece[i]
        if code == 0:
            break
        out += piece[i + 1:i + code]
        i += code
        if code < 0xff and i < len(piece):
            out.append(0)
    return bytes(out)


def split_host_stream(raw):
    """The host's bytes by kind: DATA frames sent the first time, DATA
    frames sent again (go-back-N), everything else (INFO, BEGIN, VERIFY,
    ACTIVATE, REBOOT, wake-up bytes)."""
    first = again = other = 0
    seen = set()
    for piece in bytes(raw).split(b"\0"):
        n = len(piece) + 1
        body = cobs_decode(piece) if piece else b""
        if len(body) >= 11 and body[0] == 0x03:
            off = struct.unpack("<I", body[3:7])[0]
            if off in seen:
                again += n
            else:
                seen.add(off)
                first += n
        else:
            other += n
    return first, again, other


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
        self.fwd_raw = bytearray()

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
                    self.fwd_raw += data
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


def serial_run(a, paths, img, work, boots_box):
    """poort-flash img through the counting relay into the boot stage on a
    blank flash; returns the figures. boots_box: after the reset, wait for
    poortd's ready line (the real image) or the stub kernel's report."""
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
        gaps = lockstep_gaps(tl)
        m = re.search(r"\((\d+) resends, (\d+) damaged frames\)", out)
        fig = {"size": size, "dt": dt, "fwd": sum(n for _, d, n in tl if d == ">"),
               "back": sum(n for _, d, n in tl if d == "<"), "gaps": gaps,
               "box_s": sum(t1 - t0_ for t0_, t1, _ in gaps),
               "reply": sum(n for _, _, n in gaps),
               "resends": int(m.group(1)) if m else -1,
               "damaged": int(m.group(2)) if m else -1,
               "split": split_host_stream(relay.fwd_raw),
               "cpu": (c_q, c_me2 - c_me, c_kids2 - c_kids),
               "out": [ln.strip() for ln in out.strip().splitlines() if "ETA" not in ln]}
        relay.close()
        relay = None
        # the box resets (PSCI), the boot stage starts the image on trial
        q.expect(rb"boot: start slot=0 version=[\d.]+ trial=1", 120, since=len(q.seen))
        q.expect(READY if boots_box else rb"stub kernel: done", 600)
        fig["reset_to_ready"] = time.monotonic() - t_reset
        return fig
    finally:
        if relay:
            relay.close()
        q.stop()


def print_serial_run(what, f):
    print(f"\nserial recovery under qemu, {what} ({f['size']} B; blank flash, activated):")
    for line in f["out"]:
        print("  poort-flash: " + line)
    print(f"  counted on the line: host->box {f['fwd']} B, box->host {f['back']} B; "
          f"resends {f['resends']}, damaged frames {f['damaged']}")
    print(f"  under qemu (unpaced, TCG): {f['dt']:.1f} s = {f['size'] / 1024 / f['dt']:.1f} KiB/s; "
          f"the box silent before {len(f['gaps'])} answers for {f['box_s']:.2f} s in all; CPU "
          f"qemu {f['cpu'][0]:.1f} s, relay {f['cpu'][1]:.1f} s, poort-flash {f['cpu'][2]:.1f} s")


def serial_wire(what, size, fwd, back, reply, box_s):
    """lower: host->box bytes + the replies the host waits for; upper:
    every byte both ways, as if nothing overlapped. box_s: the box's own
    time (verify, activate) added to both."""
    print(f"  {what}: on the line host->box {fwd} B ({fwd / size:.5f} x the image), "
          f"box->host {back} B")
    for baud in (115200, 921600):
        lo = (fwd + reply) * 10 / baud
        hi = (fwd + back) * 10 / baud
        print(f"    at {baud:>6} baud, 8N1: wire {lo:7.1f}-{hi:7.1f} s"
              + (f", + the box's verify {box_s:.1f} s = {(lo + box_s) / 60:5.2f}-"
                 f"{(hi + box_s) / 60:5.2f} min" if box_s is not None else
                 f" = {lo / 60:5.2f}-{hi / 60:5.2f} min"))


def serial(a, paths, img, work, verify_s):
    """The model of the data phase (the same framing as frame.c) checked
    against a counted run of a small image, then applied to the real one;
    --serial-full also sends the real image through qemu (slow: qemu's
    PL011 takes a byte per main-loop turn; hours on a loaded host)."""
    small = os.path.join(work, "small.img")
    payload = os.path.join(work, "small-initramfs.bin")
    with open(payload, "wb") as f:
        f.write(os.urandom(a.small_kib * 1024))
    subprocess.run([paths.mkimage, "--key", paths.key, "--board", "qemu-virt", "--version",
                    "0.0.2", "--rollback", "1", "-o", small, "--kernel", paths.stub,
                    "--initramfs", payload, "--cmdline", boxlib.CMDLINE],
                   check=True, capture_output=True, timeout=120)
    f = serial_run(a, paths, small, work, boots_box=False)
    print_serial_run("a small image: the stub kernel and a random initramfs", f)
    with open(small, "rb") as fh:
        mf, mb = data_phase_bytes(fh.read())
    first, again, ctl_f = f["split"]
    ctl_b = f["back"] - mb
    print(f"  host->box by kind: DATA first sends {first} B, DATA sent again {again} B "
          f"(qemu's slow PL011: poort-flash's silence timer fires), other frames {ctl_f} B")
    print(f"  model of the data phase for the same image: host->box {mf} B "
          f"({'matches' if mf == first else 'differs from'} the first sends counted), "
          f"box->host {mb} B; the box's other bytes (replies to control frames, "
          f"to resends, console text): {ctl_b} B")
    with open(img, "rb") as fh:
        data = fh.read()
    rf, rb_ = data_phase_bytes(data)
    print(f"\nserial recovery of the real image {len(data)} B, computed (the model's data "
          f"phase + the control exchange counted above; no resends):")
    # the replies the host waits for: INFO, BEGIN, VERIFY, ACTIVATE, REBOOT
    serial_wire("the real image", len(data), rf + ctl_f, rb_ + ctl_b, ctl_b, verify_s)
    print("    the box's verify time is the TFTP run's last block under qemu (same check of "
          "the same image), when it ran. Real NOR erase and program times are not in these "
          "figures (qemu's pflash is instant).")
    if a.serial_full:
        f = serial_run(a, paths, img, work, boots_box=True)
        print_serial_run("the real image", f)
        serial_wire("counted", f["size"], f["fwd"], f["back"], f["reply"], None)
        print(f"  reset to poortd ready on the new image (trial boot): {f['reset_to_ready']:.1f} s")


class SlowLaptop:
    """tests/netrec/tftp_eth.py's Laptop with a longer wait for one
    answer: the last block's ACK comes after the box verified 15 MB."""

    @staticmethod
    def make(sock):
        from tftp_eth import Laptop

        class L(Laptop):
            last_wait = 0.0

            def tftp_wait(self, timeout=30.0):
                t = time.monotonic()
                r = Laptop.tftp_wait(self, timeout)
                self.last_wait = time.monotonic() - t
                return r
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
            last = lap.last_wait  # the last block's ACK: after verify + activate
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
                  f"{c_me:.1f} s; the last block's ACK (the box verifies the image and "
                  f"activates it first) took {last:.1f} s")
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
    return last


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arm64", default=os.path.join(boxlib.TOP, "build-arm64"))
    ap.add_argument("--build", default=os.path.join(boxlib.TOP, "build"))
    ap.add_argument("--only", choices=["serial", "tftp"])
    ap.add_argument("--serial-timeout", type=int, default=3600)
    ap.add_argument("--serial-full", action="store_true",
                    help="also send the real image through qemu's serial port (hours)")
    ap.add_argument("--small-kib", type=int, default=256,
                    help="random initramfs of the small image that checks the model")
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
    verify_s = None
    if a.only in (None, "tftp"):
        verify_s = tftp(a, paths, img, work)
    if a.only in (None, "serial"):
        serial(a, paths, img, work, verify_s)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (RuntimeError, FileNotFoundError) as e:
        print("FAIL:", e)
        sys.exit(1)
