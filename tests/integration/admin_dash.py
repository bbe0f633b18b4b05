#!/usr/bin/python3
"""The dashboard's eduroam upstreams and firmware slots against a real
poortd: two upstream FLRs on loopback over RADIUS/UDP, flr-a (preferred)
not running and flr-b a FreeRADIUS. What the radius child reports through
the store (poort/store_upstream.h) shows on /admin/ for a logged-in admin
(python3-requests; one page in headless Chromium for the screenshots):
1. a visitor's request fails over: flr-a dead (warning style, since when,
   no answer yet), flr-b live with a round trip in ms;
2. flr-b stopped: the next visitor finds it dead too (a change is written at
   once: the page follows within the response window);
3. flr-a started: the Status-Server probe brings it back, the page follows
   within check_interval + response window;
4. rows a hanging radius child (SIGSTOP) no longer refreshes, once older
   than 2 minutes (aged in the store here), show as unknown, never as live.
Firmware slots (poort/fwstatus.h): this host is not a box image and the page
says so (nl and en); a status file as the parent writes it on a box (slot B
on trial) shows as a table; a damaged file is an alert, not an error page.

usage: admin_dash.py BUILD_DIR WORK_DIR"""

import html
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
os.environ.setdefault("POORT_BUILD", sys.argv[1] if len(sys.argv) > 1 else "")

import admin_why_sso as aws  # noqa: E402
from admin_chromium import A11Y_JS, Codes  # noqa: E402
import poortlib as pl  # noqa: E402
import saml_env as env  # noqa: E402

VISITOR = "visitor@other.example"
VPASS = "Visitor-pass-1"
USERS = f'{VISITOR} Cleartext-Password := "{VPASS}"\n'
MA = "update reply {\n\t\t\tMessage-Authenticator := 0x00\n\t\t}"
WINDOW, CHECK = 1, 1  # proxy response_window and check_interval, seconds
check = aws.check


def rows(page):
    """{name: (warn, state cell, rtt, silent)} of the upstream table."""
    out = {}
    for m in re.finditer(r'<tr class="up( warn)?"><td>([^<]+)<br>(.*?)</tr>', page):
        cells = dict(re.findall(r'<td class="(state|rtt|silent)">([^<]*)</td>', m.group(3)))
        out[html.unescape(m.group(2))] = (m.group(1) is not None,
                                         html.unescape(cells.get("state", "")),
                                         cells.get("rtt", ""), cells.get("silent", ""))
    return out


def main():
    build, work = sys.argv[1], sys.argv[2]
    p = env.Poortd(build, work, [])
    admin_port = env.free_port()
    port_a = pl.free_udp_port()
    flr_b = pl.FreeRadius(os.path.join(work, "flr-b"), USERS, post_auth=MA)
    flr_a = None
    ports = {}
    orig_write = p.write_config

    def write_config():
        orig_write()
        text = open(p.conf).read().replace(
            "  rate 100000", "  rate 100000\n  admin_listen 127.0.0.1 %d" % admin_port)
        text += 'client "loopback" {\n\taddress 127.0.0.1\n\tsecret "%s"\n}\n' % pl.SECRET
        text += "proxy {\n"
        for name, port in (("flr-a", port_a), ("flr-b", flr_b.port)):
            text += ('\tupstream "%s" {\n\t\taddress 127.0.0.1\n\t\tport %d\n'
                     '\t\tsecret "%s"\n\t}\n' % (name, port, pl.SECRET))
        text += "\tresponse_window %d\n\tcheck_interval %d\n}\n" % (WINDOW, CHECK)
        ports["auth"] = int(re.search(r"listen auth 127.0.0.1 (\d+)", text).group(1))
        open(p.conf, "w").write(text)
    p.write_config = write_config
    base = "https://127.0.0.1:%d" % admin_port

    def visitor():
        r = subprocess.run(["radclient", "-r", "1", "-t", "6", "-x",
                            "127.0.0.1:%d" % ports["auth"], "auth", pl.SECRET],
                           input=pl.pap_attrs(VISITOR, VPASS), capture_output=True, text=True,
                           timeout=30)
        return r.stdout + r.stderr

    def dash(lang="en"):
        r = boss.get("/admin/?lang=" + lang)
        check(r.status_code == 200 and "{{" not in r.text,
              "dashboard (%s) answers (%d)" % (lang, r.status_code))
        return r.text

    def wait_rows(cond, seconds):
        deadline = time.time() + seconds
        while True:
            got = rows(dash())
            if cond(got) or time.time() > deadline:
                return got
            time.sleep(0.1)

    drv = None
    try:
        p.start()
        boss_pw = p.ctl("admin", "add", "boss", "--role", "admin").stdout.strip()
        boss = aws.Admin(base, p.https_crt)
        boss.first_login("boss", boss_pw.split("\t")[-1], "correct horse battery", Codes())

        # at the start: both in use (UDP: until one fails), no answer yet
        got = wait_rows(lambda g: len(g) == 2 and all(not v[0] for v in g.values()), 2)
        check(set(got) == {"flr-a", "flr-b"}, "the two upstreams are listed: %s" % got)
        check(all(not w and s.startswith("live (no answer yet") for w, s, _, _ in got.values()),
              "at the start: live, no answer yet: %s" % got)
        check(got.get("flr-a", ("", "", "", ""))[3] == "never", "flr-a: never answered")

        # 1. the visitor's request: flr-a does not answer, flr-b does
        out = visitor()
        check("Received Access-Accept" in out, "the visitor is accepted through flr-b")
        got = wait_rows(lambda g: g.get("flr-a", (0, ""))[1] == "dead" and
                        g.get("flr-b", (0, "", ""))[2] != "", 2)
        a, b = got.get("flr-a"), got.get("flr-b")
        check(a is not None and a[0] and a[1] == "dead" and a[3] == "never",
              "flr-a dead, in the warning style, never answered: %s" % (a,))
        check(b is not None and not b[0] and b[1] == "live" and re.fullmatch(r"\d+", b[2]) and
              b[3] == "" and int(b[2]) < WINDOW * 1000,
              "flr-b live with a round trip in ms: %s" % (b,))
        page = dash()
        check(re.search(r'flr-a<br><code>127\.0\.0\.1:%d</code> RADIUS/UDP' % port_a,
                        page) is not None,
            "flr-a's address and transport as the radius child reported them")
        nl = dash("nl")
        check("onbereikbaar" in nl and "in gebruik" in nl and "eduroam-servers hogerop" in nl,
              "the upstream table in Dutch")
        check('id="fw-host"' in nl and "geen box-image" in nl,
              "firmware (nl): this host is not a box image")
        check('id="fw-host"' in page and "This is not a box image" in page,
              "firmware (en): this host is not a box image")

        # one page in the browser: labels, lang, same origin, screenshots
        if shutil.which("chromium") and shutil.which("chromedriver"):
            from saml_chromium import browser, wait_text
            shots = os.path.join(work, "screenshots")
            os.makedirs(shots, exist_ok=True)
            drv = browser(os.path.join(work, "profile"), ("--lang=nl", "--window-size=390,900"))
            drv.get(base + "/admin/login?lang=nl")
            drv.add_cookie({"name": "__Host-poort_admin", "path": "/", "secure": True,
                            "value": boss.s.cookies.get("__Host-poort_admin")})
            drv.get(base + "/admin/?lang=nl")
            check(wait_text(drv, "onbereikbaar"), "chromium: the dashboard with a dead FLR")
            bad = drv.execute_script(A11Y_JS)
            check(not bad, "dashboard: lang, labels, same-origin only %s" % (bad or ""))
            for w in (390, 1280):
                drv.set_window_size(w, 900)
                drv.execute_script("document.getElementById('upstreams').scrollIntoView()")
                drv.save_screenshot(os.path.join(shots, "dashboard-%d.png" % w))
                wide = drv.execute_script("return document.documentElement.scrollWidth")
                check(wide <= w + 1, "dashboard at %d px: no sideways scrolling (%d)" % (w, wide))
            print("screenshots in " + shots)
        else:
            print("note: chromium or chromedriver missing: no screenshots")

        # 2. flr-b stops: the next visitor finds no live upstream
        flr_b.stop()
        out = visitor()
        check("Access-Reject" in out, "without a live upstream the visitor is refused")
        got = wait_rows(lambda g: g.get("flr-b", (0, ""))[1] == "dead", 2)
        check(got.get("flr-b", (0, ""))[:2] == (True, "dead"), "flr-b dead: %s" % got)

        # 3. flr-a starts: Status-Server brings it back
        t0 = time.time()
        flr_a = pl.FreeRadius(os.path.join(work, "flr-a"), USERS, post_auth=MA, port=port_a)
        got = wait_rows(lambda g: g.get("flr-a", (0, ""))[1] == "live", CHECK + WINDOW + 3)
        took = time.time() - t0
        a = got.get("flr-a")
        check(a is not None and not a[0] and a[1] == "live" and re.fullmatch(r"\d+", a[2]),
              "flr-a live again, with the probe's round trip: %s" % (a,))
        check(took < CHECK + WINDOW + 3, "the page followed in %.1f s" % took)
        b = got.get("flr-b")
        check(b is not None and b[1] == "dead" and re.fullmatch(r"\d+", b[3]),
              "flr-b dead, with seconds since its last answer: %s" % (b,))
        check("Access-Accept" in visitor(), "visitors go through flr-a again")

        # 4. a radius child that hangs (stopped here, so that it cannot
        # refresh meanwhile): once its rows are old, unknown, not live
        radius_pid = int(re.search(r" ready .* radius=(\d+)", open(p.log).read()).group(1))
        os.kill(radius_pid, signal.SIGSTOP)
        try:
            db = sqlite3.connect(os.path.join(work, "state", "poort.db"), timeout=10)
            with db:
                db.execute("UPDATE upstream_state SET updated = updated - 600")
            db.close()
            time.sleep(0.3)  # the web child reads through a 100 ms snapshot
            got = rows(dash())
        finally:
            os.kill(radius_pid, signal.SIGCONT)
        check(all(w and s.startswith("unknown") for w, s, _, _ in got.values()) and
              len(got) == 2, "stale rows show as unknown: %s" % got)

        # firmware: a box's status file as the parent writes it
        fw = os.path.join(work, "state", "firmware.json")
        check(json.load(open(fw)).get("box") is False, "the parent wrote box: false")
        slot = {"version": "", "rollback": 0, "confirmed": False, "trial": False,
                "running": False, "problem": ""}
        json.dump({"format": 1, "written": int(time.time()), "box": True,
                   "board": "qemu-virt", "error": "", "running": "B", "version": "2.0.0",
                   "on_trial": True, "trial_boots": 1, "attempts_left": 2,
                   "rollback_floor": 1, "boots": 5,
                   "slots": [dict(slot, slot="A", state="valid", version="1.0.0", rollback=1,
                                  confirmed=True),
                             dict(slot, slot="B", state="valid", version="2.0.0", rollback=2,
                                  trial=True, running=True)]}, open(fw, "w"))
        page = dash()
        check('id="fw-running">B<' in page and "on trial, not yet confirmed" in page and
              re.search(r'<tr class="slot"><td>B</td><td>2\.0\.0</td><td>2</td><td>valid</td>'
                        r'<td>running on trial</td>', page) is not None and
              re.search(r'<td>A</td><td>1\.0\.0</td><td>1</td><td>valid</td>'
                        r'<td>confirmed </td>', page) is not None,
              "a box's slots: B running on trial, A confirmed")
        check("op proef, nog niet bevestigd" in dash("nl"), "the slots in Dutch")
        if drv is not None:  # for a person to look at: the slots table
            drv.get(base + "/admin/?lang=nl")
            drv.set_window_size(1280, 900)
            drv.execute_script("document.getElementById('firmware').scrollIntoView()")
            drv.save_screenshot(os.path.join(work, "screenshots", "dashboard-slots-1280.png"))
        open(fw, "w").write('{"format": 1, "box": tru')
        page = dash()
        check("The firmware status cannot be read." in page, "a damaged status file: an alert")
        check(p.stop() == 0, "poortd stops cleanly")
    finally:
        if drv is not None:
            drv.quit()
        p.stop()
        if flr_b.proc is not None:
            flr_b.stop()
        if flr_a is not None and flr_a.proc is not None:
            flr_a.stop()
    if aws.FAILS:
        print("FAILED: " + "; ".join(aws.FAILS))
        sys.exit(1)
    print("admin_dash: all checks passed")
    shutil.rmtree(os.path.join(work, "profile"), ignore_errors=True)


if __name__ == "__main__":
    main()
