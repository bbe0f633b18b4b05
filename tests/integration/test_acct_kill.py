"""RFC 2866 says a server answers an Accounting-Request only once it has
recorded it. poortd writes log rows in batches on a writer thread; an
Accounting-Response must therefore wait for its row's batch to commit.
SIGKILL right after the answers arrive, then every acknowledged row must be
in the store: ten single requests, and a bulk of 2,000 with 64 in flight.
Prints the accounting rate (requests per second, one and 64 in flight)."""

import hashlib
import os
import select
import signal
import socket
import struct
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import poortlib as pl  # noqa: E402


def _attr(t, v):
    return struct.pack("!BB", t, len(v) + 2) + v


def acct_request(ident, session, secret=pl.SECRET):
    """Accounting-Request (RFC 2866): Start for session, its Request
    Authenticator over the packet and the secret."""
    attrs = (_attr(1, b"anna@" + pl.REALM.encode()) + _attr(40, struct.pack("!I", 1)) +
             _attr(44, session.encode()) + _attr(31, b"02-00-00-00-00-01"))
    hdr = struct.pack("!BBH", 4, ident, 20 + len(attrs))
    auth = hashlib.md5(hdr + b"\0" * 16 + attrs + secret.encode()).digest()
    return hdr + auth + attrs


def acct_answered(reply, request, secret=pl.SECRET):
    """An Accounting-Response to request, with a good Response Authenticator."""
    if reply is None or len(reply) < 20 or reply[0] != 5 or reply[1] != request[1]:
        return False
    want = hashlib.md5(reply[:4] + request[4:20] + reply[20:] + secret.encode()).digest()
    return want == reply[4:20]


def send_window(port, sessions, window):
    """Sends one Accounting-Request per session with up to window in flight
    (one socket per slot, so identifiers never clash). Returns the sessions
    answered, in the order the answers came, and the seconds it took."""
    socks = []
    for _ in range(window):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        s.setblocking(False)
        socks.append(s)
    todo = list(sessions)
    inflight = {}  # socket -> (session, packet, sent at)
    acked = []
    t0 = time.time()
    deadline = t0 + 120
    try:
        while (todo or inflight) and time.time() < deadline:
            for s in socks:
                if s not in inflight and todo:
                    sess = todo.pop(0)
                    pkt = acct_request(len(acked) % 256, sess)
                    s.sendto(pkt, ("127.0.0.1", port))
                    inflight[s] = (sess, pkt, time.time())
            ready, _, _ = select.select(list(inflight), [], [], 0.5)
            for s in ready:
                try:
                    reply = s.recv(4096)
                except BlockingIOError:
                    continue
                sess, pkt, _ = inflight[s]
                if acct_answered(reply, pkt):
                    acked.append(sess)
                    del inflight[s]
            # a request lost or not answered: send it again (a retransmit)
            now = time.time()
            for s, (sess, pkt, sent) in list(inflight.items()):
                if now - sent > 2:
                    s.sendto(pkt, ("127.0.0.1", port))
                    inflight[s] = (sess, pkt, now)
    finally:
        for s in socks:
            s.close()
    return acked, time.time() - t0


class AcctKillTest(unittest.TestCase):
    def setUp(self):
        self.p = pl.Poortd()

    def tearDown(self):
        self.p.cleanup()

    def stored(self):
        with self.p.db() as c:
            return {r[0] for r in c.execute("SELECT session_id FROM acct_log")}

    def kill(self):
        self.p.stop(signal.SIGKILL)

    def test_single_requests_survive_sigkill(self):
        lost = []
        for i in range(10):
            self.p.start()
            sess = "single-%d" % i
            pkt = acct_request(i, sess)
            reply = pl.udp_exchange(pkt, self.p.acct_port, timeout=5)
            self.kill()  # right after the answer
            self.assertTrue(acct_answered(reply, pkt), "request %d not answered" % i)
            if sess not in self.stored():
                lost.append(sess)
        self.assertEqual(lost, [], "acknowledged but not recorded")

    def test_bulk_survives_sigkill(self):
        self.p.start()
        sessions = ["bulk-%05d" % i for i in range(2000)]
        acked, secs = send_window(self.p.acct_port, sessions, 64)
        self.kill()  # right after the last answer
        print("accounting: 2000 requests, 64 in flight: %.0f/s" % (len(acked) / secs))
        self.assertEqual(len(acked), len(sessions), "every request answered")
        missing = [s for s in acked if s not in self.stored()]
        self.assertEqual(len(missing), 0, "acknowledged rows lost: %s" % missing[:5])

    def test_rate_one_in_flight(self):
        self.p.start()
        acked, secs = send_window(self.p.acct_port, ["one-%d" % i for i in range(200)], 1)
        self.assertEqual(len(acked), 200)
        print("accounting: 200 requests, one in flight: %.0f/s" % (len(acked) / secs))


if __name__ == "__main__":
    unittest.main(verbosity=2)
