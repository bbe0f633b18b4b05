#!/usr/bin/env python3
"""Network recovery end to end in the host simulator.

Plays the engineer's laptop on a unix SEQPACKET socket that carries raw
Ethernet frames to the simulator's netif (drivers/simnet): ARP, ping and a
TFTP client written here from the RFCs (826, 791/768, 792, 1350), so lwIP is
checked against an independent peer. No real network or address is used.

Sessions, each a fresh netrec_sim process on the same flash file:
  1. good image  -> every block acked, status ok, boots on trial
  2. tampered signature -> TFTP error on the last block, status names
     FW_ESIG, the state of session 1 is unchanged
  3. a burst of 60 refused requests, then an image for another board ->
     rejected on the first block (FW_EBOARD) before any flash is written
  4. an upload cut off half way, 5. the same image again -> resumes from
     the sink's journal, verified and activated
  6. a corrupted copy of a release (same header, one payload byte off) ->
     refused (FW_EHASH); 7. the good copy -> written from 0 and activated
     (before: resumed onto the refused bytes and refused for ever)
  8. a corrupted copy cut off half way; 9. the good copy -> the compare of
     the bytes below the resume point finds them foreign: FW_ERESUME, the
     journal dropped; 10. the good copy again -> accepted
Every wait is bounded. Exit 0 pass, 1 fail, 77 skip.
"""
import argparse
import os
import socket
import struct
import subprocess
import sys
import time

BOX_IP = bytes([169, 254, 80, 1])
ME_IP = bytes([169, 254, 80, 2])
ME_MAC = bytes([0x02, 0, 0, 0, 0, 0x02])
BCAST = b"\xff" * 6
ETH_ARP, ETH_IP = 0x0806, 0x0800
WAIT = 5.0  # seconds for any one answer


class Fail(Exception):
    pass


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


class Laptop:
    def __init__(self, sock):
        self.sock = sock
        self.box_mac = None
        self.ip_id = 1
        self.sport = 40000 + os.getpid() % 20000

    def send_eth(self, dst, etype, payload):
        frame = dst + ME_MAC + struct.pack("!H", etype) + payload
        self.sock.send(frame.ljust(60, b"\0"))

    def send_ip(self, proto, payload):
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), self.ip_id,
                          0x4000, 64, proto, 0, ME_IP, BOX_IP)
        hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
        self.ip_id += 1
        self.send_eth(self.box_mac, ETH_IP, hdr + payload)

    def send_udp(self, dport, payload):
        length = 8 + len(payload)
        pseudo = ME_IP + BOX_IP + struct.pack("!BBH", 0, 17, length)
        udp = struct.pack("!HHHH", self.sport, dport, length, 0) + payload
        c = csum(pseudo + udp) or 0xFFFF
        self.send_ip(17, udp[:6] + struct.pack("!H", c) + udp[8:])

    def recv(self, want, timeout=WAIT):
        """Receives frames until want(kind, info) returns a value; answers
        ARP requests for our address on the way."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                frame = self.sock.recv(2048)
            except socket.timeout:
                return None
            if not frame:
                raise Fail("simulator hung up")
            etype = struct.unpack("!H", frame[12:14])[0]
            body = frame[14:]
            if etype == ETH_ARP:
                op = struct.unpack("!H", body[6:8])[0]
                sha, spa, tpa = body[8:14], body[14:18], body[24:28]
                if op == 1 and tpa == ME_IP:
                    reply = struct.pack("!HHBBH6s4s6s4s", 1, ETH_IP, 6, 4, 2,
                                        ME_MAC, ME_IP, sha, spa)
                    self.send_eth(sha, ETH_ARP, reply)
                    continue
                got = want("arp", (op, sha, spa))
            elif etype == ETH_IP:
                ihl = (body[0] & 0xF) * 4
                if csum(body[:ihl]) != 0:
                    raise Fail("bad IPv4 header checksum from the box")
                proto, src = body[9], body[12:16]
                total = struct.unpack("!H", body[2:4])[0]
                data = body[ihl:total]
                if proto == 17:
                    sport, dport = struct.unpack("!HH", data[:4])
                    got = want("udp", (sport, dport, data[8:]))
                elif proto == 1:
                    got = want("icmp", data)
                else:
                    got = None
            else:
                got = None
            if got is not None:
                return got

    def arp_box(self):
        req = struct.pack("!HHBBH6s4s6s4s", 1, ETH_IP, 6, 4, 1, ME_MAC, ME_IP,
                          b"\0" * 6, BOX_IP)
        self.send_eth(BCAST, ETH_ARP, req)
        r = self.recv(lambda k, i: i if k == "arp" and i[0] == 2 and i[2] == BOX_IP else None)
        if r is None:
            raise Fail("no ARP reply from %s" % socket.inet_ntoa(BOX_IP))
        self.box_mac = r[1]

    def ping(self):
        payload = b"poort-ping" * 4
        icmp = struct.pack("!BBHHH", 8, 0, 0, 0x1234, 1) + payload
        icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
        self.send_ip(1, icmp)
        r = self.recv(lambda k, d: d if k == "icmp" and d[0] == 0 else None)
        if r is None or r[8:] != payload:
            raise Fail("no ICMP echo reply")

    def tftp_wait(self, timeout=WAIT):
        def match(kind, info):
            if kind != "udp" or info[1] != self.sport:
                return None
            return info[2]
        return self.recv(match, timeout)

    def tftp_put(self, name, data, stop_after=None):
        """Returns (ok, error text). Retransmits like a real client.
        stop_after: give up silently after that many blocks (a pulled
        cable), returning (None, "")."""
        req = struct.pack("!H", 2) + name.encode() + b"\0octet\0"
        blocks = [data[i:i + 512] for i in range(0, len(data), 512)]
        if len(data) % 512 == 0:
            blocks.append(b"")
        pkt, expect = req, 0
        for n in range(len(blocks) + 1):
            for _attempt in range(4):
                self.send_udp(69, pkt)
                r = self.tftp_wait()
                if r is None:
                    continue
                op = struct.unpack("!H", r[:2])[0]
                if op == 5:
                    return False, r[4:].split(b"\0")[0].decode()
                if op == 4 and struct.unpack("!H", r[2:4])[0] == expect:
                    break
            else:
                raise Fail("no ACK for block %d" % expect)
            if n == len(blocks):
                return True, ""
            if stop_after is not None and n == stop_after:
                return None, ""
            expect = (n + 1) & 0xFFFF
            pkt = struct.pack("!HH", 3, expect) + blocks[n]
        return True, ""

    def tftp_get(self, name):
        self.send_udp(69, struct.pack("!H", 1) + name.encode() + b"\0octet\0")
        out = b""
        block = 1
        while True:
            r = self.tftp_wait()
            if r is None:
                raise Fail("no DATA for %s block %d" % (name, block))
            op, blk = struct.unpack("!HH", r[:4])
            if op == 5:
                raise Fail("TFTP error reading %s: %r" % (name, r[4:]))
            if op != 3 or blk != block:
                continue
            out += r[4:]
            self.send_udp(69, struct.pack("!HH", 4, blk))
            if len(r) - 4 < 512:
                return out.decode()
            block += 1


def session(sim, flash, steps):
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    proc = subprocess.Popen([sim, flash, str(b.fileno())], pass_fds=[b.fileno()],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    b.close()
    lap = Laptop(a)
    failed = None
    try:
        result = steps(lap)
    except Fail as e:
        failed = e
    a.close()  # hang up: the harness prints the state and exits
    try:
        out = proc.communicate(timeout=30)[0].decode(errors="replace")
    except subprocess.TimeoutExpired:
        proc.kill()
        out = proc.communicate()[0].decode(errors="replace")
        failed = failed or Fail("simulator did not exit after hang-up")
    sys.stdout.write(out)
    if failed:
        raise failed
    if proc.returncode != 0:
        raise Fail("simulator exited %d" % proc.returncode)
    return result, out


def expect(cond, what):
    if not cond:
        raise Fail(what)
    print("ok:", what)


def mkimage(args, out, board, version, payload, tamper=False):
    pay = os.path.join(args.workdir, os.path.basename(out) + ".payload")
    with open(pay, "wb") as f:
        f.write(payload)
    cmd = [args.mkimage] + [a.format(key=args.key, board=board, version=version,
                                     payload=pay, out=out) for a in args.mkimage_args]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, timeout=60)
    with open(out, "rb") as f:
        img = bytearray(f.read())
    if tamper:
        img[-1] ^= 0x01  # last byte of the signature (s)
    return bytes(img)


def run(args):
    flash = os.path.join(args.workdir, "flash.img")
    if os.path.exists(flash):
        os.unlink(flash)
    # Random bytes do not compress: the upload is as big as the payload.
    payload = b"POORT-SIM-APP confirm " + os.urandom(args.payload_kib * 1024)
    good = mkimage(args, os.path.join(args.workdir, "good.img"), "sim", "1.2.3", payload)
    bad = mkimage(args, os.path.join(args.workdir, "bad.img"), "sim", "1.2.4", payload,
                  tamper=True)
    other = mkimage(args, os.path.join(args.workdir, "other.img"), "qemu-virt", "1.2.5",
                    payload)

    def s1(lap):
        lap.arp_box()
        lap.ping()
        t0 = time.monotonic()
        ok, err = lap.tftp_put("image", good)
        dt = time.monotonic() - t0
        print("upload %d bytes in %.2f s (%.0f KiB/s)" % (len(good), dt, len(good) / 1024 / dt))
        return ok, err, lap.tftp_get("status"), lap.tftp_get("reboot")

    (ok, err, status, reboot), out = session(args.sim, flash, s1)
    expect(ok, "good image: every block acknowledged (%s)" % err)
    expect(status.startswith("result=ok slot=A version=1.2.3"), "status: %s" % status.strip())
    expect(reboot.strip() == "rebooting", "reboot file answered")
    expect("reboot=1" in out, "simulator saw the reboot request")
    expect("state primary=255 trial=0" in out, "slot A on trial")
    expect("booted slot=0 trial=1 version=1.2.3" in out, "boot core starts it on trial")

    def s2(lap):
        lap.arp_box()
        ok2, err2 = lap.tftp_put("image", bad)
        return ok2, err2, lap.tftp_get("status")

    (ok, err, status), out = session(args.sim, flash, s2)
    expect(not ok and err, "tampered image: transfer refused (%s)" % err)
    expect(status.startswith("result=error code=-5 "), "status: %s" % status.strip())
    expect("state primary=255 trial=0" in out, "state unchanged by the bad image")

    def s3(lap):
        lap.arp_box()
        # A burst of refused requests (unknown file) from another port:
        # lwIP 2.1.3 arms a timer per request, netrec must keep the pool
        # from running dry (the harness aborts on any lwIP assertion).
        port = lap.sport
        lap.sport = port + 1
        for _ in range(60):
            lap.send_udp(69, struct.pack("!H", 1) + b"nope\0octet\0")
        time.sleep(0.3)
        while lap.recv(lambda k, i: i, timeout=0.2) is not None:
            pass
        lap.sport = port
        ok3, err3 = lap.tftp_put("image", other)
        return ok3, err3, lap.tftp_get("status")

    (ok, err, status), out = session(args.sim, flash, s3)
    expect(not ok, "image for another board refused (%s)" % err)
    expect(status.startswith("result=error code=-4 "), "status: %s" % status.strip())
    expect("state primary=255 trial=0" in out, "state unchanged by the foreign image")

    # An upload cut off half way (cable pulled), then the same image again:
    # the sink's journal lets the second upload skip what is in flash.
    again = mkimage(args, os.path.join(args.workdir, "again.img"), "sim", "1.2.7", payload)
    half = len(again) // 512 // 2

    def s4(lap):
        lap.arp_box()
        return lap.tftp_put("image", again, stop_after=half)

    session(args.sim, flash, s4)

    def s5(lap):
        lap.arp_box()
        ok5, err5 = lap.tftp_put("image", again)
        return ok5, err5, lap.tftp_get("status")

    (ok, err, status), out = session(args.sim, flash, s5)
    expect(ok, "second upload of the interrupted image accepted (%s)" % err)
    expect("netrec: resuming an interrupted upload" in out, "it resumed from the journal")
    expect(status.startswith("result=ok slot=") and "version=1.2.7" in status,
           "status: %s" % status.strip())

    def put_status(img, stop_after=None):
        def steps(lap):
            lap.arp_box()
            ok_, err_ = lap.tftp_put("image", img, stop_after=stop_after)
            return ok_, err_, (lap.tftp_get("status") if stop_after is None else "")
        return session(args.sim, flash, steps)

    def corrupt(img):
        return img[:3000] + bytes([img[3000] ^ 1]) + img[3001:]

    rel = mkimage(args, os.path.join(args.workdir, "rel.img"), "sim", "1.2.8", payload)
    (ok, err, status), out = put_status(corrupt(rel))
    expect(not ok and status.startswith("result=error code=-6 "),
           "corrupted copy refused: %s" % status.strip())
    (ok, err, status), out = put_status(rel)
    expect(ok and status.startswith("result=ok slot=") and "version=1.2.8" in status,
           "good copy after the refused one: %s" % status.strip())
    expect("resuming" not in out, "nothing proposed for resume after a refusal")

    rel2 = mkimage(args, os.path.join(args.workdir, "rel2.img"), "sim", "1.2.9", payload)
    put_status(corrupt(rel2), stop_after=len(rel2) // 512 // 2)
    (ok, err, status), out = put_status(rel2)
    expect(not ok and status.startswith("result=error code=-23 "),
           "foreign bytes below the resume point found: %s" % status.strip())
    (ok, err, status), out = put_status(rel2)
    expect(ok and status.startswith("result=ok slot=") and "version=1.2.9" in status,
           "good copy then: %s" % status.strip())
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sim", required=True)
    ap.add_argument("--mkimage", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--payload-kib", type=int, default=256)
    ap.add_argument("mkimage_args", nargs="*",
                    help="argument templates with {key} {board} {version} {payload} {out}")
    args = ap.parse_args()
    for p in (args.sim, args.mkimage, args.key):
        if not os.path.exists(p):
            print("skipped: %s missing" % p)
            return 77
    os.makedirs(args.workdir, exist_ok=True)
    try:
        return run(args)
    except Fail as e:
        print("FAIL:", e)
        return 1


if __name__ == "__main__":
    sys.exit(main())
