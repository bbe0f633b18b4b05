#!/usr/bin/python3
"""Proxy mode: poortd (P) in front of the school's existing IdP (U, here a
second poortd). pysaml2 as SP at P; the password is asked by U only; P maps
U's attributes and releases per its own rules. Attacks on P's /saml/acs:
a comment inside NameID, a replayed upstream response, an unsolicited one;
U signs only assertions for P: stripped or changed assertion signatures.

usage: saml_proxy.py BUILD_DIR WORK_DIR
"""
import base64
import os
import re
import sys

import requests
from saml2 import BINDING_HTTP_POST

import saml_env as env
from saml_entree import schema_valid
from saml_pysaml2 import (NF_URI, URI_NAMES, attrs, form_fields, login, redirect_url,
                          saml_response, sp_client)

FAILS = []
SP1 = "https://sp1.example/saml"


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)


def main():
    build, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    P = env.Poortd(build, os.path.join(work, "proxy"), [])
    U = env.Poortd(build, os.path.join(work, "upstream"), [])
    U.entity_id = "https://upstream.school.example/saml"
    # the school's IdP asserts its own scope; P maps exactly that one to its own
    U.extra_saml = ['scope "ad.school.example"']
    try:
        eid, xml = env.sp_metadata(P.entity_id, [P.base + "/saml/acs"], P.idp_crt, True, False)
        md = env.sign_metadata(U.keys, "md-proxy", eid, xml, U.fed_key, U.fed_crt)
        U.sps = [(P.entity_id, ["uid", "givenName", "sn", "eduPersonAffiliation", "mail", "eckId"],
                  "transient", md)]
        U.start()
        sp_key, sp_crt = env.make_key(P.keys, "sp", "test sp")
        eid, xml = env.sp_metadata(SP1, ["https://sp1.example/acs"], sp_crt, True, False)
        P.sps = [(SP1, ["uid", "givenName", "sn", "eckId"], "uid",
                  env.sign_metadata(P.keys, "md-sp1", eid, xml, P.fed_key, P.fed_crt))]
        P.extra_saml = [
            'upstream "%s" {' % U.entity_id,
            '  metadata "%s"' % U.idp_md_file,
            '  metadata_certificate "%s"' % U.idp_crt,
            '  user urn:oid:0.9.2342.19200300.100.1.1',
            '  scope "ad.school.example"',
            '  map givenName urn:oid:2.5.4.42',
            '  map sn urn:oid:2.5.4.4',
            '  map eduPersonAffiliation urn:oid:1.3.6.1.4.1.5923.1.1.1.1',
            '  map eckId urn:mace:surf.nl:attribute-def:eckid',
            '}']
        P.start()
        import saml_pysaml2
        saml_pysaml2.ACS[SP1] = "https://sp1.example/acs"
        c1 = sp_client(P, SP1, sp_key, sp_crt, True)
        s = requests.Session()
        s.trust_env = False
        s.verify = False  # two test CAs (P and U); TLS itself is checked in saml_pysaml2
        reqid, url = redirect_url(c1, P.entity_id)
        r = s.get(url, timeout=30)
        check(r.url.startswith(U.base + "/saml/sso") and 'name="password"' in r.text,
              "P sends the browser on to the upstream IdP's login page")
        r2 = login(s, r.text, base=U.base)
        f = form_fields(r2.text)
        check("SAMLResponse" in f and P.base + "/saml/acs" in r2.text,
              "upstream answers to P's ACS")
        upstream_resp = f["SAMLResponse"]
        r3 = s.post(P.base + "/saml/acs", data=f, timeout=30)
        resp, relay = saml_response(r3.text)
        check(resp is not None and relay == "rs1", "P answers the SP with RelayState kept")
        ar = c1.parse_authn_request_response(resp, BINDING_HTTP_POST, outstanding={reqid: "/"})
        ava = {n: v for (n, f), v in attrs(ar).items() if f == NF_URI}
        check(set(ava) == {URI_NAMES[n] for n in ("uid", "givenName", "sn", "eckId")},
              "SP gets P's release set: %s" % sorted(ava))
        check(ava.get(URI_NAMES["eckId"]) == ["https://ketenid.nl/201703/" + "ab" * 64],
              "a well-formed ECK iD from upstream is passed on")
        check(ava.get(URI_NAMES["givenName"]) == ["Jan"] and
              ava.get(URI_NAMES["uid"]) == ["jan.student@school.example"],
              "values mapped from the upstream assertion; jan.student@ad.school.example becomes"
              " our jan.student, asserted with our scope")
        check(str(ar.name_id.text) == "jan.student@school.example", "NameID is uid")
        refused = lambda x: x.status_code == 400 and "SAMLResponse" not in x.text
        check(refused(s.post(P.base + "/saml/acs", data=f, timeout=30)),
              "replayed upstream response refused")
        # within P's session: no trip upstream (before U sets its own cookie again:
        # both test IdPs share 127.0.0.1, and cookies ignore ports)
        reqid2, url2 = redirect_url(c1, P.entity_id, relay="rs2")
        r4 = s.get(url2, timeout=30)
        check(saml_response(r4.text)[0] is not None and U.base not in r4.url,
              "P's session answers without asking upstream again")
        # a fresh round trip: ForceAuthn at P is passed on, so U asks again
        _, url = redirect_url(c1, P.entity_id, relay="rs3", force_authn="true")
        page = s.get(url, timeout=30).text
        check('name="password"' in page, "ForceAuthn is passed on to the upstream IdP")
        f2 = form_fields(login(s, page, base=U.base).text)
        raw = base64.b64decode(f2["SAMLResponse"]).decode()
        evil = re.sub(r"(<(?:\w+:)?NameID[^>]*>)([^<]*)", r"\1<!-- x -->\2", raw, count=1)
        check(evil != raw and refused(s.post(P.base + "/saml/acs", timeout=30, data={
            "SAMLResponse": base64.b64encode(evil.encode()).decode(),
            "RelayState": f2.get("RelayState", "")})), "comment inside NameID refused")
        check(refused(s.post(P.base + "/saml/acs", timeout=30, data={
            "SAMLResponse": upstream_resp, "RelayState": "0" * 64})),
              "unsolicited upstream response refused")
        # U signs only the assertion (P's SP metadata wants signed assertions):
        # the Response stands or falls with that signature. Each try needs its
        # own pending login at P (a refused one is used up).
        def upstream_round(relay):
            _, u = redirect_url(c1, P.entity_id, relay=relay, force_authn="true")
            ff = form_fields(login(s, s.get(u, timeout=30).text, base=U.base).text)
            return base64.b64decode(ff["SAMLResponse"]).decode(), ff.get("RelayState", "")

        def post(xml, relay):
            return s.post(P.base + "/saml/acs", timeout=30, data={
                "SAMLResponse": base64.b64encode(xml.encode()).decode(), "RelayState": relay})
        sig = r"<(?:\w+:)?Signature[ >].*</(?:\w+:)?Signature>"
        raw, rs = upstream_round("rs4")
        check(re.search(r"<(?:\w+:)?Assertion[ >].*" + sig, raw, re.S) is not None and
              re.search(r"^.*<(?:\w+:)?Assertion[ >]", raw, re.S).group(0).find("Signature") < 0,
              "upstream Response unsigned, its assertion signed")
        unsigned = re.sub(sig, "", raw, flags=re.S)
        check(unsigned != raw and refused(post(unsigned, rs)),
              "assertion with its signature removed refused")
        raw, rs = upstream_round("rs5")
        tampered = raw.replace(">Jan<", ">Piet<", 1)
        check(tampered != raw and refused(post(tampered, rs)),
              "assertion with a changed value refused")
        raw, rs = upstream_round("rs6")
        r5 = post(raw, rs)
        check(r5.status_code == 200 and saml_response(r5.text)[0] is not None,
              "the untouched assertion-signed response is accepted")
        check(P.alive() and U.alive(), "both poortds alive")

        # an upstream ECK iD is checked where it comes in: a malformed one is dropped.
        # U never sends one (its own output check), so P takes eckId from U's mail.
        P.stop()
        P.extra_saml = [x.replace("map eckId urn:mace:surf.nl:attribute-def:eckid",
                                  "map eckId urn:oid:0.9.2342.19200300.100.1.3")
                        for x in P.extra_saml]
        P.add_account = lambda: None
        P.start()
        reqid7, u7 = redirect_url(c1, P.entity_id, relay="rs8", force_authn="true")
        ff = form_fields(login(s, s.get(u7, timeout=30).text, base=U.base).text)
        r7 = s.post(P.base + "/saml/acs", data=ff, timeout=30)
        resp7 = saml_response(r7.text)[0]
        ar7 = resp7 and c1.parse_authn_request_response(resp7, BINDING_HTTP_POST,
                                                        outstanding={reqid7: "/"})
        got7 = {n for (n, f) in attrs(ar7)} if ar7 else set()
        check(ar7 and URI_NAMES["uid"] in got7 and URI_NAMES["eckId"] not in got7,
              "a malformed upstream ECK iD is not passed on")
        check(P.log_has("upstream eckId is not an ECK iD"), "P logs the dropped ECK iD")
        # P's metadata (IdP and, in proxy mode, SP role) is schema-valid too
        check(schema_valid(os.path.join(work, "proxy"), "p-metadata.xml", P.idp_metadata),
              "proxy-mode metadata valid against the OASIS schema")

        # security defect 7: a user id from another scope is not ours. P now expects
        # ad2.school.example; U still says jan.student@ad.school.example, which
        # before the fix became our jan.student@school.example.
        P.stop()
        P.extra_saml = [x.replace('"ad.school.example"', '"ad2.school.example"')
                        for x in P.extra_saml]
        P.start()
        raw, rs = upstream_round("rs7")
        check("jan.student@ad.school.example" in raw, "upstream asserts its own scope")
        r6 = post(raw, rs)
        check(refused(r6), "user id from a scope P does not map is refused")
        check(P.log_has('error="user id not in the configured upstream scope"'), "P logs why")
        check(P.alive(), "P alive")
    finally:
        rc1, rc2 = P.stop(), U.stop()
        check(rc1 == 0 and rc2 == 0, "both stopped cleanly (rc=%s,%s)" % (rc1, rc2))
    if FAILS:
        print("%d check(s) failed" % len(FAILS))
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
