"""poortd as a privileged parent and two unprivileged children (README "How
poortd runs"): as root the children run as user poort with no capability,
no_new_privs and a seccomp filter; a child killed with SIGKILL is restarted
while the other keeps serving, and nothing acknowledged is lost; poortd -n
checks the keys of both children."""

import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import pwd

sys.path.insert(0, os.path.dirname(__file__))
import eapcerts  # noqa: E402
import poortlib as pl  # noqa: E402
from test_acct_kill import acct_request, acct_answered  # noqa: E402
from test_eap import EAPOL_TEST, PW, EapBase, eap_block  # noqa: E402


def free_tcp_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid):
    """{"radius": pid, "web": pid} from the parent's children's titles."""
    out = {}
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        kids = [int(x) for x in f.read().split()]
    for k in kids:
        try:
            with open(f"/proc/{k}/cmdline", "rb") as f:
                title = f.read().split(b"\0")[0].decode()
        except OSError:
            continue
        if title.startswith("poortd: "):
            out[title[len("poortd: "):]] = k
    return out


def status(pid):
    with open(f"/proc/{pid}/status") as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)


def https_get(port):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        with ctx.wrap_socket(s) as t:
            t.sendall(b"GET /nothing-here HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            return t.recv(100)


def acct_once(port, ident, session):
    pkt = acct_request(ident, session)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.5)
        s.sendto(pkt, ("127.0.0.1", port))
        try:
            return acct_answered(s.recv(4096), pkt)
        except socket.timeout:
            return False


class PrivsepTest(EapBase):
    @classmethod
    def setUpClass(cls):
        if EAPOL_TEST is None:
            raise unittest.SkipTest("eapol_test is not installed (package eapoltest)")
        cls.certdir = tempfile.mkdtemp(prefix="poort-certs-")
        cls.certs = eapcerts.make(cls.certdir)
        cls.https = free_tcp_port()
        cls.p = pl.Poortd(extra=eap_block(cls.certs) +
                          cls.http_block(cls.certs["server_key"]))
        cls.p.add_user("anna", PW, "--affiliation", "student")
        cls.p.start()
        cls.n = 0

    @classmethod
    def http_block(cls, key):
        return (f'http {{\n\tlisten 127.0.0.1 {cls.https}\n'
                f'\tcertificate "{cls.certs["server"]}"\n\tkey "{key}"\n}}\n')

    def wait_children(self, old=None, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            kids = children(self.p.proc.pid)
            if set(kids) == {"radius", "web"} and (old is None or kids != old):
                return kids
            time.sleep(0.05)
        self.fail(f"children not there: {children(self.p.proc.pid)}")

    def test_1_children_sandboxed(self):
        kids = self.wait_children()
        for role, pid in kids.items():
            st = status(pid)
            self.assertEqual(st["NoNewPrivs"], "1", role)
            self.assertEqual(st["Seccomp"], "2", role)
            self.assertEqual(st["CapEff"], "0000000000000000", role)
            self.assertEqual(st["CapPrm"], "0000000000000000", role)
            if os.geteuid() == 0:
                uid = pwd.getpwnam("poort").pw_uid
                self.assertEqual(st["Uid"].split()[0], str(uid), role)
        self.assertIn("poortd-radius info: radius listening", self.p.log())
        self.assertIn("poortd-web notice: https listening", self.p.log())

    def test_2_kill_web_radius_serves(self):
        """SIGKILL the web child during eapol_test logins and accounting
        traffic: every login succeeds, every request is answered, every
        acknowledged accounting row is in the store, and the web child comes
        back."""
        kids = self.wait_children()
        self.assertTrue(https_get(self.https).startswith(b"HTTP/1.1 404"))
        acked, failed, logins = [], [], []
        stop = threading.Event()

        def eap_logins():
            while not stop.is_set():
                logins.append(self.eapol(self.network("peap", True))[0])

        e = threading.Thread(target=eap_logins)
        e.start()

        def traffic():
            i = 0
            while not stop.is_set():
                session = f"web-kill-{i}"
                (acked if acct_once(self.p.acct_port, i % 256, session) else failed).append(
                    session)
                i += 1

        t = threading.Thread(target=traffic)
        t.start()
        time.sleep(0.3)
        os.kill(kids["web"], signal.SIGKILL)
        new = self.wait_children(kids)
        self.p.wait_log("the web child pid=%d is serving again" % new["web"], 10)
        time.sleep(0.3)
        stop.set()
        t.join()
        e.join()
        self.assertEqual(new["radius"], kids["radius"])
        self.assertGreater(len(logins), 1)
        self.assertEqual(set(logins), {0})
        self.assertEqual(failed, [])
        self.assertGreater(len(acked), 10)
        self.assertIn("the web child killed by signal 9: restarting it", self.p.log())
        self.assertTrue(https_get(self.https).startswith(b"HTTP/1.1 404"))
        rows = {r[0] for r in self.p.db().execute("SELECT session_id FROM acct_log")}
        self.assertEqual(set(acked) - rows, set())

    def test_3_kill_radius_web_serves(self):
        """SIGKILL the radius child: HTTPS keeps answering, the radius child
        comes back and answers, and what it acknowledged before is kept."""
        kids = self.wait_children()
        before = [f"radius-kill-{i}" for i in range(20)]
        for i, s in enumerate(before):
            self.assertTrue(acct_once(self.p.acct_port, i, s))
        os.kill(kids["radius"], signal.SIGKILL)
        for _ in range(5):
            self.assertTrue(https_get(self.https).startswith(b"HTTP/1.1 404"))
        new = self.wait_children(kids)
        self.assertEqual(new["web"], kids["web"])
        self.p.wait_log("the radius child pid=%d is serving again" % new["radius"], 10)
        self.assertTrue(acct_once(self.p.acct_port, 99, "radius-kill-after"))
        rows = {r[0] for r in self.p.db().execute("SELECT session_id FROM acct_log")}
        self.assertEqual(set(before + ["radius-kill-after"]) - rows, set())

    def test_4_check_loads_every_key(self):
        """poortd -n loads the HTTPS key too (it used to check only EAP's)."""
        path = os.path.join(self.p.dir, "bad.conf")
        missing = self.certs["server_key"] + ".missing"
        with open(path, "w") as f:
            f.write(self.p.config_text(extra=self.http_block(missing)))
        r = subprocess.run([pl.POORTD, "-n", "-c", path], capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn(missing, r.stderr)
        r = subprocess.run([pl.POORTD, "-n", "-c", self.p.conf], capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("configuration ok", r.stdout)


class NotRootTest(unittest.TestCase):
    """Started by an ordinary user on high ports (development, tests): no user
    switch, and the children are still confined."""

    def test_as_poort(self):
        if os.geteuid() != 0:
            raise unittest.SkipTest("needs root to start poortd as another user")
        try:
            pw = pwd.getpwnam("poort")
        except KeyError:
            raise unittest.SkipTest("no user poort (tools/setup creates it)")
        p = pl.Poortd()
        try:
            p.add_user("anna", "Anna-pass-1")
            for root, dirs, files in os.walk(p.dir):
                for name in [root] + [os.path.join(root, f) for f in files]:
                    os.chown(name, pw.pw_uid, pw.pw_gid)
            p.logf = open(p.logpath, "ab")
            p.log_start = p.logf.tell()
            p.proc = subprocess.Popen([pl.POORTD, "-c", p.conf], stdout=p.logf,
                                      stderr=p.logf, user=pw.pw_uid, group=pw.pw_gid,
                                      extra_groups=[])
            p.wait_log("ready", 10)
            self.assertIn(f"not started as root: the children keep uid {pw.pw_uid}", p.log())
            self.assertIn("Access-Accept", p.radclient(pl.pap_attrs(
                "anna@" + pl.REALM, "Anna-pass-1")))
            kids = children(p.proc.pid)
            self.assertEqual(set(kids), {"radius", "web"})
            for role, pid in kids.items():
                st = status(pid)
                self.assertEqual(st["Uid"].split()[0], str(pw.pw_uid), role)
                self.assertEqual(st["Seccomp"], "2", role)
                self.assertEqual(st["NoNewPrivs"], "1", role)
            self.assertEqual(p.stop(), 0)
        finally:
            p.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
