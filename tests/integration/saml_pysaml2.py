#!/usr/bin/python3
"""SSO against poortd with pysaml2 as the SP, in-process, plus attacks.

usage: saml_pysaml2.py BUILD_DIR WORK_DIR
"""
import base64
import datetime
import html
import os
import re
import sqlite3
import sys
import time
import zlib

import requests
import urllib3
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.xmldsig import SIG_RSA_SHA1, SIG_RSA_SHA256, DIGEST_SHA256

import saml_env as env

urllib3.disable_warnings()

SP1 = "https://sp1.example/saml"  # signs requests, has an encryption key
SP2 = "https://sp2.example/saml"  # unsigned requests allowed, no encryption key
SP3 = "https://sp3.example/saml"  # in expired metadata
SP4 = "https://sp4.example/saml"  # in metadata signed by the wrong key
SP5 = "https://sp5.example/saml"  # in metadata, but no release rule
ACS = {SP1: "https://sp1.example/acs", SP2: "https://sp2.example/acs",
       SP5: "https://sp5.example/acs"}
REL1 = ["uid", "givenName", "sn", "eduPersonAffiliation", "mail", "eckId",
        "nlEduPersonHomeOrganizationId"]
REL2 = ["givenName", "pairwise-id"]

FAILS = []
SIG_RE = r"<(?:\w+:)?Signature[ >].*</(?:\w+:)?Signature>"


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)


def sp_client(p, entity, sp_key, sp_crt, signed):
    conf = {
        "entityid": entity,
        "key_file": sp_key,
        "cert_file": sp_crt,
        "encryption_keypairs": [{"key_file": sp_key, "cert_file": sp_crt}],
        "xmlsec_binary": "/usr/bin/xmlsec1",
        "allow_unknown_attributes": True,
        "metadata": {"local": [p.idp_md_file]},
        "signing_algorithm": SIG_RSA_SHA256,
        "digest_algorithm": DIGEST_SHA256,
        "service": {"sp": {
            "endpoints": {"assertion_consumer_service": [(ACS[entity], BINDING_HTTP_POST)]},
            "authn_requests_signed": signed,
            "want_assertions_signed": True,
            "want_response_signed": False,
            "allow_unsolicited": False,
        }},
    }
    c = SPConfig()
    c.load(conf)
    return Saml2Client(config=c)


def redirect_url(client, idp, sign=True, sigalg=SIG_RSA_SHA256, relay="rs1", **kw):
    reqid, info = client.prepare_for_authenticate(
        entityid=idp, relay_state=relay, binding=BINDING_HTTP_REDIRECT, sign=sign,
        sigalg=sigalg if sign else None, **kw)
    loc = dict(info["headers"])["Location"]
    return reqid, loc


NF_URI = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"
# the uri profile (the default for an SP that is not Entree): exact Names a peer reads
URI_NAMES = {
    "uid": "urn:oid:0.9.2342.19200300.100.1.1",
    "givenName": "urn:oid:2.5.4.42",
    "sn": "urn:oid:2.5.4.4",
    "eduPersonAffiliation": "urn:oid:1.3.6.1.4.1.5923.1.1.1.1",
    "mail": "urn:oid:0.9.2342.19200300.100.1.3",
    "eckId": "urn:mace:surf.nl:attribute-def:eckid",
    "nlEduPersonHomeOrganizationId":
        "urn:mace:surffederatie.nl:attribute-def:nlEduPersonHomeOrganizationId",
    "pairwise-id": "urn:oasis:names:tc:SAML:attribute:pairwise-id",
}


def attrs(ar):
    """{(Name, NameFormat): [values]} exactly as the assertion carries them."""
    return {(a.name, a.name_format): [v.text for v in a.attribute_value]
            for st in ar.assertion.attribute_statement for a in st.attribute}


def form_fields(text):
    return {m.group(1): html.unescape(m.group(2))
            for m in re.finditer(r'name="([^"]+)" value="([^"]*)"', text)}


def login(sess, page, user=env.USER, password=env.PASSWORD, base=None):
    f = form_fields(page)
    return sess.post(base + "/saml/login", data={"ctx": f["ctx"], "lang": f.get("lang", "nl"),
                                                 "username": user, "password": password},
                     timeout=30)


def saml_response(text):
    f = form_fields(text)
    return f.get("SAMLResponse"), f.get("RelayState")


def post_request_b64(client, idp, sign):
    reqid, req = client.create_authn_request(
        client.sso_location(idp, BINDING_HTTP_POST), binding=BINDING_HTTP_POST, sign=sign,
        sign_alg=SIG_RSA_SHA256 if sign else None, digest_alg=DIGEST_SHA256 if sign else None)
    return reqid, str(req)


def main():
    build, work = sys.argv[1], sys.argv[2]
    p = None
    try:
        import os
        p = env.Poortd(build, work, [])
        d = p.keys
        sp_key, sp_crt = env.make_key(d, "sp", "test sp")
        other_key, other_crt = env.make_key(d, "other", "not the federation")
        mds = []
        for ent, signed, enc in ((SP1, True, True), (SP2, False, False), (SP5, False, False)):
            eid, xml = env.sp_metadata(ent, [ACS[ent]], sp_crt, signed, enc)
            mds.append(env.sign_metadata(d, "md-" + ent.split("/")[2], eid, xml, p.fed_key,
                                         p.fed_crt))
        eid, xml = env.sp_metadata(SP3, ["https://sp3.example/acs"], sp_crt, False, False,
                                   valid_until="2020-01-01T00:00:00Z")
        expired = env.sign_metadata(d, "md-sp3", eid, xml, p.fed_key, p.fed_crt)
        eid, xml = env.sp_metadata(SP4, ["https://sp4.example/acs"], sp_crt, False, False)
        wrong = env.sign_metadata(d, "md-sp4", eid, xml, other_key, other_crt)
        p.sps = [(SP1, REL1, "uid", mds[0]), (SP2, REL2, "persistent", mds[1])]
        p.extra_metadata = [mds[2], expired, wrong]
        p.start()
        idp = "https://idp.school.example/saml"
        log = p.log_text()
        check("metadata refused source=" + expired in log and "validUntil has passed" in log,
              "expired metadata refused with a log line")
        check("metadata refused source=" + wrong in log, "wrongly signed metadata refused")
        check("<ds:Signature" in p.idp_metadata and "rsa-sha256" in p.idp_metadata,
              "IdP metadata is signed with RSA-SHA256")
        check(p.idp_metadata.count("<md:KeyDescriptor") == 2,
              "IdP metadata carries the rollover certificate")

        c1 = sp_client(p, SP1, sp_key, sp_crt, True)
        c2 = sp_client(p, SP2, sp_key, sp_crt, False)
        s = requests.Session()
        s.verify = p.https_crt
        s.trust_env = False

        # 1. Redirect binding, signed request, login, encrypted assertion
        reqid, url = redirect_url(c1, idp)
        r = s.get(url, timeout=30)
        check(r.status_code == 200 and 'name="password"' in r.text, "login page shown")
        check("<script" not in r.text, "login page has no script")
        h = r.headers
        check("max-age" in h.get("Strict-Transport-Security", "") and
              h.get("X-Content-Type-Options") == "nosniff" and
              "frame-ancestors 'none'" in h.get("Content-Security-Policy", "") and
              h.get("Cache-Control") == "no-store", "security headers on the login page")
        check('lang="en"' not in r.text and "Inloggen" in r.text, "Dutch by default")
        bad = login(s, r.text, password="wrong-password", base=p.base)
        check("klopt niet" in bad.text or "is wrong" in bad.text, "wrong password: clear error")
        r2 = login(s, bad.text, base=p.base)
        cookie = r2.headers.get("Set-Cookie", "")
        check("Secure" in cookie and "HttpOnly" in cookie and "SameSite" in cookie,
              "session cookie is Secure, HttpOnly, SameSite")
        resp, relay = saml_response(r2.text)
        check(resp is not None and relay == "rs1", "auto-POST form with RelayState")
        raw = base64.b64decode(resp).decode()
        check("EncryptedAssertion" in raw and "Wachtwoord" not in raw,
              "assertion is encrypted for SP1")
        # look at the Algorithm attributes only: "gcm" can turn up by chance in
        # the base64 of the ciphertext (it did, once in CI)
        algs = re.findall(r'Algorithm="([^"]+)"', raw)
        check("http://www.w3.org/2001/04/xmlenc#aes128-cbc" in algs and
              not any("gcm" in a for a in algs),
              "SP1 advertises no AES-GCM: AES-CBC (%s)" % sorted(set(algs)))
        ar = c1.parse_authn_request_response(resp, BINDING_HTTP_POST, outstanding={reqid: "/"})
        # one signature per login: on the assertion (inside the encryption), not the Response
        sig = ar.assertion.signature
        check(sig is not None and sig.signed_info.signature_method.algorithm.endswith("rsa-sha256")
              and all(r.digest_method.algorithm.endswith("sha256")
                      for r in sig.signed_info.reference),
              "assertion signed with RSA-SHA256")
        check("<ds:Signature" not in raw.split("EncryptedAssertion")[0],
              "Response itself unsigned (one RSA signature per login)")
        ava = attrs(ar)
        want = {(URI_NAMES[n], NF_URI) for n in REL1}
        check(set(ava) == want, "SP1 got exactly its attributes, uri profile Name and"
              " NameFormat: %s" % sorted(ava))
        check(ava.get((URI_NAMES["uid"], NF_URI)) == ["jan.student@school.example"], "uid value")
        check(str(ar.name_id.text) == "jan.student@school.example", "Entree NameID equals uid")
        check(ava.get((URI_NAMES["eckId"], NF_URI), [""])[0] ==
              "https://ketenid.nl/201703/" + "ab" * 64, "eckId value")
        authn = ar.assertion.authn_statement[0]
        check(authn.session_index is not None and len(authn.session_index) > 8,
              "AuthnStatement carries a SessionIndex")
        a = ar.assertion
        check(a.conditions.not_before is not None and a.conditions.not_on_or_after is not None,
              "NotBefore/NotOnOrAfter set")
        check(a.conditions.audience_restriction[0].audience[0].text == SP1,
              "audience restricted to SP1")

        # 2. POST binding from SP2 within the session: no password, other attributes
        reqid2, req2 = post_request_b64(c2, idp, sign=False)
        r3 = s.post(p.base + "/saml/sso",
                    data={"SAMLRequest": base64.b64encode(req2.encode()).decode(),
                          "RelayState": "x"}, timeout=30)
        resp2, _ = saml_response(r3.text)
        check(resp2 is not None and 'name="password"' not in r3.text,
              "second SP within the session needs no password")
        ar2 = c2.parse_authn_request_response(resp2, BINDING_HTTP_POST,
                                              outstanding={reqid2: "/"})
        ava2 = attrs(ar2)
        check(set(ava2) == {(URI_NAMES[n], NF_URI) for n in REL2},
              "SP2 got exactly its attributes: %s" % sorted(ava2))
        check(not any(n in (URI_NAMES["sn"], URI_NAMES["uid"]) for n, _ in ava2),
              "unreleased attributes never appear")
        nid2 = str(ar2.name_id.text)
        check(ar2.name_id.format.endswith("persistent") and "jan" not in nid2,
              "persistent pairwise NameID is not the username")
        check("EncryptedAssertion" not in base64.b64decode(resp2).decode(),
              "no encryption without an SP key")

        # 3. same SP again: same pairwise NameID
        reqid3, req3 = post_request_b64(c2, idp, sign=False)
        r4 = s.post(p.base + "/saml/sso",
                    data={"SAMLRequest": base64.b64encode(req3.encode()).decode()}, timeout=30)
        ar3 = c2.parse_authn_request_response(saml_response(r4.text)[0], BINDING_HTTP_POST,
                                              outstanding={reqid3: "/"})
        check(str(ar3.name_id.text) == nid2, "pairwise NameID is stable")

        # 4. SP5 has metadata but no release rule: default deny
        c5conf = sp_client(p, SP5, sp_key, sp_crt, False)
        reqid5, req5 = post_request_b64(c5conf, idp, sign=False)
        r5 = s.post(p.base + "/saml/sso",
                    data={"SAMLRequest": base64.b64encode(req5.encode()).decode()}, timeout=30)
        ar5 = c5conf.parse_authn_request_response(saml_response(r5.text)[0], BINDING_HTTP_POST,
                                                  outstanding={reqid5: "/"})
        check(ar5.get_identity() == {}, "SP without a rule gets no attributes")

        # 5. ForceAuthn: login page despite the session
        _, url = redirect_url(c1, idp, force_authn="true")
        r6 = s.get(url, timeout=30)
        check('name="password"' in r6.text, "ForceAuthn asks for the password again")

        # 6. IsPassive: with the session an assertion at once; without one NoPassive
        _, url = redirect_url(c1, idp, is_passive="true")
        r7 = s.get(url, timeout=30)
        check('name="password"' not in r7.text and saml_response(r7.text)[0] is not None,
              "IsPassive within the session: an assertion, no login page")
        nosess = requests.Session()
        nosess.verify = p.https_crt
        nosess.trust_env = False
        _, url = redirect_url(c1, idp, is_passive="true")
        r8 = nosess.get(url, timeout=30)
        resp8 = saml_response(r8.text)[0]
        raw8 = base64.b64decode(resp8).decode() if resp8 else ""
        check('name="password"' not in r8.text and "status:NoPassive" in raw8 and
              "Assertion" not in raw8, "IsPassive without a session: status NoPassive, no"
              " assertion")

        # 7. the account is checked again at every assertion, with the rule RADIUS
        # uses: poortctl disable (or expiry) ends SSO at the next one
        def sso_refused(sess, what):
            _, url = redirect_url(c1, idp)
            r = sess.get(url, timeout=30)
            check('name="password"' in r.text and saml_response(r.text)[0] is None, what)
            return r

        def sso_ok(sess, what):
            _, url = redirect_url(c1, idp)
            r = sess.get(url, timeout=30)
            if 'name="password"' in r.text:
                r = login(sess, r.text, base=p.base)
            check(saml_response(r.text)[0] is not None, what)

        import time
        p.ctl("disable", env.USER)
        time.sleep(0.2)  # poortd's shared read snapshot of the store (100 ms)
        r = sso_refused(s, "disabled account: the SSO session gives no assertion")
        check("poort_sso=;" in r.headers.get("Set-Cookie", ""), "and its cookie is cleared")
        _, url = redirect_url(c1, idp, is_passive="true")
        r = s.get(url, timeout=30)
        check("status:NoPassive" in base64.b64decode(saml_response(r.text)[0] or b"").decode(),
              "disabled account: IsPassive gets NoPassive")
        _, url = redirect_url(c1, idp)
        r = login(s, s.get(url, timeout=30).text, base=p.base)
        check(saml_response(r.text)[0] is None, "disabled account: the right password is refused")
        check("session=ended" in p.log_text() and "reason=account-disabled" in p.log_text(),
              "the log says why")
        p.ctl("enable", env.USER)
        time.sleep(0.2)
        sso_ok(s, "enabled again: login works")
        sso_ok(s, "... and the session with it")
        yesterday = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400))
        p.ctl("expire", env.USER, yesterday)
        time.sleep(0.2)
        sso_refused(s, "expired account: the SSO session gives no assertion")
        check("reason=account-expired" in p.log_text(), "the log says expired")
        p.ctl("expire", env.USER, "never")
        time.sleep(0.2)
        sso_ok(s, "not expired any more: login works")

        # ---- attacks ----
        fresh = requests.Session()
        fresh.verify = p.https_crt
        fresh.trust_env = False

        def refused(resp, what):
            check(resp.status_code in (400, 413) and "SAMLResponse" not in resp.text, what)

        rid, url = redirect_url(c1, idp)
        fresh.get(url, timeout=30)
        refused(fresh.get(url, timeout=30), "replayed request refused")
        # checked in memory; the durable copy (loaded at start) is written in batches
        db = sqlite3.connect(os.path.join(p.work, "state", "poort.db"))
        for _ in range(50):
            row = db.execute("SELECT expires FROM saml_replay WHERE id=?", (rid,)).fetchone()
            if row is not None:
                break
            time.sleep(0.1)
        db.close()
        check(row is not None and row[0] > time.time(), "seen request ID stored for restarts")
        _, url = redirect_url(c1, idp, sign=False)
        refused(fresh.get(url, timeout=30), "unsigned request refused where the SP must sign")
        _, url = redirect_url(c1, idp, sigalg=SIG_RSA_SHA1)
        refused(fresh.get(url, timeout=30), "SHA-1 signed request refused")
        _, url = redirect_url(c1, idp)
        tampered = url.replace("rs1", "rs2")
        refused(fresh.get(tampered, timeout=30), "request with a broken signature refused")

        def post_xml(xml, what):
            refused(fresh.post(p.base + "/saml/sso",
                               data={"SAMLRequest": base64.b64encode(xml.encode()).decode()},
                               timeout=30), what)

        reqid, req = post_request_b64(c2, idp, sign=False)
        post_xml(req.replace(ACS[SP2], "https://evil.example/acs"),
                 "ACS URL not in metadata refused")
        post_xml(req.replace(SP2, "https://unknown.example/sp"), "unknown SP refused")
        post_xml(req.replace(SP2, SP3), "SP from expired metadata refused")
        post_xml(req.replace(SP2, SP4), "SP from wrongly signed metadata refused")
        post_xml(re.sub(r"(</(?:\w+:)?Issuer>)", r"<!-- x -->\1", req, count=1),
                 "comment inside Issuer refused")
        xxe = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
               + req.split("?>", 1)[-1].replace(SP2, SP2 + "&x;"))
        post_xml(xxe, "XXE payload refused")
        old = (datetime.datetime.utcnow() - datetime.timedelta(hours=2)).strftime(
            "%Y-%m-%dT%H:%M:%SZ")
        post_xml(re.sub(r'IssueInstant="[^"]+"', 'IssueInstant="%s"' % old, req),
                 "stale IssueInstant refused")
        post_xml("<not-xml", "malformed XML refused")

        # signature wrapping: a signed request wrapped into a forged one, and vice versa
        reqid, sreq = post_request_b64(c1, idp, sign=True)
        body = sreq.split("?>", 1)[-1]
        m = re.search(r' ID="([^"]+)"', body)
        ext = (re.search(r"<(\w+:)?AuthnRequest", body).group(1) or "") + "Extensions"
        forged = body.replace(' ID="%s"' % m.group(1), ' ID="_evil"', 1)
        forged = forged.replace(ACS[SP1], "https://evil.example/acs")
        wrap1 = re.sub(r"(<(?:\w+:)?AuthnRequest[^>]*>)",
                       lambda mm: mm.group(1) + "<%s>" % ext + body + "</%s>" % ext,
                       forged.replace(re.search(SIG_RE, forged, re.S).group(0), ""), count=1)
        post_xml(wrap1, "XSW: forged outer request around a signed one refused")
        end = re.search(r"</(?:\w+:)?AuthnRequest>", body).group(0)
        wrap2 = body.replace(end,
                             "<%s>" % ext + forged.replace(
                                 re.search(SIG_RE, forged, re.S).group(0), "") +
                             "</%s>" % ext + end)
        post_xml(wrap2, "XSW: forged request inside a signed one refused")
        post_xml(body.replace(ACS[SP1], ACS[SP1] + "x"), "XSW: modified signed content refused")

        # size caps: a deflate bomb and an oversized body
        bomb = zlib.compressobj(9, zlib.DEFLATED, -15)
        data = bomb.compress(b"<samlp:AuthnRequest " + b" " * (20 * 1024 * 1024)) + bomb.flush()
        r = fresh.get(p.base + "/saml/sso", params={"SAMLRequest": base64.b64encode(data)},
                      timeout=30)
        check(r.status_code in (400, 413), "deflate bomb refused")
        _, url = redirect_url(c1, idp, relay="r" * 200)
        refused(fresh.get(url, timeout=30), "over-long RelayState refused")

        # failed logins: the per-user limit (login_rate 10) stops guessing
        _, url = redirect_url(c2, idp, sign=False)
        page = fresh.get(url, timeout=30).text
        for _ in range(11):
            page = login(fresh, page, password="guess-guess", base=p.base).text
        check("Te veel pogingen" in page or "Too many attempts" in page,
              "password guessing is rate-limited per user")
        # the right password is refused too while the limit holds
        page = login(fresh, page, base=p.base).text
        check("SAMLResponse" not in page, "no login while rate-limited")

        # release log and policy through poortctl
        out = p.ctl("saml-log", env.USER).stdout
        check(SP1 in out and SP2 in out and "eckId" in out and "ketenid" not in out,
              "release log names attributes, never values")
        pol = p.ctl("saml-policy").stdout
        check("default deny" in pol and "pairwise-id" in pol, "poortctl shows the policy")
        check(p.alive(), "poortd survived everything")
        log = p.log_text()
        check(env.PASSWORD not in log and "wrong-password" in log,
              "no password in the log, reasons are")
    finally:
        rc = p.stop() if p is not None else 1
        check(rc == 0, "poortd stopped cleanly (rc=%s)" % rc)
    if FAILS:
        print("%d check(s) failed" % len(FAILS))
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
