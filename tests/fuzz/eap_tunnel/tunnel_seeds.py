#!/usr/bin/env python3
"""Writes the seed corpora of the tunnel harnesses (fuzz_peap_inner,
fuzz_ttls_inner, fuzz_eap_tls_cert); the output is committed. Each seed is
a conversation as eapol_test (wpa_supplicant) holds it with poortd in
tests/integration: the same outer identities, the same inner messages in
the same order (PEAP leaves out the inner EAP header; TTLS/PAP pads the
password to 16 octets; TTLS/MSCHAPv2 and EAP-MSCHAPv2 answer the tunnel's
or the server's challenge). Values that depend on the server's randomness
(challenges) are made by the harness (op SMART); the rest is literal.
Format: see eap_tunnel/fz_tunnel.h.
    tunnel_seeds.py
"""
import os
import struct

here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

RAW, ACK, SMART, RECONNECT, OUTER, RECORDS = range(6)
TLS12, TLS13, FRAG, CHACHA = 0, 1, 2, 4
REALM = b"school.example"
ANNA = b"anna@" + REALM


def rec(op, data=b""):
    return struct.pack(">BH", op, len(data)) + data


def conv(flags, outer, *records):
    return bytes([flags, len(outer)]) + outer + b"".join(records)


def avp(code, data, vendor=0):
    flags = 0x40 | (0x80 if vendor else 0)
    hdr = 12 if vendor else 8
    out = struct.pack(">IB", code, flags) + struct.pack(">I", hdr + len(data))[1:]
    if vendor:
        out += struct.pack(">I", vendor)
    out += data
    return out + b"\0" * (-len(out) % 4)


def write(target, name, data):
    d = os.path.join(here, target, "corpus")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


anon = b"anonymous@" + REALM

# ---- PEAP: Identity, MSCHAPv2 Response, Success ack, Result TLV ----
peap = "peap_inner"
for flags, tag in ((TLS12, "12"), (TLS13, "13"), (TLS13 | FRAG, "13-frag"),
                   (TLS12 | CHACHA, "12-chacha")):
    # TLS 1.2: the peer acknowledges the server's Finished first
    lead = [rec(ACK)] if not flags & TLS13 else []
    write(peap, "login-" + tag, conv(flags, anon, *lead, rec(SMART, b"\0"),
                                     rec(SMART, b"\0"), rec(SMART, b"\0"),
                                     rec(SMART, b"\0")))
write(peap, "resume-12", conv(TLS12, anon, rec(ACK), rec(SMART, b"\0"),
                              rec(SMART, b"\0"), rec(SMART, b"\0"),
                              rec(SMART, b"\0"), rec(RECONNECT), rec(SMART, b"\0")))
write(peap, "resume-13", conv(TLS13, anon, rec(SMART, b"\0"), rec(SMART, b"\0"),
                              rec(SMART, b"\0"), rec(SMART, b"\0"), rec(RECONNECT),
                              rec(SMART, b"\0")))
write(peap, "wrong-password", conv(TLS13, anon, rec(SMART, b"\0"),
                                   rec(SMART, b"\1"), rec(SMART, b"\0")))
write(peap, "full-header", conv(TLS13, anon, rec(SMART, b"\2"), rec(SMART, b"\2"),
                                rec(SMART, b"\2"), rec(SMART, b"\4")))
write(peap, "raw-identity", conv(TLS13, anon, rec(RAW, b"\x01" + ANNA),
                                 rec(RAW, b"\x1a\x02\x00\x00\x45\x31" + b"\0" * 49)))
for who in (b"bert", b"carl", b"nobody", b"Anna"):
    write(peap, "identity-" + who.decode(),
          conv(TLS13, anon, rec(RAW, b"\x01" + who + b"@" + REALM),
               rec(SMART, b"\0")))
write(peap, "identity-other-realm", conv(TLS13, anon, rec(RAW, b"\x01anna@other.example")))
write(peap, "nak", conv(TLS13, anon, rec(SMART, b"\0"), rec(RAW, b"\x03\x0d")))
write(peap, "records", conv(TLS13, anon, rec(RECORDS, b"\x01an\xffna@" + REALM)))
write(peap, "result-failure", conv(TLS13, anon, rec(SMART, b"\0"), rec(SMART, b"\0"),
                                   rec(SMART, b"\0"), rec(SMART, b"\4")))

# ---- TTLS: PAP, MSCHAPv2, EAP-MSCHAPv2 ----
ttls = "ttls_inner"
pap_avps = avp(1, ANNA) + avp(2, b"correct horse\0\0\0")
for flags, tag in ((TLS12, "12"), (TLS13, "13"), (TLS12 | FRAG, "12-frag")):
    # after phase 2 the server may send a TLS 1.3 ticket: the peer's ACK ends it
    write(ttls, "pap-" + tag, conv(flags, anon, rec(SMART, b"\0"), rec(ACK)))
    write(ttls, "mschapv2-" + tag, conv(flags, anon, rec(SMART, b"\1"), rec(ACK)))
    write(ttls, "eap-mschapv2-" + tag, conv(flags, anon, rec(SMART, b"\2"),
                                            rec(SMART, b"\2"), rec(SMART, b"\2"),
                                            rec(ACK)))
write(ttls, "pap-raw", conv(TLS13, anon, rec(RAW, pap_avps), rec(ACK)))
write(ttls, "pap-wrong", conv(TLS13, anon, rec(SMART, b"\x10")))
write(ttls, "pap-resume", conv(TLS12, anon, rec(SMART, b"\0"), rec(ACK), rec(RECONNECT),
                               rec(ACK)))
write(ttls, "pap-resume-13", conv(TLS13, anon, rec(SMART, b"\0"), rec(ACK), rec(RECONNECT),
                                  rec(ACK)))
write(ttls, "pap-twice", conv(TLS13, anon, rec(SMART, b"\0"), rec(RECONNECT),
                              rec(SMART, b"\0"), rec(ACK)))
write(ttls, "mschapv2-wrong", conv(TLS13, anon, rec(SMART, b"\x11")))
write(ttls, "no-user-name", conv(TLS13, anon, rec(SMART, b"\x20")))
write(ttls, "disabled", conv(TLS13, anon, rec(SMART, b"\0bert@" + REALM)))
write(ttls, "expired", conv(TLS13, anon, rec(SMART, b"\x01carl@" + REALM)))
write(ttls, "unknown-avp", conv(TLS13, anon, rec(RAW, avp(1, ANNA) + avp(4711, b"x")
                                                 + avp(33, b"y", vendor=9))))
write(ttls, "eap-identity-raw", conv(TLS13, anon, rec(RAW, avp(79, b"\x02\x00\x00\x18\x01"
                                                               + ANNA))))
write(ttls, "eap-split-avps", conv(TLS13, anon, rec(RAW, avp(79, b"\x02\x00\x00\x18\x01anna")
                                                    + avp(79, b"@" + REALM))))

# ---- EAP-TLS: the client certificate's CN ----
tls = "eap_tls_cert"


def cert(kind, cn, asn1=0):
    return bytes([kind, asn1, len(cn)]) + cn


for flags, tag in ((TLS12, "12"), (TLS13, "13")):
    write(tls, "anna-" + tag, cert(1, ANNA) + conv(flags, ANNA, rec(ACK)))
    write(tls, "resume-" + tag, cert(1, ANNA) + conv(flags, ANNA, rec(ACK), rec(RECONNECT),
                                                     rec(ACK)))
for who in (b"bert", b"carl", b"nobody"):
    write(tls, "cn-" + who.decode(), cert(1, who + b"@" + REALM) + conv(TLS13, ANNA, rec(ACK)))
write(tls, "cn-no-realm", cert(1, b"anna") + conv(TLS13, ANNA, rec(ACK)))
write(tls, "cn-other-realm", cert(1, b"anna@other.example") + conv(TLS12, ANNA, rec(ACK)))
write(tls, "cn-nul", cert(1, b"anna\0@" + REALM) + conv(TLS13, ANNA, rec(ACK)))
write(tls, "cn-long", cert(1, b"a" * 240 + b"@" + REALM) + conv(TLS13, ANNA, rec(ACK)))
write(tls, "cn-bmp", cert(1, b"\0a\0n\0n\0a", 4) + conv(TLS13, ANNA, rec(ACK)))
write(tls, "no-cn", cert(5, b"") + conv(TLS13, ANNA, rec(ACK)))
write(tls, "no-cert", cert(0, b"") + conv(TLS13, ANNA, rec(ACK)))
write(tls, "self-signed", cert(2, ANNA) + conv(TLS12, ANNA, rec(ACK)))
write(tls, "expired", cert(3, ANNA) + conv(TLS13, ANNA, rec(ACK)))
write(tls, "not-yet-valid", cert(4, ANNA) + conv(TLS12, ANNA, rec(ACK)))
write(tls, "app-data-13", cert(1, ANNA) + conv(TLS13, ANNA, rec(RAW, b"\0")))
write(tls, "frag-13", cert(1, ANNA) + conv(TLS13 | FRAG, ANNA, rec(ACK)))
write(tls, "bad-flags", cert(1, ANNA) + conv(TLS13, ANNA, rec(OUTER, b"\xc0\xff\xff\xff\xff")))
