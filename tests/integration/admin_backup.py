#!/usr/bin/python3
"""Backup and restore from the admin UI (/admin/backup), with Python
requests against a real poortd and radclient, and the pages in headless
Chromium (labels, <html lang>, same origin, screenshots).

Box 1: an admin downloads a backup (passphrase twice; an attachment
poort-backup-*.pbak, no-store), adds an account, then uploads the backup
with a wrong passphrase, with one byte flipped and cut short: each a clear
error page, nothing changed (the new account still logs in); a 17 MiB file
(over http.admin_max_body) our own 413 page in nl and en, also from the
Chromium form, with nothing changed. With the
right passphrase the file verifies. A restore whose job then fails (the
state directory cannot be moved aside: every name it could take is a
non-empty directory) keeps the old state: the children serve again, the
added account still logs in, and after logging in again the backup page
and the dashboard say in English and Dutch that the restore failed and
why (restore.json), the audit has backup.restore-failed; the helpdesk's
dashboard does not show it. Then the confirm step answers first and
poortd restarts by itself (same pid): the pages say the box was restored
from a backup made at its time, asked by boss; the added account is gone, the
original ones log in with the same Chargeable-User-Identity (same cui.key),
the admin logs in again. Then a fresh box (empty state directory, one new
admin, another CUI key) restores the same file and serves box 1's
accounts, CUI and admins. The helpdesk role gets 403, a POST without its
CSRF token 403; no passphrase in any log line or audit row.

usage: admin_backup.py BUILD_DIR WORK_DIR"""

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))

import requests  # noqa: E402
import saml_env as env  # noqa: E402
from admin_chromium import A11Y_JS, Codes  # noqa: E402
from admin_pages import Admin  # noqa: E402

FAILS = []
PASS = "school backup passphrase 1"
WRONG = "not the passphrase at all"
OP = "1visited.example"


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)


def radius(p, user, pw, secret):
    """The CUI hex of an Access-Accept, or None for no accept."""
    port = int(re.search(r"listen auth 127.0.0.1 (\d+)", open(p.conf).read()).group(1))
    attrs = ('User-Name = "%s@school.example", User-Password = "%s", '
             'Message-Authenticator = 0x00, Chargeable-User-Identity = 0x00, '
             'Operator-Name = "%s"' % (user, pw, OP))
    r = subprocess.run(["radclient", "-r", "2", "-t", "2", "-x", "127.0.0.1:%d" % port, "auth",
                        secret], input=attrs, capture_output=True, text=True, timeout=30)
    out = r.stdout + r.stderr
    if "Received Access-Accept" not in out:
        return None
    m = re.search(r"Chargeable-User-Identity = 0x([0-9a-f]+)", out.split("Received", 1)[1])
    return m.group(1) if m else ""


def wait_for(fn, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.3)
    return fn()


def restarted(p, n):
    """poortd said "ready" n times."""
    return wait_for(lambda: p.log_text().count(" ready config=") >= n, 90)


def enrol(a, name, onetime, newpw, codes):
    """The first login (one-time password, new password, TOTP): the TOTP secret."""
    a.get("/admin/login?lang=en")
    a.post("/admin/login", {"name": name, "password": onetime})
    r = a.post("/admin/password", {"password": newpw, "password2": newpw})
    m = re.search(r'id="secret">([A-Z2-7]+)<', r.text)
    secret = m.group(1) if m else "A" * 32
    r = a.post("/admin/totp", {"code": codes.next(secret)})
    check(r.status_code == 200 and r.url.endswith("/admin/"), "%s: logged in" % name)
    return secret


def login(a, name, pw, code):
    a.get("/admin/login?lang=en")
    r = a.post("/admin/login", {"name": name, "password": pw, "code": code})
    return r.status_code == 200 and r.url.endswith("/admin/")


def upload(a, data, pw):
    return a.post("/admin/backup/restore", {"pass": pw},
                  files={"file": ("box.pbak", data, "application/octet-stream")})


def main():
    build, work = sys.argv[1], sys.argv[2]
    if shutil.which("chromium") is None or shutil.which("chromedriver") is None:
        print("SKIP: chromium or chromium-driver not installed")
        sys.exit(77)
    p = env.Poortd(build, work, [])
    admin_port = env.free_port()
    orig_write = p.write_config

    def write_config():
        orig_write()
        text = open(p.conf).read().replace(
            "  rate 100000", "  rate 100000\n  admin_listen 127.0.0.1 %d" % admin_port)
        open(p.conf, "w").write(text)
    p.write_config = write_config
    base = "https://127.0.0.1:%d" % admin_port
    codes = Codes()
    drv = None
    shots = os.path.join(work, "screenshots")
    os.makedirs(shots)

    def page_ok(name):
        bad = drv.execute_script(A11Y_JS)
        check(not bad, "%s: lang, labels, same-origin only %s" % (name, bad or ""))
        for w in (390, 1280):
            drv.set_window_size(w, 900)
            drv.save_screenshot(os.path.join(shots, "%s-%d.png" % (name, w)))
        drv.set_window_size(390, 900)

    try:
        p.start()
        boss_pw = p.ctl("admin", "add", "boss", "--role", "admin").stdout.strip().split("\t")[-1]
        desk_pw = p.ctl("admin", "add", "desk", "--role", "helpdesk").stdout.strip().split("\t")[-1]
        a = Admin(base, p.https_crt)
        boss_totp = enrol(a, "boss", boss_pw, "correct horse battery", codes)
        r = a.post("/admin/aps/add", {"name": "lab", "address": "127.0.0.1/32"})
        m = re.search(r'id="new_secret">([^<]+)<', r.text)
        secret = m.group(1) if m else "none"
        time.sleep(0.6)
        cui1 = radius(p, env.USER, env.PASSWORD, secret)
        check(bool(cui1), "box 1: the account logs in with a CUI (%r)" % cui1)
        pid = p.proc.pid

        # roles and CSRF
        d = Admin(base, p.https_crt)
        desk_totp = enrol(d, "desk", desk_pw, "helpdesk staple 42", codes)
        check(d.get("/admin/backup").status_code == 403, "helpdesk: /admin/backup 403")
        for path in ("/admin/backup/download", "/admin/backup/restore", "/admin/backup/confirm"):
            r = d.post(path, {"pass": PASS, "pass2": PASS})
            check(r.status_code == 403, "helpdesk: %s 403 (%d)" % (path, r.status_code))
        check('href="/admin/backup"' not in d.get("/admin/").text, "helpdesk: no backup menu")
        r = a.get("/admin/backup?lang=en")
        check(r.status_code == 200 and 'href="/admin/backup"' in r.text and "{{" not in r.text,
              "admin: the backup page and its menu entry")
        for path in ("/admin/backup/download", "/admin/backup/restore", "/admin/backup/confirm"):
            r = a.post(path, {"pass": PASS, "pass2": PASS}, csrf=False)
            check(r.status_code == 403, "%s without CSRF: 403 (%d)" % (path, r.status_code))

        # download
        r = a.post("/admin/backup/download", {"pass": PASS, "pass2": PASS + "x"})
        check("differ" in r.text, "download: two different passphrases refused")
        r = a.post("/admin/backup/download", {"pass": "short", "pass2": "short"})
        check("at least 10" in r.text, "download: a short passphrase refused")
        t0 = time.time()
        r = a.post("/admin/backup/download", {"pass": PASS, "pass2": PASS})
        cd = r.headers.get("Content-Disposition", "")
        check(r.status_code == 200 and r.content[:8] == b"POORTBAK",
              "download: a backup file (%d, %d bytes, %.1f s)" %
              (r.status_code, len(r.content), time.time() - t0))
        check(re.fullmatch(r'attachment; filename="poort-backup-[A-Za-z0-9.-]*-?\d{8}-\d{4}\.pbak"',
                           cd) is not None, "download: attachment poort-backup-...pbak (%s)" % cd)
        check(r.headers.get("Cache-Control") == "no-store", "download: Cache-Control no-store")
        good = r.content
        bk = os.path.join(work, "box1.pbak")
        open(bk, "wb").write(good)

        # a change after the backup
        p.ctl("add", "extra.user", "--affiliation", "student", "--password-stdin",
              stdin="Extra-password-1\n")
        time.sleep(0.3)
        check(radius(p, "extra.user", "Extra-password-1", secret) is not None,
              "the account added after the backup logs in")

        # refusals: nothing changes
        state_before = sorted(os.listdir(os.path.join(work, "state")))
        bad = bytearray(good)
        bad[len(bad) // 2] ^= 0x01
        for what, data, pw, text in (
                ("a wrong passphrase", good, WRONG, "Wrong passphrase"),
                ("one byte flipped", bytes(bad), PASS, "damaged or incomplete"),
                ("cut short", good[:len(good) - 100], PASS, "damaged or incomplete"),
                ("not a backup", b"hello" * 100, PASS, "not a Poort backup")):
            r = upload(a, data, pw)
            check(r.status_code == 200 and text in r.text and 'id="confirm"' not in r.text,
                  "restore, %s: a clear error (%s)" % (what, re.findall(r'role="alert">([^<]*)',
                                                                        r.text)))
            r = a.post("/admin/backup/confirm", {})
            check("nothing is waiting" in r.text, "restore, %s: no confirm possible" % what)
        check(radius(p, "extra.user", "Extra-password-1", secret) is not None and p.alive() and
              p.proc.pid == pid, "after the refusals the new account still logs in")
        check(sorted(os.listdir(os.path.join(work, "state"))) == state_before,
              "after the refusals the state directory is as it was (no upload left)")
        # over http.admin_max_body (16 MiB): our page, the body dropped as it comes
        for lang, text in (("nl", "Er is niets gewijzigd."), ("en", "Nothing was changed.")):
            a.get("/admin/backup?lang=" + lang)
            try:
                r = upload(a, b"\0" * (17 << 20), PASS)
                big, page = r.status_code, r.text
            except requests.exceptions.ConnectionError:
                big, page = "connection closed", ""
            check(big == 413 and 'id="too-large"' in page and text in page and "16 MiB" in page and
                  '<html lang="%s">' % lang in page,
                  "restore, a 17 MiB file (%s): our page, 413 (%s)" % (lang, big))
            check(a.csrf not in page and "/admin/logout" not in page,
                  "restore, a 17 MiB file (%s): no session token or menu on it" % lang)
        r = a.post("/admin/backup/restore", {"pass": PASS}, csrf=False,
                   files={"file": ("box.pbak", b"\0" * (17 << 20), "application/octet-stream")})
        check(r.status_code == 413 and 'id="too-large"' in r.text,
              "restore, a 17 MiB file without the token: the same page (%d)" % r.status_code)
        r = a.post("/admin/backup/confirm", {})
        check("nothing is waiting" in r.text, "restore, a 17 MiB file: no confirm possible")
        check(p.alive() and p.proc.pid == pid, "poortd still runs after it")
        check(sorted(os.listdir(os.path.join(work, "state"))) == state_before and
              radius(p, "extra.user", "Extra-password-1", secret) is not None,
              "after the 17 MiB files the box is as it was")
        a.get("/admin/backup")
        r = upload(a, good, PASS)
        check(r.status_code == 200 and 'id="confirm"' in r.text and 'id="verified"' in r.text,
              "restore: the right file and passphrase verify: the confirm step")

        # the pages in Chromium (the session of the requests above)
        from saml_chromium import browser, wait_text
        from selenium.webdriver.common.by import By
        drv = browser(os.path.join(work, "profile"), ("--lang=nl", "--window-size=390,900"))
        drv.get(base + "/admin/login?lang=nl")
        drv.add_cookie({"name": "__Host-poort_admin", "path": "/", "secure": True,
                        "value": a.s.cookies.get("__Host-poort_admin")})
        drv.get(base + "/admin/backup?lang=nl")
        check(wait_text(drv, "Back-up downloaden") and '<html lang="nl">' in drv.page_source,
              "chromium: the backup page in Dutch")
        page_ok("backup")
        drv.find_element(By.ID, "file").send_keys(bk)
        drv.find_element(By.ID, "rpass").send_keys(WRONG)
        drv.find_element(By.CSS_SELECTOR, "form[action='/admin/backup/restore'] button").click()
        check(wait_text(drv, "Verkeerd wachtwoord"), "chromium: a wrong passphrase, in Dutch")
        page_ok("backup-wrong")
        big_file = os.path.join(work, "big.pbak")
        with open(big_file, "wb") as f:
            f.truncate(17 << 20)
        drv.find_element(By.ID, "file").send_keys(big_file)
        drv.find_element(By.ID, "rpass").send_keys(PASS)
        drv.find_element(By.CSS_SELECTOR, "form[action='/admin/backup/restore'] button").click()
        check(wait_text(drv, "Er is niets gewijzigd.") and 'id="too-large"' in drv.page_source and
              "16 MiB" in drv.page_source, "chromium: a 17 MiB file, our page in Dutch")
        page_ok("backup-too-large")
        drv.get(base + "/admin/backup?lang=nl")
        drv.find_element(By.ID, "file").send_keys(bk)
        drv.find_element(By.ID, "rpass").send_keys(PASS)
        drv.find_element(By.CSS_SELECTOR, "form[action='/admin/backup/restore'] button").click()
        check(wait_text(drv, 'id="confirm"'), "chromium: the confirm step")
        page_ok("backup-confirm")
        drv.get(base + "/admin/backup?lang=en")
        a.get("/admin/backup")  # the form's token, for the confirm below

        # a restore that verified but fails in the parent's job: the state
        # directory cannot be moved aside (a non-empty directory already has
        # each name it could take in the next minutes)
        state = os.path.join(work, "state")
        now = int(time.time())
        blockers = ["%s.before-restore-%d" % (state, t) for t in range(now - 5, now + 300)]
        for b in blockers:
            os.makedirs(os.path.join(b, "x"))
        r = a.post("/admin/backup/confirm", {})
        check(r.status_code == 200 and 'id="restoring"' in r.text,
              "failing restore: 'restoring' answered")
        check(wait_for(lambda: p.log_text().count(" is serving again") >= 2, 90),
              "failing restore: the children serve again on the old state")
        check("restore failed (" in p.log_text() and p.alive() and p.proc.pid == pid,
              "failing restore: logged, the same poortd")
        check(not [n for n in os.listdir(work) if ".restore-" in n],
              "failing restore: no staging left behind")
        for b in blockers:
            shutil.rmtree(b)
        time.sleep(0.5)
        check(wait_for(lambda: radius(p, "extra.user", "Extra-password-1", secret) is not None,
                       10), "failing restore: the account added later still logs in")
        a = Admin(base, p.https_crt)
        check(login(a, "boss", "correct horse battery", codes.next(boss_totp)),
              "failing restore: the admin logs in again")
        fail_en = re.compile(r'id="restore_status">The restore of \d{4}-\d\d-\d\d \d\d:\d\d UTC '
                             r'failed: a file on the box could not be written\. The box kept its '
                             r'previous state\. \(asked by boss\)</p>')
        fail_nl = re.compile(r'id="restore_status">Het herstellen van \d{4}-\d\d-\d\d \d\d:\d\d '
                             r'UTC is mislukt: een bestand op het kastje kon niet worden '
                             r'geschreven\. Het kastje heeft zijn vorige toestand behouden\. '
                             r'\(gevraagd door boss\)</p>')
        for path in ("/admin/backup", "/admin/"):
            en = a.get(path + "?lang=en").text
            nl = a.get(path + "?lang=nl").text
            check(fail_en.search(en) is not None and fail_nl.search(nl) is not None,
                  "failing restore: %s says it failed, en and nl (%s)" %
                  (path, re.findall(r'id="restore_status">([^<]*)', en)))
        r = a.get("/admin/audit")
        check("backup.restore-failed" in r.text and "reason=io" in r.text,
              "failing restore: audit row backup.restore-failed reason=io")
        st = os.stat(os.path.join(state, "restore.json"))
        check(st.st_mode & 0o777 == 0o644 and st.st_uid == os.getuid(),
              "failing restore: restore.json 0644, the parent's (%o)" % (st.st_mode & 0o777))
        d = Admin(base, p.https_crt)
        check(login(d, "desk", "helpdesk staple 42", codes.next(desk_totp)) and
              'id="restore_status"' not in d.get("/admin/").text,
              "helpdesk: the dashboard does not show the restore's outcome")
        r = upload(a, good, PASS)
        check('id="confirm"' in r.text, "after the failure the backup verifies again")
        a.get("/admin/backup")

        # the restore: answered first, then poortd restarts by itself
        r = a.post("/admin/backup/confirm", {})
        check(r.status_code == 200 and 'id="restoring"' in r.text, "confirm: 'restoring' answered")
        check(restarted(p, 2), "poortd restarted after the restore")
        check(p.alive() and p.proc.pid == pid, "the same poortd process (pid %d)" % pid)
        check("restored from a backup made " in p.log_text(), "log: restored from a backup made")
        time.sleep(0.5)
        check(wait_for(lambda: radius(p, "extra.user", "Extra-password-1", secret) is None, 10),
              "after the restore the account added later is gone")
        cui = radius(p, env.USER, env.PASSWORD, secret)
        check(cui == cui1, "after the restore the original account logs in, same CUI")
        check(a.get("/admin/").url.endswith("/admin/login"), "the old session is gone")
        a = Admin(base, p.https_crt)
        check(login(a, "boss", "correct horse battery", codes.next(boss_totp)),
              "the admin logs in again")
        r = a.get("/admin/audit")
        check("backup.restored" in r.text and "backup.download" in r.text,
              "audit of the restored box: backup.download, backup.restored")
        ok_en = re.compile(r'id="restore_status">The box was restored on \d{4}-\d\d-\d\d '
                           r'\d\d:\d\d UTC from a backup made \d{4}-\d\d-\d\d \d\d:\d\d UTC '
                           r'\(asked by boss\)\.</p>')
        ok_nl = re.compile(r'id="restore_status">Het kastje is hersteld op \d{4}-\d\d-\d\d '
                           r'\d\d:\d\d UTC uit een back-up gemaakt op \d{4}-\d\d-\d\d '
                           r'\d\d:\d\d UTC \(gevraagd door boss\)\.</p>')
        for path in ("/admin/backup", "/admin/"):
            en = a.get(path + "?lang=en").text
            nl = a.get(path + "?lang=nl").text
            check(ok_en.search(en) is not None and ok_nl.search(nl) is not None,
                  "restore: %s says it was restored, en and nl (%s)" %
                  (path, re.findall(r'id="restore_status">([^<]*)', en)))
        aside = [n for n in os.listdir(work) if ".before-restore-" in n]
        check(len(aside) == 2, "the old state dir and config kept aside (%s)" % aside)

        # a fresh box restores box 1's backup
        p.stop()
        shutil.rmtree(os.path.join(work, "state"))
        for n in aside:
            path = os.path.join(work, n)
            shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
        p.add_account = lambda: None
        p.start()
        fresh_pw = p.ctl("admin", "add", "fresh", "--role", "admin").stdout.strip().split("\t")[-1]
        pid = p.proc.pid
        p.ctl("client", "add", "lab2", "127.0.0.1/32", "--secret-stdin", stdin=secret + "\n")
        time.sleep(0.6)
        check(radius(p, env.USER, env.PASSWORD, secret) is None, "fresh box: no accounts")
        p.ctl("add", env.USER, "--affiliation", "student", "--password-stdin",
              stdin=env.PASSWORD + "\n")
        time.sleep(0.3)
        cui = radius(p, env.USER, env.PASSWORD, secret)
        check(cui and cui != cui1, "fresh box: its own CUI key (another CUI for the same name)")
        f = Admin(base, p.https_crt)
        enrol(f, "fresh", fresh_pw, "fresh admin password", codes)
        r = upload(f, good, PASS)
        check('id="confirm"' in r.text, "fresh box: box 1's backup verifies")
        r = f.post("/admin/backup/confirm", {})
        check('id="restoring"' in r.text, "fresh box: restoring")
        check(restarted(p, 2), "fresh box: poortd restarted")
        check(p.alive() and p.proc.pid == pid, "fresh box: the same process")
        cui = wait_for(lambda: radius(p, env.USER, env.PASSWORD, secret), 10)
        check(cui == cui1, "fresh box: box 1's account logs in with box 1's CUI")
        a = Admin(base, p.https_crt)
        check(login(a, "boss", "correct horse battery", codes.next(boss_totp)),
              "fresh box: box 1's admin logs in")
        f = Admin(base, p.https_crt)
        check(not login(f, "fresh", "fresh admin password", "000000"),
              "fresh box: its own admin is gone")

        # no passphrase anywhere
        log = p.log_text()
        check(PASS not in log and WRONG not in log, "no passphrase in the log")
        rows = []
        for root, _, files in os.walk(work):
            for n in files:
                if n == "poort.db":
                    db = sqlite3.connect(os.path.join(root, n))
                    rows += [" ".join(map(str, x)) for x in
                             db.execute("select * from audit_log").fetchall()]
                    db.close()
        check(rows and not any(PASS in x or WRONG in x for x in rows),
              "no passphrase in %d audit rows" % len(rows))
        check(p.alive(), "poortd still runs")
    finally:
        if drv is not None:
            drv.quit()
        check(p.stop() == 0, "poortd stops cleanly")
    if FAILS:
        print("FAILED: " + "; ".join(FAILS))
        sys.exit(1)


if __name__ == "__main__":
    main()
