#!/usr/bin/python3
"""apache2 + mod_shib + shibd (OpenSAML, an implementation independent of
lasso) as SP in front of poortd; full HTTP flow with curl and a cookie jar.

usage: saml_shib.py BUILD_DIR WORK_DIR
"""
import base64
import html
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.request

import saml_env as env
from saml_mellon import Curl, fields, post_form

FAILS = []

SHIB_XML = """<SPConfig xmlns="urn:mace:shibboleth:3.0:native:sp:config"
    xmlns:conf="urn:mace:shibboleth:3.0:native:sp:config" clockSkew="180">
  <OutOfProcess logger="{work}/shibd.logger"/>
  <InProcess logger="{work}/native.logger"/>
  <UnixListener address="{work}/shibd.sock"/>
  <StorageService type="Memory" id="mem" cleanupInterval="900"/>
  <SessionCache type="StorageService" StorageService="mem" cacheAssertions="false"
      cacheAllowance="900" inprocTimeout="900" cleanupInterval="900"/>
  <ReplayCache StorageService="mem"/>
  <RequestMapper type="Native"><RequestMap>
    <Host name="127.0.0.1" port="{port}" scheme="https">
      <Path name="shib" authType="shibboleth" requireSession="true"/>
    </Host>
  </RequestMap></RequestMapper>
  <ApplicationDefaults entityID="{entity}" REMOTE_USER="uid">
    <Sessions lifetime="28800" timeout="3600" relayState="ss:mem" checkAddress="false"
        handlerSSL="true" cookieProps="https" handlerURL="/Shibboleth.sso">
      <SSO entityID="https://idp.school.example/saml">SAML2</SSO>
      <Logout>Local</Logout>
      <Handler type="Session" Location="/Session" showAttributeValues="true"/>
    </Sessions>
    <Errors supportContact="root@localhost" helpLocation="/about.html"
        styleSheet="/shibboleth-sp/main.css"/>
    <MetadataProvider type="XML" validate="true" path="{idp_md}"/>
    <AttributeExtractor type="XML" validate="true" reloadChanges="false"
        path="{work}/attribute-map.xml"/>
    <AttributeFilter type="XML" validate="true" path="{work}/attribute-policy.xml"/>
    <CredentialResolver type="File" use="signing" key="{key}" certificate="{crt}"/>
    <CredentialResolver type="File" use="encryption" key="{key}" certificate="{crt}"/>
  </ApplicationDefaults>
  <SecurityPolicyProvider type="XML" validate="true" path="/etc/shibboleth/security-policy.xml"/>
  <ProtocolProvider type="XML" validate="true" reloadChanges="false"
      path="/etc/shibboleth/protocols.xml"/>
</SPConfig>
"""

ATTR_MAP = """<Attributes xmlns="urn:mace:shibboleth:2.0:attribute-map">
  <Attribute name="urn:oid:2.5.4.42" id="givenName"/>
  <Attribute name="urn:oid:2.5.4.4" id="sn"/>
  <Attribute name="urn:oid:0.9.2342.19200300.100.1.1" id="uid"/>
  <Attribute name="urn:oid:0.9.2342.19200300.100.1.3" id="mail"/>
</Attributes>
"""

ATTR_POLICY = """<AttributeFilterPolicyGroup xmlns="urn:mace:shibboleth:2.0:afp"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <AttributeFilterPolicy><PolicyRequirementRule xsi:type="ANY"/>
    <AttributeRule attributeID="*" permitAny="true"/>
  </AttributeFilterPolicy>
</AttributeFilterPolicyGroup>
"""

LOGGER = """log4j.rootCategory=WARN, f
log4j.appender.f=org.apache.log4j.FileAppender
log4j.appender.f.fileName={path}
log4j.appender.f.layout=org.apache.log4j.PatternLayout
log4j.appender.f.layout.ConversionPattern=%d{{%Y-%m-%d %H:%M:%S}} %p %c %x: %m%n
"""

CGI = """#!/bin/sh
echo "Content-Type: text/plain"
echo
echo "Shibboleth SP page"
for v in givenName sn uid mail; do eval "x=\\$$v"; [ -n "$x" ] && echo "$v=$x"; done
exit 0
"""


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)


def stop(proc):
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def main():
    build, work = sys.argv[1], sys.argv[2]
    if shutil.which("shibd") is None or not os.path.exists("/usr/lib/apache2/modules/mod_shib.so"):
        print("SKIP: libapache2-mod-shib not installed")
        sys.exit(77)
    p = env.Poortd(build, work, [])
    sw = os.path.join(work, "shib")
    os.makedirs(sw)
    os.chmod(work, 0o755)
    os.chmod(sw, 0o777)  # apache (www-data) writes its native log here
    port = env.free_port()
    base = "https://127.0.0.1:%d" % port
    entity = base + "/shibboleth"
    key, crt = env.make_key(sw, "sp", "shib sp")
    shibd = apache = None
    try:
        # POORT_SHIB_PLAIN=1: no encryption key, so poortd's own assertion signer is used
        enc = os.environ.get("POORT_SHIB_PLAIN") != "1"
        eid, xml = env.sp_metadata(entity, [base + "/Shibboleth.sso/SAML2/POST"], crt, False, enc)
        # POORT_SHIB_GCM=1: the SP advertises AES-GCM, so poortd encrypts with it itself
        gcm = enc and os.environ.get("POORT_SHIB_GCM") == "1"
        if gcm:
            xml = re.sub(r'(<md:KeyDescriptor use="encryption">.*?</ds:KeyInfo>)',
                         lambda m: m.group(1) + '<md:EncryptionMethod Algorithm='
                         '"http://www.w3.org/2009/xmlenc11#aes128-gcm"/>', xml, flags=re.S)
        md = env.sign_metadata(p.keys, "md-shib", eid, xml, p.fed_key, p.fed_crt)
        p.sps = [(entity, ["givenName", "uid"], "transient", md)]
        p.start()
        open(os.path.join(sw, "attribute-map.xml"), "w").write(ATTR_MAP)
        open(os.path.join(sw, "attribute-policy.xml"), "w").write(ATTR_POLICY)
        open(os.path.join(sw, "shibd.logger"), "w").write(LOGGER.format(path=sw + "/shibd.log"))
        open(os.path.join(sw, "native.logger"), "w").write(LOGGER.format(path=sw + "/native.log"))
        conf = os.path.join(sw, "shibboleth2.xml")
        open(conf, "w").write(SHIB_XML.format(work=sw, port=port, entity=entity,
                                              idp_md=p.idp_md_file, key=key, crt=crt))
        for f in os.listdir(sw):
            os.chmod(os.path.join(sw, f), 0o644)
        os.chmod(p.keys, 0o755)
        os.chmod(p.https_key, 0o644)
        shibd = subprocess.Popen(["shibd", "-F", "-f", "-c", conf, "-p", sw + "/shibd.pid"],
                                 stdout=open(sw + "/shibd.out", "w"), stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while not os.path.exists(sw + "/shibd.sock") and time.time() < deadline:
            if shibd.poll() is not None:
                raise RuntimeError("shibd exited: " + open(sw + "/shibd.out").read())
            time.sleep(0.2)
        os.chmod(sw + "/shibd.sock", 0o666)
        cgi = os.path.join(sw, "show.cgi")
        open(cgi, "w").write(CGI)
        os.chmod(cgi, 0o755)
        mods = "/usr/lib/apache2/modules"
        aconf = os.path.join(sw, "httpd.conf")
        open(aconf, "w").write("\n".join(
            ["ServerRoot " + sw, "ServerName 127.0.0.1", "Listen 127.0.0.1:%d" % port,
             "PidFile %s/httpd.pid" % sw, "ErrorLog %s/error.log" % sw, "LogLevel warn",
             "User www-data", "Group www-data", "DefaultRuntimeDir " + sw,
             "Mutex file:%s default" % sw, "ScriptSock %s/cgid.sock" % sw] +
            ["LoadModule %s_module %s/mod_%s.so" % (m, mods, m)
             for m in ("mpm_event", "authn_core", "authz_core", "authz_user", "ssl", "cgid",
                       "alias")] +
            ["LoadModule mod_shib %s/mod_shib.so" % mods,
             "ShibConfig " + conf,
             "SSLEngine on", "SSLCertificateFile " + p.https_crt,
             "SSLCertificateKeyFile " + p.https_key,
             "ScriptAlias /shib/secure " + cgi,
             "<Location /Shibboleth.sso>", "  SetHandler shib", "</Location>",
             "<Location /shib>", "  AuthType shibboleth", "  ShibRequestSetting requireSession 1",
             "  Require shib-session", "</Location>"]) + "\n")
        apache = subprocess.Popen(["apache2", "-f", aconf, "-DFOREGROUND"],
                                  stdout=open(sw + "/apache.out", "w"), stderr=subprocess.STDOUT,
                                  env={"PATH": "/usr/sbin:/usr/bin:/bin"})
        ctx = ssl.create_default_context(cafile=p.https_crt)
        deadline = time.time() + 30
        while time.time() < deadline:
            if apache.poll() is not None:
                raise RuntimeError("apache exited: " + open(sw + "/apache.out").read() +
                                   open(sw + "/error.log").read())
            try:
                urllib.request.urlopen(base + "/Shibboleth.sso/Metadata", context=ctx,
                                       timeout=2).read()
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.2)
        curl = Curl(sw, p.https_crt)
        url, body = curl(base + "/shib/secure")
        check(url.startswith(p.base + "/saml/sso") and 'name="password"' in body,
              "the Shibboleth SP sends the browser to poortd's login page")
        f = fields(body)
        _, body = curl(p.base + "/saml/login", {"ctx": f.get("ctx", ""), "lang": "en",
                                                "username": env.USER, "password": env.PASSWORD})
        check("SAMLResponse" in body, "login answers with the auto-POST form")
        if enc:
            raw = base64.b64decode(html.unescape(fields(body).get("SAMLResponse", ""))).decode()
            alg = "2009/xmlenc11#aes128-gcm" if gcm else "2001/04/xmlenc#aes128-cbc"
            check(alg in raw, "encrypted with " + alg)
        url, body = post_form(curl, body)
        check("Shibboleth SP page" in body, "shibd accepted the %s assertion"
              % (("AES-GCM encrypted" if gcm else "encrypted") + ", signed" if enc
                 else "signed, unencrypted"))
        check("givenName=Jan" in body and "uid=jan.student@school.example" in body,
              "released attributes arrive at the Shibboleth SP")
        check("sn=" not in body and "mail=" not in body, "unreleased attributes are absent")
        check(p.alive(), "poortd alive")
        if FAILS:
            print(body[-2000:])
    finally:
        stop(apache)
        stop(shibd)
        rc = p.stop()
        check(rc == 0, "poortd stopped cleanly (rc=%s)" % rc)
        if FAILS:
            for f in ("error.log", "shibd.log", "native.log", "shibd.out"):
                try:
                    print("---", f, open(os.path.join(sw, f)).read()[-2000:])
                except OSError:
                    pass
    if FAILS:
        print("%d check(s) failed" % len(FAILS))
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
