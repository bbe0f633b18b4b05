#!/usr/bin/python3
"""Headless Chromium (Debian's chromium + chromedriver, driven by selenium):
a student opens the onboarding page, logs in on the SSO page, sees the page
in Dutch and in English, and downloads the eap-config, the Apple profile,
the CA certificate and the PKCS#12 (from the manual-setup page, which shows
its passphrase). Each file is checked for what a device reads from it.
usage: onboard_chromium.py BUILD_DIR WORK_DIR"""

import os
import re
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(__file__))

FAILS = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)


def wait_file(path, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if os.path.exists(path) and os.path.getsize(path) > 0:
            return True
        time.sleep(0.1)
    return False


def main():
    build, work = sys.argv[1], sys.argv[2]
    if shutil.which("chromium") is None or shutil.which("chromedriver") is None:
        print("SKIP: chromium or chromium-driver not installed")
        sys.exit(77)
    try:
        import selenium  # noqa: F401
        from selenium.webdriver.common.by import By
    except ImportError:
        print("SKIP: python3-selenium not installed")
        sys.exit(77)
    import eapcerts
    import saml_env as env
    from onboard_app import Env
    from saml_chromium import browser, wait_text

    if os.path.exists(work):
        shutil.rmtree(work)
    os.makedirs(work)
    certs = eapcerts.make(os.path.join(work, "certs"))
    p = Env(build, os.path.join(work, "env"), certs)
    dl = os.path.join(work, "downloads")
    os.makedirs(dl)
    drv = None
    try:
        p.start()
        drv = browser(os.path.join(work, "profile"), ("--lang=nl",))
        drv.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow",
                                                         "downloadPath": dl})
        drv.get(p.base + "/saml/onboard?lang=nl")
        check(wait_text(drv, "Inloggen"), "the onboarding page asks for the SSO login (nl)")
        drv.find_element(By.ID, "u").send_keys(env.USER)
        drv.find_element(By.ID, "p").send_keys(env.PASSWORD)
        drv.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        check(wait_text(drv, "Verbind je apparaat met eduroam"), "the page in Dutch after login")
        check("<script" not in drv.page_source, "no script on the page")
        drv.find_element(By.LINK_TEXT, "English").click()
        check(wait_text(drv, "Connect your device to eduroam"), "the page in English")
        drv.find_element(By.ID, "label").send_keys("laptop")
        drv.find_element(By.CSS_SELECTOR, "button[value=eap-config]").click()
        f = os.path.join(dl, "eduroam.eap-config")
        check(wait_file(f), "eap-config downloaded")
        if os.path.exists(f):
            root = ET.parse(f).getroot()
            check(root.find("EAPIdentityProvider/AuthenticationMethods/AuthenticationMethod/"
                            "EAPMethod/Type").text == "13", "eap-config offers EAP-TLS")
        drv.get(p.base + "/saml/onboard?lang=en")
        drv.find_element(By.CSS_SELECTOR, "button[value=mobileconfig]").click()
        f = os.path.join(dl, "eduroam.mobileconfig")
        check(wait_file(f), "Apple profile downloaded")
        if os.path.exists(f):
            r = subprocess.run(["openssl", "smime", "-verify", "-inform", "DER", "-in", f,
                                "-CAfile", p.https_crt, "-purpose", "any", "-out",
                                os.devnull], capture_output=True)
            check(r.returncode == 0, "its signature verifies against the HTTPS certificate")
        drv.get(p.base + "/saml/onboard?lang=en")
        drv.find_element(By.PARTIAL_LINK_TEXT, "CA certificate").click()
        f = os.path.join(dl, "ca.pem")
        check(wait_file(f), "CA certificate downloaded")
        drv.find_element(By.CSS_SELECTOR, "button[value=pkcs12]").click()
        check(wait_text(drv, "passphrase"), "the manual-setup page shows the passphrase")
        m = re.search(r'class="passphrase">([^<]+)<', drv.page_source)
        check(eapcerts.SERVER_NAME in drv.page_source, "and the server name")
        drv.find_element(By.PARTIAL_LINK_TEXT, "PKCS#12").click()
        f = os.path.join(dl, "eduroam.p12")
        check(wait_file(f), "PKCS#12 downloaded")
        if m and os.path.exists(f):
            r = subprocess.run(["openssl", "pkcs12", "-in", f, "-nodes", "-passin",
                                "pass:" + m.group(1)], capture_output=True, text=True)
            check(r.returncode == 0 and "PRIVATE KEY" in r.stdout,
                  "the PKCS#12 opens with the passphrase shown")
        drv.get(p.base + "/saml/onboard?lang=en")
        check(len(re.findall(r'name="serial"', drv.page_source)) == 3,
              "three devices listed (eap-config, profile, PKCS#12)")
    finally:
        if drv is not None:
            drv.quit()
        rc = p.stop()
        check(rc == 0, "poortd stopped cleanly")
    if FAILS:
        print("%d check(s) failed" % len(FAILS))
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
