"""CSV import is all or nothing: bad lines are reported with their line
numbers and nothing is written; SIGKILL of poortctl and poortd at any point
of an import leaves the store either untouched or fully imported, and
poortd comes back with every committed row."""

import os
import random
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import poortlib as pl  # noqa: E402

N = 1500


def write_csv(path, n, bad=False):
    with open(path, "w") as f:
        f.write("username;given name;surname;student number;affiliation;password\n")
        for i in range(n):
            pw = "Known-pass-%d" % i if i % 100 == 0 else "generate"
            f.write(f"s{i:05d};Given{i};Sur{i};{100000 + i};student;{pw}\n")
        if bad:
            f.write("Bad Name;A;B;1;student;generate\n")
            f.write("ok1;A;B;1;wizard;generate\n")
            f.write("ok2;A;B;1;student;short\n")
            f.write("s00001;A;B;1;student;generate\n")


class ImportTest(unittest.TestCase):
    def test_bad_lines_import_nothing(self):
        p = pl.Poortd()
        try:
            csv = os.path.join(p.dir, "bad.csv")
            write_csv(csv, 10, bad=True)
            r = p.ctl("import", csv, check=False)
            self.assertEqual(r.returncode, 1)
            self.assertIn("bad.csv:12: user name \"Bad Name\" is not valid", r.stderr)
            self.assertIn("bad.csv:13: affiliation \"wizard\"", r.stderr)
            self.assertIn("bad.csv:14: password is shorter than 8 characters", r.stderr)
            self.assertIn("bad.csv:15: user name \"s00001\" also on line 3", r.stderr)
            self.assertIn("4 problems", r.stderr)
            self.assertIn("nothing was imported", r.stderr)
            self.assertEqual(p.ctl("list").stdout, "")
            # the good part alone imports, and prints generated passwords; a
            # preview first checks it and writes nothing
            write_csv(csv, 10)
            r = p.ctl("import", csv, "--preview")
            self.assertIn("10 accounts would be imported; nothing was written", r.stderr)
            self.assertEqual(r.stdout, "")
            self.assertEqual(p.ctl("list").stdout, "")
            r = p.ctl("import", csv)
            self.assertEqual(len(r.stdout.strip().split("\n")), 9)  # s00000 had its own
            self.assertEqual(len(p.ctl("list").stdout.strip().split("\n")), 10)
            # importing again: every line already exists, nothing changes
            r = p.ctl("import", csv, check=False)
            self.assertEqual(r.returncode, 1)
            self.assertIn("already exists", r.stderr)
        finally:
            p.cleanup()

    def test_sigkill_during_import(self):
        rng = random.Random(int(os.environ.get("POORT_SEED", "4242")))
        p = pl.Poortd()
        csv = os.path.join(p.dir, "students.csv")
        write_csv(csv, N)
        try:
            # how long a whole import takes here, to spread the kills over it
            p.add_user("base", "Base-pass-123")
            t0 = time.time()
            p.ctl("import", csv)
            full = time.time() - t0
            outcomes = {"none": 0, "all": 0}
            for trial in range(8):
                p.stop(signal.SIGKILL)
                for f in os.listdir(p.state):
                    os.unlink(os.path.join(p.state, f))
                p.add_user("base", "Base-pass-123")
                p.start()
                self.assertIn("Access-Accept", p.radclient(
                    pl.pap_attrs("base@" + pl.REALM, "Base-pass-123")))
                p.wait_auth_rows(1)
                ctl = subprocess.Popen([pl.POORTCTL, "-c", p.conf, "import", csv],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                # first trial early, last after the import ended, the rest anywhere
                if trial == 7:
                    ctl.wait(120)
                else:
                    time.sleep(0.05 if trial == 0 else rng.uniform(0.05, full * 1.05))
                ctl.send_signal(signal.SIGKILL)
                p.proc.send_signal(signal.SIGKILL)
                ctl.wait()
                p.proc.wait()
                p.proc = None
                with p.db() as c:
                    self.assertEqual(c.execute("PRAGMA integrity_check").fetchone()[0], "ok")
                    n = c.execute("SELECT count(*) FROM accounts WHERE username LIKE 's%'"
                                  ).fetchone()[0]
                    nt = c.execute("SELECT count(*) FROM account_nthash").fetchone()[0]
                    base = c.execute("SELECT count(*) FROM accounts WHERE username = 'base'"
                                     ).fetchone()[0]
                    logged = c.execute("SELECT count(*) FROM auth_log").fetchone()[0]
                self.assertIn(n, (0, N), f"trial {trial}: partial import of {n}")
                self.assertEqual(nt, n + 1)
                self.assertEqual(base, 1)
                self.assertEqual(logged, 1)  # the committed log row survived
                outcomes["all" if n == N else "none"] += 1
                # poortd comes back and serves what is in the store
                p.start()
                self.assertIn("Access-Accept", p.radclient(
                    pl.pap_attrs("base@" + pl.REALM, "Base-pass-123")))
                want = "Access-Accept" if n == N else "Access-Reject"
                self.assertIn(want, p.radclient(
                    pl.pap_attrs("s00100@" + pl.REALM, "Known-pass-100")))
            print(f"full import {full:.2f}s; outcomes {outcomes}")
            self.assertGreater(outcomes["none"], 0)
            self.assertGreater(outcomes["all"], 0)
        finally:
            p.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
