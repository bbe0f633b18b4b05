#!/usr/bin/python3
"""Every admin page in headless Chromium (selenium), as an admin and as a
helpdesk admin, at 390 px and 1280 px (screenshots into WORK_DIR/screenshots,
no sideways scrolling), with the accessibility basics of
admin_chromium.A11Y_JS (<html lang>, a label on every input, nothing from
another origin, no script): dashboard, accounts, one account, guests,
vouchers, access points, why, online, SSO, audit, TOTP, password, admins.

Every POST form on those pages is submitted without its CSRF token (403)
and, in the flows below, with it. Admin-only pages and forms give the
helpdesk 403 (GET and POST with a valid token). Keyboard-only login (Tab and
Enter). An expired session (admin_idle 10) lands on the login page.

Accounts: the account page edits name, student number and affiliation,
disables and enables, sets an expiry in the past and clears it, resets the
password; each change is audited and radclient (PAP) sees it at once:
disabled and expired give Access-Reject with the reason in the log.

One's own password by choice (both roles, from the menu): the current one
is asked, a wrong one refused, the policy applied; the admin's other
session is logged out, the audit log has the change.

Vouchers: Chromium's print to PDF of a batch of 12 gives a sensible page
count (two columns), each card whole on one page (read from the PDF's
structure tree: the pages of each card's parts), the menu hidden in print.

usage: admin_ui_chromium.py BUILD_DIR WORK_DIR"""

import base64
import os
import re
import shutil
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))

FAILS = []
SECRET = "testing123-secret"
NEWPW = {"boss": "correct horse battery", "desk": "helpdesk staple 42"}


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)


def pdf_cards(raw):
    """From a tagged PDF (Chromium's): the pages each H2-headed card lies
    on, in document order, from the structure tree (StructElem /Pg)."""
    objs = {int(m.group(1)): m.group(2) for m in
            re.finditer(rb"(\d+) 0 obj\s*(<<.*?>>)\s*endobj", raw, re.S)}
    root = next((k for k, v in objs.items() if b"/Type /StructTreeRoot" in v), None)
    if root is None:
        return None
    cards = []

    def kids(v):
        m = re.search(rb"/K\s*(\[[^\]]*\]|\d+ 0 R|\d+)", v)
        return [int(x) for x in re.findall(rb"(\d+) 0 R", m.group(1))] if m else []

    def walk(n, depth=0):
        v = objs.get(n, b"")
        if re.search(rb"/S /H2\b", v):
            cards.append(set())
        pg = re.search(rb"/Pg (\d+) 0 R", v)
        if pg and cards:
            cards[-1].add(int(pg.group(1)))
        for k in kids(v):
            if depth < 64:
                walk(k, depth + 1)
    walk(root)
    return cards


def main():
    build, work = sys.argv[1], sys.argv[2]
    if shutil.which("chromium") is None or shutil.which("chromedriver") is None:
        print("SKIP: chromium or chromium-driver not installed")
        sys.exit(77)
    if shutil.which("radclient") is None:
        print("SKIP: radclient (freeradius-utils) not installed")
        sys.exit(77)
    try:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys
        from selenium.common.exceptions import WebDriverException
    except ImportError:
        print("SKIP: python3-selenium not installed")
        sys.exit(77)
    import saml_env as env
    from admin_chromium import A11Y_JS, Codes
    from saml_chromium import browser, wait_text
    from saml_pysaml2 import ACS, SP1
    from saml_release import REL1

    p = env.Poortd(build, work, [])
    sp_key, sp_crt = env.make_key(p.keys, "sp", "test sp")
    eid, xml = env.sp_metadata(SP1, [ACS[SP1]], sp_crt, False, False)
    md = env.sign_metadata(p.keys, "md-sp1", eid, xml, p.fed_key, p.fed_crt)
    p.sps = [(SP1, REL1, "uid", md)]
    shots = os.path.join(work, "screenshots")
    os.makedirs(shots)
    admin_port = env.free_port()
    idle = [0]
    ports = {}
    orig_write = p.write_config

    def write_config():
        orig_write()
        extra = "  rate 100000\n  admin_listen 127.0.0.1 %d" % admin_port
        if idle[0]:
            extra += "\n  admin_idle %d" % idle[0]
        text = open(p.conf).read().replace("  rate 100000", extra)
        text += 'client "loopback" {\n\taddress 127.0.0.1\n\tsecret "%s"\n}\n' % SECRET
        ports["auth"] = int(re.search(r"listen auth 127.0.0.1 (\d+)", text).group(1))
        open(p.conf, "w").write(text)
    p.write_config = write_config
    admin = "https://127.0.0.1:%d" % admin_port
    ctx = ssl.create_default_context(cafile=p.https_crt)
    codes = Codes()
    secrets = {}
    drv = None

    def radius(user, pw):
        """PAP Access-Request: 'accept' or 'reject' (or the output)."""
        r = subprocess.run(["radclient", "-r", "1", "-t", "2", "-x",
                            "127.0.0.1:%d" % ports["auth"], "auth", SECRET],
                           input='User-Name = "%s@school.example", User-Password = "%s", '
                                 'Message-Authenticator = 0x00' % (user, pw),
                           capture_output=True, text=True, timeout=30)
        out = r.stdout + r.stderr
        # not just "Access-Accept": a reject says "Expected Access-Accept got Access-Reject"
        m = re.search(r"Received Access-(Accept|Reject)", out)
        return m.group(1).lower() if m else out

    def radius_becomes(user, pw, want, seconds=5.0):
        """The radius child reads the store through a snapshot renewed
        every so often: a change shows within that time."""
        deadline = time.time() + seconds
        while True:
            got = radius(user, pw)
            if got == want or time.time() > deadline:
                return got
            time.sleep(0.3)

    def cookie():
        c = drv.get_cookie("__Host-poort_admin")
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

    def page_ok(name):
        bad = drv.execute_script(A11Y_JS)
        check(not bad, "%s: lang, labels, same-origin only %s" % (name, bad or ""))
        check("{{" not in drv.page_source, "%s: no template left over" % name)
        for w in (390, 1280):
            drv.set_window_size(w, 900)
            drv.save_screenshot(os.path.join(shots, "%s-%d.png" % (name, w)))
            wide = drv.execute_script("return document.documentElement.scrollWidth")
            check(wide <= w + 1, "%s at %d px: no sideways scrolling (%d)" % (name, w, wide))
        drv.set_window_size(390, 900)

    def post_forms():
        return drv.execute_script(
            "return [...document.querySelectorAll('form')]"
            ".filter(f => f.method === 'post').map(f => f.getAttribute('action'));")

    def submit_without_csrf(i):
        """Form i (of post_forms) without its token: the router's 403."""
        drv.execute_script(
            "const f = [...document.querySelectorAll('form')]"
            ".filter(f => f.method === 'post')[arguments[0]];"
            "f.querySelector('input[name=csrf]').remove(); f.submit();", i)
        return wait_text(drv, "Bad or missing form token")

    def csrf_all(page, name):
        """Every POST form of page, without its token: 403 each."""
        drv.get(admin + page)
        forms = post_forms()
        check(len(forms) > 0, "%s: has POST forms (%s)" % (name, forms))
        for i, action in enumerate(forms):
            drv.get(admin + page)
            check(submit_without_csrf(i), "%s: form %d (%s) without CSRF token: 403" %
                  (name, i, action))
        drv.get(admin + page)

    def fill(fields):
        for k, v in fields.items():
            e = drv.find_element(By.ID, k)
            if e.tag_name == "select":
                e.find_element(By.CSS_SELECTOR, 'option[value="%s"]' % v).click()
            elif e.get_attribute("type") == "date":
                drv.execute_script("arguments[0].value = arguments[1]", e, v)
            else:
                e.clear()
                e.send_keys(v)

    def mark():
        """Marks the page shown now (a property of its window object)."""
        drv.execute_script("window.__poort_old_page = 1;")

    def left(timeout=10):
        """Waits until the browser shows another page than the marked one, so
        that a following drv.get() cannot be overtaken by the form's answer."""
        end = time.time() + timeout
        while time.time() < end:
            try:
                if drv.execute_script("return window.__poort_old_page === undefined;"):
                    return True
            except WebDriverException:
                pass  # between two pages
            time.sleep(0.05)
        return False

    def submit(action, nth=0):
        mark()
        drv.find_elements(By.CSS_SELECTOR,
                          'form[action="%s"] button[type=submit]' % action)[nth].click()
        left()
        time.sleep(0.1)

    def login(name, pw, code, keyboard=False):
        drv.get(admin + "/admin/login")
        if keyboard:
            drv.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
            for _ in range(8):
                if drv.switch_to.active_element.get_attribute("id") == "name":
                    break
                drv.switch_to.active_element.send_keys(Keys.TAB)
            a = drv.switch_to.active_element
            check(a.get_attribute("id") == "name", "keyboard: Tab reaches the name field")
            a.send_keys(name, Keys.TAB)
            check(drv.switch_to.active_element.get_attribute("id") == "password",
                  "keyboard: Tab goes on to the password")
            drv.switch_to.active_element.send_keys(pw, Keys.TAB)
            check(drv.switch_to.active_element.get_attribute("id") == "code",
                  "keyboard: then the code")
            drv.switch_to.active_element.send_keys(code or "", Keys.ENTER)
        else:
            fill({"name": name, "password": pw})
            if code:
                fill({"code": code})
            submit("/admin/login")
        time.sleep(0.3)

    def first_login(name, onetime):
        login(name, onetime, None)
        check(wait_text(drv, 'action="/admin/password"'), "%s: set a new password" % name)
        fill({"password": NEWPW[name], "password2": NEWPW[name]})
        submit("/admin/password")
        check(wait_text(drv, 'id="secret"'), "%s: TOTP enrolment" % name)
        secrets[name] = drv.find_element(By.ID, "secret").text.strip().replace(" ", "")
        fill({"code": codes.next(secrets[name])})
        submit("/admin/totp")
        check(wait_text(drv, "<h1>Dashboard"), "%s: logged in" % name)

    def logout():
        drv.find_element(By.CSS_SELECTOR, "header form button").click()
        check(wait_text(drv, 'id="name"'), "logged out: the login page")

    def second_session(name, pw):
        """Another session of name (python, not the browser): its cookie."""
        import http.cookiejar
        jar = http.cookiejar.CookieJar()
        op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar),
                                         urllib.request.HTTPSHandler(context=ctx))
        page = op.open(admin + "/admin/login", timeout=10).read().decode()
        tok = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({"csrf": tok, "name": name, "password": pw,
                                       "code": codes.next(secrets[name])}).encode()
        op.open(admin + "/admin/login", data=data, timeout=10).read()
        for c in jar:
            if c.name == "__Host-poort_admin":
                return c.value
        return None

    def audit_has(text):
        drv.get(admin + "/admin/audit")
        return text in drv.page_source

    try:
        p.start()
        boss = p.ctl("admin", "add", "boss", "--role", "admin").stdout.strip().split("\t")[-1]
        desk = p.ctl("admin", "add", "desk", "--role", "helpdesk").stdout.strip().split("\t")[-1]
        drv = browser(os.path.join(work, "profile"), ("--lang=en", "--window-size=390,900"))
        drv.get(admin + "/admin/login?lang=en")
        page_ok("ui-login")
        first_login("boss", boss)
        check(radius(env.USER, env.PASSWORD) == "accept", "radclient: the student logs in")

        # --- every page, as admin ---
        pages = [("dashboard", "/admin/"), ("accounts", "/admin/accounts"),
                 ("account", "/admin/accounts/edit?u=" + env.USER),
                 ("guests", "/admin/guests"), ("aps", "/admin/aps"),
                 ("why", "/admin/why?q=" + env.USER), ("online", "/admin/online"),
                 ("sso", "/admin/sso"), ("sso-log", "/admin/sso?user=" + env.USER),
                 ("audit", "/admin/audit"), ("totp", "/admin/totp"),
                 ("password", "/admin/password"), ("admins", "/admin/admins"),
                 ("admin", "/admin/admins/edit?name=boss")]
        for name, path in pages:
            drv.get(admin + path)
            check(drv.current_url == admin + path, "admin: %s opens (%s)" % (name,
                                                                            drv.current_url))
            page_ok("ui-" + name)
        drv.get(admin + "/admin/why?q=" + env.USER + "&lang=nl")
        page_ok("ui-why-nl")
        drv.get(admin + "/admin/?lang=en")

        # --- the account page: details, disable, expiry, password ---
        acc = "/admin/accounts/edit?u=" + env.USER
        drv.get(admin + acc)
        check(drv.find_element(By.ID, "given").get_attribute("value") == "Jan" and
              drv.find_element(By.ID, "affiliation").get_attribute("value") == "student",
              "account: the details form has the current values")
        fill({"given": "Johannes", "surname": "de Vries-Bakker", "number": "654321",
              "affiliation": "employee"})
        submit("/admin/accounts/details")
        check(wait_text(drv, "The account was saved.") and
              "Johannes de Vries-Bakker" in drv.find_element(By.ID, "v_name").text and
              drv.find_element(By.ID, "v_affiliation").text.startswith("employee"),
              "account: name and affiliation changed")
        page_ok("ui-account-saved")
        fill({"given": "Johannes", "surname": "X", "number": "1" * 40})
        drv.execute_script("document.getElementById('number').removeAttribute('maxlength')")
        fill({"number": "1" * 40})
        submit("/admin/accounts/details")
        check(wait_text(drv, "The student number is too long.") and
              "654321" in drv.page_source, "account: a too long number is refused, nothing "
              "changed")
        drv.get(admin + acc)
        drv.execute_script("document.getElementById('given').removeAttribute('required')")
        fill({"given": ""})
        submit("/admin/accounts/details")
        check(wait_text(drv, "Given name and surname must not be empty.") and
              "Johannes" in drv.find_element(By.ID, "v_name").text,
              "account: an empty given name is refused")
        check(radius(env.USER, env.PASSWORD) == "accept", "radclient: still accepted")
        drv.get(admin + acc)
        submit("/admin/accounts/enable")
        check(wait_text(drv, "The account is disabled."), "account: disabled")
        check(radius_becomes(env.USER, env.PASSWORD, "reject") == "reject",
              "radclient: a disabled account is rejected at once")
        check(p.log_has("reason=account-disabled"), "the log says account-disabled")
        submit("/admin/accounts/enable")
        check(wait_text(drv, "The account is enabled."), "account: enabled again")
        check(radius_becomes(env.USER, env.PASSWORD, "accept") == "accept",
              "radclient: accepted again")
        fill({"value": "2020-01-31"})
        submit("/admin/accounts/expiry")
        check(wait_text(drv, "The expiry date was changed.") and
              "2020-01-31" in drv.find_element(By.ID, "v_expires").text,
              "account: expiry set in the past")
        page_ok("ui-account-expired")
        check(radius_becomes(env.USER, env.PASSWORD, "reject") == "reject",
              "radclient: an expired account is rejected")
        check(p.log_has("reason=account-expired"), "the log says account-expired")
        for _ in range(20):  # the log writer stores rows once a second or so
            drv.get(admin + "/admin/why?q=" + env.USER)
            if 'data-reason="account-expired"' in drv.page_source:
                break
            time.sleep(0.5)
        check('data-reason="account-expired"' in drv.page_source,
              "why: the expired reason for the student")
        drv.get(admin + acc)
        submit("/admin/accounts/expiry", 1)  # "Never expires"
        check(wait_text(drv, "The expiry date was changed.") and
              drv.find_element(By.ID, "v_expires").text == "never",
              "account: expiry cleared")
        check(radius_becomes(env.USER, env.PASSWORD, "accept") == "accept",
              "radclient: accepted once the expiry is cleared")
        fill({"value": "2099-12-31"})
        submit("/admin/accounts/expiry")
        check(wait_text(drv, "2099-12-31"), "account: expiry in the future")
        check(radius(env.USER, env.PASSWORD) == "accept", "radclient: a future expiry: accepted")
        submit("/admin/accounts/password")
        check(wait_text(drv, 'id="new_password"'), "account: a new password shown once")
        newpw = drv.find_element(By.ID, "new_password").text
        check(radius_becomes(env.USER, newpw, "accept") == "accept" and
              radius(env.USER, env.PASSWORD) == "reject",
              "radclient: the new password works, the old one not")
        drv.get(admin + acc)
        check('id="new_password"' not in drv.page_source, "the password is not shown again")
        for what in ("account.edit", "given surname number affiliation=employee",
                     "account.disable", "account.enable", "account.expire", "account.passwd"):
            check(audit_has(what), "audit: %s" % what)
        check(newpw not in drv.page_source, "audit: no password in the log")
        csrf_all(acc, "account")

        # --- the other pages' forms without their token ---
        for name, path in (("accounts", "/admin/accounts"), ("guests", "/admin/guests"),
                           ("aps", "/admin/aps"), ("sso", "/admin/sso"),
                           ("password", "/admin/password"), ("totp", "/admin/totp"),
                           ("admins", "/admin/admins"),
                           ("admin", "/admin/admins/edit?name=boss")):
            csrf_all(path, name)
        drv.get(admin + "/admin/")

        # --- guests: vouchers, printed ---
        drv.get(admin + "/admin/guests")
        fill({"event": "open-dag", "count": "12", "until": "2099-01-31"})
        submit("/admin/guests/create")
        check(wait_text(drv, 'class="voucher"'), "guests: vouchers")
        cards = drv.find_elements(By.CSS_SELECTOR, ".voucher")
        check(len(cards) == 12, "guests: twelve vouchers (%d)" % len(cards))
        full = [c for c in cards
                if len(c.find_elements(By.TAG_NAME, "dd")) == 3 and
                all(d.text.strip() for d in c.find_elements(By.TAG_NAME, "dd")) and
                "2099-01-31" in c.find_elements(By.TAG_NAME, "dd")[2].text and
                "eduroam" in c.text]
        check(len(full) == 12, "each voucher card: user name, password, validity, how to "
              "connect (%d)" % len(full))
        page_ok("ui-vouchers")
        drv.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        hidden = drv.execute_script(
            "return getComputedStyle(document.querySelector('header')).display === 'none' &&"
            " getComputedStyle(document.querySelector('h1')).display === 'none'")
        cols = drv.execute_script(
            "return getComputedStyle(document.querySelector('.vouchers'))"
            ".gridTemplateColumns.split(' ').length")
        drv.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        check(hidden, "print: the menu and the heading are hidden")
        check(cols == 2, "print: two vouchers side by side (%s)" % cols)
        pdf = drv.execute_cdp_cmd("Page.printToPDF", {"printBackground": False,
                                                      "paperWidth": 8.27,
                                                      "paperHeight": 11.69})
        raw = base64.b64decode(pdf["data"])
        open(os.path.join(shots, "vouchers.pdf"), "wb").write(raw)
        m = re.search(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", raw) or \
            re.search(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", raw)
        npages = int(m.group(1)) if m else -1
        check(1 <= npages <= 3, "print: 12 vouchers on 1 to 3 A4 pages (%d)" % npages)
        cards = pdf_cards(raw)
        check(cards is not None and len(cards) == 12 and all(len(c) == 1 for c in cards),
              "print: each voucher card whole on one page (the PDF's structure tree: %s)" %
              cards)
        drv.get(admin + "/admin/guests")
        page_ok("ui-guests-list")
        mark()
        drv.find_element(By.CSS_SELECTOR, 'form[action="/admin/guests/expire"] button').click()
        check(left() and wait_text(drv, "Guest access"), "guests: the event ended early")

        # --- access points: add, delete ---
        drv.get(admin + "/admin/aps")
        fill({"name": "lab", "address": "127.0.0.2"})
        submit("/admin/aps/add")
        check(wait_text(drv, 'id="new_secret"'), "aps: added, the secret shown")
        drv.get(admin + "/admin/aps")
        submit("/admin/aps/delete")
        check(wait_text(drv, "Access points") and ">lab<" not in drv.page_source,
              "aps: deleted")

        # --- SSO: the release rule saved unchanged with its token ---
        drv.get(admin + "/admin/sso")
        submit("/admin/sso/release")
        check(wait_text(drv, "Saved"), "sso: the release rule saved with the token")

        # --- one's own password, by choice ---
        drv.get(admin + "/admin/")
        nav = [a.get_attribute("href") for a in drv.find_elements(By.CSS_SELECTOR, "nav a")]
        check(admin + "/admin/password" in nav, "admin: the menu has 'Change password'")
        other = second_session("boss", NEWPW["boss"])
        check(other is not None and status("/admin/", other)[0] == 200,
              "boss: a second session works")
        drv.find_element(By.CSS_SELECTOR, 'nav a[href="/admin/password"]').click()
        check(wait_text(drv, 'id="current"'), "password page: asks the current password")
        page_ok("ui-password-change")
        fill({"current": "not my password", "password": "brand new password 1",
              "password2": "brand new password 1"})
        submit("/admin/password")
        check(wait_text(drv, "The current password is wrong."), "a wrong current password: "
              "refused")
        fill({"current": NEWPW["boss"], "password": "short", "password2": "short"})
        drv.execute_script("for (const e of document.querySelectorAll('input'))"
                           " e.removeAttribute('minlength')")
        submit("/admin/password")
        check(wait_text(drv, "12 to 128 characters"), "a too short new one: the policy")
        fill({"current": NEWPW["boss"], "password": "brand new password 1",
              "password2": "brand new password 2"})
        submit("/admin/password")
        check(wait_text(drv, "The two passwords differ."), "two different new ones: refused")
        check(status("/admin/", other)[0] == 200, "the other session lives on meanwhile")
        fill({"current": NEWPW["boss"], "password": "brand new password 1",
              "password2": "brand new password 1"})
        submit("/admin/password")
        check(wait_text(drv, "Your password was changed."), "password changed")
        st, _, hdr = status("/admin/", other)
        check(st == 303 and hdr.get("Location") == "/admin/login",
              "the other session of boss is logged out (%d)" % st)
        check(status("/admin/", cookie())[0] == 200, "this session stays")
        check(audit_has("admin.passwd") and audit_has("admin.sessions.end"),
              "audit: the change and the sessions ended")
        NEWPW["boss"] = "brand new password 1"
        logout()

        # --- keyboard-only login with the new password ---
        login("boss", NEWPW["boss"], codes.next(secrets["boss"]), keyboard=True)
        check(wait_text(drv, "<h1>Dashboard"), "keyboard-only login with the new password")
        logout()

        # --- helpdesk ---
        first_login("desk", desk)
        nav = [a.get_attribute("href")[len(admin):]
               for a in drv.find_elements(By.CSS_SELECTOR, "nav a")]
        check("/admin/password" in nav and "/admin/aps" not in nav and "/admin/sso" not in nav
              and "/admin/audit" not in nav, "helpdesk: the menu (%s)" % nav)
        for name, path in (("dashboard", "/admin/"), ("accounts", "/admin/accounts"),
                           ("why", "/admin/why?q=" + env.USER), ("online", "/admin/online"),
                           ("guests", "/admin/guests"), ("password", "/admin/password")):
            drv.get(admin + path)
            page_ok("ui-helpdesk-" + name)
        drv.get(admin + "/admin/accounts/edit?u=" + env.USER)  # an employee now
        check("/admin/accounts/details" not in drv.page_source and
              "/admin/accounts/expiry" not in drv.page_source,
              "helpdesk: no details or expiry forms")
        ck = cookie()
        tok = drv.find_element(By.NAME, "csrf").get_attribute("value")
        for path in ("/admin/aps", "/admin/sso", "/admin/audit", "/admin/accounts/export",
                     "/admin/admins"):
            drv.get(admin + path)
            check(wait_text(drv, "Not allowed"), "helpdesk: %s refused in the browser" % path)
            check(status(path, ck)[0] == 403, "helpdesk: GET %s is 403" % path)
        page_ok("ui-helpdesk-forbidden")
        for path, form in (("/admin/accounts/details", {"u": env.USER, "given": "X",
                                                        "surname": "Y", "number": "",
                                                        "affiliation": "student"}),
                           ("/admin/accounts/expiry", {"u": env.USER, "value": "never"}),
                           ("/admin/accounts/add", {"username": "x.y", "given": "X",
                                                    "surname": "Y", "affiliation": "student"}),
                           ("/admin/aps/add", {"name": "x", "address": "127.0.0.3"}),
                           ("/admin/aps/delete", {"name": "x"}),
                           ("/admin/sso/release", {"sp": SP1, "a_uid": "1"}),
                           ("/admin/admins/add", {"name": "x", "role": "admin"})):
            form = dict(form, csrf=tok)
            st, _, _ = status(path, ck, urllib.parse.urlencode(form).encode())
            check(st == 403, "helpdesk: POST %s with a valid token is 403 (%d)" % (path, st))
        st, body, _ = status("/admin/accounts/edit?u=" + env.USER, ck)
        check("Johannes" in body, "helpdesk: nothing was changed")
        drv.get(admin + "/admin/password")
        fill({"current": NEWPW["desk"], "password": "helpdesk staple 43",
              "password2": "helpdesk staple 43"})
        submit("/admin/password")
        check(wait_text(drv, "Your password was changed."), "helpdesk: own password changed")
        logout()

        # --- an expired session ---
        check(p.stop() == 0, "poortd stops cleanly")
        idle[0] = 10
        p.add_account = lambda: None  # the store is kept
        p.start()
        login("boss", NEWPW["boss"], codes.next(secrets["boss"]))
        check(wait_text(drv, "<h1>Dashboard"), "logged in again (admin_idle 10)")
        time.sleep(12)
        drv.get(admin + "/admin/accounts")
        check(drv.current_url.startswith(admin + "/admin/login"),
              "an expired session lands on the login page (%s)" % drv.current_url)
        check(p.stop() == 0, "poortd stops cleanly")
    finally:
        if drv is not None:
            drv.quit()
        p.stop()
    log = open(p.log).read()
    check("Sanitizer" not in log, "no sanitizer report")
    print("screenshots in " + shots)
    if FAILS:
        print("FAILED: %d checks: %s" % (len(FAILS), "; ".join(FAILS)))
        sys.exit(1)


if __name__ == "__main__":
    main()
