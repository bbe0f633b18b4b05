#!/usr/bin/env python3
"""The box's budget figures (issue 10), printed, not asserted:

  size   the signed image (poort-mkimage: kernel, initramfs, command line),
         in total and per component as stored, beside tools/image's manifest
         (kernel xz, initramfs unpacked); budget 16 MiB
  boot   qemu-system-aarch64 (TCG, Cortex-A53, 256 MiB, one CPU) from qemu's
         start to RADIUS ready, through the bare-metal boot stage (the
         signed image in pflash slot A: verify, load, LZ4, hand-over, Linux)
         and, for comparison, with qemu's -kernel/-initrd; two readings:
         poortd's "ready" line on the console, and the first Status-Server
         answered from the host through qemu's UDP port forward; --boots
         runs each, medians printed
  RAM    MemTotal - MemAvailable after boot; budget 64 MiB
  RSS    VmRSS (and RssAnon) of every poortd process (parent, radius child,
         web child) idle, and after --auths eapol_test PEAP-MSCHAPv2 logins
         from the host through the port forward (each must succeed with
         MPPE keys OK)

  tests/bench/box_budget.py [--arm64 build-arm64] [--build build] [--boots 5]
                            [--auths 100] [--workdir DIR]

Needs tools/image's outputs and the host build's poort-mkimage, dev key and
boot stage (cmake --build build --target poort-mkimage
poort_baremetal_qemu_virt). Every wait is bounded; qemu is always killed.
"""
import argparse
import hashlib
import hmac
import os
import re
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "../integration"))
import boxlib  # noqa: E402
import eapcerts  # noqa: E402

SECRET = "box-bench-secret-1"
USER, PASSWORD = "anna@school.example", "Correct-horse-1"
MIB = 1 << 20
READY = rb"poortd [\d.]+ ready"


def free_port(kind):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def status_server(port, timeout=0.3):
    """One Status-Server with Message-Authenticator; True on an answer."""
    ident = os.urandom(1)[0]
    auth = os.urandom(16)
    attrs = bytes([80, 18]) + bytes(16)
    pkt = bytes([12, ident]) + struct.pack("!H", 20 + len(attrs)) + auth + attrs
    mac = hmac.new(SECRET.encode(), pkt, hashlib.md5).digest()
    pkt = pkt[:-16] + mac
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.sendto(pkt, ("127.0.0.1", port))
        data = s.recv(4096)
        return len(data) >= 20 and data[0] == 2 and data[1] == ident
    except OSError:
        return False
    finally:
        s.close()


def qemu_args(mode, paths, flash, disk, port, https):
    net = ["-drive", f"if=none,format=raw,file={disk},id=data",
           "-device", "virtio-blk-pci,drive=data",
           "-netdev", f"user,id=n0,hostfwd=udp:127.0.0.1:{port}-:1812,"
                      f"hostfwd=tcp:127.0.0.1:{https}-:8443",
           "-device", "virtio-net-pci,netdev=n0,romfile=", "-device", "virtio-rng-pci"]
    if mode == "bootstage":
        return ["-kernel", paths.elf,
                "-drive", f"if=pflash,unit=1,format=raw,file={flash}"] + net
    return ["-kernel", paths.kernel, "-initrd", paths.initrd,
            "-append", boxlib.CMDLINE] + net


def mem_figures(q):
    out, _ = q.run("cat /proc/meminfo")
    kv = {k: int(v) for k, v in re.findall(r"^(\w+):\s+(\d+) kB", out, re.M)}
    return kv


def poortd_rss(q):
    """[(name, VmRSS kB, RssAnon kB)] of every poortd process."""
    out, _ = q.run("for s in /proc/[0-9]*/status; do grep -q '^Name:.poortd' $s && "
                   "grep -E '^(Name|VmRSS|RssAnon):' $s | tr '\\n\\t' '| ' && echo; done")
    rows = []
    for line in out.splitlines():
        m = re.search(r"Name:\s*(.+?)\|VmRSS:\s*(\d+) kB\|RssAnon:\s*(\d+) kB", line)
        if m:
            rows.append((m.group(1).strip(), int(m.group(2)), int(m.group(3))))
    return rows


def print_rss(when, rows):
    for name, rss, anon in rows:
        print(f"  {when:<28} {name:<16} VmRSS {rss / 1024:6.1f} MiB  RssAnon {anon / 1024:5.1f} MiB")
    print(f"  {when:<28} {'all poortd':<16} VmRSS {sum(r[1] for r in rows) / 1024:6.1f} MiB  "
          f"RssAnon {sum(r[2] for r in rows) / 1024:5.1f} MiB  ({len(rows)} processes)")


def type_file(q, path, text, mode="600"):
    body = text if text.endswith("\n") else text + "\n"
    out, rc = q.run(f"umask 077; cat > {path} <<'POORT_EOF'\n{body}POORT_EOF\nchmod {mode} {path}")
    if rc:
        raise RuntimeError(f"writing {path} on the box: {out}")


def configure(q, certs):
    """RADIUS client for the host (10.0.2.2), PEAP with the test
    certificates, the HTTPS front on 8443 (so the web child runs), a user."""
    for name in ("server", "server_key", "ca"):
        with open(certs[name]) as f:
            type_file(q, f"/data/etc/{name}.pem", f.read())
    out, _ = q.run("sed -n 's/^[[:space:]]*secret \"\\(.*\\)\"/\\1/p' /data/etc/poortd.conf | head -1")
    loop_secret = out.strip().splitlines()[-1] if out.strip() else "loopback-secret-1"
    conf = f"""state_dir "/data/lib/poort"
realm "school.example"
listen auth * 1812
listen acct * 1813
client "loopback" {{
	address 127.0.0.1
	secret "{loop_secret}"
}}
client "qemu-host" {{
	address 10.0.2.2/32
	secret "{SECRET}"
}}
eap {{
	methods peap
	certificate "/data/etc/server.pem"
	private_key "/data/etc/server_key.pem"
}}
http {{
	listen * 8443
	certificate "/data/etc/server.pem"
	key "/data/etc/server_key.pem"
}}
log {{
	level info
	syslog no
}}
"""
    type_file(q, "/data/etc/poortd.conf.new", conf)
    out, rc = q.run("poortd -n -c /data/etc/poortd.conf.new && "
                    "mv /data/etc/poortd.conf.new /data/etc/poortd.conf")
    if rc:
        raise RuntimeError("config refused on the box: " + out)
    out, rc = q.run(f"echo '{PASSWORD}' | poortctl -c /data/etc/poortd.conf add anna "
                    "--password-stdin")
    if rc:
        raise RuntimeError("poortctl add: " + out)
    mark = len(q.seen)
    q.run("for s in /proc/[0-9]*/status; do grep -q '^Name:.poortd: parent' $s && "
          "kill -TERM $(sed -n 's/^Pid:[[:space:]]*//p' $s); done")
    q.expect(READY, 120, since=mark)


def eapol_conf(path, certs):
    with open(path, "w") as f:
        f.write("network={\n key_mgmt=WPA-EAP\n eap=PEAP\n phase2=\"auth=MSCHAPV2\"\n"
                f' ca_cert="{certs["ca"]}"\n domain_suffix_match="{eapcerts.SERVER_NAME}"\n'
                f' identity="{USER}"\n anonymous_identity="anonymous@school.example"\n'
                f' password="{PASSWORD}"\n}}\n')


def eapol(conf, port):
    r = subprocess.run(["eapol_test", "-c", conf, "-a", "127.0.0.1", "-p", str(port),
                        "-s", SECRET, "-r", "0", "-t", "30"], capture_output=True, text=True,
                       timeout=90)
    return r.returncode == 0 and "MPPE keys OK: 1  mismatch: 0" in r.stdout


def wait_ready(q, port, timeout, status):
    """Seconds from qemu's start to the console's ready line and (status)
    to the first Status-Server answered from the host."""
    got = {}
    last = [0.0]

    def probe():
        now = time.monotonic()
        if "handover" not in got and b"boot: linux kernel=" in q.seen:
            got["handover"] = now - q.t0
        if status and "status" not in got and now - last[0] >= 0.1:
            last[0] = now
            if status_server(port, 0.05):
                got["status"] = time.monotonic() - q.t0
    q.expect(READY, timeout, since=0, idle=probe)
    got["console"] = time.monotonic() - q.t0
    got["cpu"] = boxlib.cpu_of(q.proc.pid)
    deadline = time.monotonic() + 60
    while status and "status" not in got and time.monotonic() < deadline:
        if status_server(port, 0.3):
            got["status"] = time.monotonic() - q.t0
    return got.get("console"), got.get("status"), got.get("handover"), got["cpu"]


def shutdown(q):
    try:
        q.proc.stdin.write(b"reboot\n")
        q.proc.stdin.flush()
        q.proc.wait(timeout=60)  # -no-reboot: qemu exits
    except (subprocess.TimeoutExpired, OSError):
        pass
    q.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arm64", default=os.path.join(boxlib.TOP, "build-arm64"))
    ap.add_argument("--build", default=os.path.join(boxlib.TOP, "build"))
    ap.add_argument("--boots", type=int, default=5)
    ap.add_argument("--auths", type=int, default=100)
    ap.add_argument("--boots-only", action="store_true",
                    help="sizes and the repeated boots; no RAM/RSS/EAP part (its boot makes "
                         "the data area first)")
    ap.add_argument("--workdir")
    ap.add_argument("--qemu", default=shutil.which("qemu-system-aarch64"))
    a = ap.parse_args()
    paths = boxlib.Paths(os.path.abspath(a.arm64), os.path.abspath(a.build))
    work = os.path.abspath(a.workdir or tempfile.mkdtemp(prefix="poort-box-budget-"))
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    log = os.path.join(work, "console.log")
    print(f"work dir {work}; console log {log}")

    # ---- sizes
    img = os.path.join(work, "box.img")
    t = time.monotonic()
    comps = boxlib.components(boxlib.sign(paths, img))
    sign_s = time.monotonic() - t
    total = os.path.getsize(img)
    man = paths.manifest_fields()
    print(f"\nsize: signed image {img}")
    for typ, stored, how, full in comps:
        print(f"  {typ:<10} {stored:>10} B stored ({stored / MIB:6.2f} MiB, {how}), "
              f"{full:>10} B decompressed")
    print(f"  {'total':<10} {total:>10} B = {total / MIB:.2f} MiB signed image "
          f"(header, table, signature included; budget 16 MiB: "
          f"{'within' if total <= 16 * MIB else 'OVER'}); signed in {sign_s:.1f} s")
    print(f"  manifest: kernel xz -9 {int(man['kernel_xz'][0]) / MIB:.2f} MiB, initramfs "
          f"unpacked {int(man['initramfs_unpacked'][0]) / MIB:.2f} MiB; kernel xz + "
          f"initramfs gz {(int(man['kernel_xz'][0]) + int(man['initramfs'][1])) / MIB:.2f} MiB")

    flash = os.path.join(work, "flash1.img")
    boxlib.flash_with(flash, img)
    disk = os.path.join(work, "data.img")
    with open(disk, "wb") as f:
        f.truncate(64 << 20)
    port, https = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_STREAM)
    certs = eapcerts.make(os.path.join(work, "certs"))

    # ---- first boot (through the boot stage), RAM, RSS, EAP logins
    q = boxlib.Qemu(a.qemu, log, qemu_args("bootstage", paths, flash, disk, port, https))
    try:
        first, _, _, cpu = wait_ready(q, port, 600, status=False)
        print(f"\nfirst boot (boot stage, data area made on a blank disk): RADIUS ready "
              f"(console) {first:.1f} s after qemu start, qemu CPU {cpu:.1f} s")
        if a.boots_only:
            configure(q, certs)
        else:
            first_boot_figures(a, q, work, port, certs)
    finally:
        shutdown(q)
    boot_figures(a, paths, log, flash, disk, port, https)
    return 0


def first_boot_figures(a, q, work, port, certs):
    """RAM and poortd's RSS after the first boot, then configured, then after
    the EAP logins."""
    time.sleep(3)
    kv = mem_figures(q)
    used = kv["MemTotal"] - kv["MemAvailable"]
    print(f"RAM: in use after boot (MemTotal - MemAvailable) {used / 1024:.1f} MiB of "
          f"MemTotal {kv['MemTotal'] / 1024:.1f} MiB (budget 64 MiB: "
          f"{'within' if used <= 64 * 1024 else 'OVER'}); MemFree {kv['MemFree'] / 1024:.1f}, "
          f"Cached {kv['Cached'] / 1024:.1f}, Shmem {kv.get('Shmem', 0) / 1024:.1f} MiB")
    print("RSS (factory config: RADIUS only)")
    print_rss("idle, factory config", poortd_rss(q))
    configure(q, certs)
    time.sleep(3)
    print("RSS (PEAP, client for the host, HTTPS front on 8443)")
    print_rss("idle, configured", poortd_rss(q))
    kv = mem_figures(q)
    print(f"  RAM in use, configured and idle: "
          f"{(kv['MemTotal'] - kv['MemAvailable']) / 1024:.1f} MiB")
    conf = os.path.join(work, "peap.conf")
    eapol_conf(conf, certs)
    if not eapol(conf, port):
        raise RuntimeError("the first PEAP-MSCHAPv2 login failed (see the console log)")
    t = time.monotonic()
    ok = sum(eapol(conf, port) for _ in range(a.auths))
    dt = time.monotonic() - t
    print(f"EAP: {ok} of {a.auths} PEAP-MSCHAPv2 logins (+1 warm-up) succeeded with MPPE "
          f"keys OK, {dt:.1f} s ({dt / a.auths * 1000:.0f} ms each, eapol_test from the "
          f"host through qemu's port forward)")
    time.sleep(2)
    print_rss(f"after {a.auths + 1} EAP logins", poortd_rss(q))
    kv = mem_figures(q)
    print(f"  RAM in use after the logins: "
          f"{(kv['MemTotal'] - kv['MemAvailable']) / 1024:.1f} MiB")


def boot_figures(a, paths, log, flash, disk, port, https):
    """qemu start to RADIUS ready, a.boots times each way."""
    rows = {"bootstage": [], "kernel": []}
    for i in range(a.boots):
        for mode in ("bootstage", "kernel"):
            q = boxlib.Qemu(a.qemu, log, qemu_args(mode, paths, flash, disk, port, https))
            try:
                con, st, ho, cpu = wait_ready(q, port, 600, status=True)
            finally:
                shutdown(q)
            rows[mode].append((con, st, ho, cpu))
            print(f"boot {i + 1} {mode:<9}: console ready {con:5.1f} s (qemu CPU {cpu:.1f} s), "
                  f"first Status-Server answered {st if st is None else round(st, 1)} s"
                  + (f", boot stage's hand-over line at {ho:.1f} s" if ho else ""), flush=True)
    print("\nqemu start to RADIUS ready (TCG on the shared build host; medians of "
          f"{a.boots}, data area already made):")
    for mode, what in (("bootstage", "boot stage from pflash (verify, LZ4, hand-over) + Linux"),
                       ("kernel", "qemu -kernel/-initrd (no boot stage)")):
        con = [r[0] for r in rows[mode]]
        st = [r[1] for r in rows[mode] if r[1] is not None]
        print(f"  {what}: console ready median {statistics.median(con):.1f} s "
              f"(min {min(con):.1f}, max {max(con):.1f}); Status-Server answered median "
              f"{statistics.median(st) if st else float('nan'):.1f} s")
        cpu = [r[3] for r in rows[mode]]
        print(f"    qemu's own CPU time from its start to the ready line: median "
              f"{statistics.median(cpu):.1f} s (min {min(cpu):.1f}, max {max(cpu):.1f}): "
              f"the figure load on the host disturbs least")
        ho = [r[2] for r in rows[mode] if r[2] is not None]
        if ho:
            print(f"    of which qemu start to the boot stage's hand-over to Linux: median "
                  f"{statistics.median(ho):.1f} s")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (RuntimeError, FileNotFoundError) as e:
        print("FAIL:", e)
        sys.exit(1)
