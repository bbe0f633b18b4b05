"""Backup and restore with poortctl against a real poortd and radclient.

A populated box (accounts, a RADIUS client added with poortctl, a reply
rule, the CUI key) is backed up while poortd runs, its state directory
removed (a fresh box), and restored: poortd starts, the same accounts log
in with PAP, the same CUI comes back (same cui.key), and keys stay 0600.
A wrong passphrase, a flipped byte, a truncated file and a file from a
newer format each leave the empty target and the config untouched.
"""
import os
import re
import shutil
import stat
import subprocess
import time
import unittest

import poortlib as pl

PASS = "backup-passphrase-42"
USERS = [("anna", "Correct-horse-1"), ("bert", "Battery-staple-2")]
OP = "1visited.example"


def ctl_env(passphrase):
    env = dict(os.environ)
    env["POORT_BACKUP_PASSPHRASE"] = passphrase
    return env


class TestBackup(unittest.TestCase):
    def setUp(self):
        self.p = pl.Poortd()
        self.work = os.path.join(self.p.dir, "work")
        os.makedirs(self.work)

    def tearDown(self):
        self.p.cleanup()

    def ctl(self, *args, passphrase=PASS, fd_input=None):
        return subprocess.run([pl.POORTCTL, "-c", self.p.conf, *args], capture_output=True,
                              text=True, timeout=120, env=ctl_env(passphrase), input=fd_input)

    def login(self, user, password):
        out = self.p.radclient(pl.pap_attrs(
            user + "@" + pl.REALM, password, extra=f', Chargeable-User-Identity = 0x00, Operator-Name = "{OP}"'))
        if "Received Access-Accept" not in out:
            return None
        m = re.search(r"Chargeable-User-Identity = 0x([0-9a-f]+)", out.split("Received", 1)[1])
        return m.group(1) if m else ""

    def snapshot(self):
        """Names, modes and bytes of everything under the state dir and the config."""
        out = {}
        if os.path.exists(self.p.state):
            for root, dirs, files in os.walk(self.p.state):
                for n in dirs + files:
                    path = os.path.join(root, n)
                    st = os.lstat(path)
                    data = open(path, "rb").read() if stat.S_ISREG(st.st_mode) else b""
                    out[os.path.relpath(path, self.p.state)] = (st.st_mode, data)
        out["<config>"] = open(self.p.conf, "rb").read()
        out["<siblings>"] = sorted(os.listdir(self.p.dir))
        return out

    def test_round_trip_and_refusals(self):
        p = self.p
        p.start()
        for u, pw in USERS:
            p.add_user(u, pw, "--affiliation", "student")
        p.ctl("reply", "set", "student", "--vlan", "42")
        time.sleep(0.3)  # poortd reads the store through a 100 ms snapshot
        cui = {u: self.login(u, pw) for u, pw in USERS}
        self.assertTrue(all(cui.values()), cui)
        self.assertNotEqual(cui["anna"], cui["bert"])

        # while poortd runs: a consistent copy of the store
        bk = os.path.join(self.work, "box.poortbak")
        r = self.ctl("backup", bk, "--scrypt-log2n", "14")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(stat.S_IMODE(os.stat(bk).st_mode), 0o600)
        raw = open(bk, "rb").read()
        self.assertTrue(raw.startswith(b"POORTBAK"))
        for secret in (b"Correct-horse-1", b"anna", b"testing123-secret"):
            self.assertNotIn(secret, raw, "the backup is encrypted")
        # a short passphrase is refused, and the passphrase can come on a descriptor
        r = self.ctl("backup", os.path.join(self.work, "weak"), passphrase="short")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("too short", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.work, "weak")))
        self.assertEqual(p.stop(), 0)

        # a fresh box: the state directory is gone, an empty one is there
        shutil.rmtree(p.state)
        os.mkdir(p.state, 0o700)
        before = self.snapshot()

        def refused(path, why, passphrase=PASS):
            r = self.ctl("restore", path, passphrase=passphrase)
            self.assertNotEqual(r.returncode, 0, why)
            self.assertEqual(self.snapshot(), before, why + ": the target is untouched")
            self.assertNotIn(PASS, r.stdout + r.stderr)
            return r.stderr

        err = refused(bk, "wrong passphrase", passphrase="not-the-passphrase")
        self.assertIn("wrong passphrase", err)
        for name, data in (("flipped", raw[:5000] + bytes([raw[5000] ^ 1]) + raw[5001:]),
                           ("flipped-tag", raw[:-1] + bytes([raw[-1] ^ 0x80])),
                           ("truncated", raw[:len(raw) // 2]),
                           ("truncated-header", raw[:40]),
                           ("newer", raw[:8] + b"\x00\x02" + raw[10:])):
            path = os.path.join(self.work, name)
            open(path, "wb").write(data)
            err = refused(path, name)
            want = {"flipped": "damaged", "flipped-tag": "damaged", "truncated": "damaged",
                    "truncated-header": "truncated", "newer": "newer"}[name]
            self.assertIn(want, err, name)

        # the restore: poortd starts, the same accounts log in, the same CUI
        r = self.ctl("restore", bk)
        self.assertEqual(r.returncode, 0, r.stderr)
        for key in ("cui.key", "poort.db"):
            mode = stat.S_IMODE(os.stat(os.path.join(p.state, key)).st_mode)
            self.assertEqual(mode, 0o600, key)
        self.assertFalse([n for n in os.listdir(p.dir) if ".restore-" in n],
                         "no staging left behind")
        # a second restore onto the now used box is refused
        r = self.ctl("restore", bk)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("not empty", r.stderr)
        p.start()
        for u, pw in USERS:
            self.assertEqual(self.login(u, pw), cui[u], f"{u} logs in with the same CUI")
        self.assertIsNone(self.login("anna", "wrong-password"))
        out = p.ctl("reply", "list").stdout
        self.assertRegex(out, r"student.*42", "the reply rule came back")
        out = p.ctl("list").stdout
        self.assertIn("anna", out)
        self.assertIn("bert", out)


if __name__ == "__main__":
    unittest.main()
