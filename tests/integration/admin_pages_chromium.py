#!/usr/bin/python3
"""The accounts, guest and access point pages of the admin UI in headless
Chromium (selenium) at 390 px and 1280 px: each page (and each one-time
answer: a new account's password, guest vouchers, a new access point's
secret) with <html lang>, a label for every input and nothing from another
origin (admin_chromium.A11Y_JS); the CSV import through the browser's file
upload. Screenshots go to WORK_DIR/screenshots.

usage: admin_pages_chromium.py BUILD_DIR WORK_DIR"""

import os
import re
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))

FAILS = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)


def main():
    build, work = sys.argv[1], sys.argv[2]
    if shutil.which("chromium") is None or shutil.which("chromedriver") is None:
        print("SKIP: chromium or chromium-driver not installed")
        sys.exit(77)
    try:
        from selenium.webdriver.common.by import By
    except ImportError:
        print("SKIP: python3-selenium not installed")
        sys.exit(77)
    import saml_env as env
    from admin_chromium import A11Y_JS, Codes
    from saml_chromium import browser, wait_text

    p = env.Poortd(build, work, [])
    shots = os.path.join(work, "screenshots")
    os.makedirs(shots)
    admin_port = env.free_port()
    orig_write = p.write_config

    def write_config():
        orig_write()
        text = open(p.conf).read().replace(
            "  rate 100000", "  rate 100000\n  admin_listen 127.0.0.1 %d" % admin_port)
        open(p.conf, "w").write(text)
    p.write_config = write_config
    admin = "https://127.0.0.1:%d" % admin_port
    codes = Codes()
    drv = None

    def page_ok(name):
        bad = drv.execute_script(A11Y_JS)
        check(not bad, "%s: lang, labels, same-origin only %s" % (name, bad or ""))
        for w in (390, 1280):
            drv.set_window_size(w, 900)
            drv.save_screenshot(os.path.join(shots, "%s-%d.png" % (name, w)))
            wide = drv.execute_script("return document.documentElement.scrollWidth")
            check(wide <= w + 1, "%s at %d px: no sideways scrolling (%d)" % (name, w, wide))
        drv.set_window_size(390, 900)

    def fill(fields):
        for k, v in fields.items():
            e = drv.find_element(By.ID, k)
            if e.tag_name == "select":
                e.find_element(By.CSS_SELECTOR, "option[value=%s]" % v).click()
            elif e.get_attribute("type") == "date":
                drv.execute_script("arguments[0].value = arguments[1]", e, v)
            else:
                e.clear()
                e.send_keys(v)

    def submit(action):
        drv.find_element(By.CSS_SELECTOR, 'form[action="%s"] button[type=submit]' % action).click()
        time.sleep(0.3)

    try:
        p.start()
        onetime = p.ctl("admin", "add", "boss", "--role", "admin").stdout.strip().split("\t")[-1]
        drv = browser(os.path.join(work, "profile"), ("--lang=nl", "--window-size=390,900"))
        drv.get(admin + "/admin/login?lang=nl")
        fill({"name": "boss", "password": onetime})
        submit("/admin/login")
        check(wait_text(drv, 'action="/admin/password"'), "the one-time password")
        fill({"password": "correct horse battery", "password2": "correct horse battery"})
        submit("/admin/password")
        check(wait_text(drv, 'id="secret"'), "TOTP enrolment")
        secret = drv.find_element(By.ID, "secret").text.strip()
        fill({"code": codes.next(secret)})
        submit("/admin/totp")
        check(wait_text(drv, "<h1>Overzicht"), "logged in")
        nav = [a.text for a in drv.find_elements(By.CSS_SELECTOR, "nav a")]
        check("Accounts beheren" in nav and "Gasttoegang" in nav and "Toegangspunten" in nav,
              "the menu has the new pages (%s)" % nav)

        drv.get(admin + "/admin/accounts")
        check(wait_text(drv, env.USER), "accounts: the list")
        page_ok("accounts")
        fill({"username": "piet.nieuw", "given": "Piet", "surname": "Nieuw", "number": "12",
              "affiliation": "student", "expires": "2099-06-30"})
        submit("/admin/accounts/add")
        check(wait_text(drv, 'id="new_password"'), "accounts: added, the password shown")
        page_ok("accounts-added")
        drv.get(admin + "/admin/accounts/edit?u=piet.nieuw")
        check(wait_text(drv, "2099-06-30"), "accounts: one account")
        page_ok("account")
        submit("/admin/accounts/password")
        check(wait_text(drv, 'id="new_password"'), "accounts: a new password shown")
        page_ok("account-password")
        csv = os.path.join(work, "import.csv")
        open(csv, "w").write("kees.a;Kees;Aa;1001;student;generate\n"
                             "Bad Name;X;Y;1002;student;generate\n")
        drv.get(admin + "/admin/accounts")
        drv.find_element(By.ID, "file").send_keys(csv)
        submit("/admin/accounts/import")
        check(wait_text(drv, "Geen geldige accountnaam"), "import: the preview shows line 2")
        page_ok("import-errors")
        open(csv, "w").write("kees.a;Kees;Aa;1001;student;generate\n")
        drv.get(admin + "/admin/accounts")
        drv.find_element(By.ID, "file").send_keys(csv)
        submit("/admin/accounts/import")
        check(wait_text(drv, 'name="confirm"'), "import: a good file, the confirm step")
        page_ok("import-preview")
        submit("/admin/accounts/import")
        check(wait_text(drv, "<td>kees.a</td><td><code>"), "import: done, password shown")
        page_ok("import-done")

        drv.get(admin + "/admin/guests")
        page_ok("guests")
        fill({"event": "open-dag", "count": "4", "until": "2099-01-31"})
        submit("/admin/guests/create")
        check(wait_text(drv, 'class="voucher"'), "guests: vouchers")
        check(len(drv.find_elements(By.CSS_SELECTOR, ".voucher")) == 4, "guests: four vouchers")
        page_ok("vouchers")
        drv.get(admin + "/admin/guests")
        page_ok("guests-list")

        drv.get(admin + "/admin/aps")
        page_ok("aps")
        fill({"name": "lab", "address": "127.0.0.1"})
        submit("/admin/aps/add")
        check(wait_text(drv, 'id="new_secret"'), "aps: added, the secret shown")
        page_ok("aps-added")
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
