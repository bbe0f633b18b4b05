#!/usr/bin/env python3
"""Writes the seed corpora of fuzz_saml_sso and fuzz_http_front; the output
is committed. The AuthnRequests have the shapes the SPs of
tests/integration send (pysaml2's ns0/ns1 prefixes and transient NameID
over POST, mod_auth_mellon/lasso's signed Redirect with Consent and
ForceAuthn/IsPassive spelled out, the Shibboleth SP's AllowCreate="1"
with the Issuer's own namespace), with @ID@ and @NOW@ for what the
harness fills in. See the harnesses for the formats.
    web_seeds.py
"""
import os

here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SP1, ACS1 = "https://sp1.fuzz.example/saml", "https://sp1.fuzz.example/acs"
SP2, ACS2 = "https://sp2.fuzz.example/saml", "https://sp2.fuzz.example/acs"
DEST = "https://idp.school.example/saml/sso"
P, A = "urn:oasis:names:tc:SAML:2.0:protocol", "urn:oasis:names:tc:SAML:2.0:assertion"
POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
NF = "urn:oasis:names:tc:SAML:2.0:nameid-format:"
REDIRECT, SIGN, LOGIN, WRONG, AGAIN, LOGOUT, EN = 1, 2, 4, 8, 16, 32, 64


def write(target, name, data):
    d = os.path.join(here, target, "corpus")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def pysaml2(sp, acs, fmt="transient", extra=""):
    return ('<ns0:AuthnRequest xmlns:ns0="%s" xmlns:ns1="%s" AssertionConsumerServiceURL="%s"'
            ' Destination="%s" ID="@ID@" IssueInstant="@NOW@" ProtocolBinding="%s"'
            ' Version="2.0"%s><ns1:Issuer Format="%sentity">%s</ns1:Issuer>'
            '<ns0:NameIDPolicy AllowCreate="false" Format="%s%s"/></ns0:AuthnRequest>'
            % (P, A, acs, DEST, POST, extra, NF, sp, NF, fmt))


def mellon(sp, acs, force="false", passive="false", body=""):
    return ('<samlp:AuthnRequest xmlns:samlp="%s" xmlns:saml="%s" ID="@ID@" Version="2.0"'
            ' IssueInstant="@NOW@" Destination="%s"'
            ' Consent="urn:oasis:names:tc:SAML:2.0:consent:current-implicit" ForceAuthn="%s"'
            ' IsPassive="%s" AssertionConsumerServiceURL="%s"><saml:Issuer>%s</saml:Issuer>'
            '<samlp:NameIDPolicy Format="%stransient" AllowCreate="true"/>%s'
            '</samlp:AuthnRequest>' % (P, A, DEST, force, passive, acs, sp, NF, body))


def shib(sp, acs_attr):
    return ('<samlp:AuthnRequest xmlns:samlp="%s" %s Destination="%s" ID="@ID@"'
            ' IssueInstant="@NOW@" ProtocolBinding="%s" Version="2.0">'
            '<saml:Issuer xmlns:saml="%s">%s</saml:Issuer><samlp:NameIDPolicy AllowCreate="1"/>'
            '</samlp:AuthnRequest>' % (P, acs_attr, DEST, POST, A, sp))


def sso(flags, relay, xml):
    r = relay.encode()
    return bytes([flags, len(r)]) + r + xml.encode()


full = LOGIN | AGAIN | LOGOUT
t = "saml_sso"
write(t, "pysaml2-post", sso(full, "", pysaml2(SP2, ACS2)))
write(t, "pysaml2-post-signed", sso(SIGN | full, "/app", pysaml2(SP1, ACS1, "persistent")))
write(t, "pysaml2-unsigned-refused", sso(full, "", pysaml2(SP1, ACS1)))
write(t, "mellon-redirect-signed", sso(REDIRECT | SIGN | full | EN, "https://sp1.fuzz.example/x",
                                       mellon(SP1, ACS1)))
write(t, "mellon-redirect-wrong-pw", sso(REDIRECT | SIGN | LOGIN | WRONG, "",
                                         mellon(SP1, ACS1)))
write(t, "mellon-passive", sso(REDIRECT | SIGN, "", mellon(SP1, ACS1, passive="true")))
write(t, "mellon-force", sso(REDIRECT | SIGN | full, "", mellon(SP1, ACS1, force="true")))
write(t, "mellon-authncontext", sso(
    REDIRECT | SIGN | full, "",
    mellon(SP1, ACS1, body='<samlp:RequestedAuthnContext Comparison="exact">'
           '<saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:'
           'PasswordProtectedTransport</saml:AuthnContextClassRef>'
           '</samlp:RequestedAuthnContext><samlp:Scoping ProxyCount="1"/>')))
write(t, "shib-post", sso(full, "ss:mem:1234", shib(SP2, 'AssertionConsumerServiceURL="%s"'
                                                    % ACS2)))
write(t, "shib-index", sso(REDIRECT | full, "", shib(SP2, 'AssertionConsumerServiceIndex="0"')))
write(t, "no-acs", sso(full, "", shib(SP2, "")))
write(t, "wrong-acs", sso(full, "", pysaml2(SP2, "https://evil.example/acs")))
write(t, "unknown-sp", sso(full, "", pysaml2("https://sp9.example/saml", ACS2)))
write(t, "old", sso(full, "", pysaml2(SP2, ACS2).replace("@NOW@", "2020-01-01T00:00:00Z")))
write(t, "replayed", sso(AGAIN, "", pysaml2(SP2, ACS2).replace("@ID@", "_same")))
write(t, "unspecified", sso(full, "", pysaml2(SP2, ACS2, "unspecified")))
write(t, "relay-long", sso(full, "r" * 81, pysaml2(SP2, ACS2)))

h = "http_front"
write(h, "metadata", b"\0GET /saml/metadata HTTP/1.1\nHost: idp.school.example\n\n")
write(h, "sso-redirect", b"\0GET /saml/sso?SAMLRequest=@SAMLREQ@&RelayState=abc HTTP/1.1\n"
      b"Accept-Language: en-GB,en;q=0.8\n\n")
write(h, "sso-post", b"\0POST /saml/sso HTTP/1.1\nContent-Type: application/x-www-form-urlencoded"
      b"\n\nSAMLRequest=@SAMLPOST@&RelayState=%2Fapp")
write(h, "sso-duplicate", b"\0GET /saml/sso?SAMLRequest=@SAMLREQ@&SAMLRequest=x&RelayState=a"
      b"&RelayState=b HTTP/1.1\n\n")
write(h, "sso-no-query", b"\0GET /saml/sso HTTP/1.1\n\n#\nPOST /saml/sso HTTP/1.1\n\n%zz=&&=")
write(h, "login", b"\1POST /saml/login HTTP/1.1\nContent-Type: application/x-www-form-urlencoded"
      b"\nOrigin: https://idp.school.example\nCookie: poort_sso=00\n\nctx=@CTX@&lang=nl&username=anna&password=correct+horse")
write(h, "login-form", b"\1POST /saml/login HTTP/1.1\nContent-Type: application/x-www-form-urlencoded"
      b"\nOrigin: https://idp.school.example\nCookie: @COOKIE@\n\n@FORM@&username=anna&password=correct+horse")
write(h, "login-wrong", b"\1POST /saml/login HTTP/1.1\n\nctx=@CTX@&lang=en&username=Anna"
      b"&password=%00wrong#\nPOST /saml/login HTTP/1.1\n\nctx=@CTX@&username=anna&password=")
write(h, "login-lang", b"\1GET /saml/login?ctx=@CTX@&lang=en HTTP/1.1\n\n#\n"
      b"GET /saml/login?lang=nl&ctx=@CTX@&ctx=x HTTP/1.1\nAccept-Language: nl\n\n")
write(h, "session", b"\2GET /saml/sso?SAMLRequest=@SAMLREQ@ HTTP/1.1\nCookie: @COOKIE@\n\n#\n"
      b"GET /saml/sso?SAMLRequest=@SAMLREQ@ HTTP/1.1\nCookie: a=b; @COOKIE@; c\n\n")
write(h, "logout", b"\2GET /saml/logout HTTP/1.1\nCookie: @COOKIE@\n\n#\n"
      b"GET /saml/logout HTTP/1.1\nCookie: poort_sso=; poort_sso=x\n\n")
write(h, "acs", b"\0POST /saml/acs HTTP/1.1\n\nSAMLResponse=PHg%2B&RelayState=@CTX@")
write(h, "slo", b"\2GET /saml/slo?SAMLRequest=@SAMLREQ@&RelayState=x HTTP/1.1\n"
      b"Cookie: @COOKIE@\n\n#\nGET /saml/slo?SAMLResponse=abc HTTP/1.1\n\n")
write(h, "not-found", b"\0HEAD /saml/metadata/../x?y HTTP/1.1\n\n#\nGET /" + b"a" * 70 +
      b" HTTP/1.1\n\n#\nGET http://idp.school.example/saml/metadata HTTP/1.1\n\n")
