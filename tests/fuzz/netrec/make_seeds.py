#!/usr/bin/env python3
"""Writes the seed corpus of netrec_fuzz: frame sequences a real TFTP
session would put on the wire (ARP, ping, an upload with a well-formed
header, status and reboot reads), built with the simulator test's peer.
Input format: [u16 LE length][frame] repeated. Run from this directory."""
import hashlib
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "netrec"))
from tftp_eth import Laptop, BOX_IP, ME_IP, ME_MAC, BCAST, ETH_ARP, ETH_IP  # noqa: E402

BOX_MAC = bytes([0x02, 0x50, 0x4F, 0x52, 0x00, 0x01])


class Capture:
    def __init__(self):
        self.frames = []

    def send(self, frame):
        self.frames.append(frame)


def laptop():
    cap = Capture()
    lap = Laptop(cap)
    lap.box_mac = BOX_MAC
    lap.sport = 40000
    return lap, cap


def image(payload_size=600):
    """A format-2 image with one raw kernel component: header and table
    well formed (table hash right), signature zeros."""
    body = (bytes(range(256)) * 3)[:payload_size]
    sha = hashlib.sha256(body).digest()
    table = struct.pack("<BBHIII32s32s", 1, 0, 0, payload_size, payload_size, 0, sha, sha)
    hdr = struct.pack("<IHHI3HHIB3xII32s60x", 0x4D494F50, 2, 128, 0x504F0001,
                      1, 2, 3, 0, 0, 1, len(table) + payload_size, 0,
                      hashlib.sha256(table).digest())
    assert len(hdr) == 128 and len(table) == 80
    return hdr + table + body + b"\0" * 64


def write(name, frames):
    with open(os.path.join("corpus", name), "wb") as f:
        for fr in frames:
            f.write(struct.pack("<H", len(fr)) + fr)


def main():
    os.makedirs("corpus", exist_ok=True)
    lap, cap = laptop()
    req = struct.pack("!HHBBH6s4s6s4s", 1, ETH_IP, 6, 4, 1, ME_MAC, ME_IP, b"\0" * 6, BOX_IP)
    lap.send_eth(BCAST, ETH_ARP, req)
    icmp = struct.pack("!BBHHH", 8, 0, 0, 1, 1) + b"ping"
    lap.send_ip(1, icmp)
    write("arp-ping", cap.frames)

    lap, cap = laptop()
    img = image()
    lap.send_udp(69, struct.pack("!H", 2) + b"image\0octet\0")
    blocks = [img[i:i + 512] for i in range(0, len(img), 512)]
    for n, b in enumerate(blocks, 1):
        lap.send_udp(69, struct.pack("!HH", 3, n) + b)
    lap.send_udp(69, struct.pack("!H", 1) + b"status\0octet\0")
    lap.send_udp(69, struct.pack("!HH", 4, 1))
    write("upload-status", cap.frames)

    lap, cap = laptop()
    lap.send_udp(69, struct.pack("!H", 1) + b"reboot\0octet\0")
    cap.frames.append(b"")  # a quiet moment: timers run
    lap.send_udp(69, struct.pack("!HH", 4, 1))
    lap.send_udp(69, struct.pack("!H", 2) + b"nothing\0netascii\0")
    write("reboot-badname", cap.frames)

    # Regression: a burst of refused requests drained lwIP's timer pool.
    lap, cap = laptop()
    for _ in range(24):
        lap.send_udp(69, struct.pack("!H", 2) + b"x\0octet\0")
    write("request-burst", cap.frames)


if __name__ == "__main__":
    main()
