"""poortd's RADIUS server against radclient (freeradius-utils) and a raw
client: PAP accept and rejects, BlastRADIUS rules, unknown clients,
retransmits, Status-Server, accounting, IPv6, config check and reload."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import poortlib as pl  # noqa: E402

USER = "anna@" + pl.REALM


class RadiusTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.p = pl.Poortd()
        cls.p.add_user("anna", "Correct-horse-1", "--given", "Anna", "--surname", "Jansen")
        cls.p.add_user("rita", "Retransmit-pass-1")
        cls.p.add_user("dirk", "Disabled-pass-1")
        cls.p.ctl("disable", "dirk")
        cls.p.add_user("eva", "Expired-pass-1")
        cls.p.ctl("expire", "eva", "2020-01-31")
        cls.p.start()

    @classmethod
    def tearDownClass(cls):
        cls.p.cleanup()

    def rows_of(self, user):
        return [r for r in self.p.auth_rows() if r[2] == user]

    def auth(self, user, pw, **kw):
        """Sends a PAP request with radclient; returns (output, new log row)."""
        before = len(self.rows_of(user))
        out = self.p.radclient(pl.pap_attrs(user, pw, **kw))
        deadline = time.time() + 5
        while time.time() < deadline:
            rows = self.rows_of(user)
            if len(rows) > before:
                return out, rows[-1]
            time.sleep(0.02)
        self.fail(f"no new auth log row for {user}")

    def test_accept(self):
        out, row = self.auth(USER, "Correct-horse-1",
                             extra=', Calling-Station-Id = "02-00-00-00-00-01"')
        self.assertIn("Received Access-Accept", out)
        self.assertEqual(row[4], "accept")
        self.assertEqual(row[0], "loopback")
        self.assertEqual(row[1], "02-00-00-00-00-01")
        # a second login is answered from the verified-credential cache
        self.assertIn("Received Access-Accept",
                      self.p.radclient(pl.pap_attrs(USER, "Correct-horse-1")))

    def test_realm_case_and_ipv6(self):
        out = self.p.radclient(pl.pap_attrs("Anna@SCHOOL.example", "Correct-horse-1"),
                               host="::1")
        self.assertIn("Received Access-Accept", out)

    def test_rejects(self):
        cases = [
            ("anna@" + pl.REALM, "wrong-password", "wrong-password"),
            ("nobody@" + pl.REALM, "whatever-1", "unknown-user"),
            ("dirk@" + pl.REALM, "Disabled-pass-1", "account-disabled"),
            ("eva@" + pl.REALM, "Expired-pass-1", "account-expired"),
            ("anna", "Correct-horse-1", "no-realm"),
            ("anna@other.example", "Correct-horse-1", "realm-not-local"),
            ("anna@school..example", "Correct-horse-1", "realm-double-dot"),
            ("anna@localhost", "Correct-horse-1", "realm-without-dot"),
            ("1234@wlan.mnc015.mcc234.3gppnetwork.org", "x-x-x-x-1", "3gpp-realm"),
        ]
        for user, pw, reason in cases:
            with self.subTest(user=user, reason=reason):
                out, row = self.auth(user, pw)
                self.assertIn("Received Access-Reject", out)
                if reason not in ("wrong-password", "unknown-user", "account-disabled",
                                  "account-expired"):
                    # eduroam: malformed or foreign realms are told why
                    self.assertIn("Reply-Message", out)
                self.assertEqual((row[4], row[5]), ("reject", reason))

    def test_missing_message_authenticator_dropped(self):
        out = self.p.radclient(pl.pap_attrs("anna@" + pl.REALM, "Correct-horse-1", ma=False))
        self.assertNotIn("Received", out)
        self.p.wait_log("reason=missing-message-authenticator")
        # and with our own client, so nothing hides behind radclient's habits
        pkt = pl.access_request(USER, "Correct-horse-1", ma=False)
        self.assertIsNone(pl.udp_exchange(pkt, self.p.auth_port, timeout=0.5))

    def test_bad_message_authenticator_dropped(self):
        pkt = bytearray(pl.access_request(USER, "Correct-horse-1"))
        pkt[30] ^= 1
        self.assertIsNone(pl.udp_exchange(bytes(pkt), self.p.auth_port, timeout=0.5))
        self.p.wait_log("reason=bad-message-authenticator")

    def test_wrong_secret_dropped(self):
        out = self.p.radclient(pl.pap_attrs(USER, "Correct-horse-1"), secret="not-the-secret")
        self.assertNotIn("Received", out)

    def test_unknown_client_dropped(self):
        pkt = pl.access_request(USER, "Correct-horse-1")
        self.assertIsNone(pl.udp_exchange(pkt, self.p.auth_port, src="127.0.0.2", timeout=0.5))
        self.p.wait_log("reason=unknown-client")

    def test_reply_has_message_authenticator_first(self):
        pkt = pl.access_request(USER, "Correct-horse-1")
        reply = pl.udp_exchange(pkt, self.p.auth_port)
        self.assertIsNotNone(reply)
        self.assertEqual(pl.check_reply(reply, pkt), 2)
        pkt = pl.access_request(USER, "bad-password")
        reply = pl.udp_exchange(pkt, self.p.auth_port)
        self.assertEqual(pl.check_reply(reply, pkt), 3)

    def test_retransmit_answered_once_from_cache(self):
        user = "rita@" + pl.REALM  # used by no other test
        pkt = pl.access_request(user, "Retransmit-pass-1", ident=99)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0))
            first = pl.udp_exchange(pkt, self.p.auth_port, sock=s)
            second = pl.udp_exchange(pkt, self.p.auth_port, sock=s)
        self.assertIsNotNone(first)
        self.assertEqual(first, second)  # the very same bytes
        time.sleep(0.3)  # the log writer commits within 50 ms
        self.assertEqual(len([r for r in self.p.auth_rows() if r[2] == user]), 1)
        self.assertIn("Received Access-Accept", self.p.radclient(
            pl.pap_attrs(user, "Retransmit-pass-1")))  # a new request is new

    def test_status_server(self):
        out = self.p.radclient("Message-Authenticator = 0x00", code="status")
        self.assertIn("Received Access-Accept", out)
        out = self.p.radclient("Message-Authenticator = 0x00", code="status", host="::1")
        self.assertIn("Received Access-Accept", out)

    def test_accounting(self):
        attrs = ('User-Name = "anna@school.example", Acct-Status-Type = Start,'
                 ' Acct-Session-Id = "sess-42", Calling-Station-Id = "02-00-00-00-00-02",'
                 ' Framed-IP-Address = 10.1.2.3, Acct-Input-Octets = 5,'
                 ' Acct-Input-Gigawords = 1')
        out = self.p.radclient(attrs, code="acct")
        self.assertIn("Received Accounting-Response", out)
        deadline = time.time() + 5
        row = None
        while time.time() < deadline and row is None:
            with self.p.db() as c:
                row = c.execute("SELECT user_name, status_type, session_id, framed_ip,"
                                " input_octets FROM acct_log WHERE session_id = 'sess-42'"
                                ).fetchone()
            time.sleep(0.02)
        self.assertEqual(row, ("anna@school.example", 1, "sess-42", "10.1.2.3", 2**32 + 5))
        # a bad Request Authenticator (wrong secret) is not acknowledged
        out = self.p.radclient(attrs, code="acct", secret="not-the-secret")
        self.assertNotIn("Received", out)

    def test_cui_for_our_users(self):
        """RFC 4372: a stable pseudonym per user and visited operator."""
        def cui(op):
            out = self.p.radclient(pl.pap_attrs(
                USER, "Correct-horse-1",
                extra=f', Chargeable-User-Identity = 0x00, Operator-Name = "{op}"'))
            self.assertIn("Received Access-Accept", out)
            received = out.split("Received", 1)[1]  # radclient -x prints what it sent too
            m = re.search(r'Chargeable-User-Identity = 0x([0-9a-f]+)', received)
            self.assertIsNotNone(m, out)
            return bytes.fromhex(m.group(1)).decode()
        a, b, c = cui("1visited.example"), cui("1visited.example"), cui("1other.example")
        self.assertEqual(a, b)
        self.assertNotEqual(a, c)
        self.assertRegex(a, r"^[0-9a-f]{40}$")
        self.assertNotIn("anna", a)
        # no CUI asked, none given
        out = self.p.radclient(pl.pap_attrs(USER, "Correct-horse-1"))
        self.assertNotIn("Chargeable-User-Identity", out.split("Received", 1)[1])
        # the auth log and poortctl find the user by it
        deadline = time.time() + 5
        while time.time() < deadline:
            out = self.p.ctl("log", "--cui", a).stdout
            if "user=anna@school.example" in out:
                break
            time.sleep(0.05)
        self.assertIn("operator=1visited.example", out)
        self.assertIn("user=anna@school.example", out)

    def test_poortctl_log_search(self):
        self.auth(USER, "Correct-horse-1", extra=', Calling-Station-Id = "02-00-00-AA-BB-CC"')
        out = self.p.ctl("log", "--mac", "020000aabbcc").stdout
        self.assertIn("user=anna@school.example", out)
        self.assertIn("result=accept", out)
        self.assertEqual(self.p.ctl("log", "--mac", "ffffffffffff").stdout, "")


class ConfigTest(unittest.TestCase):
    def test_check_and_reload(self):
        p = pl.Poortd()
        try:
            r = subprocess.run([pl.POORTD, "-n", "-c", p.conf], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("configuration ok", r.stdout)
            good = p.config_text()
            p.write_config(good + "client broken {\n\taddress 10.0.0.0/8\n}\n")
            r = subprocess.run([pl.POORTD, "-n", "-c", p.conf], capture_output=True, text=True)
            self.assertEqual(r.returncode, 1)
            self.assertRegex(r.stderr, r"poortd\.conf:\d+: client \"broken\" has no secret")

            p.write_config(good)
            p.add_user("anna", "Correct-horse-1")
            p.start()
            self.assertIn("Access-Accept", p.radclient(pl.pap_attrs(USER, "Correct-horse-1")))
            # a bad config on SIGHUP is refused and the running one stays
            p.write_config(good + "nonsense here\n")
            p.proc.send_signal(signal.SIGHUP)
            p.wait_log("reload refused, running config kept")
            self.assertIn("Access-Accept", p.radclient(pl.pap_attrs(USER, "Correct-horse-1")))
            # a good one takes effect: the secret changes
            p.write_config(p.config_text(clients=[("loopback", "127.0.0.1", "a-new-secret-9")]))
            p.proc.send_signal(signal.SIGHUP)
            p.wait_log("reload done")
            self.assertNotIn("Received", p.radclient(pl.pap_attrs(USER, "Correct-horse-1")))
            self.assertIn("Access-Accept", p.radclient(pl.pap_attrs(USER, "Correct-horse-1"),
                                                       secret="a-new-secret-9"))
            self.assertEqual(p.stop(), 0)
            self.assertIn("stopped", p.log())
        finally:
            p.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
