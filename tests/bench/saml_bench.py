#!/usr/bin/python3
"""SSO benchmark (not a test): complete SSO logins per second per core.

A "login" here is what an IdP does for each service a student opens within
a session: check the AuthnRequest, pick the released attributes, build,
sign (RSA-SHA256) and return the Response. The cost per login is the IdP's
own CPU time (utime + stime of its processes, from /proc) divided by the
number of logins, so other load on the machine does not count against it.

Side by side, same run, same key, same SP and release: poortd and, when
installed, SimpleSAMLphp from Debian (apache2 + mod_php, exampleauth). The
RSA-2048 signing rate of `openssl speed` is the physical ceiling.

usage: saml_bench.py BUILD_DIR [SECONDS]
"""
import base64
import os
import re
import subprocess
import sys
import tempfile
import time

import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import saml_env as env  # noqa: E402

SP = "https://bench-sp.example/saml"
ACS = "https://bench-sp.example/acs"


def cpu_seconds(pids):
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
            total += int(f[11]) + int(f[12])
        except OSError:
            pass
    return total / tick


def authn_request(dest):
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    xml = ('<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
           'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_b%d" Version="2.0" '
           'IssueInstant="%s" Destination="%s" AssertionConsumerServiceURL="%s">'
           '<saml:Issuer>%s</saml:Issuer></samlp:AuthnRequest>'
           % (time.monotonic_ns(), now, dest, ACS, SP))
    return base64.b64encode(xml.encode()).decode()


def run_logins(sess, url, seconds, pids):
    n = 0
    c0 = cpu_seconds(pids)
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        r = sess.post(url, data={"SAMLRequest": authn_request(url)}, timeout=30)
        if "SAMLResponse" not in r.text:
            raise RuntimeError("no SAMLResponse: %d %s" % (r.status_code, r.text[:300]))
        n += 1
    wall = time.monotonic() - t0
    cpu = cpu_seconds(pids) - c0
    return n, wall, cpu


def openssl_sign_rate():
    out = subprocess.run(["openssl", "speed", "-seconds", "3", "rsa2048"], capture_output=True,
                         text=True, timeout=120).stdout
    m = re.search(r"^rsa 2048 bits\s+\S+\s+\S+\s+([\d.]+)", out, re.M)
    return float(m.group(1)) if m else 0.0


def bench_poortd(build, work, seconds):
    p = env.Poortd(build, work, [])
    _, sp_crt = env.make_key(p.keys, "sp", "bench sp")
    eid, xml = env.sp_metadata(SP, [ACS], sp_crt, False, False)
    p.sps = [(SP, ["uid", "givenName", "sn", "eduPersonAffiliation"], "transient",
              env.sign_metadata(p.keys, "md-bench", eid, xml, p.fed_key, p.fed_crt))]
    try:
        p.start()
        s = requests.Session()
        s.verify = False
        s.trust_env = False
        # one password login opens the session; the timed logins reuse it
        r = s.post(p.base + "/saml/sso", data={"SAMLRequest": authn_request(p.base)}, timeout=30)
        ctx = re.search(r'name="ctx" value="([^"]+)"', r.text).group(1)
        s.post(p.base + "/saml/login", data={"ctx": ctx, "username": env.USER,
                                             "password": env.PASSWORD}, timeout=30)
        # poortd's parent and its children (the web child does the work)
        with open(f"/proc/{p.proc.pid}/task/{p.proc.pid}/children") as f:
            pids = [p.proc.pid] + [int(x) for x in f.read().split()]
        return run_logins(s, p.base + "/saml/sso", seconds, pids), p.idp_key, p.idp_crt
    finally:
        p.stop()


def main():
    build = sys.argv[1]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 10
    import urllib3
    urllib3.disable_warnings()
    work = tempfile.mkdtemp(prefix="poort-bench-")
    os.chmod(work, 0o755)  # apache (www-data) reads the SimpleSAMLphp config here
    (n, wall, cpu), key, crt = bench_poortd(build, os.path.join(work, "poortd"), seconds)
    poort_rate = n / cpu if cpu > 0 else 0
    print("poortd:        %5d logins in %.1f s wall, %.2f s CPU: %.0f logins/s per core"
          % (n, wall, cpu, poort_rate))
    ssp_rate = None
    try:
        import saml_bench_ssp
        ssp = saml_bench_ssp.bench(work, key, crt, SP, ACS, seconds, run_logins)
        if ssp is not None:
            n2, wall2, cpu2 = ssp
            ssp_rate = n2 / cpu2 if cpu2 > 0 else 0
            print("SimpleSAMLphp: %5d logins in %.1f s wall, %.2f s CPU: %.0f logins/s per core"
                  % (n2, wall2, cpu2, ssp_rate))
    except ImportError:
        pass
    if ssp_rate is None:
        print("SimpleSAMLphp: not measured (simplesamlphp not installed or not set up)")
    sign = openssl_sign_rate()
    print("openssl speed: %.0f RSA-2048 signatures/s per core (ceiling: one signature a login)"
          % sign)
    if ssp_rate:
        print("ratio poortd/SimpleSAMLphp: %.1fx (target >= 10x)" % (poort_rate / ssp_rate))
    if sign:
        print("ratio poortd/signing ceiling: %.0f%% (target >= 50%%)" % (100 * poort_rate / sign))


if __name__ == "__main__":
    main()
