#!/usr/bin/python3
"""The admin UI in headless Chromium (selenium), at phone (390 px) and
desktop (1280 px) widths: the first login with the one-time password from
`poortctl admin add`, the forced new password, TOTP enrolment (the code
computed here, RFC 6238), logging out and in again with password and code
(keyboard only), the dashboard and the audit log with its filters; every
form with and without its CSRF token (403 without); a helpdesk admin
refused on admin-only pages (403) and not shown them in the menu; an
expired session (http.admin_idle) lands on the login page. On every page:
<html lang>, a label for every input, nothing from another origin.
Screenshots go to WORK_DIR/screenshots for a person to look at.

usage: admin_chromium.py BUILD_DIR WORK_DIR"""

import base64
import hashlib
import hmac
import os
import shutil
import ssl
import struct
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))

FAILS = []
NEWPW = {"boss": "correct horse battery", "desk": "helpdesk staple 42"}


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)


def totp(secret, t):
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    mac = hmac.new(key, struct.pack(">Q", int(t) // 30), hashlib.sha1).digest()
    off = mac[-1] & 15
    return "%06d" % ((struct.unpack(">I", mac[off:off + 4])[0] & 0x7fffffff) % 1000000)


class Codes:
    """A fresh TOTP code each time: the server takes a step only after the
    last one used (replay), within one step of its clock either way."""
    def __init__(self):
        self.last = {}

    def next(self, secret):
        while True:
            cur = int(time.time()) // 30
            step = max(cur, self.last.get(secret, -1) + 1)
            if step <= cur + 1:
                self.last[secret] = step
                return totp(secret, step * 30)
            time.sleep(2)


A11Y_JS = """
const bad = [];
if (!document.documentElement.lang) bad.push('no html lang');
for (const e of document.querySelectorAll('input,select,textarea')) {
  if (e.type === 'hidden') continue;
  const ok = (e.id && document.querySelector('label[for="' + e.id + '"]')) ||
             e.closest('label') || e.getAttribute('aria-label');
  if (!ok) bad.push('no label: ' + (e.name || e.id));
}
for (const e of document.querySelectorAll('[src],[href],form[action]')) {
  const u = e.getAttribute('src') || e.getAttribute('href') || e.getAttribute('action');
  if (new URL(u, location.href).origin !== location.origin) bad.push('external: ' + u);
}
for (const s of document.styleSheets) if (s.href) bad.push('stylesheet: ' + s.href);
if (document.querySelector('script')) bad.push('script');
return bad;
"""


def main():
    build, work = sys.argv[1], sys.argv[2]
    if shutil.which("chromium") is None or shutil.which("chromedriver") is None:
        print("SKIP: chromium or chromium-driver not installed")
        sys.exit(77)
    try:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys
    except ImportError:
        print("SKIP: python3-selenium not installed")
        sys.exit(77)
    import saml_env as env
    from saml_chromium import browser, wait_text

    p = env.Poortd(build, work, [])
    shots = os.path.join(work, "screenshots")
    os.makedirs(shots)
    admin_port = env.free_port()
    idle = [0]
    orig_write = p.write_config

    def write_config():
        orig_write()
        extra = "  rate 100000\n  admin_listen 127.0.0.1 %d" % admin_port
        if idle[0]:
            extra += "\n  admin_idle %d" % idle[0]
        text = open(p.conf).read().replace("  rate 100000", extra)
        open(p.conf, "w").write(text)
    p.write_config = write_config
    admin = "https://127.0.0.1:%d" % admin_port
    ctx = ssl.create_default_context(cafile=p.https_crt)
    codes = Codes()
    secrets = {}
    drv = None

    def status(path, cookie=None, data=None, origin=None):
        req = urllib.request.Request(admin + path, data=data)
        if cookie:
            req.add_header("Cookie", "__Host-poort_admin=" + cookie)
        if origin:
            req.add_header("Origin", origin)

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *a, **k):
                return None
        op = urllib.request.build_opener(NoRedirect, urllib.request.HTTPSHandler(context=ctx))
        try:
            with op.open(req, timeout=10) as r:
                return r.status, r.read().decode(), r.headers
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(), e.headers

    def page_ok(name):
        bad = drv.execute_script(A11Y_JS)
        check(not bad, "%s: lang, labels, same-origin only %s" % (name, bad or ""))
        for w in (390, 1280):
            drv.set_window_size(w, 900)
            drv.save_screenshot(os.path.join(shots, "%s-%d.png" % (name, w)))
        drv.set_window_size(390, 900)

    def path():
        return drv.current_url[len(admin):]

    def submit_without_csrf(form_action):
        drv.execute_script(
            "const f = document.querySelector('form[action=\"%s\"]');"
            "f.querySelector('input[name=csrf]').remove(); f.submit();" % form_action)
        return wait_text(drv, "Bad or missing form token")

    def login(name, pw, code, keyboard=False):
        drv.get(admin + "/admin/login")
        if keyboard:
            body = drv.find_element(By.TAG_NAME, "body")
            body.send_keys(Keys.TAB)
            for _ in range(6):
                if drv.switch_to.active_element.get_attribute("id") == "name":
                    break
                drv.switch_to.active_element.send_keys(Keys.TAB)
            a = drv.switch_to.active_element
            check(a.get_attribute("id") == "name", "keyboard: Tab reaches the name field")
            a.send_keys(name, Keys.TAB)
            drv.switch_to.active_element.send_keys(pw, Keys.TAB)
            drv.switch_to.active_element.send_keys(code or "", Keys.ENTER)
        else:
            drv.find_element(By.ID, "name").send_keys(name)
            drv.find_element(By.ID, "password").send_keys(pw)
            if code:
                drv.find_element(By.ID, "code").send_keys(code)
            drv.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
        time.sleep(0.3)

    def first_login(name, onetime, shot):
        login(name, onetime, None)
        check(wait_text(drv, 'action="/admin/password"'), "%s: the one-time password leads to "
              "'set a new password' (%s)" % (name, path()))
        st, _, _ = status("/admin/", drv.get_cookie("__Host-poort_admin")["value"])
        check(st == 303, "%s: nothing else before the new password (%d)" % (name, st))
        if shot:
            page_ok("password")
            check(submit_without_csrf("/admin/password"), "password form without CSRF: 403")
            drv.back()
            drv.get(admin + "/admin/password")
            drv.find_element(By.ID, "password").send_keys("twelve chars one")
            drv.find_element(By.ID, "password2").send_keys("twelve chars two")
            drv.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
            check(wait_text(drv, 'role="alert"'), "two different passwords: an error")
        drv.find_element(By.ID, "password").send_keys(NEWPW[name])
        drv.find_element(By.ID, "password2").send_keys(NEWPW[name])
        drv.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
        check(wait_text(drv, 'id="secret"'), "%s: then TOTP enrolment (%s)" % (name, path()))
        if shot:
            page_ok("totp")
            check("<svg" in drv.page_source, "the enrolment page has the QR code as SVG")
            st, _, hdr = status("/admin/totp", drv.get_cookie("__Host-poort_admin")["value"])
            check(hdr.get("Cache-Control") == "no-store", "enrolment page: Cache-Control no-store")
            check(submit_without_csrf("/admin/totp"), "TOTP form without CSRF: 403")
            drv.get(admin + "/admin/totp")  # a new secret
            drv.find_element(By.ID, "code").send_keys("000000")
            drv.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
            check(wait_text(drv, 'role="alert"'), "a wrong TOTP code: an error")
        secret = drv.find_element(By.ID, "secret").text.strip()
        secrets[name] = secret
        drv.find_element(By.ID, "code").send_keys(codes.next(secret))
        drv.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
        check(wait_text(drv, "admin_dashboard") or wait_text(drv, "<h1>Overzicht") or
              wait_text(drv, "<h1>Dashboard"), "%s: the dashboard after enrolment (%s)" %
              (name, path()))

    def logout():
        drv.find_element(By.CSS_SELECTOR, "header form button").click()
        check(wait_text(drv, 'id="name"'), "logged out: the login page")

    try:
        p.start()
        boss = p.ctl("admin", "add", "boss", "--role", "admin").stdout.strip().split("\t")[-1]
        desk = p.ctl("admin", "add", "desk", "--role", "helpdesk").stdout.strip().split("\t")[-1]
        check(len(boss) >= 12 and len(desk) >= 12, "poortctl admin add prints one-time passwords")
        drv = browser(os.path.join(work, "profile"), ("--lang=nl", "--window-size=390,900"))

        drv.get(admin + "/admin/?lang=nl")
        check(path().startswith("/admin/login"), "no session: the login page (%s)" % path())
        drv.get(admin + "/admin/login?lang=nl")  # headless Chromium asks for English
        check(wait_text(drv, '<html lang="nl">'), "the login page in Dutch")
        page_ok("login")
        check(submit_without_csrf("/admin/login"), "login form without CSRF: 403")
        login("boss", "wrong password 123", None)
        check(wait_text(drv, "Verkeerde naam of wachtwoord"), "a wrong password: refused")

        first_login("boss", boss, True)
        page_ok("dashboard")
        src = drv.page_source
        check("0.1.0" in src, "dashboard: the software version")
        check("HTTPS" in src and p.https_crt in src and "SAML-ondertekening" in src,
              "dashboard: the HTTPS and SAML certificates with their expiry")
        check("nu vernieuwen" in src, "dashboard: a certificate expiring within 30 days is "
              "flagged (the test certificates live 30 days)")
        check(src.count("<tr>") >= 24 + 7, "dashboard: logins per hour and per day")
        check("SAML-metadata" in src and "Grootte van de opslag" in src,
              "dashboard: metadata freshness, store size")
        drv.find_element(By.LINK_TEXT, "English").click()
        check(wait_text(drv, "<h1>Dashboard"), "the language switch: English")
        page_ok("dashboard-en")
        drv.find_element(By.LINK_TEXT, "Nederlands").click()
        check(wait_text(drv, "<h1>Overzicht"), "and back to Dutch")
        check(submit_without_csrf("/admin/logout"), "logout form without CSRF: 403")
        drv.get(admin + "/admin/")
        logout()
        check(drv.get_cookie("__Host-poort_admin") is None or
              status("/admin/", drv.get_cookie("__Host-poort_admin")["value"])[0] == 303,
              "the old session is gone after logout")

        login("boss", NEWPW["boss"], "123456")
        check(wait_text(drv, 'role="alert"'), "password right, TOTP code wrong: refused")
        old = drv.get_cookie("__Host-poort_admin")["value"]
        login("boss", NEWPW["boss"], codes.next(secrets["boss"]), keyboard=True)
        check(wait_text(drv, "<h1>Overzicht"), "keyboard-only login with password and code")
        new = drv.get_cookie("__Host-poort_admin")["value"]
        check(new != old, "the session id changes at login")
        st, _, _ = status("/admin/", old)
        check(st == 303, "the id from before the login is worthless (%d)" % st)
        nav = [a.text for a in drv.find_elements(By.CSS_SELECTOR, "nav a")]
        check("Auditlog" in nav, "admin: the menu has the audit log (%s)" % nav)

        drv.get(admin + "/admin/audit")
        check(wait_text(drv, "admin.login"), "audit log: the logins are there")
        page_ok("audit")
        drv.find_element(By.ID, "actor").send_keys("desk")
        drv.find_element(By.CSS_SELECTOR, "main form button").click()
        check(wait_text(drv, "admin.add") and "boss</td>" not in drv.page_source.split("<tbody>")[1]
              or "Niets gevonden" in drv.page_source, "audit log: filter by actor")
        drv.get(admin + "/admin/audit?actor=boss&since=2000-01-01&until=2000-01-02")
        check(wait_text(drv, "Niets gevonden"), "audit log: filter by time")
        drv.get(admin + "/admin/audit?since=yesterday")
        check(wait_text(drv, 'role="alert"'), "audit log: a bad date is explained")
        for pg in ("/admin/", "/admin/audit", "/admin/totp"):
            st, body, _ = status(pg, new)
            check(st == 200 and "{{" not in body, "admin: %s renders (%d)" % (pg, st))
        st, body, _ = status("/admin/password", new)
        check(st == 200 and 'id="current"' in body,
              "a password change by choice asks the current password (%d)" % st)
        st, body, _ = status("/admin/password", new, data=(
            "csrf=%s&password=%s&password2=%s" % (
                drv.find_element(By.NAME, "csrf").get_attribute("value"), "x" * 14,
                "x" * 14)).encode())
        check(st == 200 and 'role="alert"' in body,
              "and is refused without it (%d; the login below proves nothing changed)" % st)
        st, _, _ = status("/admin/logout", new, data=b"csrf=nope")
        check(st == 403, "logout with a wrong CSRF token: 403 (%d)" % st)
        logout()

        first_login("desk", desk, False)
        nav = [a.text for a in drv.find_elements(By.CSS_SELECTOR, "nav a")]
        check("Auditlog" not in nav and "Overzicht" in nav,
              "helpdesk: no audit log in the menu (%s)" % nav)
        page_ok("dashboard-helpdesk")
        drv.get(admin + "/admin/audit")
        check(wait_text(drv, "Niet toegestaan"), "helpdesk: the audit log page refuses")
        st, _, _ = status("/admin/audit", drv.get_cookie("__Host-poort_admin")["value"])
        check(st == 403, "helpdesk: /admin/audit is 403 (%d)" % st)
        page_ok("forbidden")
        logout()

        # an expired session: a short admin_idle, then a page after it
        check(p.stop() == 0, "poortd stops cleanly")
        idle[0] = 10
        p.add_account = lambda: None  # the store is kept
        p.start()
        login("boss", NEWPW["boss"], codes.next(secrets["boss"]))
        check(wait_text(drv, "<h1>Overzicht"), "logged in again (admin_idle 10)")
        time.sleep(12)
        drv.get(admin + "/admin/audit")
        check(path().startswith("/admin/login"), "an expired session lands on the login page "
              "(%s)" % path())
        check(p.stop() == 0, "poortd stops cleanly")
    finally:
        if drv is not None:
            drv.quit()
        p.stop()
    print("screenshots in " + shots)
    if FAILS:
        print("FAILED: " + "; ".join(FAILS))
        sys.exit(1)


if __name__ == "__main__":
    main()
