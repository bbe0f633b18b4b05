#!/usr/bin/python3
"""The admin UI's own admins, /admin/admins, in headless Chromium (two
browsers: an admin and the colleague being managed), at 390 and 1280 px
(screenshots into WORK_DIR/screenshots) with admin_chromium.A11Y_JS on
every page (<html lang>, labels, same-origin only, no script).

The admin adds a helpdesk admin in the browser: its one-time password is
shown once, on the POST's answer (not on the list after it). The new admin
logs in with it, must set a password and enrol TOTP, then sees helpdesk
pages, no "Admins" in the menu, and gets 403 on /admin/admins (GET, and a
POST with a valid token). A TOTP reset logs the colleague out and the next
login asks to enrol again; a password reset shows a new one-time password
once, logs them out, and the next login must change it; disabling logs
their open session out and refuses the login; enabling lets them back.
A role change counts at the colleague's next request. The admin cannot
disable, demote or delete themselves, and the last enabled admin cannot be
disabled or demoted: a clear message, nothing changed. Every POST form
without its CSRF token: 403. Each change is in the audit log, and no
password is in the audit log or poortd's log.

usage: admin_admins_chromium.py BUILD_DIR WORK_DIR"""

import os
import shutil
import ssl
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))

FAILS = []
NEWPW = {"boss": "correct horse battery", "desk": "helpdesk staple 42"}


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
        extra = "  rate 100000\n  admin_listen 127.0.0.1 %d" % admin_port
        text = open(p.conf).read().replace("  rate 100000", extra)
        open(p.conf, "w").write(text)
    p.write_config = write_config
    admin = "https://127.0.0.1:%d" % admin_port
    ctx = ssl.create_default_context(cafile=p.https_crt)
    codes = Codes()
    secrets = {}
    onetimes = []
    drvs = []

    def cookie(d):
        c = d.get_cookie("__Host-poort_admin")
        return c["value"] if c else None

    def status(path, ck=None, data=None):
        req = urllib.request.Request(admin + path, data=data)
        if ck:
            req.add_header("Cookie", "__Host-poort_admin=" + ck)

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *a, **k):
                return None
        op = urllib.request.build_opener(NoRedirect, urllib.request.HTTPSHandler(context=ctx))
        try:
            with op.open(req, timeout=10) as r:
                return r.status, r.read().decode(), r.headers
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(), e.headers

    def page_ok(d, name):
        bad = d.execute_script(A11Y_JS)
        check(not bad, "%s: lang, labels, same-origin only %s" % (name, bad or ""))
        check("{{" not in d.page_source, "%s: no template left over" % name)
        for w in (390, 1280):
            d.set_window_size(w, 900)
            d.save_screenshot(os.path.join(shots, "%s-%d.png" % (name, w)))
            wide = d.execute_script("return document.documentElement.scrollWidth")
            check(wide <= w + 1, "%s at %d px: no sideways scrolling (%d)" % (name, w, wide))
        d.set_window_size(390, 900)

    def fill(d, fields):
        for k, v in fields.items():
            e = d.find_element(By.ID, k)
            if e.tag_name == "select":
                e.find_element(By.CSS_SELECTOR, 'option[value="%s"]' % v).click()
            else:
                e.clear()
                e.send_keys(v)

    def submit(d, action):
        d.find_element(By.CSS_SELECTOR, 'form[action="%s"] button[type=submit]' % action).click()
        time.sleep(0.3)

    def login(d, name, pw, code):
        d.get(admin + "/admin/login")
        fill(d, {"name": name, "password": pw})
        if code:
            fill(d, {"code": code})
        submit(d, "/admin/login")

    def set_password(d, name):
        check(wait_text(d, 'action="/admin/password"'), "%s: must set a new password" % name)
        fill(d, {"password": NEWPW[name], "password2": NEWPW[name]})
        submit(d, "/admin/password")

    def enrol(d, name):
        check(wait_text(d, 'id="secret"'), "%s: must enrol TOTP" % name)
        secrets[name] = d.find_element(By.ID, "secret").text.strip().replace(" ", "")
        fill(d, {"code": codes.next(secrets[name])})
        submit(d, "/admin/totp")
        check(wait_text(d, "<h1>Dashboard"), "%s: logged in, the dashboard" % name)

    def submit_without_csrf(d, page, action):
        d.get(admin + page)
        d.execute_script(
            "const f = document.querySelector('form[action=\"%s\"]');"
            "f.querySelector('input[name=csrf]').remove(); f.submit();" % action)
        return wait_text(d, "Bad or missing form token")

    def logged_out(d):
        d.get(admin + "/admin/")
        return d.current_url.startswith(admin + "/admin/login")

    def edit(d, name):
        d.get(admin + "/admin/admins/edit?name=" + name)

    try:
        p.start()
        boss = p.ctl("admin", "add", "boss", "--role", "admin").stdout.strip().split("\t")[-1]
        onetimes.append(boss)
        drv = browser(os.path.join(work, "profile1"), ("--lang=en", "--window-size=390,900"))
        drvs.append(drv)
        login(drv, "boss", boss, None)
        set_password(drv, "boss")
        enrol(drv, "boss")

        # --- the list, the menu ---
        nav = [a.get_attribute("href")[len(admin):]
               for a in drv.find_elements(By.CSS_SELECTOR, "nav a")]
        check("/admin/admins" in nav, "admin: the menu has Admins (%s)" % nav)
        drv.find_element(By.CSS_SELECTOR, 'nav a[href="/admin/admins"]').click()
        check(wait_text(drv, "<h1>Admins"), "admins: the list opens")
        rows = drv.find_elements(By.CSS_SELECTOR, "tbody tr")
        check(len(rows) == 1 and "boss" in rows[0].text and "enrolled" in rows[0].text and
              "UTC" in rows[0].text, "admins: boss, enrolled, last login (%s)" %
              [r.text for r in rows])
        page_ok(drv, "admins")

        # --- add: a bad name, then desk ---
        fill(drv, {"name": "Bad Name", "role": "helpdesk"})
        drv.execute_script("document.getElementById('name').removeAttribute('pattern')")
        submit(drv, "/admin/admins/add")
        check(wait_text(drv, "Use a-z, 0-9") and len(drv.find_elements(
            By.CSS_SELECTOR, "tbody tr")) == 1, "add: a bad name is refused, nothing added")
        fill(drv, {"name": "desk", "role": "helpdesk"})
        submit(drv, "/admin/admins/add")
        check(wait_text(drv, 'id="new_password"'), "add: the one-time password is shown")
        desk = drv.find_element(By.ID, "new_password").text.strip()
        onetimes.append(desk)
        check(len(desk) >= 12, "add: a one-time password of 12+ characters")
        check("<td>helpdesk</td>" in drv.page_source.replace(" ", ""),
              "add: desk listed as helpdesk")
        page_ok(drv, "admins-added")
        drv.get(admin + "/admin/admins")
        check(desk not in drv.page_source and 'id="new_password"' not in drv.page_source,
              "the one-time password is not shown again")
        fill(drv, {"name": "desk", "role": "admin"})
        submit(drv, "/admin/admins/add")
        check(wait_text(drv, "There is an admin with that name already."),
              "add: a taken name is refused")

        # --- desk's first login in a second browser ---
        drv2 = browser(os.path.join(work, "profile2"), ("--lang=en", "--window-size=390,900"))
        drvs.append(drv2)
        login(drv2, "desk", desk, None)
        set_password(drv2, "desk")
        enrol(drv2, "desk")
        nav = [a.get_attribute("href")[len(admin):]
               for a in drv2.find_elements(By.CSS_SELECTOR, "nav a")]
        check("/admin/admins" not in nav and "/admin/accounts" in nav,
              "helpdesk: no Admins in the menu (%s)" % nav)
        drv2.get(admin + "/admin/accounts")
        check(wait_text(drv2, "<h1>Accounts"), "helpdesk: sees the helpdesk pages")
        ck2 = cookie(drv2)
        tok2 = drv2.find_element(By.NAME, "csrf").get_attribute("value")
        drv2.get(admin + "/admin/admins")
        check(wait_text(drv2, "Not allowed"), "helpdesk: /admin/admins refused in the browser")
        check(status("/admin/admins", ck2)[0] == 403, "helpdesk: GET /admin/admins is 403")
        check(status("/admin/admins/edit?name=boss", ck2)[0] == 403,
              "helpdesk: GET /admin/admins/edit is 403")
        for path, form in (("/admin/admins/add", {"name": "evil", "role": "admin"}),
                           ("/admin/admins/enable", {"name": "boss", "value": "0"}),
                           ("/admin/admins/role", {"name": "desk", "role": "admin"}),
                           ("/admin/admins/password", {"name": "boss"}),
                           ("/admin/admins/totp", {"name": "boss"}),
                           ("/admin/admins/delete", {"name": "boss"})):
            st, _, _ = status(path, ck2, urllib.parse.urlencode(dict(form, csrf=tok2)).encode())
            check(st == 403, "helpdesk: POST %s with a valid token is 403 (%d)" % (path, st))
        drv.get(admin + "/admin/admins")
        check("evil" not in drv.page_source and drv.page_source.count("<td>helpdesk</td>") == 1,
              "helpdesk's POSTs changed nothing")

        # --- the edit page; every form without its token ---
        edit(drv, "desk")
        check(wait_text(drv, "<h1>Admin desk"), "edit: desk's page")
        page_ok(drv, "admin-desk")
        edit(drv, "boss")
        page_ok(drv, "admin-self")
        for page, action in (("/admin/admins", "/admin/admins/add"),
                             ("/admin/admins/edit?name=desk", "/admin/admins/enable"),
                             ("/admin/admins/edit?name=desk", "/admin/admins/role"),
                             ("/admin/admins/edit?name=desk", "/admin/admins/password"),
                             ("/admin/admins/edit?name=desk", "/admin/admins/totp"),
                             ("/admin/admins/edit?name=desk", "/admin/admins/delete")):
            check(submit_without_csrf(drv, page, action), "%s without CSRF token: 403" % action)
        check(status("/admin/", ck2)[0] == 200, "desk's session lives on after the refusals")

        # --- the last admin: not disabled, not demoted (and it is oneself) ---
        edit(drv, "boss")
        submit(drv, "/admin/admins/enable")
        check(wait_text(drv, "There must always be an enabled admin with role admin"),
              "self-disable as the last admin: refused, said why")
        edit(drv, "boss")
        fill(drv, {"role": "helpdesk"})
        submit(drv, "/admin/admins/role")
        check(wait_text(drv, "There must always be an enabled admin with role admin"),
              "self-demotion as the last admin: refused, said why")
        check(drv.find_element(By.ID, "v_role").text == "admin" and
              drv.find_element(By.ID, "v_status").text == "enabled", "boss: nothing changed")
        page_ok(drv, "admin-last")

        # --- role: desk promoted, then oneself still refused; desk back to helpdesk ---
        edit(drv, "desk")
        fill(drv, {"role": "admin"})
        submit(drv, "/admin/admins/role")
        check(wait_text(drv, "The role was changed.") and
              drv.find_element(By.ID, "v_role").text == "admin", "role: desk is an admin")
        check(status("/admin/admins", ck2)[0] == 200, "desk's next request has the new role")
        edit(drv, "boss")
        submit(drv, "/admin/admins/enable")
        check(wait_text(drv, "You cannot disable your own account"),
              "self-disable (not the last admin): refused, said why")
        edit(drv, "boss")
        fill(drv, {"role": "helpdesk"})
        submit(drv, "/admin/admins/role")
        check(wait_text(drv, "You cannot change your own role"), "self-demotion: refused")
        edit(drv, "boss")
        submit(drv, "/admin/admins/delete")
        check(wait_text(drv, "You cannot delete your own account"), "self-delete: refused")
        edit(drv, "boss")
        submit(drv, "/admin/admins/password")
        check(wait_text(drv, "Change your own password under Change password.") and
              'id="new_password"' not in drv.page_source, "own password reset: refused")
        check(drv.find_element(By.ID, "v_role").text == "admin" and
              drv.find_element(By.ID, "v_status").text == "enabled",
              "boss: still an enabled admin")
        edit(drv, "desk")
        fill(drv, {"role": "helpdesk"})
        submit(drv, "/admin/admins/role")
        check(wait_text(drv, "The role was changed.") and
              drv.find_element(By.ID, "v_role").text == "helpdesk", "role: desk back to helpdesk")
        check(status("/admin/admins", ck2)[0] == 403, "desk: 403 again at once")

        # --- TOTP reset: desk logged out, enrols again at the next login ---
        edit(drv, "desk")
        submit(drv, "/admin/admins/totp")
        check(wait_text(drv, "Two-step login was reset") and
              drv.find_element(By.ID, "v_totp").text == "not enrolled",
              "TOTP reset: done, shown as not enrolled")
        check(logged_out(drv2), "TOTP reset: desk's open session is logged out")
        login(drv2, "desk", NEWPW["desk"], None)
        enrol(drv2, "desk")
        edit(drv, "desk")
        check(drv.find_element(By.ID, "v_totp").text == "enrolled", "desk enrolled again")

        # --- password reset: shown once, desk logged out, must change it ---
        submit(drv, "/admin/admins/password")
        check(wait_text(drv, 'id="new_password"'), "password reset: a one-time password shown")
        desk2 = drv.find_element(By.ID, "new_password").text.strip()
        onetimes.append(desk2)
        page_ok(drv, "admin-reset")
        edit(drv, "desk")
        check(desk2 not in drv.page_source and
              "to be changed at the next login" in drv.page_source,
              "the one-time password is not shown again; must change it")
        check(logged_out(drv2), "password reset: desk's open session is logged out")
        login(drv2, "desk", NEWPW["desk"], codes.next(secrets["desk"]))
        check(wait_text(drv2, "Wrong name or password."), "the old password no longer works")
        login(drv2, "desk", desk2, codes.next(secrets["desk"]))
        NEWPW["desk"] = "helpdesk staple 43"
        set_password(drv2, "desk")
        check(wait_text(drv2, "<h1>Dashboard"), "desk: a new password, then the dashboard")

        # --- disable: the open session ends, the login is refused; enable ---
        edit(drv, "desk")
        submit(drv, "/admin/admins/enable")
        check(wait_text(drv, "The admin is disabled and logged out.") and
              drv.find_element(By.ID, "v_status").text == "disabled", "desk disabled")
        check(logged_out(drv2), "disable: desk's open session is logged out")
        login(drv2, "desk", NEWPW["desk"], codes.next(secrets["desk"]))
        check(wait_text(drv2, "Wrong name or password.") and
              drv2.current_url.startswith(admin + "/admin/login"),
              "disable: desk's login is refused")
        page_ok(drv, "admin-disabled")
        submit(drv, "/admin/admins/enable")
        check(wait_text(drv, "The admin is enabled."), "desk enabled again")
        login(drv2, "desk", NEWPW["desk"], codes.next(secrets["desk"]))
        check(wait_text(drv2, "<h1>Dashboard"), "enabled: desk logs in again")

        # --- delete: a third admin ---
        drv.get(admin + "/admin/admins")
        fill(drv, {"name": "temp", "role": "admin"})
        submit(drv, "/admin/admins/add")
        check(wait_text(drv, 'id="new_password"'), "add: temp, role admin")
        onetimes.append(drv.find_element(By.ID, "new_password").text.strip())
        edit(drv, "temp")
        submit(drv, "/admin/admins/delete")
        check(wait_text(drv, "The admin was deleted") and
              ">temp<" not in drv.page_source, "temp deleted")

        # --- Dutch ---
        drv.get(admin + "/admin/admins?lang=nl")
        check(wait_text(drv, "<h1>Beheerders") and '<html lang="nl">' in drv.page_source,
              "the list in Dutch")
        page_ok(drv, "admins-nl")
        edit(drv, "desk")
        page_ok(drv, "admin-desk-nl")
        drv.get(admin + "/admin/admins?lang=en")

        # --- the audit log; no password anywhere ---
        drv.get(admin + "/admin/audit")
        src = drv.page_source
        for what in ("admin.add", "admin.disable", "admin.enable", "admin.reset",
                     "admin.totp.clear", "admin.role", "admin.delete", "admin.sessions.end",
                     "last-admin", "self", "role=helpdesk"):
            check(what in src, "audit: %s" % what)
        check(not any(o in src for o in onetimes), "audit: no one-time password")
        check(not any(pw in src for pw in NEWPW.values()), "audit: no password")
        log = open(p.log).read()
        check(not any(o in log for o in onetimes) and
              not any(pw in log for pw in NEWPW.values()), "poortd's log: no password")
        check(p.stop() == 0, "poortd stops cleanly")
    finally:
        for d in drvs:
            d.quit()
        p.stop()
    log = open(p.log).read()
    check("Sanitizer" not in log, "no sanitizer report")
    print("screenshots in " + shots)
    if FAILS:
        print("FAILED: %d checks: %s" % (len(FAILS), "; ".join(FAILS)))
        sys.exit(1)


if __name__ == "__main__":
    main()
