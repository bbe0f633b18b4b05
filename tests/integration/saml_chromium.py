#!/usr/bin/python3
"""Headless Chromium (Debian's chromium + chromedriver, driven by selenium)
logs in on poortd's login page and ends on the mellon SP's page showing the
released attributes; a second SP within the session needs no password.

usage: saml_chromium.py BUILD_DIR WORK_DIR
"""
import os
import shutil
import sys
import tempfile

import saml_env as env
from saml_apache import Apache

FAILS = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)


def browser(profile, extra=()):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for a in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
              "--disable-background-networking", "--disable-component-update",
              "--disable-sync", "--user-data-dir=" + profile,
              "--ignore-certificate-errors", "--window-size=400,800") + tuple(extra):
        opts.add_argument(a)
    drv = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    drv.set_page_load_timeout(30)
    return drv


def wait_text(drv, text, seconds=20):
    from selenium.webdriver.support.ui import WebDriverWait
    try:
        WebDriverWait(drv, seconds).until(lambda d: text in d.page_source)
        return True
    except Exception:
        return False


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
    ap = Apache(work, p, [("sp1", ["givenName", "sn", "uid"], "uid", True),
                          ("sp2", ["givenName"], "transient", False)])
    drv = None
    profile = tempfile.mkdtemp(prefix="chromium-", dir=work if os.path.isdir(work) else None)
    try:
        p.sps = ap.prepare()
        p.start()
        ap.start()
        from selenium.webdriver.common.by import By
        drv = browser(profile)
        drv.get(ap.base + "/sp1/secure")
        check(wait_text(drv, 'name="password"'), "Chromium lands on the login page")
        check(drv.execute_script("return document.scripts.length") == 0,
              "login page works without script")
        drv.find_element(By.ID, "u").send_keys(env.USER)
        drv.find_element(By.ID, "p").send_keys(env.PASSWORD)
        drv.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        ok = wait_text(drv, "SP page for sp1")
        check(ok, "Chromium ends on SP1's page")
        text = drv.page_source
        check("MELLON_givenName=Jan" in text and "MELLON_sn=de Vries" in text,
              "SP1's page shows the released attributes")
        cookies = {c["name"]: c for c in drv.get_cookies()}
        allc = drv.execute_cdp_cmd("Network.getAllCookies", {})["cookies"]
        sso = {c["name"]: c for c in allc}.get("poort_sso")
        check(sso is not None and sso.get("secure") and sso.get("httpOnly"),
              "SSO cookie is Secure and HttpOnly in the browser")
        drv.get(ap.base + "/sp2/secure")
        check(wait_text(drv, "SP page for sp2"), "second SP within the session: no password")
        check("MELLON_sn" not in drv.page_source, "SP2 does not see sn")
        del cookies
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
