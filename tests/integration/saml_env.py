"""Test environment for the SSO tests: keys made with the openssl CLI in the
build directory, SP metadata signed by a throw-away federation key, a
poortd on a free loopback port, and an account made with poortctl.

Every wait is bounded; poortd is stopped (by its own pid) on exit.
"""
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import time
import urllib.request

FED_SIG_TMPL = (
    '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>'
    '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
    '<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>'
    '<ds:Reference URI="#{id}"><ds:Transforms>'
    '<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
    '<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>'
    '<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>'
    '<ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/></ds:Signature>')

PASSWORD = "correct-horse-42"
USER = "jan.student"


def run(cmd, **kw):
    kw.setdefault("check", True)
    kw.setdefault("timeout", 60)
    return subprocess.run(cmd, **kw)


def make_key(d, name, cn):
    key, crt = os.path.join(d, name + ".key"), os.path.join(d, name + ".crt")
    if not os.path.exists(crt):
        run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256",
             "-days", "30", "-subj", "/CN=" + cn, "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", crt],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return key, crt


def cert_body(crt):
    pem = open(crt).read()
    return "".join(pem.split("-----")[2].split())


def sp_metadata(entity, acs_list, cert, signed_requests, enc, valid_until=None, slo=None):
    kd = ('<md:KeyDescriptor use="%s"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>%s'
          '</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>')
    keys = kd % ("signing", cert_body(cert))
    if enc:
        keys += kd % ("encryption", cert_body(cert))
    acs = "".join(
        '<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"'
        ' Location="%s" index="%d"/>' % (u, i) for i, u in enumerate(acs_list))
    if slo:
        acs = ('<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:'
               'HTTP-Redirect" Location="%s"/>' % slo) + acs
    vu = ' validUntil="%s"' % valid_until if valid_until else ""
    eid = "_md" + re.sub(r"[^A-Za-z0-9]", "", entity)[-20:]
    return eid, (
        '<?xml version="1.0"?>\n<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"'
        ' xmlns:ds="http://www.w3.org/2000/09/xmldsig#" ID="%s" entityID="%s"%s>'
        '<md:SPSSODescriptor AuthnRequestsSigned="%s" WantAssertionsSigned="true"'
        ' protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">%s%s'
        '</md:SPSSODescriptor></md:EntityDescriptor>\n'
        % (eid, entity, vu, "true" if signed_requests else "false", keys, acs))


def sign_metadata(d, name, eid, xml, fed_key, fed_crt):
    """Signs with the federation key using xmlsec1 (the template goes first)."""
    head, rest = xml.split(">", 2)[0:2], xml.split(">", 2)[2]
    tmpl = head[0] + ">" + head[1] + ">" + FED_SIG_TMPL.format(id=eid) + rest
    src, out = os.path.join(d, name + ".tmpl.xml"), os.path.join(d, name + ".xml")
    open(src, "w").write(tmpl)
    run(["xmlsec1", "--sign", "--privkey-pem", fed_key + "," + fed_crt,
         "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor",
         "--output", out, src], stdout=subprocess.DEVNULL)
    return out


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Poortd:
    def __init__(self, build, work, sps, extra_metadata=(), login_rate=10):
        """sps: list of (entity_id, release list, nameid, metadata file)."""
        self.build, self.work = build, work
        if os.path.exists(work):
            shutil.rmtree(work)
        os.makedirs(work)
        self.port = free_port()
        self.base = "https://127.0.0.1:%d" % self.port
        self.keys = os.path.join(work, "keys")
        os.makedirs(self.keys)
        self.https_key, self.https_crt = make_key(self.keys, "https", "127.0.0.1")
        self.idp_key, self.idp_crt = make_key(self.keys, "idp", "poort idp")
        self.next_key, self.next_crt = make_key(self.keys, "idp-next", "poort idp next")
        self.fed_key, self.fed_crt = make_key(self.keys, "fed", "test federation")
        self.sps = sps
        self.extra_metadata = list(extra_metadata)
        self.login_rate = login_rate
        self.proc = None
        self.log = os.path.join(work, "poortd.log")
        self.entity_id = "https://idp.school.example/saml"
        self.extra_saml = []

    def write_config(self):
        lines = [
            'state_dir "%s/state"' % self.work,
            'realm "school.example"',
            'listen auth 127.0.0.1 %d' % free_port(),
            'listen acct 127.0.0.1 %d' % free_port(),
            'log { level debug }',
            'password { cost 1 }',
            'http {',
            '  listen 127.0.0.1 %d' % self.port,
            '  certificate "%s"' % self.https_crt,
            '  key "%s"' % self.https_key,
            '  max_body 200000',
            '  rate 100000',
            '}',
            'saml {',
            '  entity_id "%s"' % self.entity_id,
            '  base_url "%s"' % self.base,
            '  key "%s"' % self.idp_key,
            '  certificate "%s"' % self.idp_crt,
            '  next_certificate "%s"' % self.next_crt,
            '  federation_certificate "%s"' % self.fed_crt,
            '  organization "De Testschool"',
            '  organization_id "12AB"',
            '  login_rate %d' % self.login_rate,
            '  max_request 20000',
        ]
        for _, _, _, md in self.sps:
            lines.append('  metadata "%s"' % md)
        for md in self.extra_metadata:
            lines.append('  metadata "%s"' % md)
        lines += ["  " + x for x in self.extra_saml]
        for ent, rel, nameid, _ in self.sps:
            lines.append('  sp "%s" {' % ent)
            if rel:
                lines.append('    release ' + " ".join(rel))
            lines.append('    nameid ' + nameid)
            lines.append('  }')
        lines.append('}')
        self.conf = os.path.join(self.work, "poortd.conf")
        open(self.conf, "w").write("\n".join(lines) + "\n")
        os.makedirs(os.path.join(self.work, "state"), mode=0o700, exist_ok=True)

    def ctl(self, *args, stdin=None):
        return run([os.path.join(self.build, "tools", "poortctl"), "-c", self.conf] + list(args),
                   input=stdin, capture_output=True, text=True)

    def add_account(self):
        self.ctl("add", USER, "--given", "Jan", "--surname", "de Vries", "--number", "123456",
                 "--affiliation", "student", "--password-stdin", stdin=PASSWORD + "\n")
        self.ctl("saml-attr", USER, "mail", "jan@school.example")
        self.ctl("saml-attr", USER, "eckId", "https://ketenid.nl/201703/" + "ab" * 64)

    def child_env(self):
        env = dict(os.environ)
        env["LASSO_FLAG"] = "no-verify-signature"  # poortd must scrub it
        # sanitizer builds: lasso's own leaks are suppressed (see the file)
        env["LSAN_OPTIONS"] = "suppressions=" + os.path.join(
            os.path.dirname(os.path.abspath(__file__)), "lsan-lasso.supp")
        return env

    def start(self):
        self.write_config()
        self.add_account()
        env = self.child_env()
        self.logf = open(self.log, "w")
        self.proc = subprocess.Popen([os.path.join(self.build, "src", "poortd"), "-c", self.conf],
                                     stdout=self.logf, stderr=subprocess.STDOUT, env=env)
        ctx = ssl.create_default_context(cafile=self.https_crt)
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("poortd exited: " + open(self.log).read())
            try:
                with urllib.request.urlopen(self.base + "/saml/metadata", context=ctx,
                                            timeout=2) as r:
                    self.idp_metadata = r.read().decode()
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("poortd did not come up: " + open(self.log).read())
        self.idp_md_file = os.path.join(self.work, "idp-metadata.xml")
        open(self.idp_md_file, "w").write(self.idp_metadata)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.logf.close()
        rc = self.proc.returncode
        self.proc = None
        return rc

    def log_text(self):
        return open(self.log).read()

    def log_has(self, text, seconds=5.0):
        """poortd writes info lines once per turn of its loop: wait for one."""
        deadline = time.time() + seconds
        while text not in self.log_text():
            if time.time() > deadline:
                return False
            time.sleep(0.02)
        return True
