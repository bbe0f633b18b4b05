#!/usr/bin/python3
"""etc/poortd.conf.example is what an admin copies: with its commented SSO,
proxy and RadSec blocks switched on and its /etc/poort paths pointing at
real files, `poortd -n` must accept it without warnings (the Entree SP block
included). Then the same http block with `listen * PORT` serves HTTPS on
both 127.0.0.1 and ::1.

usage: conf_example.py BUILD_DIR WORK_DIR
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import time

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
KEYS = ["server", "https", "saml-signing", "saml-next", "clients-ca",
        "entree-metadata", "radsec", "eduroam-ca"]


def uncomment(text):
    """Switch on the commented-out blocks the example explains."""
    out, inside = [], False
    for line in text.split("\n"):
        if not inside and re.match(
                r'^# (http|saml|proxy|radsec|client "flr-radsec") \{$', line):
            inside = True
        if inside or line.startswith("# listen radsec "):
            line = line[2:] if line.startswith("# ") else line[1:]
            if line == "}":
                inside = False
        out.append(line)
    return "\n".join(out)


def free_port():
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.bind(("::", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    build, work = sys.argv[1], sys.argv[2]
    poortd = os.path.join(build, "src", "poortd")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.join(work, "state"))
    for k in KEYS:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-keyout", os.path.join(work, k + ".key"),
                        "-out", os.path.join(work, k + ".pem"), "-days", "30",
                        "-subj", "/CN=" + k, "-sha256"],
                       check=True, capture_output=True)
        os.chmod(os.path.join(work, k + ".key"), 0o600)
    with open(os.path.join(SRC, "etc", "poortd.conf.example")) as f:
        text = f.read()
    on = uncomment(text)
    for block in ("http {", "saml {", "proxy {", "radsec {", "listen radsec",
                  'client "flr-radsec" {', 'sp "https://engine.entree.kennisnet.nl'):
        if not re.search(r"^\s*" + re.escape(block), on, re.M):
            print("FAIL: the example has no commented '%s' to switch on" % block)
            return 1
    on = on.replace('"/var/lib/poort"', '"%s/state"' % work)
    on = on.replace('"/etc/poort/', '"%s/' % work)
    # tests never reach outside loopback: Entree's metadata URL becomes a
    # closed port on 127.0.0.1 (a fetch there fails at once, and stays local)
    on = re.sub(r'(metadata_url\s+)"https://[^"]*"',
                lambda m: m.group(1) + '"https://127.0.0.1:%d/metadata"' % free_port(), on)
    if "/etc/poort/" in re.sub(r"#.*", "", on):
        print("FAIL: a setting still points at /etc/poort")
        return 1
    conf = os.path.join(work, "poortd.conf")
    with open(conf, "w") as f:
        f.write(on)
    r = subprocess.run([poortd, "-n", "-c", conf], capture_output=True, text=True)
    out = r.stdout + r.stderr
    print(out.strip())
    if r.returncode != 0 or "configuration ok" not in out:
        print("FAIL: poortd -n refuses the example (rc %d)" % r.returncode)
        return 1
    if re.search(r"warn", out, re.I):
        print("FAIL: poortd -n warns about the example")
        return 1

    # `listen * PORT` binds all addresses: a TLS handshake on both families
    port = free_port()
    mini = "\n".join([
        'state_dir "%s/state"' % work, 'realm "school.example"',
        "listen auth 127.0.0.1 0", "listen acct 127.0.0.1 0",
        "http {", "listen * %d" % port,
        'certificate "%s/https.pem"' % work, 'key "%s/https.key"' % work, "}", ""])
    # RADIUS port 0 may be refused: then use free UDP ports
    u = []
    for _ in range(2):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        u.append(s)
    mini = mini.replace("listen auth 127.0.0.1 0", "listen auth 127.0.0.1 %d" % u[0].getsockname()[1])
    mini = mini.replace("listen acct 127.0.0.1 0", "listen acct 127.0.0.1 %d" % u[1].getsockname()[1])
    for s in u:
        s.close()
    with open(conf, "w") as f:
        f.write(mini)
    log = open(os.path.join(work, "poortd.log"), "w")
    p = subprocess.Popen([poortd, "-c", conf], stdout=log, stderr=subprocess.STDOUT)
    fails = 0
    try:
        for host in ("127.0.0.1", "::1"):
            ok = False
            for _ in range(100):
                r = subprocess.run(["openssl", "s_client", "-connect",
                                    "[%s]:%d" % (host, port) if ":" in host else "%s:%d" % (host, port)],
                                   input="", capture_output=True, text=True, timeout=10)
                if "BEGIN CERTIFICATE" in r.stdout or "CN = https" in r.stdout + r.stderr:
                    ok = True
                    break
                if p.poll() is not None:
                    break
                time.sleep(0.1)
            print("listen *: TLS on %s %s" % (host, "ok" if ok else "FAILED"))
            fails += not ok
    finally:
        p.terminate()
        p.wait(10)
        log.close()
    if fails:
        with open(os.path.join(work, "poortd.log")) as f:
            print(f.read())
        print("FAIL")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
