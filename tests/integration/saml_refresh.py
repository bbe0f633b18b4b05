#!/usr/bin/python3
"""Metadata from a URL: periodic refresh, the last good copy kept (and said
so in the log and in `poortctl saml-status`) when a fetch or a check fails,
expired and wrongly signed copies refused, the cache used after a restart.

usage: saml_refresh.py BUILD_DIR WORK_DIR
"""
import base64
import http.server
import os
import signal
import subprocess
import sys
import threading
import time

import requests

import saml_env as env

FAILS = []
SP1 = "https://sp1.example/saml"
SP2 = "https://sp2.example/saml"


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)


def entities(d, sps, key, crt, valid_until=None):
    """One signed EntitiesDescriptor with the given SP entity IDs."""
    body = ""
    for ent in sps:
        _, xml = env.sp_metadata(ent, [ent.replace("/saml", "/acs")], crt, False, False)
        body += xml.split("?>", 1)[1].replace(
            ' xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"', "").replace(
            ' xmlns:ds="http://www.w3.org/2000/09/xmldsig#"', "")
    vu = ' validUntil="%s"' % valid_until if valid_until else ""
    xml = ('<?xml version="1.0"?>\n<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:'
           'metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" ID="_fed"%s>%s'
           '</md:EntitiesDescriptor>\n' % (vu, body))
    tmpl = xml.replace('ID="_fed"%s>' % vu, 'ID="_fed"%s>' % vu +
                       env.FED_SIG_TMPL.format(id="_fed"), 1)
    src, out = os.path.join(d, "fed.tmpl.xml"), os.path.join(d, "fed.out.xml")
    open(src, "w").write(tmpl)
    env.run(["xmlsec1", "--sign", "--privkey-pem", key + "," + crt, "--id-attr:ID",
             "urn:oasis:names:tc:SAML:2.0:metadata:EntitiesDescriptor", "--output", out, src],
            capture_output=True)
    return open(out).read()


def authn_request(entity, idp_base):
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    xml = ('<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
           'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r%d" Version="2.0" '
           'IssueInstant="%s" Destination="%s/saml/sso"><saml:Issuer>%s</saml:Issuer>'
           '</samlp:AuthnRequest>' % (int(time.time() * 1e6), now, idp_base, entity))
    return base64.b64encode(xml.encode()).decode()


class Server:
    def __init__(self, d):
        self.body = b""
        self.status = 200
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(outer.status)
                self.send_header("Content-Length", str(len(outer.body)))
                self.end_headers()
                self.wfile.write(outer.body)

            def log_message(self, *a):
                pass

        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), H)
        self.url = "http://127.0.0.1:%d/federation.xml" % self.httpd.server_address[1]
        self.t = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.t.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def main():
    build, work = sys.argv[1], sys.argv[2]
    p = env.Poortd(build, work, [])
    srv = Server(p.keys)
    sess = requests.Session()
    sess.verify = p.https_crt
    sess.trust_env = False

    def known(entity):
        r = sess.post(p.base + "/saml/sso", data={"SAMLRequest": authn_request(entity, p.base)},
                      timeout=30)
        return r.status_code == 200 and 'name="password"' in r.text

    def wait_log(text, seconds=15):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if text in p.log_text():
                return True
            time.sleep(0.2)
        return False

    try:
        srv.body = entities(p.keys, [SP1], p.fed_key, p.fed_crt).encode()
        orig_write = p.write_config

        def write_config():
            orig_write()
            text = open(p.conf).read().replace(
                "  max_request 20000",
                '  max_request 20000\n  metadata_url "%s"\n  metadata_refresh 1' % srv.url)
            text = text.replace("saml {", 'saml {\n  sp "%s" "%s" {\n    release givenName\n  }'
                                % (SP1, SP2), 1)
            open(p.conf, "w").write(text)
        p.write_config = write_config
        p.start()
        check(wait_log("sps=1") and known(SP1), "SP from URL metadata is known")
        # a reload with the same file, then refreshes: the refresher must not
        # read the config the reload freed (under ASan that was a crash)
        loaded = p.log_text().count("saml metadata loaded")
        p.proc.send_signal(signal.SIGHUP)
        check(wait_log("reload done"), "SIGHUP with the same config")
        deadline = time.time() + 15
        while time.time() < deadline and p.log_text().count("saml metadata loaded") < loaded + 2:
            time.sleep(0.2)
        check(p.log_text().count("saml metadata loaded") >= loaded + 2 and p.alive()
              and known(SP1), "refreshes after the reload run and the SP stays known")
        other_key, other_crt = env.make_key(p.keys, "other", "not the federation")
        srv.body = entities(p.keys, [SP1, SP2], other_key, other_crt).encode()
        check(wait_log("keeping the last good copy"), "wrongly signed copy refused, old kept")
        check(known(SP1) and not known(SP2), "last good copy still in use")
        st = p.ctl("saml-status").stdout
        check(srv.url in st and "error=" in st and "sps=1" in st,
              "poortctl saml-status shows the error and the kept copy")
        srv.body = entities(p.keys, [SP1, SP2], p.fed_key, p.fed_crt,
                            valid_until="2020-01-01T00:00:00Z").encode()
        check(wait_log("validUntil has passed"), "expired copy refused")
        srv.status = 500
        check(wait_log("HTTP status 500"), "failed fetch logged")
        check(known(SP1), "last good copy survives failed fetches")
        srv.status = 200
        srv.body = entities(p.keys, [SP1, SP2], p.fed_key, p.fed_crt).encode()
        check(wait_log("sps=2"), "good new copy loaded")
        check(known(SP2), "SP added by the refresh is known")
        p.stop()
        srv.stop()
        srv = None
        p.proc = None
        # restart with the federation unreachable: the cached copy is used
        p.logf = open(p.log, "a")
        p.proc = subprocess.Popen([os.path.join(build, "src", "poortd"), "-c", p.conf],
                                  stdout=p.logf, stderr=subprocess.STDOUT, env=p.child_env())
        deadline = time.time() + 60
        up = False
        while time.time() < deadline and not up:
            try:
                up = known(SP2)
            except requests.RequestException:
                time.sleep(0.3)
        check(up, "after a restart without network the cached copy is used")
        # a reload cannot swap metadata sources under running logins: it says so
        text = open(p.conf).read()
        open(p.conf, "w").write(text.replace("metadata_refresh 1", "metadata_refresh 2").replace(
            '  metadata_url "', '  metadata_url "https://127.0.0.1:1/other.xml"\n  metadata_url "'))
        p.proc.send_signal(signal.SIGHUP)
        check(wait_log("metadata sources or the upstream IdP changed: they take effect at the"
                       " next restart") and known(SP2),
              "SIGHUP with new metadata sources: a warning, the running copy kept")
        # a reload without the saml block: the IdP keeps its own config until
        # a restart (it read the freed one before)
        text = open(p.conf).read()
        open(p.conf, "w").write(text[:text.index("saml {")])
        p.proc.send_signal(signal.SIGHUP)
        check(wait_log("the saml block was added or removed"), "SIGHUP without saml { }")
        time.sleep(1.5)  # a refresh tick or two on the kept config
        check(known(SP2) and p.alive(), "after it /saml/sso still answers from the kept config")
    finally:
        if srv is not None:
            srv.stop()
        rc = p.stop()
        check(rc == 0, "poortd stopped cleanly (rc=%s)" % rc)
    # a damaged pairwise-ID key stops the start: a new one would change every
    # SP's persistent NameIDs (it was silently replaced)
    key = os.path.join(p.work, "state", "saml-pairwise.key")
    check(os.stat(key).st_mode & 0o777 == 0o600 and os.path.getsize(key) == 32,
          "the pairwise key was made 0600, 32 bytes")
    with open(key, "r+b") as f:
        f.truncate(16)
    orig_write()  # saml { } back; the metadata server is gone
    with open(p.log, "a") as logf:
        proc = subprocess.Popen([os.path.join(build, "src", "poortd"), "-c", p.conf],
                                stdout=logf, stderr=subprocess.STDOUT, env=p.child_env())
        try:
            rc = proc.wait(120)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
    check(rc == 1 and "saml-pairwise.key is 16 bytes, not 32" in p.log_text(),
          "start refused with a 16-byte pairwise key, the file named (rc=%s)" % rc)
    check(os.path.getsize(key) == 16, "the damaged key was left as it was")
    if FAILS:
        print("%d check(s) failed" % len(FAILS))
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
