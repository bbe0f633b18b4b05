#!/usr/bin/python3
"""SSO over the HTTP-POST binding in headless Chromium, cross-site as in
real life: mellon (at 127.0.0.1) only knows poortd's POST endpoint, and
Chromium reaches poortd as idp.test (mapped to 127.0.0.1), another site.
The SP's auto-POST to /saml/sso arrives cross-site; the login page sets its
login cookie (SameSite=Lax) in answer to it, and the login form's own POST
(same site) carries it back. Ends on the SP's page with its attributes.

usage: saml_chromium_post.py BUILD_DIR WORK_DIR
"""
import os
import re
import shutil
import sys
import tempfile

import saml_env as env
from saml_apache import Apache
from saml_chromium import browser, wait_text

FAILS = []
IDP_HOST = "idp.test"


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)


def main():
    build, work = sys.argv[1], sys.argv[2]
    if shutil.which("chromium") is None or shutil.which("chromedriver") is None or \
            not os.path.exists("/usr/lib/apache2/modules/mod_auth_mellon.so"):
        print("SKIP: chromium, chromium-driver or mod_auth_mellon not installed")
        sys.exit(77)
    try:
        import selenium  # noqa: F401
    except ImportError:
        print("SKIP: python3-selenium not installed")
        sys.exit(77)
    p = env.Poortd(build, work, [])
    public = "https://%s:%d" % (IDP_HOST, p.port)
    orig_write = p.write_config

    def write_config():
        orig_write()
        text = open(p.conf).read().replace('base_url "%s"' % p.base, 'base_url "%s"' % public)
        open(p.conf, "w").write(text)
    p.write_config = write_config
    ap = Apache(work, p, [("sp1", ["givenName", "sn", "uid"], "uid", True)])
    drv = None
    profile = tempfile.mkdtemp(prefix="chromium-", dir=work if os.path.isdir(work) else None)
    try:
        p.sps = ap.prepare()
        p.start()
        # mellon's copy of our metadata: the POST endpoint only, so it must use it
        md = open(p.idp_md_file).read()
        md = re.sub(r'<md:SingleSignOnService Binding="[^"]*HTTP-Redirect"[^>]*/>', "", md)
        check("HTTP-POST" in md and "/saml/sso" in md and "HTTP-Redirect\" Location=\"%s/saml/sso"
              % public not in md, "mellon sees only the POST binding")
        open(p.idp_md_file, "w").write(md)
        ap.start()
        from selenium.webdriver.common.by import By
        drv = browser(profile, ["--host-resolver-rules=MAP %s 127.0.0.1" % IDP_HOST])
        drv.get(ap.base + "/sp1/secure")
        check(wait_text(drv, 'name="password"'), "Chromium lands on the login page (POST binding)")
        check(drv.current_url.startswith(public + "/saml/sso"),
              "the page came from the cross-site POST to /saml/sso (%s)" % drv.current_url)
        allc = drv.execute_cdp_cmd("Network.getAllCookies", {})["cookies"]
        lc = ([c for c in allc if c["name"].startswith("__Host-poort_login_")] or [None])[0]
        check(lc is not None and lc.get("secure") and lc.get("httpOnly") and
              lc.get("sameSite") == "Lax", "login cookie set in answer to the cross-site POST")
        drv.find_element(By.ID, "u").send_keys(env.USER)
        drv.find_element(By.ID, "p").send_keys(env.PASSWORD)
        drv.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        check(wait_text(drv, "SP page for sp1"), "Chromium ends on SP1's page")
        check("MELLON_givenName=Jan" in drv.page_source, "SP1's page shows the attributes")
        log = p.log_text()
        check("saml login result=accept user=" + env.USER in log, "poortd logged the login")
        check("login form posted without" not in log, "no login refused as cross-site")
    finally:
        if drv is not None:
            try:
                drv.quit()
            except Exception:
                pass
        ap.stop()
        rc = p.stop()
        check(rc == 0, "poortd stopped cleanly (rc=%s)" % rc)
        shutil.rmtree(profile, ignore_errors=True)
    if FAILS:
        print("%d check(s) failed" % len(FAILS))
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
