"""eduroam proxying: foreign realms go to two FreeRADIUS FLRs over
RADIUS/UDP; failover when the primary dies, fail-back when it returns;
malformed realms never leave the box; Operator-Name and a CUI request on
what the FLR receives; upstream replies are filtered and must carry a valid
Message-Authenticator; accounting stays local."""

import contextlib
import os
import select
import socket
import struct
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import poortlib as pl  # noqa: E402

VISITOR = "visitor@other.example"
VPASS = "Visitor-pass-1"
# the foreign IdP tries to set network attributes of ours
USERS = (f'{VISITOR} Cleartext-Password := "{VPASS}"\n'
         '\tTunnel-Private-Group-Id := "666", Filter-Id := "evil", Reply-Message := "welkom"\n')
MA = "update reply {\n\t\t\tMessage-Authenticator := 0x00\n\t\t}"


def proxy_block(ports, window=1, extra=""):
    ups = "".join(f'\tupstream "flr{i + 1}" {{\n\t\taddress 127.0.0.1\n\t\tport {p}\n'
                  f'\t\tsecret "{pl.SECRET}"\n\t}}\n' for i, p in enumerate(ports))
    return (f"proxy {{\n{ups}\tresponse_window {window}\n\tcheck_interval 1\n"
            f"\tvisitor_vlan 900\n{extra}}}\n")


class ProxyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.p = pl.Poortd()
        cls.flr = []
        for i in range(2):
            d = os.path.join(cls.p.dir, f"flr{i + 1}")
            cls.flr.append(pl.FreeRadius(d, USERS, post_auth=MA,
                                         debug_log=os.path.join(cls.p.dir, f"flr{i + 1}.log")))
        cls.p.extra = proxy_block([f.port for f in cls.flr])
        cls.p.write_config()
        cls.p.add_user("anna", "Correct-horse-1")
        cls.p.start()

    @classmethod
    def tearDownClass(cls):
        for f in cls.flr:
            f.stop()
        rc = cls.p.stop()  # SIGTERM: sanitizer builds check for leaks here
        cls.p.cleanup()
        if rc != 0:
            raise AssertionError(f"poortd exited with {rc}")

    def flr_log(self, i):
        with open(self.flr[i].debug_log, errors="replace") as f:
            return f.read()

    def visitor(self, timeout=4):
        return self.p.radclient(pl.pap_attrs(VISITOR, VPASS), timeout=timeout)

    def test_1_visitor_accepted_and_filtered(self):
        out = self.visitor()
        self.assertIn("Received Access-Accept", out)
        self.assertIn('Reply-Message = "welkom"', out)
        self.assertNotIn('"666"', out)        # the foreign VLAN is gone (not a port)
        self.assertNotIn("evil", out)         # and so is its Filter-Id
        self.assertIn('Tunnel-Private-Group-Id:0 = "900"', out)  # the visitor VLAN
        log = self.flr_log(0)
        self.assertIn('Operator-Name = "1school.example"', log)
        self.assertIn("Chargeable-User-Identity = 0x00", log)
        self.p.wait_log("auth result=accept upstream=flr1")
        self.p.wait_log("F-TICKS/eduroam/1.0#REALM=other.example#VISCOUNTRY=NL"
                        "#VISINST=1school.example#CSI=")
        self.assertRegex(self.p.log(), r"#CSI=[0-9a-f]{16}#RESULT=OK#")
        # our own users stay local
        self.assertIn("Access-Accept", self.p.radclient(
            pl.pap_attrs("anna@" + pl.REALM, "Correct-horse-1")))
        self.assertNotIn("anna@school.example", self.flr_log(0))

    def test_2_malformed_realms_stay_local(self):
        for user in ["visitor@other..example", "visitor@other", "x@wlan.mnc1.mcc2.3gppnetwork.org",
                     "visitor@other.example.", "anna@eduroam.school.example"]:
            with self.subTest(user=user):
                out = self.p.radclient(pl.pap_attrs(user, VPASS))
                self.assertIn("Access-Reject", out)
                self.assertIn("Reply-Message", out)
                self.assertNotIn(f'"{user}"', self.flr_log(0) + self.flr_log(1))

    def test_3_accounting_not_forwarded(self):
        out = self.p.radclient(f'User-Name = "{VISITOR}", Acct-Status-Type = Start,'
                               ' Acct-Session-Id = "visit-1"', code="acct")
        self.assertIn("Accounting-Response", out)
        self.assertNotIn("visit-1", self.flr_log(0) + self.flr_log(1))

    def test_4_failover_and_failback(self):
        self.flr[0].stop()
        t0 = time.time()
        out = self.visitor()
        self.assertIn("Received Access-Accept", out)
        self.assertLess(time.time() - t0, 3.5)  # response window 1 s, then flr2
        self.p.wait_log("upstream=flr1 did not answer")
        before = self.flr_log(1).count(VISITOR)
        self.assertIn("Access-Accept", self.visitor())  # straight to flr2 now
        self.assertGreater(self.flr_log(1).count(VISITOR), before)
        # flr1 comes back: Status-Server finds it, traffic returns
        self.flr[0].start()
        self.p.wait_log("upstream=flr1 is answering again", timeout=10)
        before = self.flr_log(0).count(VISITOR)
        self.assertIn("Access-Accept", self.visitor())
        self.assertGreater(self.flr_log(0).count(VISITOR), before)


class FakeUpstream(threading.Thread):
    """Answers every Access-Request with an Access-Accept whose
    Message-Authenticator is missing or wrong."""

    def __init__(self, mode):
        super().__init__(daemon=True)
        self.mode = mode
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.seen = 0
        self.reqs = []
        self.stop = False

    def run(self):
        import hashlib
        while not self.stop:
            try:
                req, addr = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            if req[0] != 1:
                continue
            self.seen += 1
            self.reqs.append(req)
            if self.mode == "deaf-once" and self.seen == 1:
                continue  # lost on the way: poortd sends the same packet again
            attrs = b""
            if self.mode == "bad-ma":
                attrs = struct.pack("!BB", 80, 18) + os.urandom(16)
            elif self.mode == "deaf-once":
                attrs = struct.pack("!BB", 80, 18) + b"\0" * 16
            hdr = struct.pack("!BBH", 2, req[1], 20 + len(attrs))
            if self.mode == "deaf-once":
                import hmac
                mac = hmac.new(pl.SECRET.encode(), hdr + req[4:20] + attrs,
                               hashlib.md5).digest()
                attrs = attrs[:2] + mac
            auth = hashlib.md5(hdr + req[4:20] + attrs + pl.SECRET.encode()).digest()
            self.sock.sendto(hdr + auth + attrs, addr)


@contextlib.contextmanager
def poortd_with_fake_upstream(mode, window=1):
    """A FakeUpstream in mode and a started poortd that proxies to it."""
    fake = FakeUpstream(mode)
    fake.start()
    p = pl.Poortd(extra=proxy_block([fake.port], window=window))
    try:
        p.start()
        yield p, fake
    finally:
        fake.stop = True
        fake.join(2)
        fake.sock.close()
        p.cleanup()


class ProxyBadReplyTest(unittest.TestCase):
    def test_replies_without_valid_message_authenticator_are_dropped(self):
        for mode in ("no-ma", "bad-ma"):
            with self.subTest(mode=mode), poortd_with_fake_upstream(mode) as (p, fake):
                out = p.radclient(pl.pap_attrs(VISITOR, VPASS), timeout=4)
                self.assertGreater(fake.seen, 0)
                self.assertIn("Access-Reject", out)  # never an Accept
                want = ("reply-without-message-authenticator" if mode == "no-ma"
                        else "reply-bad-authenticator")
                p.wait_log("reason=" + want)
                p.wait_log("proxy result=no-upstream")
                self.assertEqual(p.stop(), 0)


class ProxyLoopTest(unittest.TestCase):
    """An FLR (a client with federation yes) asking about a foreign realm is
    answered here: sending it back upstream would loop."""

    def test_foreign_realm_from_the_federation_is_not_sent_back(self):
        with poortd_with_fake_upstream("deaf-once") as (p, fake):
            p.stop()
            p.clients = [("ap", "::1", pl.SECRET)]
            p.extra += (f'client "flr" {{\n\taddress 127.0.0.1\n\tsecret "{pl.SECRET}"\n'
                        "\tfederation yes\n}\n")
            p.write_config()
            p.start()
            out = p.radclient(pl.pap_attrs(VISITOR, VPASS), timeout=3)
            self.assertIn("Access-Reject", out)
            self.assertIn("not served here", out)
            p.wait_log("reason=foreign-realm-from-federation")
            self.assertEqual(fake.seen, 0)
            self.assertEqual(p.stop(), 0)


class ProxyRetransmitTest(unittest.TestCase):
    def test_same_upstream_gets_the_same_packet_again(self):
        with poortd_with_fake_upstream("deaf-once", window=3) as (p, fake):
            out = p.radclient(pl.pap_attrs(VISITOR, VPASS), timeout=5)
            self.assertIn("Access-Accept", out)  # the retransmission was answered
            self.assertEqual(fake.seen, 2)
            self.assertEqual(fake.reqs[0], fake.reqs[1])  # same ID, authenticator, bytes
            p.wait_log("auth result=accept upstream=flr1")
            self.assertNotIn("did not answer", p.log())  # not marked dead
            self.assertEqual(p.stop(), 0)


class HoldingUpstream(threading.Thread):
    """Holds Access-Requests until it has `hold` of them and half a second
    has passed (or 1.5 s), then answers each with a valid Access-Accept."""

    def __init__(self, hold):
        super().__init__(daemon=True)
        self.hold = hold
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.held = {}
        self.stop = False

    def answer(self, req, addr):
        import hashlib
        import hmac
        attrs = struct.pack("!BB", 80, 18) + b"\0" * 16
        hdr = struct.pack("!BBH", 2, req[1], 20 + len(attrs))
        mac = hmac.new(pl.SECRET.encode(), hdr + req[4:20] + attrs, hashlib.md5).digest()
        attrs = attrs[:2] + mac
        auth = hashlib.md5(hdr + req[4:20] + attrs + pl.SECRET.encode()).digest()
        self.sock.sendto(hdr + auth + attrs, addr)

    def run(self):
        first = None
        while not self.stop:
            try:
                req, addr = self.sock.recvfrom(4096)
                if req[0] == 1:
                    self.held[req[1]] = (req, addr)  # a retransmission replaces
                    first = first or time.time()
            except socket.timeout:
                pass
            waited = time.time() - first if first else 0
            if first and ((len(self.held) >= self.hold and waited > 0.5) or waited > 1.5):
                for req, addr in self.held.values():
                    self.answer(req, addr)
                self.held, first = {}, None


class ProxyBusyTest(unittest.TestCase):
    def test_all_ids_in_use_drops_instead_of_rejecting(self):
        """More than 256 requests in flight to one upstream: the rest are
        dropped (the AP retransmits), not rejected as 'cannot be reached'."""
        up = HoldingUpstream(256)
        up.start()
        p = pl.Poortd(extra=proxy_block([up.port], window=5))
        socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2)]
        try:
            p.write_config(p.config_text().replace("log { level debug }", "log { level info }"))
            p.start()
            reqs = {}
            for s in socks:
                s.bind(("127.0.0.1", 0))
                for ident in range(150):
                    pkt = pl.access_request(f"v{ident}@other.example", VPASS, ident=ident)
                    reqs[(s.getsockname()[1], ident)] = (s, pkt)
                    s.sendto(pkt, ("127.0.0.1", p.auth_port))
            codes = {}

            def collect(seconds):
                deadline = time.time() + seconds
                while time.time() < deadline and len(codes) < len(reqs):
                    for s in select.select(socks, [], [], 0.1)[0]:
                        reply = s.recv(4096)
                        key = (s.getsockname()[1], reply[1])
                        codes[key] = pl.check_reply(reply, reqs[key][1])

            collect(2.5)
            self.assertEqual(list(codes.values()).count(3), 0, "an Access-Reject")
            self.assertEqual(len(codes), 256)
            p.wait_log("proxy busy: 256 requests in flight")
            for key, (s, pkt) in reqs.items():  # the access points retransmit
                if key not in codes:
                    s.sendto(pkt, ("127.0.0.1", p.auth_port))
            collect(3)
            self.assertEqual(sorted(set(codes.values())), [2])
            self.assertEqual(len(codes), 300)
            self.assertNotIn("no-upstream", p.log())
            self.assertEqual(p.stop(), 0)
        finally:
            up.stop = True
            up.join(2)
            up.sock.close()
            for s in socks:
                s.close()
            p.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
