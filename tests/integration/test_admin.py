#!/usr/bin/env python3
"""Admins of the web UI through poortctl, next to a running poortd: add
(one-time password printed once), list, reset, disable/enable, delete,
TOTP enrolment confirmed with a code computed here (RFC 6238, independent
of liboath), and the audit log of every change with its actor; no password,
TOTP secret or code ever in the audit rows, listings or poortd's log."""

import base64
import getpass
import hashlib
import hmac
import os
import shutil
import struct
import subprocess
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
import poortlib as pl  # noqa: E402


def totp(secret_b32, t, step=30, digits=6):
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    mac = hmac.new(key, struct.pack(">Q", int(t) // step), hashlib.sha1).digest()
    off = mac[-1] & 15
    code = (struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 10 ** digits
    return f"{code:0{digits}d}"


def unix_user():
    return os.environ.get("SUDO_USER") or getpass.getuser()


class Admins(unittest.TestCase):
    def setUp(self):
        self.p = pl.Poortd()
        self.p.start()
        self.secrets = []

    def tearDown(self):
        self.p.cleanup()

    def audit(self, *args):
        return self.p.ctl("audit", "--limit", "1000", *args).stdout

    def rows(self):
        with self.p.db() as c:
            return c.execute("SELECT time, actor, action, object, source, outcome, detail"
                             " FROM audit_log ORDER BY id").fetchall()

    def test_admin_lifecycle_and_audit(self):
        p = self.p
        me = f"poortctl:{unix_user()}"

        # add: NAME<TAB>one-time password, printed once
        r = p.ctl("admin", "add", "boss", "--role", "admin")
        name, pw = r.stdout.strip().split("\t")
        self.assertEqual(name, "boss")
        self.assertGreaterEqual(len(pw), 16)
        self.assertIn("one-time password", r.stderr)
        self.secrets.append(pw)
        with p.db() as c:
            h, must, role = c.execute("SELECT pw_hash, must_change, role FROM admins"
                                      " WHERE name = 'boss'").fetchone()
        self.assertTrue(h.startswith("$y$"))
        self.assertEqual((must, role), (1, "admin"))

        # a helpdesk with a chosen password (policy: 12 characters at least)
        r = p.ctl("admin", "add", "desk", "--role", "helpdesk", "--password-stdin",
                  input="short-pw\n", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("at least 12", r.stderr)
        p.ctl("admin", "add", "desk", "--role", "helpdesk", "--password-stdin",
              input="Helpdesk-pass-1\n")
        self.secrets.append("Helpdesk-pass-1")
        self.assertEqual(p.ctl("admin", "add", "x", "--role", "root", check=False).returncode, 2)
        r = p.ctl("admin", "add", "poortctl", "--role", "admin", check=False)
        self.assertEqual(r.returncode, 1)
        r = p.ctl("admin", "add", "desk", "--role", "admin", check=False)
        self.assertIn("exists already", r.stderr)

        listing = p.ctl("admin", "list").stdout
        self.assertRegex(listing, r"boss +admin +enabled +totp=none +one-time-password")
        self.assertRegex(listing, r"desk +helpdesk +enabled +totp=none +- ")

        # reset: a new one-time password, the old one's hash replaced
        r = p.ctl("admin", "reset", "desk")
        name, pw2 = r.stdout.strip().split("\t")
        self.assertEqual(name, "desk")
        self.assertNotEqual(pw2, pw)
        self.secrets.append(pw2)
        self.assertIn("one-time-password", p.ctl("admin", "list").stdout.split("\n")[1])
        self.assertEqual(p.ctl("admin", "reset", "nobody", check=False).returncode, 1)

        # disable / enable; the last enabled admin cannot be disabled or deleted
        p.ctl("admin", "disable", "desk")
        self.assertRegex(p.ctl("admin", "list").stdout, r"desk +helpdesk +disabled")
        p.ctl("admin", "enable", "desk")
        self.assertRegex(p.ctl("admin", "list").stdout, r"desk +helpdesk +enabled")
        for cmd in ("disable", "delete"):
            r = p.ctl("admin", cmd, "boss", check=False)
            self.assertEqual(r.returncode, 1)
            self.assertIn("no enabled admin", r.stderr)

        # TOTP: pending until a first code confirms it
        r = p.ctl("admin", "totp", "boss", "--no-qr")
        uri = r.stdout.strip()
        u = urllib.parse.urlparse(uri)
        q = urllib.parse.parse_qs(u.query)
        self.assertEqual((u.scheme, u.netloc), ("otpauth", "totp"))
        self.assertEqual(u.path, f"/{pl.REALM}:boss")  # issuer: the config's realm
        self.assertEqual((q["issuer"], q["algorithm"], q["digits"], q["period"]),
                         ([pl.REALM], ["SHA1"], ["6"], ["30"]))
        secret = q["secret"][0]
        self.assertEqual(len(base64.b32decode(secret)), 20)
        self.secrets.append(secret)
        self.assertIn("totp=pending", p.ctl("admin", "list").stdout)
        now = time.time()
        wrong = f"{(int(totp(secret, now)) + 1) % 1000000:06d}"
        r = p.ctl("admin", "totp", "boss", "--confirm", wrong, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("authenticator code", r.stderr)
        self.assertIn("totp=pending", p.ctl("admin", "list").stdout)
        code = totp(secret, time.time())
        self.secrets.append(code)
        p.ctl("admin", "totp", "boss", "--confirm", code)
        self.assertIn("totp=active", p.ctl("admin", "list").stdout)
        with p.db() as c:
            s, pend, last = c.execute("SELECT totp_secret, totp_pending, totp_last FROM admins"
                                      " WHERE name = 'boss'").fetchone()
        self.assertEqual((s, pend), (secret, ""))
        self.assertIn(last, (int(now) // 30, int(now) // 30 + 1))  # the confirming code is used
        # --qr: the same picture as Debian's qrencode draws
        if shutil.which("qrencode"):
            r = p.ctl("admin", "totp", "desk", "--qr")
            uri2, art = r.stdout.split("\n", 1)
            ref = subprocess.run(["qrencode", "-t", "UTF8", "-l", "M", "-m", "2", uri2],
                                 capture_output=True, text=True, check=True).stdout
            self.assertEqual(art, ref)
            self.secrets.append(urllib.parse.parse_qs(urllib.parse.urlparse(uri2).query)
                                ["secret"][0])
        else:
            print("skipped: the QR comparison needs qrencode (package qrencode)")
        p.ctl("admin", "totp", "desk", "--clear")
        self.assertRegex(p.ctl("admin", "list").stdout, r"desk +helpdesk +enabled +totp=none")

        p.ctl("admin", "delete", "desk")
        self.assertNotIn("desk", p.ctl("admin", "list").stdout)

        # student, client and guest changes are audited too
        p.add_user("anna", "Correct-horse-1")
        self.secrets.append("Correct-horse-1")
        r = p.ctl("passwd", "anna")
        self.secrets.append(r.stdout.strip().split("\t")[1])
        p.ctl("disable", "anna")
        r = p.ctl("client", "add", "ap1", "127.0.0.2", "--secret-generate")
        self.secrets.append(r.stdout.strip().split("\t")[1])
        r = p.ctl("guest", "add", "--hours", "2", "--count", "2", "--batch", "openday")
        for line in r.stdout.strip().split("\n"):
            self.secrets.append(line.split("\t")[1])

        rows = self.rows()
        got = [(a, o, res) for _, _, a, o, _, res, _ in rows]
        for want in [("admin.add", "boss", "ok"), ("admin.add", "desk", "invalid"),
                     ("admin.add", "desk", "ok"), ("admin.add", "desk", "exists"),
                     ("admin.reset", "desk", "ok"), ("admin.reset", "nobody", "not-found"),
                     ("admin.disable", "desk", "ok"), ("admin.enable", "desk", "ok"),
                     ("admin.disable", "boss", "last-admin"),
                     ("admin.delete", "boss", "last-admin"),
                     ("admin.totp.begin", "boss", "ok"),
                     ("admin.totp.confirm", "boss", "totp-wrong"),
                     ("admin.totp.confirm", "boss", "ok"), ("admin.totp.clear", "desk", "ok"),
                     ("admin.delete", "desk", "ok"), ("account.add", "anna", "ok"),
                     ("account.passwd", "anna", "ok"), ("account.disable", "anna", "ok"),
                     ("client.add", "ap1", "ok"), ("guest.add", "openday", "ok")]:
            self.assertIn(want, got)
        now = int(time.time())
        for t, actor, _, _, source, _, _ in rows:
            self.assertEqual((actor, source), (me, "local"))
            self.assertLessEqual(abs(t - now), 120)
        self.assertIn(("admin.add", "boss", "ok", "role=admin"),
                      [(a, o, res, d) for _, _, a, o, _, res, d in rows])

        # poortctl audit: newest first, filters by actor (or its prefix) and time
        out = self.audit()
        self.assertEqual(len(out.strip().split("\n")), len(rows))
        self.assertIn("action=guest.add object=openday", out.split("\n")[0])
        self.assertEqual(self.audit("--actor", "poortctl"), out)
        self.assertEqual(self.audit("--actor", me), out)
        self.assertEqual(self.audit("--actor", "boss"), "")
        self.assertEqual(self.audit("--since", str(now + 3600)), "")
        self.assertEqual(self.audit("--until", str(now - 3600)), "")
        self.assertEqual(len(self.audit("--object", "anna").strip().split("\n")), 3)
        self.assertEqual(len(p.ctl("audit", "--limit", "2").stdout.strip().split("\n")), 2)
        self.assertEqual(p.ctl("audit", "--since", "yesterday", check=False).returncode, 1)

        # secrets: nowhere but where they were printed once
        listing = p.ctl("admin", "list").stdout
        with p.db() as c:
            dump = "\n".join(map(str, c.execute("SELECT * FROM audit_log").fetchall()))
        for s in self.secrets:
            for where, text in (("audit rows", dump), ("poortctl audit", out),
                                ("admin list", listing), ("poortd log", p.log())):
                self.assertNotIn(s, text, f"a secret in {where}")
        with p.db() as c:
            self.assertGreaterEqual(c.execute("PRAGMA user_version").fetchone()[0], 6)


if __name__ == "__main__":
    unittest.main()
