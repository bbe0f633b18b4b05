#!/usr/bin/python3
"""Proxy mode, login CSRF: the school's IdP (U) answers poortd (P) with a
cross-site POST to /saml/acs. An attacker who went round U as himself and
kept U's answer must not be able to post it from the victim's browser: the
round trip is bound to a cookie of the browser that started it (SameSite=
None, as U's POST is cross-site). A SAMLResponse sent twice is refused.

usage: saml_proxy_csrf.py BUILD_DIR WORK_DIR
"""
import os
import sys

import requests
import urllib3

import saml_env as env
from saml_pysaml2 import form_fields, login, redirect_url, saml_response, sp_client

urllib3.disable_warnings()
FAILS = []
SP1 = "https://sp1.example/saml"


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)


def browser():
    s = requests.Session()
    s.trust_env = False
    s.verify = False  # two test CAs (P and U); TLS itself is checked in saml_pysaml2
    return s


def main():
    build, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    P = env.Poortd(build, os.path.join(work, "proxy"), [])
    U = env.Poortd(build, os.path.join(work, "upstream"), [])
    U.entity_id = "https://upstream.school.example/saml"
    U.extra_saml = ['scope "ad.school.example"']
    try:
        eid, xml = env.sp_metadata(P.entity_id, [P.base + "/saml/acs"], P.idp_crt, True, False)
        md = env.sign_metadata(U.keys, "md-proxy", eid, xml, U.fed_key, U.fed_crt)
        U.sps = [(P.entity_id, ["uid", "givenName"], "transient", md)]
        U.start()
        sp_key, sp_crt = env.make_key(P.keys, "sp", "test sp")
        eid, xml = env.sp_metadata(SP1, ["https://sp1.example/acs"], sp_crt, True, False)
        P.sps = [(SP1, ["uid", "givenName"], "uid",
                  env.sign_metadata(P.keys, "md-sp1", eid, xml, P.fed_key, P.fed_crt))]
        P.extra_saml = [
            'upstream "%s" {' % U.entity_id,
            '  metadata "%s"' % U.idp_md_file,
            '  metadata_certificate "%s"' % U.idp_crt,
            '  user urn:oid:0.9.2342.19200300.100.1.1',
            '  scope "ad.school.example"',
            '  map givenName urn:oid:2.5.4.42',
            '}']
        P.start()
        import saml_pysaml2
        saml_pysaml2.ACS[SP1] = "https://sp1.example/acs"
        c1 = sp_client(P, SP1, sp_key, sp_crt, True)

        def round_trip(s):
            """Through P to U's login and back: U's answer, not yet posted to P."""
            _, url = redirect_url(c1, P.entity_id)
            r = s.get(url, timeout=30)
            if 'name="password"' not in r.text:  # U's own session answers at once
                return r, form_fields(r.text)
            return r, form_fields(login(s, r.text, base=U.base).text)

        attacker = browser()
        r, f = round_trip(attacker)
        setc = r.history[0].headers.get("Set-Cookie", "") if r.history else ""
        check(setc.startswith("__Host-poort_proxy_") and "SameSite=None" in setc and
              "Secure" in setc and "HttpOnly" in setc and "Path=/;" in setc,
              "P binds the round trip to a cookie: %s" % setc[:28])
        check("SAMLResponse" in f and "RelayState" in f, "U answered the attacker")
        victim = browser()
        r = victim.post(P.base + "/saml/acs", data=f, timeout=30)
        check(r.status_code == 403 and "SAMLResponse" not in r.text,
              "the attacker's upstream answer posted from the victim's browser is refused")
        check(not any(c.name == "poort_sso" for c in victim.cookies),
              "and the victim's browser gets no session at P")
        _, f = round_trip(attacker)
        body = [("SAMLResponse", f["SAMLResponse"]), ("SAMLResponse", f["SAMLResponse"]),
                ("RelayState", f["RelayState"])]
        r = attacker.post(P.base + "/saml/acs", data=body, timeout=30)
        check(r.status_code == 400 and "SAMLResponse" not in r.text,
              "SAMLResponse sent twice to /saml/acs refused")
        _, f = round_trip(attacker)
        r = attacker.post(P.base + "/saml/acs", data=f, timeout=30)
        check(saml_response(r.text)[0] is not None,
              "control: the browser that went round U is answered")
        check("Max-Age=0" in r.headers.get("Set-Cookie", "") or
              "Max-Age=0" in str(r.raw.headers.getlist("Set-Cookie")),
              "and its proxy cookie goes")
        check(P.alive() and U.alive(), "both poortds alive")
    finally:
        rc1, rc2 = P.stop(), U.stop()
        check(rc1 == 0 and rc2 == 0, "both stopped cleanly (rc=%s,%s)" % (rc1, rc2))
    if FAILS:
        print("%d check(s) failed" % len(FAILS))
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
