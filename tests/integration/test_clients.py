#!/usr/bin/env python3
"""RADIUS clients in the store: poortctl client add/del applies to a
running poortd without restart; the config's client blocks are imported
into the store on first start, not duplicated later, and stay read-only
"config" entries that follow the file."""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import poortlib as pl  # noqa: E402

USER = f"anna@{pl.REALM}"
PW = "Correct-horse-1"


def accept_from(p, src, secret, tries=2):
    """The reply code to a PAP request from src (None: no answer)."""
    for _ in range(tries):
        req = pl.access_request(USER, PW, secret=secret)
        rep = pl.udp_exchange(req, p.auth_port, src=src, timeout=1.0)
        if rep is not None:
            return pl.check_reply(rep, req, secret=secret)
    return None


def gen(p):
    with p.db() as c:
        return c.execute("SELECT gen FROM generations WHERE what = 'clients'").fetchone()[0]


def rows(p):
    with p.db() as c:
        return c.execute("SELECT name, address, secret, source FROM radius_clients"
                         " ORDER BY name").fetchall()


class LiveClients(unittest.TestCase):
    def setUp(self):
        self.p = pl.Poortd(clients=[("loopback6", "::1", pl.SECRET)])
        self.p.add_user("anna", PW)
        self.p.start()

    def tearDown(self):
        self.p.cleanup()

    def test_add_and_delete_apply_at_once(self):
        p = self.p
        # default deny: nothing covers 127.0.0.1 yet
        self.assertNotIn("Received", p.radclient(pl.pap_attrs(USER, PW)))
        r = p.ctl("client", "add", "ap1", "127.0.0.1", "--secret-generate")
        name, secret = r.stdout.strip().split("\t")
        self.assertEqual(name, "ap1")
        self.assertGreaterEqual(len(secret), 16)
        # the secret is printed once: list never shows it
        listing = p.ctl("client", "list").stdout
        self.assertIn("ap1", listing)
        self.assertNotIn(secret, listing)
        self.assertNotIn(secret, p.log())
        # radclient with that secret works against the running poortd
        self.assertIn("Access-Accept", p.radclient(pl.pap_attrs(USER, PW), secret=secret))
        p.wait_log("radius clients reloaded")

        # a second AP on another address, with our own client bound to it
        r = p.ctl("client", "add", "ap2", "127.0.0.2", "--secret-generate")
        secret2 = r.stdout.strip().split("\t")[1]
        self.assertEqual(accept_from(p, "127.0.0.2", secret2), 2)
        self.assertIsNone(accept_from(p, "127.0.0.2", "wrong-secret-1"))

        # del: dropped within the poll interval (1 s), no restart
        p.ctl("client", "del", "ap2")
        deadline = time.time() + 3
        while time.time() < deadline and accept_from(p, "127.0.0.2", secret2) is not None:
            time.sleep(0.1)
        self.assertIsNone(accept_from(p, "127.0.0.2", secret2))
        self.assertIn("unknown-client", p.log())
        # ap1 is unaffected
        self.assertIn("Access-Accept", p.radclient(pl.pap_attrs(USER, PW), secret=secret))

        # a new secret replaces the old one at once
        r = p.ctl("client", "secret", "ap1")
        secret3 = r.stdout.strip().split("\t")[1]
        deadline = time.time() + 3
        while time.time() < deadline and accept_from(p, "127.0.0.1", secret3) != 2:
            time.sleep(0.1)
        self.assertEqual(accept_from(p, "127.0.0.1", secret3), 2)
        self.assertIsNone(accept_from(p, "127.0.0.1", secret))

    def test_bad_input_changes_nothing(self):
        p = self.p
        before = gen(p)
        for args, why in [(("ap", "10.0.0.1/8"), "host bits"),
                          (("ap", "not-an-ip"), "not an address"),
                          (("loopback6", "10.0.0.0/8"), "already exists")]:
            r = p.ctl("client", "add", *args, "--secret-generate", check=False)
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn(why, r.stderr)
        r = p.ctl("client", "add", "ap", "10.0.0.0/8", "--secret-stdin", input="short\n",
                  check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("shorter than 8", r.stderr)
        # the config's entries are the engineer's: read-only here
        r = p.ctl("client", "del", "loopback6", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("poortd.conf", r.stderr)
        r = p.ctl("client", "del", "nope", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("no such client", r.stderr)
        self.assertEqual(gen(p), before)


class GuestAccounts(unittest.TestCase):
    def test_guest_batch_logs_in_and_expires_by_itself(self):
        p = pl.Poortd()
        try:
            p.start()
            r = p.ctl("guest", "add", "--hours", "2", "--count", "3", "--prefix", "open",
                      "--batch", "opendag")
            creds = [line.split("\t") for line in r.stdout.strip().split("\n")]
            self.assertEqual(len(creds), 3)
            self.assertIn("3 guest accounts in batch opendag", r.stderr)
            name, pw, _ = creds[0]
            self.assertTrue(name.startswith("open-"))
            time.sleep(0.3)  # the radius child's 100 ms read snapshot
            self.assertIn("Access-Accept",
                          p.radclient(pl.pap_attrs(f"{name}@{pl.REALM}", pw)))
            self.assertIn("guest batch=opendag", p.ctl("list").stdout)
            # the expiry passes: the one account rule (src/auth) refuses it
            with p.db() as c:
                c.execute("UPDATE accounts SET expires = strftime('%s') - 1 WHERE username = ?",
                          (name,))
            # poortd reads through a snapshot renewed every 100 ms; on a loaded
            # host (ASan, parallel builds) that can take longer: ask again
            deadline = time.time() + 5
            while True:
                time.sleep(0.3)
                out = p.radclient(pl.pap_attrs(f"{name}@{pl.REALM}", pw))
                if "Access-Reject" in out or time.time() > deadline:
                    break
            self.assertIn("Access-Reject", out)
            # info lines reach the log file in batches: wait for this reject's
            # own line, not any line of this user (an earlier one matched)
            p.wait_log("reason=account-expired")
            self.assertRegex(p.log(), rf"auth result=reject .*user={name}@.*reason=account-expired")
            # the others still work
            self.assertIn("Access-Accept", p.radclient(
                pl.pap_attrs(f"{creds[1][0]}@{pl.REALM}", creds[1][1])))
            # a guest batch without an expiry is refused
            r = p.ctl("guest", "add", "--count", "2", check=False)
            self.assertEqual(r.returncode, 2)
        finally:
            p.cleanup()


class ConfigImport(unittest.TestCase):
    def test_import_once_and_follow_the_file(self):
        p = pl.Poortd()  # loopback + loopback6 in the config, empty store
        try:
            p.add_user("anna", PW)
            p.start()
            self.assertIn("Access-Accept", p.radclient(pl.pap_attrs(USER, PW)))
            self.assertEqual(rows(p), [("loopback", "127.0.0.1", pl.SECRET, "config"),
                                       ("loopback6", "::1", pl.SECRET, "config")])
            p.ctl("client", "add", "hall", "10.1.0.0/16", "--secret-generate")
            self.assertEqual(p.stop(), 0)
            g = gen(p)
            # second start with the same config: nothing duplicated or rewritten
            p.start()
            self.assertEqual(len(rows(p)), 3)
            self.assertEqual(gen(p), g)
            self.assertNotIn("written to the store", p.log())
            self.assertEqual(p.stop(), 0)
            # the config changes while poortd is down: the store follows at start,
            # the school's own entry stays
            p.write_config(p.config_text(clients=[("loopback", "127.0.0.1", "another-secret")]))
            p.start()
            self.assertEqual(rows(p)[0], ("hall", "10.1.0.0/16", rows(p)[0][2], "store"))
            self.assertEqual(rows(p)[1:], [("loopback", "127.0.0.1", "another-secret", "config")])
            self.assertIn("Access-Accept",
                          p.radclient(pl.pap_attrs(USER, PW), secret="another-secret"))
            self.assertEqual(p.stop(), 0)
        finally:
            p.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
