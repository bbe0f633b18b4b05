#!/usr/bin/env python3
"""A serial line between two ptys, paced like a real UART.

ptys move bytes at memory speed and ignore baud rates, so a test or
benchmark that means a line rate needs this in the middle:

    poort-flash --port LINK  <->  relay  <->  poort-sim's pty (DEVICE)

Each direction carries baud/10 bytes per second (8N1). Bytes from the
device reach the host `turnaround` ms late, which stands for the time a
box needs to answer (interrupt, flash write, reply). With --garbage the
relay also injects random bytes into both directions.
"""
import argparse
import os
import random
import select
import sys
import termios
import time
import tty


def raw(fd):
    tty.setraw(fd)
    attrs = termios.tcgetattr(fd)
    attrs[3] &= ~termios.ECHO
    termios.tcsetattr(fd, termios.TCSANOW, attrs)


class Direction:
    def __init__(self, out_fd, byte_time, latency):
        self.out = out_fd
        self.byte_time = byte_time
        self.latency = latency
        self.free_at = 0.0  # when the line is idle again
        self.queue = []     # (deliver_at, bytes)

    def push(self, data, now):
        # pieces, so a big read trickles out as the line would carry it
        for i in range(0, len(data), 64):
            piece = data[i:i + 64]
            start = max(now, self.free_at)
            self.free_at = start + len(piece) * self.byte_time
            self.queue.append((self.free_at + self.latency, piece))

    def due(self, now):
        while self.queue and self.queue[0][0] <= now:
            when, piece = self.queue[0]
            try:
                n = os.write(self.out, piece)
            except BlockingIOError:
                return  # the far side is slow to read: try again soon
            except OSError:
                n = len(piece)  # nobody there: the bytes fall off the line
            if n < len(piece):
                self.queue[0] = (when, piece[n:])
                return
            self.queue.pop(0)

    def next_time(self):
        return self.queue[0][0] if self.queue else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", required=True, help="the device's pty")
    ap.add_argument("--link", required=True, help="symlink to create for the host side")
    ap.add_argument("--baud", type=int, default=115200)
    ap.add_argument("--turnaround-ms", type=float, default=0.0)
    ap.add_argument("--garbage", type=float, default=0.0,
                    help="probability per 64-byte piece of injecting noise")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rnd = random.Random(a.seed)

    dev = os.open(a.device, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    raw(dev)
    master, slave = os.openpty()
    raw(slave)
    os.set_blocking(master, False)
    # keep our own slave fd: a host that dies must not hang the line up
    name = os.ttyname(slave)
    try:
        os.unlink(a.link)
    except FileNotFoundError:
        pass
    os.symlink(name, a.link)
    print(f"link={name}", flush=True)

    bt = 0.0 if a.baud <= 0 else 10.0 / a.baud
    to_dev = Direction(dev, bt, 0.0)
    to_host = Direction(master, bt, a.turnaround_ms / 1000.0)

    def noisy(data):
        if a.garbage and rnd.random() < a.garbage * max(1, len(data) / 64):
            pos = rnd.randrange(len(data) + 1)
            junk = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 12)))
            return data[:pos] + junk + data[pos:]
        return data

    while True:
        now = time.monotonic()
        waits = [t for t in (to_dev.next_time(), to_host.next_time()) if t]
        timeout = max(0.0, min(waits) - now) if waits else 0.5
        r, _, _ = select.select([dev, master], [], [], timeout)
        now = time.monotonic()
        for fd in r:
            try:
                data = os.read(fd, 65536)
            except OSError:
                data = b""
            if not data:
                continue
            if fd == master:
                to_dev.push(noisy(data), now)
            else:
                to_host.push(noisy(data), now)
        to_dev.due(now)
        to_host.due(now)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
