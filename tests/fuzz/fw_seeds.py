#!/usr/bin/env python3
"""Writes the seed corpora of the fw_* fuzz harnesses (run once; the
output is committed). Needs a built poort-mkimage and its dev key:
    fw_seeds.py BUILD_DIR
"""
import hashlib
import os
import random
import struct
import subprocess
import sys
import zlib

here = os.path.dirname(os.path.abspath(__file__))
build = sys.argv[1]
mk = os.path.join(build, "tools/flash/poort-mkimage")
key = os.path.join(build, "firmware/keys/dev-key.pem")


def cobs(body):
    out, block = bytearray(), bytearray()
    for b in body:
        if b == 0:
            out += bytes([len(block) + 1]) + block
            block = bytearray()
        else:
            block.append(b)
            if len(block) == 254:
                out += bytes([255]) + block
                block = bytearray()
    out += bytes([len(block) + 1]) + block
    return bytes(out) + b"\0"


def frame(cmd, seq, payload=b""):
    body = bytes([cmd]) + struct.pack("<H", seq) + payload
    return cobs(body + struct.pack("<I", zlib.crc32(body)))


def write(d, name, data):
    os.makedirs(os.path.join(here, d, "corpus"), exist_ok=True)
    with open(os.path.join(here, d, "corpus", name), "wb") as f:
        f.write(data)


def image(ver, rb, size, compress=True, extra=()):
    r = random.Random(rb)
    p = "/tmp/fw_seed_payload.bin"
    with open(p, "wb") as f:
        f.write(b"POORT-SIM-APP confirm\n" +
                bytes(r.choice(b"abcdefgh") for _ in range(size)))
    out = "/tmp/fw_seed.img"
    args = [mk, "--key", key, "--board", "sim", "--version", ver,
            "--rollback", str(rb), "-o", out, "--kernel", p] + list(extra)
    if not compress:
        args.insert(1, "--no-compress")
    subprocess.run(args, check=True, capture_output=True)
    return open(out, "rb").read()


small = image("1.0.0", 1, 600)
raw = image("1.0.1", 2, 300, compress=False)
with open("/tmp/fw_seed_initrd.bin", "wb") as f:
    f.write(b"070701" + bytes(200))
multi = image("1.0.2", 3, 400, extra=("--initramfs", "/tmp/fw_seed_initrd.bin",
                                      "--cmdline", "console=ttyAMA0"))

# frames: every command, a reply, garbage around them, an oversize frame
write("fw_frame", "info", frame(1, 1))
write("fw_frame", "begin", frame(2, 2, struct.pack("<I", len(small)) + small[:128]))
write("fw_frame", "data", frame(3, 3, struct.pack("<I", 0) + small[:300]))
write("fw_frame", "reply", frame(0x81, 4, b"\0\1"))
write("fw_frame", "noise", b"\x00\x55\xaa\x00poort boot\r\n" + frame(1, 5) + b"\xff" * 20)
write("fw_frame", "zeros", bytes(260) + frame(4, 6, bytes(600)))

# images and headers
write("fw_image", "lz4.img", small)
write("fw_image", "raw.img", raw)
write("fw_image", "multi.img", multi)
write("fw_image", "header", small[:128])
write("fw_image", "state", struct.pack("<IIBBBBII", 0x54534F50, 7, 0, 1, 2, 0, 3, 9)
      + bytes(8) + struct.pack("<I", zlib.crc32(struct.pack("<IIBBBBII", 0x54534F50, 7, 0, 1, 2, 0, 3, 9) + bytes(8))))

# lz4: the payload of the compressed image, with output sizes around it
# format 2: the first table entry at 128 (stored size at +4, size at +8),
# its bytes right after the table
plen = struct.unpack_from("<I", small, 128 + 4)[0]
ilen = struct.unpack_from("<I", small, 128 + 8)[0]
block = small[208:208 + plen]
for name, cap in (("exact", ilen), ("short", ilen - 1), ("roomy", ilen + 100)):
    write("fw_lz4", name, struct.pack(">H", cap) + block)
write("fw_lz4", "overlap", struct.pack(">H", 64) + bytes([0x1f, ord("a"), 1, 0, 40, 0x10, ord("b")]))

# recovery sessions: info, a whole upload, verify, activate, reboot
sess = frame(1, 1) + frame(2, 2, struct.pack("<I", len(small)) + small[:128])
for off in range(0, len(small), 256):
    sess += frame(3, 3 + off, struct.pack("<I", off) + small[off:off + 256])
sess += frame(4, 100) + frame(5, 101) + frame(1, 102) + frame(6, 103)
write("fw_recovery", "upload", sess)
write("fw_recovery", "factory", frame(7, 1) + frame(1, 2))
write("fw_recovery", "out_of_order", frame(2, 2, struct.pack("<I", len(small)) + small[:128])
      + frame(3, 3, struct.pack("<I", 256) + small[256:512]) + frame(3, 4, struct.pack("<I", 0) + small[:256]))
# resume: an upload without verify, BEGIN again (the box proposes the
# end), then RESUME with the right hash, and with a wrong one (start over)
begin = frame(2, 2, struct.pack("<I", len(small)) + small[:128])
whole = begin
for off in range(0, len(small), 256):
    whole += frame(3, 3 + off, struct.pack("<I", off) + small[off:off + 256])
write("fw_recovery", "resume", whole + begin + frame(8, 200, struct.pack("<I", len(small))
      + hashlib.sha256(small).digest()) + frame(4, 201) + frame(5, 202))
write("fw_recovery", "resume_foreign", whole + begin + frame(8, 200, struct.pack("<I", len(small))
      + bytes(32)) + frame(3, 201, struct.pack("<I", 0) + small[:256]))
write("fw_recovery", "resume_compare", whole + begin
      + frame(3, 201, struct.pack("<I", 0) + small[:256])
      + frame(3, 202, struct.pack("<I", 256) + bytes(256)))
print("seeds written")
