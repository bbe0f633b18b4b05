#!/usr/bin/python3
"""poortd toward Entree's engine: a pysaml2 SP that plays the engine (its
entityID, metadata with WantAssertionsSigned and one POST ACS, no logout)
gets the mandatory set on every login with Entree's exact attribute Names
and NameFormat; an account without employeeNumber cannot log in; poortd -n
warns about an Entree rule that breaks Entree's rules; our metadata is valid
against the OASIS schemas from Debian's opensaml-schemas.

The ACS URL is only a name in the metadata: the test reads the auto-POST
form itself, nothing ever connects to it.

usage: saml_entree.py BUILD_DIR WORK_DIR
"""
import base64
import hashlib
import os
import re
import subprocess
import sys

import requests
import urllib3
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.xmldsig import SIG_RSA_SHA256, DIGEST_SHA256

import saml_env as env
from saml_pysaml2 import attrs, check, form_fields, login, saml_response, FAILS

urllib3.disable_warnings()

ENGINE = "https://engine.entree.kennisnet.nl/authentication/sp/metadata"
ENGINE_ACS = "https://engine.entree.kennisnet.nl/authentication/sp/consume-assertion"
NF_UNSPEC = "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified"
MANDATORY = ["uid", "employeeNumber", "givenName", "sn", "eduPersonAffiliation",
             "nlEduPersonHomeOrganizationId", "nlEduPersonHomeOrganization"]
OPTIONAL = ["nlEduPersonRealId", "nlEduPersonProfileId", "eckId"]
ECK = "https://ketenid.nl/201703/" + "0123456789abcdef" * 8
SCHEMAS = "/usr/share/xml/opensaml"
CATALOG = """<?xml version="1.0"?>
<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">
<uri name="http://www.w3.org/TR/2002/REC-xmldsig-core-20020212/xmldsig-core-schema.xsd"
     uri="file:///usr/share/xml/xmltooling/xmldsig-core-schema.xsd"/>
<uri name="http://www.w3.org/TR/2002/REC-xmlenc-core-20021210/xenc-schema.xsd"
     uri="file:///usr/share/xml/xmltooling/xenc-schema.xsd"/>
<uri name="http://www.w3.org/2001/xml.xsd" uri="file:///usr/share/xml/xmltooling/xml.xsd"/>
</catalog>
"""
# one schema that pulls in the metadata schema and the two extensions we use,
# all from Debian's packages (opensaml-schemas, xmltooling-schemas, shibboleth-sp-common)
ALL_XSD = """<?xml version="1.0"?>
<schema xmlns="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:poort:test">
<import namespace="urn:oasis:names:tc:SAML:2.0:metadata"
        schemaLocation="%s/saml-schema-metadata-2.0.xsd"/>
<import namespace="urn:oasis:names:tc:SAML:metadata:ui"
        schemaLocation="%s/sstc-saml-metadata-ui-v1.0.xsd"/>
<import namespace="urn:mace:shibboleth:metadata:1.0"
        schemaLocation="/usr/share/xml/shibboleth/shibboleth-metadata-1.0.xsd"/>
</schema>
""" % (SCHEMAS, SCHEMAS)


def schema_valid(work, name, xml):
    """xmllint --schema against the Debian schema files, offline."""
    cat, xsd = os.path.join(work, "catalog.xml"), os.path.join(work, "all.xsd")
    open(cat, "w").write(CATALOG)
    open(xsd, "w").write(ALL_XSD)
    f = os.path.join(work, name)
    open(f, "w").write(xml)
    r = subprocess.run(["xmllint", "--nonet", "--noout", "--schema", xsd, f],
                       env=dict(os.environ, XML_CATALOG_FILES=cat), capture_output=True,
                       text=True, timeout=60)
    if r.returncode != 0:
        print(r.stderr[-3000:])
    return r.returncode == 0


def engine_client(p, sp_key, sp_crt, entity=ENGINE, acs=ENGINE_ACS, want_signed=True):
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
            "endpoints": {"assertion_consumer_service": [(acs, BINDING_HTTP_POST)]},
            "authn_requests_signed": False,
            "want_assertions_signed": want_signed,
            "want_response_signed": not want_signed,
            "allow_unsolicited": False,
        }},
    }
    c = SPConfig()
    c.load(conf)
    return Saml2Client(config=c)


def login_page(p, client, en=False):
    s = requests.Session()
    s.verify = p.https_crt
    s.trust_env = False
    _, info = client.prepare_for_authenticate(entityid=p.entity_id, relay_state="e0",
                                              binding=BINDING_HTTP_REDIRECT, sign=False)
    page = s.get(dict(info["headers"])["Location"], timeout=30).text
    if en:
        ctx = form_fields(page)["ctx"]
        page = s.get(p.base + "/saml/login", params={"ctx": ctx, "lang": "en"}, timeout=30).text
    return page


MDUI = ('<md:Extensions><mdui:UIInfo xmlns:mdui="urn:oasis:names:tc:SAML:metadata:ui">'
        '<mdui:DisplayName xml:lang="en">Entree Federation &amp; co</mdui:DisplayName>'
        '<mdui:DisplayName xml:lang="nl">Entree Federatie &amp; co</mdui:DisplayName>'
        '</mdui:UIInfo></md:Extensions>')
ORG = ('<md:Organization><md:OrganizationName xml:lang="nl">Pin</md:OrganizationName>'
       '<md:OrganizationDisplayName xml:lang="nl">Gepinde Dienst</md:OrganizationDisplayName>'
       '<md:OrganizationURL xml:lang="nl">https://pin-doc.example/</md:OrganizationURL>'
       '</md:Organization>')


def sso(p, client, user, password=env.PASSWORD):
    """One login at the engine's request; (parsed response or None, last page)."""
    s = requests.Session()
    s.verify = p.https_crt
    s.trust_env = False
    reqid, info = client.prepare_for_authenticate(entityid=p.entity_id, relay_state="e1",
                                                  binding=BINDING_HTTP_REDIRECT, sign=False)
    page = s.get(dict(info["headers"])["Location"], timeout=30)
    r = login(s, page.text, user=user, password=password, base=p.base)
    resp, relay = saml_response(r.text)
    if resp is None:
        return None, r
    return client.parse_authn_request_response(resp, BINDING_HTTP_POST,
                                               outstanding={reqid: "/"}), r


def main():
    build, work = sys.argv[1], sys.argv[2]
    p = None
    try:
        p = env.Poortd(build, work, [])
        d = p.keys
        sp_key, sp_crt = env.make_key(d, "engine", "entree engine")
        # the engine's metadata: signed assertions wanted, one POST ACS, no logout, no
        # encryption key
        eid, xml = env.sp_metadata(ENGINE, [ENGINE_ACS], sp_crt, False, False)
        xml = re.sub(r"(<md:SPSSODescriptor[^>]*>)", lambda m: m.group(1) + MDUI, xml)
        md = env.sign_metadata(d, "md-engine", eid, xml, p.fed_key, p.fed_crt)
        p.sps = [(ENGINE, MANDATORY + OPTIONAL, "uid", md)]
        # metadata trust without the federation's key: pinned document, pinned
        # signing certificate; and one that matches neither
        other_key, other_crt = env.make_key(d, "otherfed", "other federation")
        pin_doc = os.path.join(d, "md-pin-doc.xml")
        open(pin_doc, "w").write(env.sp_metadata("https://pin-doc.example/saml",
                                                 ["https://pin-doc.example/acs"], sp_crt,
                                                 False, False)[1].replace(
            "</md:SPSSODescriptor>", "</md:SPSSODescriptor>" + ORG))
        doc_sha = hashlib.sha256(open(pin_doc, "rb").read()).hexdigest()
        eid, xml = env.sp_metadata("https://pin-cert.example/saml",
                                   ["https://pin-cert.example/acs"], sp_crt, False, False)
        tmpl = env.FED_SIG_TMPL
        env.FED_SIG_TMPL = tmpl.replace("<ds:SignatureValue/>", "<ds:SignatureValue/>"
                                        "<ds:KeyInfo><ds:X509Data/></ds:KeyInfo>")
        pin_cert = env.sign_metadata(d, "md-pin-cert", eid, xml, other_key, other_crt)
        env.FED_SIG_TMPL = tmpl
        cert_sha = hashlib.sha256(base64.b64decode(env.cert_body(other_crt))).hexdigest()
        pin_none = os.path.join(d, "md-pin-none.xml")
        open(pin_none, "w").write(open(pin_doc).read().replace("pin-doc", "pin-none"))
        pin_bad = os.path.join(d, "md-pin-bad.xml")
        open(pin_bad, "w").write(open(pin_cert).read().replace("pin-cert.example/acs",
                                                               "pin-bad.example/acs"))
        p.extra_metadata = [pin_doc, pin_cert, pin_none, pin_bad]
        # SPs that advertise AES-GCM for encryption (one wants signed assertions, one not)
        gcm = {}
        for ent, alg, want in (("https://gcm256.example/saml", "aes256-gcm", True),
                               ("https://gcm128.example/saml", "aes128-gcm", False)):
            acs = ent.replace("/saml", "/acs")
            eid, xml = env.sp_metadata(ent, [acs], sp_crt, False, True)
            xml = re.sub(r'(<md:KeyDescriptor use="encryption">.*?</ds:KeyInfo>)',
                         lambda m: m.group(1) + '<md:EncryptionMethod Algorithm="http://www.w3.org/'
                         '2009/xmlenc11#%s"/>' % alg, xml, flags=re.S)
            if not want:
                xml = xml.replace('WantAssertionsSigned="true"', 'WantAssertionsSigned="false"')
            gcm[ent] = (acs, alg, want)
            p.sps.append((ent, ["givenName", "sn"], "transient",
                          env.sign_metadata(d, "md-" + alg, eid, xml, p.fed_key, p.fed_crt)))
        p.extra_saml = [
            'organization_url "https://www.testschool.example"',
            'contact technical "ICT Testschool" "ict@testschool.example"',
            'contact support "Helpdesk Testschool" "help@testschool.example"',
            'display_name nl "De Testschool"',
            'display_name en "The Test School"',
            'information_url nl "https://www.testschool.example/sso"',
            'information_url en "https://www.testschool.example/sso/en"',
            'logo "https://www.testschool.example/logo.png" 80 60',
            'metadata_pin document %s' % doc_sha,
            'metadata_pin certificate %s' % ":".join(
                cert_sha[i:i + 2] for i in range(0, 64, 2)),
        ]
        p.start()
        # accounts: one with a student number and the ECK iD and a profile id, one
        # teacher (faculty, which Entree does not know), one without any number
        p.ctl("saml-attr", env.USER, "eckId", ECK)
        p.ctl("saml-attr", env.USER, "nlEduPersonProfileId", "profile-17")
        p.ctl("add", "kees.docent", "--given", "Kees", "--surname", "Jansen", "--number",
              "T-991", "--affiliation", "faculty", "--password-stdin",
              stdin=env.PASSWORD + "\n")
        p.ctl("add", "nonumber", "--given", "Nina", "--surname", "Zonder",
              "--affiliation", "student", "--password-stdin", stdin=env.PASSWORD + "\n")

        # -- metadata trusted by pins --
        st = p.ctl("saml-status").stdout
        line = {ln.split("\t")[0]: ln for ln in st.splitlines()}
        check("sps=1" in line.get(pin_doc, "") and "status=ok" in line.get(pin_doc, ""),
              "unsigned metadata with a pinned SHA-256 is trusted")
        check("sps=1" in line.get(pin_cert, "") and "status=ok" in line.get(pin_cert, ""),
              "metadata signed by a pinned certificate is trusted")
        check("error=" in line.get(pin_none, "") and
              "metadata refused source=" + pin_none in p.log_text(),
              "metadata matching no pin and unsigned is refused")
        check("metadata refused source=" + pin_bad in p.log_text(),
              "changed metadata under a pinned certificate's signature is refused")

        # -- our metadata, as an Entree operator would register it --
        mdx = p.idp_metadata
        check(schema_valid(work, "idp-metadata.xml", mdx),
              "IdP metadata valid against the OASIS SAML 2.0 metadata schema (+mdui, shibmd)")
        check(mdx.index("SingleLogoutService") < mdx.index("NameIDFormat"),
              "SingleLogoutService before NameIDFormat")
        for what, needle in (
                ("Organization", "<md:OrganizationName xml:lang=\"nl\">De Testschool<"),
                ("OrganizationURL", "https://www.testschool.example<"),
                ("technical contact", 'contactType="technical"'),
                ("support contact", 'contactType="support"'),
                ("support e-mail", "mailto:help@testschool.example"),
                ("shibmd:Scope", ">school.example</shibmd:Scope>"),
                ("mdui:DisplayName nl", '<mdui:DisplayName xml:lang="nl">De Testschool<'),
                ("mdui:DisplayName en", '<mdui:DisplayName xml:lang="en">The Test School<'),
                ("mdui:InformationURL en",
                 '<mdui:InformationURL xml:lang="en">https://www.testschool.example/sso/en<'),
                ("mdui:Logo", 'height="60" width="80"'),
                ("cacheDuration", 'cacheDuration="PT6H"')):
            check(needle in mdx, "IdP metadata carries %s" % what)
        # the check itself can fail: the old element order is refused
        bad = re.sub(r"(<md:SingleLogoutService[^>]*/>)(.*?)(<md:SingleSignOnService)",
                     lambda m: m.group(2) + m.group(1) + m.group(3), mdx, count=1, flags=re.S)
        bad = bad.replace("<md:NameIDFormat>", "<md:SingleLogoutService Binding=\"x\" "
                          "Location=\"https://x.example/\"/><md:NameIDFormat>", 1)
        check(not schema_valid(work, "bad-metadata.xml", bad),
              "schema check refuses SingleLogoutService after NameIDFormat")

        client = engine_client(p, sp_key, sp_crt)
        # -- AES-GCM where the SP advertises it --
        for ent, (acs, alg, want) in gcm.items():
            ar, page = sso(p, engine_client(p, sp_key, sp_crt, ent, acs, want), env.USER)
            raw = base64.b64decode(saml_response(page.text)[0] or "").decode()
            check('Algorithm="http://www.w3.org/2009/xmlenc11#%s"' % alg in raw and
                  "-cbc" not in raw and "EncryptedAssertion" in raw and
                  "AttributeStatement" not in raw,
                  "%s: assertion encrypted with %s" % (ent, alg))
            check(ar is not None and ar.assertion.signature is not None and
                  {n: v for (n, _), v in attrs(ar).items()}.get("urn:oid:2.5.4.42") == ["Jan"],
                  "%s: pysaml2 decrypts it and checks the assertion's signature" % ent)
            resp_signed = "<ds:Signature" in raw.split("<saml:EncryptedAssertion")[0]
            check(resp_signed == (not want), "%s: Response signed only when assertions are not"
                  " asked signed" % ent)

        # -- the login page names the service and the school, in its language --
        nl = login_page(p, client)
        check('<html lang="nl">' in nl and "Entree Federatie &amp; co" in nl and
              "De Testschool" in nl and "<script" not in nl,
              "login page (nl): service's mdui:DisplayName, school, html lang, no script")
        en = login_page(p, client, en=True)
        check('<html lang="en">' in en and "Entree Federation &amp; co" in en and
              "<script" not in en, "login page (en): English DisplayName, html lang=en")
        pd = login_page(p, engine_client(p, sp_key, sp_crt, "https://pin-doc.example/saml",
                                         "https://pin-doc.example/acs"))
        check("Gepinde Dienst" in pd, "no mdui: OrganizationDisplayName")
        pc = login_page(p, engine_client(p, sp_key, sp_crt, "https://pin-cert.example/saml",
                                         "https://pin-cert.example/acs"))
        check("https://pin-cert.example/saml" in pc, "no names at all: the entityID")
        # -- the mandatory set, exact Names, NameFormat unspecified --
        ar, page = sso(p, client, env.USER)
        check(ar is not None, "the engine gets an assertion")
        if ar is not None:
            check(ar.assertion.signature is not None, "assertion signed (WantAssertionsSigned)")
            got = attrs(ar)
            want = {(n, NF_UNSPEC) for n in MANDATORY + OPTIONAL}
            check(set(got) == want, "mandatory and optional set with plain Names and NameFormat"
                  " unspecified: %s" % sorted(got))
            v = {n: vals for (n, _), vals in got.items()}
            uid = "jan.student@school.example"
            check(v.get("uid") == [uid], "uid is userId@realm")
            check(str(ar.name_id.text) == uid and ar.name_id.format ==
                  "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
                  "NameID equals uid, format unspecified")
            check(v.get("employeeNumber") == ["123456"], "employeeNumber is the student number")
            check(v.get("givenName") == ["Jan"] and v.get("sn") == ["de Vries"], "names")
            check(v.get("eduPersonAffiliation") == ["student"], "affiliation student")
            check(v.get("nlEduPersonHomeOrganizationId") == ["12AB"], "BRIN")
            check(v.get("nlEduPersonHomeOrganization") == ["De Testschool"], "school name")
            check(v.get("eckId") == [ECK], "ECK iD")
            check(v.get("nlEduPersonProfileId") == ["profile-17"], "profile id")
            real = v.get("nlEduPersonRealId", [""])[0]
            check(re.fullmatch(r"[0-9a-f]{64}", real) is not None and "jan" not in real,
                  "nlEduPersonRealId derived from uid")
            ar2, _ = sso(p, client, env.USER)
            check(ar2 is not None and
                  {n: x for (n, _), x in attrs(ar2).items()}.get("nlEduPersonRealId") == [real],
                  "nlEduPersonRealId is stable")
        ark, _ = sso(p, client, "kees.docent")
        check(ark is not None and {n: x for (n, _), x in attrs(ark).items()}.get(
            "eduPersonAffiliation") == ["employee"], "faculty is sent to Entree as employee")
        # -- no employeeNumber: no login, a clear page, a log line, a poortctl warning --
        arn, page = sso(p, client, "nonumber")
        check(arn is None and page.status_code == 403 and "employeeNumber" in page.text and
              "SAMLResponse" not in page.text, "no employeeNumber: clear page, no assertion")
        check(p.log_has("reason=no-employeeNumber"), "no employeeNumber: log line")
        lst = p.ctl("list")
        pol = p.ctl("saml-policy").stdout
        check("sp=%s\tnameid=uid\tprofile=entree" % ENGINE in pol,
              "poortctl saml-policy shows the Entree SP's profile")
        check("nonumber has no employeeNumber" in lst.stderr and
              "jan.student has no" not in lst.stderr, "poortctl list warns about nonumber")
        ctl = [os.path.join(build, "tools", "poortctl"), "-c", p.conf, "saml-attr", env.USER]
        bad = subprocess.run(ctl + ["eckId", "https://ketenid.nl/201703/" + "g" * 128],
                             capture_output=True, timeout=30)
        check(bad.returncode != 0, "malformed ECK iD refused by poortctl")
        bad = subprocess.run(ctl + ["nlEduPersonRealId", "abc"], capture_output=True, timeout=30)
        check(bad.returncode != 0, "nlEduPersonRealId is never stored")

        # -- poortd -n: an Entree rule that breaks Entree's rules, a bad BRIN --
        text = open(p.conf).read()
        broken = os.path.join(work, "broken.conf")
        open(broken, "w").write(text.replace(" sn ", " ").replace("nameid uid",
                                                                   "nameid transient"))
        r = subprocess.run([os.path.join(build, "src", "poortd"), "-n", "-c", broken],
                           capture_output=True, text=True, timeout=30)
        out = r.stdout + r.stderr
        check(r.returncode == 0 and "does not release sn" in out and "nameid is not uid" in out,
              "poortd -n warns about an Entree SP without sn and with a transient NameID")
        r = subprocess.run([os.path.join(build, "src", "poortd"), "-n", "-c", p.conf],
                           capture_output=True, text=True, timeout=30)
        check(r.returncode == 0 and "Entree" not in r.stdout + r.stderr,
              "poortd -n is quiet about a good Entree SP")
        open(broken, "w").write(text.replace('organization_id "12AB"', 'organization_id "12-AB"'))
        r = subprocess.run([os.path.join(build, "src", "poortd"), "-n", "-c", broken],
                           capture_output=True, text=True, timeout=30)
        check(r.returncode != 0 and "BRIN" in r.stderr, "a malformed BRIN refuses the config")
        check(p.alive(), "poortd survived")
    finally:
        rc = p.stop() if p is not None else 1
        check(rc == 0, "poortd stopped cleanly (rc=%s)" % rc)
    if FAILS:
        print("%d check(s) failed" % len(FAILS))
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
