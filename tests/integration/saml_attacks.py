#!/usr/bin/python3
"""The attacks of issue 11 against poortd's SSO front, requests built by
pysaml2 as a real SP builds them:

- parameter pollution in HTTP-Redirect (a replayed, an hour-old, an unsigned
  where signing is required, an RSA-SHA1 and another SP's request behind a
  good one), and every protocol parameter sent twice;
- a present, wrong Destination (Redirect unsigned and signed, POST signed);
- login CSRF: an attacker's ctx and credentials posted from the victim's
  browser without the victim's login cookie;
- the guess limit: 45 guesses at one user from several addresses,
  interleaved with names that shared its slot in the old table;
- one address flooding login forms, and filling the replay cache, while
  other addresses' forms and requests go on.

usage: saml_attacks.py BUILD_DIR WORK_DIR
"""
import base64
import datetime
import re
import sys
import urllib.parse
import zlib

import requests
import urllib3
from requests.adapters import HTTPAdapter
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.xmldsig import SIG_RSA_SHA1, SIG_RSA_SHA256, DIGEST_SHA256

import saml_env as env
from saml_pysaml2 import (sp_client, redirect_url, form_fields, login, saml_response,
                          post_request_b64)

urllib3.disable_warnings()

SP1 = "https://sp1.example/saml"  # must sign
SP2 = "https://sp2.example/saml"  # may send unsigned requests
SP3 = "https://sp3.example/saml"  # may send unsigned requests
ACS = {SP1: "https://sp1.example/acs", SP2: "https://sp2.example/acs",
       SP3: "https://sp3.example/acs"}
IDP = "https://idp.school.example/saml"
VICTIM = "piet.leerling"
VICTIM_PW = "piets-eigen-wachtwoord-7"

DEST = "request sent to another destination"  # saml_strerror(SAML_EDEST), on the page
FAILS = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)


class Source(HTTPAdapter):
    """Connects from a given loopback address (127.0.0.0/8 is all loopback)."""

    def __init__(self, src):
        self.src = src
        super().__init__()

    def init_poolmanager(self, *a, **kw):
        kw["source_address"] = (self.src, 0)
        return super().init_poolmanager(*a, **kw)


def session(p, src=None):
    s = requests.Session()
    s.verify = p.https_crt
    s.trust_env = False
    if src is not None:
        s.mount("https://", Source(src))
    return s


def query_of(url):
    return url.split("?", 1)[1]


def param(query, name):
    for part in query.split("&"):
        if part.startswith(name + "="):
            return part[len(name) + 1:]
    return None


def encode_redirect(xml):
    d = zlib.compressobj(9, zlib.DEFLATED, -15)
    raw = d.compress(xml.encode()) + d.flush()
    return urllib.parse.quote(base64.b64encode(raw).decode(), safe="")


def unsigned_xml(client, dest):
    _, req = client.create_authn_request(dest, sign=False)
    return str(req)


def refused(r, what, code=400, reason=None):
    check(r.status_code == code and "SAMLResponse" not in r.text and
          (reason is None or reason in r.text), "%s (status %d)" % (what, r.status_code))


def old_fnv_slot(s):
    h = 2166136261
    for c in s.encode():
        h = ((h ^ c) * 16777619) & 0xffffffff
    return h % 1024


def pollution(p, s, c1, c2, c3, sso):
    """s has an SSO session: whatever got through would be answered at once."""
    get = lambda q: s.get(p.base + "/saml/sso?" + q, timeout=30)  # noqa: E731
    # good requests alone get assertions: what follows fails for the duplicate only
    _, u = redirect_url(c2, IDP, sign=False)
    r = get(query_of(u))
    check(saml_response(r.text)[0] is not None, "control: an SP2 request alone is answered")
    used = param(query_of(u), "SAMLRequest")

    _, u = redirect_url(c2, IDP, sign=False)
    refused(get("SAMLRequest=%s&SAMLRequest=%s" % (param(query_of(u), "SAMLRequest"), used)),
            "pollution: a replayed request behind a fresh one refused")
    xml = unsigned_xml(c2, sso)
    old = (datetime.datetime.utcnow() - datetime.timedelta(hours=1)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    stale = encode_redirect(re.sub(r'IssueInstant="[^"]+"', 'IssueInstant="%s"' % old, xml))
    _, u = redirect_url(c2, IDP, sign=False)
    refused(get("SAMLRequest=%s&SAMLRequest=%s" % (param(query_of(u), "SAMLRequest"), stale)),
            "pollution: a one-hour-old request behind a fresh one refused")
    _, signed = redirect_url(c1, IDP)
    _, unsigned = redirect_url(c1, IDP, sign=False)
    refused(get(query_of(signed) + "&SAMLRequest=" + param(query_of(unsigned), "SAMLRequest")),
            "pollution: an unsigned SP1 request behind a signed one refused")
    _, good = redirect_url(c1, IDP)
    _, sha1 = redirect_url(c1, IDP, sigalg=SIG_RSA_SHA1)
    refused(get(query_of(good) + "&" + query_of(sha1)),
            "pollution: an RSA-SHA1 request behind an RSA-SHA256 one refused")
    _, u2 = redirect_url(c2, IDP, sign=False)
    _, u3 = redirect_url(c3, IDP, sign=False)
    refused(get("SAMLRequest=%s&SAMLRequest=%s" % (param(query_of(u2), "SAMLRequest"),
                                                   param(query_of(u3), "SAMLRequest"))),
            "pollution: SP3's request behind SP2's refused")
    # each protocol parameter, twice
    _, u = redirect_url(c1, IDP)
    q = query_of(u)
    for name in ("RelayState", "SigAlg", "Signature"):
        refused(get(q + "&%s=%s" % (name, param(q, name))), "%s sent twice refused" % name)
    _, u = redirect_url(c2, IDP, sign=False)
    q = query_of(u)
    refused(get(q + "&SAML%52equest=" + param(q, "SAMLRequest")),
            "a percent-encoded second SAMLRequest refused")
    refused(get(q.replace("RelayState=", "RelayState=a;b")),
            "';' (lasso's other separator) in a parameter refused")
    # single logout reads the Redirect binding the same way
    _, u = redirect_url(c1, IDP)
    q = query_of(u)
    r = s.get(p.base + "/saml/slo?" + q + "&SigAlg=" + param(q, "SigAlg"), timeout=30)
    check(r.status_code == 400 and "malformed message" in r.text,
          "/saml/slo: SigAlg sent twice refused as such")
    r = s.get(p.base + "/saml/slo?SAMLRequest=a&SAMLResponse=b&SigAlg=x&Signature=y", timeout=30)
    check(r.status_code == 400 and "malformed message" in r.text,
          "/saml/slo: a SAMLRequest and a SAMLResponse together refused")
    _, req = post_request_b64(c2, IDP, sign=False)
    b64 = base64.b64encode(req.encode()).decode()
    refused(s.post(p.base + "/saml/sso", data=[("SAMLRequest", b64), ("SAMLRequest", b64)],
                   timeout=30), "POST binding: SAMLRequest twice refused")
    # an extra, unknown parameter does not disturb a signed request
    _, u = redirect_url(c1, IDP)
    r = get(query_of(u) + "&utm_source=x")
    check(saml_response(r.text)[0] is not None, "control: an unrelated parameter is ignored")
    check(p.log_has(r"detail=parameter\x20SAMLRequest\x20sent\x20more\x20than\x20once"),
          "pollution logged with its reason")


def destination(p, s, c1, c2, sso):
    evil = "https://evil.example/saml/sso"
    _, req = c2.create_authn_request(evil, sign=False)
    info = c2.apply_binding(BINDING_HTTP_REDIRECT, str(req), destination=sso, relay_state="d",
                            sign=False)
    refused(s.get(dict(info["headers"])["Location"], timeout=30),
            "wrong Destination refused (Redirect, unsigned)", reason=DEST)
    _, req = c1.create_authn_request(evil, sign=False)
    info = c1.apply_binding(BINDING_HTTP_REDIRECT, str(req), destination=sso, relay_state="d",
                            sign=True, sigalg=SIG_RSA_SHA256)
    refused(s.get(dict(info["headers"])["Location"], timeout=30),
            "wrong Destination refused (Redirect, signed)", reason=DEST)
    _, req = c1.create_authn_request(evil, binding=BINDING_HTTP_POST, sign=True,
                                     sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256)
    refused(s.post(p.base + "/saml/sso",
                   data={"SAMLRequest": base64.b64encode(str(req).encode()).decode()},
                   timeout=30), "wrong Destination refused (POST, signed)", reason=DEST)
    _, req = post_request_b64(c1, IDP, sign=True)
    r = s.post(p.base + "/saml/sso",
               data={"SAMLRequest": base64.b64encode(req.encode()).decode()}, timeout=30)
    check(saml_response(r.text)[0] is not None and 'Destination="%s"' % sso in req,
          "control: the right Destination (POST, signed) is answered")


def csrf(p, c1, c2):
    attacker, victim = session(p), session(p)
    _, u = redirect_url(c2, IDP, sign=False)
    page = attacker.get(u, timeout=30)
    setc = page.headers.get("Set-Cookie", "")
    f = form_fields(page.text)
    check(setc.startswith("__Host-poort_login_%s=" % f["ctx"][:16]) and "Path=/;" in setc and
          "Secure" in setc and "HttpOnly" in setc and "SameSite=Lax" in setc and
          "Domain" not in setc, "the form's own login cookie is __Host-, Secure, HttpOnly,"
          " SameSite=Lax: %s" % setc[:36])
    # the victim has a login page of its own open (and so a login cookie)
    _, u = redirect_url(c1, IDP)
    check('name="password"' in victim.get(u, timeout=30).text, "victim has a login form open")
    form = {"ctx": f["ctx"], "lang": "nl", "username": env.USER, "password": env.PASSWORD}
    r = victim.post(p.base + "/saml/login", data=form, headers={"Origin": "null"}, timeout=30)
    refused(r, "attacker's ctx posted from the victim's browser refused", 403)
    check("poort_sso" not in r.headers.get("Set-Cookie", "") and
          "poort_sso" not in victim.cookies, "no session for the victim's browser")
    _, u = redirect_url(c2, IDP, sign=False)
    r = victim.get(u, timeout=30)
    check('name="password"' in r.text and "SAMLResponse" not in r.text,
          "victim's next SSO asks for a password, not the attacker's assertion")
    bare = session(p)
    refused(bare.post(p.base + "/saml/login", data=form, timeout=30),
            "the same from a browser without any login cookie refused", 403)
    refused(attacker.post(p.base + "/saml/login", data=form,
                          headers={"Origin": "https://evil.example"}, timeout=30),
            "a foreign Origin refused even with the cookie", 403)
    r = attacker.post(p.base + "/saml/login", data=form, headers={"Origin": "null"}, timeout=30)
    check(saml_response(r.text)[0] is not None,
          "the genuine post (Origin: null, its cookie) logs in")
    check("Max-Age=0" in r.headers.get("Set-Cookie", ""), "and the used form's cookie goes")
    # two tabs: each open form has its own cookie, the older one still works
    tabs = session(p)
    _, u = redirect_url(c2, IDP, sign=False)
    first = tabs.get(u, timeout=30).text
    _, u = redirect_url(c1, IDP)
    second = tabs.get(u, timeout=30).text
    r = login(tabs, first, base=p.base)
    check(saml_response(r.text)[0] is not None, "with two login forms open the first logs in")
    check('name="password"' in second, "(the second was shown too)")


def guesses(p, c2):
    p.ctl("add", VICTIM, "--given", "Piet", "--surname", "Leerling", "--number", "654321",
          "--affiliation", "student", "--password-stdin", stdin=VICTIM_PW + "\n")
    target = old_fnv_slot("u:" + VICTIM)
    names = []
    i = 0
    while len(names) < 45:
        if old_fnv_slot("u:g%d" % i) == target:
            names.append("g%d" % i)
        i += 1
    limited = 0
    for k in range(45):
        src = "127.0.0.%d" % (10 + k // 9)  # 9 guesses (and 9 others) per address
        if k % 9 == 0:
            s = session(p, src)
            _, u = redirect_url(c2, IDP, sign=False)
            page = s.get(u, timeout=30).text
        page = login(s, page, user=VICTIM, password="guess-%d" % k, base=p.base).text
        if "Te veel pogingen" in page:
            limited += 1
        page = login(s, page, user=names[k], password="guess", base=p.base).text
    evaluated = len(re.findall(r"result=reject user=%s addr=\S+ reason=wrong-password" %
                               re.escape(VICTIM), p.log_text()))
    check(evaluated == 10 and limited == 35,
          "45 guesses with colliding names between: %d evaluated, %d refused" %
          (evaluated, limited))
    s = session(p, "127.0.0.20")
    _, u = redirect_url(c2, IDP, sign=False)
    page = login(s, s.get(u, timeout=30).text, user=VICTIM, password=VICTIM_PW, base=p.base)
    check("Te veel pogingen" in page.text and "SAMLResponse" not in page.text,
          "the right password is refused while the user is blocked")


def flood(p, c1, c2, sso):
    victim = session(p, "127.0.0.30")
    _, u = redirect_url(c2, IDP, sign=False)
    vpage = victim.get(u, timeout=30).text
    check('name="password"' in vpage, "victim's login form is open")
    tmpl = unsigned_xml(c2, sso)
    flooder = session(p, "127.0.0.31")
    opened = refused_at = 0
    why = ""
    for i in range(2300):
        xml = re.sub(r' ID="[^"]+"', ' ID="_flood%06d"' % i, tmpl, count=1)
        flooder.cookies.clear()  # a flooder keeps no login cookies (a form's each)
        r = flooder.get(p.base + "/saml/sso?SAMLRequest=" + encode_redirect(xml), timeout=30)
        if r.status_code == 200 and 'name="password"' in r.text:
            opened += 1
        elif refused_at == 0:
            refused_at, why = i, r.text
            if r.status_code != 400:
                break
        if refused_at and i > refused_at + 5:
            break
    check(opened > 256, "one address opened %d login forms" % opened)
    r = login(victim, vpage, base=p.base)
    check(saml_response(r.text)[0] is not None,
          "another address's open form survived the flood and logs in")
    check(refused_at == 2048, "the flooding address is refused after its share of the replay"
          " cache (2048 IDs), at request %d" % refused_at)
    check("replay cache or log queue full" in why, "the refusal says why")
    other = session(p, "127.0.0.32")
    _, u = redirect_url(c2, IDP, sign=False)
    check('name="password"' in other.get(u, timeout=30).text,
          "another address's SP2 request is still accepted")
    _, u = redirect_url(c1, IDP)
    check('name="password"' in other.get(u, timeout=30).text,
          "another SP's request is still accepted")


def main():
    build, work = sys.argv[1], sys.argv[2]
    p = None
    try:
        p = env.Poortd(build, work, [])
        d = p.keys
        sp_key, sp_crt = env.make_key(d, "sp", "test sp")
        mds = []
        for ent, signed in ((SP1, True), (SP2, False), (SP3, False)):
            eid, xml = env.sp_metadata(ent, [ACS[ent]], sp_crt, signed, False)
            mds.append(env.sign_metadata(d, "md-" + ent.split("/")[2], eid, xml, p.fed_key,
                                         p.fed_crt))
        p.sps = [(SP1, ["givenName"], "transient", mds[0]),
                 (SP2, ["givenName"], "transient", mds[1]),
                 (SP3, ["sn"], "transient", mds[2])]
        p.start()
        sso = p.base + "/saml/sso"
        c1 = sp_client(p, SP1, sp_key, sp_crt, True)
        import saml_pysaml2
        saml_pysaml2.ACS.update(ACS)
        c2 = sp_client(p, SP2, sp_key, sp_crt, False)
        c3 = sp_client(p, SP3, sp_key, sp_crt, False)
        s = session(p)
        _, u = redirect_url(c1, IDP)
        r = login(s, s.get(u, timeout=30).text, base=p.base)
        check(saml_response(r.text)[0] is not None, "logged in (the attacks run in a session)")
        pollution(p, s, c1, c2, c3, sso)
        destination(p, s, c1, c2, sso)
        csrf(p, c1, c2)
        guesses(p, c2)
        flood(p, c1, c2, sso)
        check(p.alive(), "poortd survived everything")
    finally:
        rc = p.stop() if p is not None else 1
        check(rc == 0, "poortd stopped cleanly (rc=%s)" % rc)
    if FAILS:
        print("%d check(s) failed" % len(FAILS))
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
