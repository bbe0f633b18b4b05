"""Shared pieces of the box benchmarks (box_budget.py, box_recovery.py):
finding the build outputs, signing the box image with poort-mkimage, a
blank pflash bank with an image in slot A, and one qemu-system-aarch64 run
with its console on pipes.

Benchmark code, not a test: it prints figures and does not assert budgets.
"""
import glob
import os
import re
import select
import subprocess
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "../.."))
FLASH_SIZE = 64 << 20        # one qemu virt pflash bank
SLOT_A_OFF = 0x0200000       # board/qemu-virt/layout.h
SLOT_SIZE = 0x1800000
CMDLINE = "console=ttyAMA0"


class Paths:
    """The inputs: tools/image's outputs (arm64 tree) and the host build's
    poort-mkimage, poort-flash, dev key and bare-metal boot stage."""

    def __init__(self, arm64_dir, build_dir):
        img = os.path.join(arm64_dir, "image")
        ks = sorted(glob.glob(os.path.join(img, "poort-*-qemu-virt-Image")))
        rs = sorted(glob.glob(os.path.join(img, "poort-*-qemu-virt-initramfs.cpio.gz")))
        ms = sorted(glob.glob(os.path.join(img, "poort-*-qemu-virt.manifest")))
        if not ks or not rs or not ms:
            raise FileNotFoundError(f"no box image in {img}: run tools/image")
        self.kernel, self.initrd, self.manifest = ks[-1], rs[-1], ms[-1]
        self.version = re.search(r"poort-(.+)-qemu-virt-Image$", self.kernel).group(1)
        b = build_dir
        self.mkimage = os.path.join(b, "tools/flash/poort-mkimage")
        self.flash_tool = os.path.join(b, "tools/flash/poort-flash")
        self.key = os.path.join(b, "firmware/keys/dev-key.pem")
        self.elf = os.path.join(b, "firmware/baremetal/qemu-virt/poort-boot.elf")
        self.stub = os.path.join(b, "firmware/baremetal/qemu-virt/stub-kernel.bin")
        for p in (self.mkimage, self.key, self.elf):
            if not os.path.exists(p):
                raise FileNotFoundError(f"{p} missing: cmake --build {b} --target "
                                        "poort-mkimage poort-flash poort_baremetal_qemu_virt")

    def manifest_fields(self):
        out = {}
        with open(self.manifest) as f:
            for line in f:
                w = line.split()
                if len(w) >= 2:
                    out[w[0]] = w[1:]
        return out


def sign(paths, out, version=None, rollback=1):
    """The box image as the boot stage takes it: kernel, initramfs and a
    command line, signed with the build's dev key. Returns the inspect text."""
    subprocess.run([paths.mkimage, "--key", paths.key, "--board", "qemu-virt",
                    "--version", version or paths.version, "--rollback", str(rollback),
                    "-o", out, "--kernel", paths.kernel, "--initramfs", paths.initrd,
                    "--cmdline", CMDLINE], check=True, capture_output=True, timeout=300)
    r = subprocess.run([paths.mkimage, "--inspect", out], check=True, capture_output=True,
                       text=True, timeout=120)
    return r.stdout


def components(inspect_text):
    """[(type, stored bytes, how stored, decompressed bytes)] from --inspect."""
    rx = re.compile(r"^\s+(\w+)\s+at \d+: (\d+) bytes stored \(([^)]+)\), (\d+) bytes", re.M)
    return [(m.group(1), int(m.group(2)), m.group(3), int(m.group(4)))
            for m in rx.finditer(inspect_text)]


def flash_with(path, image=None):
    """A 64 MiB erased bank (0xff), optionally with image in slot A: on a
    blank state record the boot stage takes any valid slot."""
    with open(path, "wb") as f:
        blank = b"\xff" * (1 << 20)
        for _ in range(FLASH_SIZE >> 20):
            f.write(blank)
    if image:
        with open(image, "rb") as i, open(path, "r+b") as f:
            data = i.read()
            if len(data) > SLOT_SIZE:
                raise ValueError("image larger than a slot")
            f.seek(SLOT_A_OFF)
            f.write(data)


def cpu_of(pid):
    """utime + stime of a process in seconds (/proc/PID/stat): what qemu
    spent, which load on a shared host changes far less than wall time."""
    with open(f"/proc/{pid}/stat") as f:
        w = f.read().rsplit(")", 1)[1].split()
    return (int(w[11]) + int(w[12])) / os.sysconf("SC_CLK_TCK")


class Qemu:
    """One qemu-system-aarch64 -M virt run (TCG, Cortex-A53, 256 MiB) with
    the PL011 on stdio (pipes) and t0 taken just before the exec."""

    def __init__(self, qemu, log_path, extra, mem="256M", no_reboot=True):
        self.log = open(log_path, "ab")
        cmd = [qemu, "-M", "virt", "-cpu", "cortex-a53", "-m", mem, "-smp", "1",
               "-display", "none", "-monitor", "none", "-serial", "stdio"]
        cmd += (["-no-reboot"] if no_reboot else []) + list(extra)
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        os.set_blocking(self.proc.stdout.fileno(), False)
        self.seen = b""
        self.mark = 0

    def poll_read(self, wait):
        r, _, _ = select.select([self.proc.stdout], [], [], wait)
        if r:
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            if chunk:
                self.log.write(chunk)
                self.log.flush()
                self.seen += chunk

    def expect(self, pattern, timeout, since=None, idle=None):
        """Reads until pattern (bytes regex) appears after offset since
        (default: the last match); idle(now) is called between reads."""
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
            if idle:
                idle()
            self.poll_read(min(left, 0.05 if idle else 0.2))

    def run(self, command, timeout=120):
        """Types a command on the console shell; returns (output, status)."""
        self.mark = mark = len(self.seen)
        n = mark % 9000 + 1000
        self.proc.stdin.write(f"{command}; echo END-$(({n}+1))-$?\n".encode())
        self.proc.stdin.flush()
        m = self.expect(rb"END-%d-(\d+)" % (n + 1), timeout)
        return self.seen[mark:m.start()].decode(errors="replace"), int(m.group(1))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=30)
        self.log.close()
