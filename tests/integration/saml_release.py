#!/usr/bin/python3
"""Release rules in the store, live, against pysaml2 as the SP.

A config with release lists gives the same assertions as before the rules
moved into the store (imported at first start); poortctl sp changes show in
the next assertion without a restart; edits survive a restart; an edited
sp block in the file replaces the store's rule at SIGHUP; the release log
answers per user and per SP with names, never values.

usage: saml_release.py BUILD_DIR WORK_DIR
"""
import base64
import os
import signal
import sys
import time

import requests
import urllib3
from saml2 import BINDING_HTTP_POST

import saml_env as env
from saml_pysaml2 import (ACS, NF_URI, SP1, SP5, URI_NAMES, attrs, login, post_request_b64,
                          saml_response, sp_client)

urllib3.disable_warnings()

FAILS = []
IDP = "https://idp.school.example/saml"
REL1 = ["uid", "givenName", "sn", "eduPersonAffiliation", "mail", "eckId",
        "nlEduPersonHomeOrganizationId"]
ECKID = "https://ketenid.nl/201703/" + "ab" * 64


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)


def names(ava):
    inv = {v: k for k, v in URI_NAMES.items()}
    inv["urn:oid:2.5.4.4"] = "sn"
    return {inv.get(n, n) for n, _ in ava}


def assertion(p, sess, client):
    """One SSO round for client's SP in sess (logs in when asked); the attributes."""
    reqid, req = post_request_b64(client, IDP, sign=False)
    r = sess.post(p.base + "/saml/sso",
                  data={"SAMLRequest": base64.b64encode(req.encode()).decode()}, timeout=30)
    if 'name="password"' in r.text:
        r = login(sess, r.text, base=p.base)
    resp = saml_response(r.text)[0]
    if resp is None:
        return None
    ar = client.parse_authn_request_response(resp, BINDING_HTTP_POST, outstanding={reqid: "/"})
    return attrs(ar)


def ctl(p, *args):
    """poortctl without raising: the refusals are checked too."""
    return env.run([os.path.join(p.build, "tools", "poortctl"), "-c", p.conf] + list(args),
                   capture_output=True, text=True, check=False)


def restart(p):
    check(p.stop() == 0, "poortd stopped cleanly")
    p.add_account = lambda: None  # the store keeps the account
    p.start()


def main():
    build, work = sys.argv[1], sys.argv[2]
    p = None
    try:
        p = env.Poortd(build, work, [])
        d = p.keys
        sp_key, sp_crt = env.make_key(d, "sp", "test sp")
        mds = []
        for ent in (SP1, SP5):
            eid, xml = env.sp_metadata(ent, [ACS[ent]], sp_crt, False, False)
            mds.append(env.sign_metadata(d, "md-" + ent.split("/")[2], eid, xml, p.fed_key,
                                         p.fed_crt))
        p.sps = [(SP1, REL1, "uid", mds[0])]
        p.extra_metadata = [mds[1]]
        p.start()
        c1 = sp_client(p, SP1, sp_key, sp_crt, False)
        c5 = sp_client(p, SP5, sp_key, sp_crt, False)
        s = requests.Session()
        s.verify = p.https_crt
        s.trust_env = False

        lst = ctl(p, "sp", "list").stdout
        check("sp=" + SP1 in lst and "source=config" in lst and "mail" in lst,
              "the config's sp block is in the store, marked as imported: %r" % lst)
        check("default deny" in lst and SP5 not in lst, "SP5 has no rule")

        # 1. the same assertions as from the config
        a1 = assertion(p, s, c1)
        check(a1 is not None and set(a1) == {(URI_NAMES[n], NF_URI) for n in REL1},
              "imported rule: SP1 gets exactly its config release list")
        check(a1 is not None and a1.get((URI_NAMES["eckId"], NF_URI)) == [ECKID],
              "and the values")
        a5 = assertion(p, s, c5)
        check(a5 == {}, "SP5 without a rule: nothing (default deny)")

        # 2. live changes, no restart
        r = ctl(p, "sp", "add", SP5, "--release", "givenName,urn:oid:2.5.4.4")
        check(r.returncode == 0, "sp add with a plain and a uri name")
        r = ctl(p, "sp", "release", SP1, "remove", "mail", "eckId")
        check(r.returncode == 0 and "source=config,edited" in r.stdout,
              "sp release remove; the rule shows as edited: %r" % r.stdout)
        time.sleep(0.3)
        a5 = assertion(p, s, c5)
        check(a5 is not None and names(a5) == {"givenName", "sn"},
              "SP5's new rule shows in the next assertion: %s" % (a5 and sorted(a5)))
        a1 = assertion(p, s, c1)
        check(a1 is not None and names(a1) == set(REL1) - {"mail", "eckId"},
              "SP1 lost mail and eckId at the next assertion")
        check("saml release rules reloaded" in p.log_text(), "poortd logged the reload")
        r = ctl(p, "sp", "release", SP1, "add", "userPassword")
        check(r.returncode != 0 and "unknown attribute" in r.stderr,
              "an unknown attribute is refused")
        r = ctl(p, "sp", "del", SP1)
        check(r.returncode != 0 and "poortd.conf" in r.stderr,
              "an imported rule cannot be deleted while the file names it")
        r = ctl(p, "sp", "release", "https://nobody.example", "add", "uid")
        check(r.returncode != 0, "no rule: release add refused (add the SP first)")

        out = ctl(p, "audit").stdout
        check("sp.add" in out and "sp.release" in out and "remove mail" in out,
              "the changes are in the audit log")

        # 3. the release log, per user and per SP: names only
        time.sleep(0.3)  # the log writer commits in batches
        out = ctl(p, "sp", "log", "--user", env.USER).stdout
        check(SP1 in out and SP5 in out and "ketenid" not in out and "Jan" not in out,
              "sp log --user: both SPs, names never values")
        out = ctl(p, "sp", "log", "--sp", SP5).stdout
        lines = [x for x in out.splitlines() if x.strip()]
        check(len(lines) == 2 and all("sp=" + SP5 in x for x in lines) and
              "attrs=-" in lines[-1] and "attrs=givenName sn" in lines[0],
              "sp log --sp: SP5's two assertions, newest first: %r" % lines)
        out = ctl(p, "sp", "log", "--user", "nobody").stdout
        check(out.strip() == "", "sp log for another user: nothing")

        # 4. a restart with the same file keeps the store's edits
        restart(p)
        a1 = assertion(p, s, c1)
        check(a1 is not None and names(a1) == set(REL1) - {"mail", "eckId"},
              "after a restart the edited rule stands (no re-import)")

        # 5. the engineer edits the block in the file: it replaces the store's at SIGHUP
        p.sps = [(SP1, ["uid", "givenName"], "uid", mds[0])]
        p.write_config()
        p.proc.send_signal(signal.SIGHUP)
        check(p.log_has("replace the ones edited in the store", 10),
              "a changed sp block replaces the store's edits, logged")
        time.sleep(0.3)
        a1 = assertion(p, s, c1)
        check(a1 is not None and names(a1) == {"uid", "givenName"},
              "SP1 follows the edited block: %s" % (a1 and sorted(a1)))
        lst = ctl(p, "sp", "list").stdout
        check("release=uid,givenName" in lst and "sp=" + SP5 in lst and "source=store" in lst,
              "sp list shows both rules and their source: %r" % lst)
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
