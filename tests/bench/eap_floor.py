"""The floor for bench_eap.py: the server side of a bare TLS handshake with
the same certificates, in memory (Python's ssl on OpenSSL memory BIOs, no
sockets, no EAP, no RADIUS). Only the server's do_handshake calls are
timed, in thread CPU time, so the client's half is not counted.

floor_ms(certs, tls13, client_cert) -> median server CPU ms per full
handshake (no resumption, no tickets)."""

import ssl
import statistics
import time


def _server_ctx(certs, tls13, client_cert):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(certs["server"], certs["server_key"])
    v = ssl.TLSVersion.TLSv1_3 if tls13 else ssl.TLSVersion.TLSv1_2
    ctx.minimum_version = ctx.maximum_version = v
    ctx.options |= ssl.OP_NO_TICKET
    ctx.num_tickets = 0
    if client_cert:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(certs["ca"])
    return ctx


def _client_ctx(certs, tls13, client_cert):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(certs["ca"])
    v = ssl.TLSVersion.TLSv1_3 if tls13 else ssl.TLSVersion.TLSv1_2
    ctx.minimum_version = ctx.maximum_version = v
    if client_cert:
        ctx.load_cert_chain(certs["client"], certs["client_key"])
    return ctx


def _one(sctx, cctx, server_name):
    """One full handshake; returns the server's CPU seconds."""
    s_in, s_out, c_in, c_out = (ssl.MemoryBIO() for _ in range(4))
    srv = sctx.wrap_bio(s_in, s_out, server_side=True)
    cli = cctx.wrap_bio(c_in, c_out, server_side=False, server_hostname=server_name)
    spent = 0.0
    c_done = s_done = False
    for _ in range(20):
        if not c_done:
            try:
                cli.do_handshake()
                c_done = True
            except ssl.SSLWantReadError:
                pass
        if c_out.pending:
            s_in.write(c_out.read())
        if not s_done or s_in.pending:
            t = time.thread_time()
            try:
                srv.do_handshake()
                s_done = True
            except ssl.SSLWantReadError:
                pass
            spent += time.thread_time() - t
        if s_out.pending:
            c_in.write(s_out.read())
        if c_done and s_done and not c_out.pending and not s_out.pending:
            return spent
    raise RuntimeError("floor handshake did not finish")


def floor_ms(certs, tls13, client_cert, server_name, n=200, rounds=3):
    sctx = _server_ctx(certs, tls13, client_cert)
    cctx = _client_ctx(certs, tls13, client_cert)
    _one(sctx, cctx, server_name)
    meds = []
    for _ in range(rounds):
        meds.append(sum(_one(sctx, cctx, server_name) for _ in range(n)) / n * 1000)
    return statistics.median(meds)
