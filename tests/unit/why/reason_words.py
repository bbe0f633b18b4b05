"""Every reason word poortd writes into the auth log's reason column, read
from the sources (src/radius, src/eap, src/auth/auth_reason.c), must have
an entry in the "why" table (src/why/why_reason.c): no outcome the server
logs is left without an explanation. Run by ctest (test_why_words); with
--list it prints the words found."""

import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else \
    os.path.join(os.path.dirname(__file__), "../../..")
SOURCES = ["src/radius", "src/eap", "src/auth/auth_reason.c"]
# statements that set the reason of a logged outcome
CONTEXT = re.compile(
    r"(reason\s*=|eap_conv_fail\s*\(|ttls_fail\s*\(|eap_tls_fail\s*\(|eap_reject\s*\("
    r"|request_answer\s*\(|request_reply\s*\(|request_reject_message\s*\("
    r"|realm_malformed\s*\(|\breturn\s+\"|\bwhy\s*=)")
WORD = re.compile(r'"([a-z0-9]+(?:-[a-z0-9]+)*)"')
# literals in those statements that are not reasons (log formats, attribute text)
NOT_REASONS = {"accept", "reject", "challenge", "radsec", "f-ticks-csi"}
# reasons of other logs than the auth log (syslog only: drops, probes)
SYSLOG_ONLY = {
    "malformed-reply", "reply-without-message-authenticator", "reply-bad-authenticator",
    "reply-undecodable", "status-server-timeout", "radsec-only-client", "radsec-name-mismatch",
}


def statements(text):
    buf = ""
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("//") or s.startswith("*") or s.startswith("/*"):
            continue
        buf += " " + s
        if s.endswith(";") or s.endswith("{") or s.endswith("}"):
            yield buf
            buf = ""
    if buf:
        yield buf


def logged_words(root):
    words = set()
    for src in SOURCES:
        path = os.path.join(root, src)
        files = [path] if os.path.isfile(path) else [
            os.path.join(path, f) for f in sorted(os.listdir(path)) if f.endswith(".c")]
        for f in files:
            with open(f) as fh:
                for st in statements(fh.read()):
                    if CONTEXT.search(st):
                        words.update(WORD.findall(st))
    return words - NOT_REASONS - SYSLOG_ONLY


def table_words(root):
    with open(os.path.join(root, "src/why/why_reason.c")) as fh:
        text = fh.read()
    text = text[text.index("why_words[] = {"):]
    return set(re.findall(r'\{\s*"([a-z0-9-]+)"\s*,\s*WHY_', text))


def main():
    found = logged_words(ROOT)
    if "--list" in sys.argv:
        print("\n".join(sorted(found)))
        return 0
    table = table_words(ROOT)
    missing = sorted(found - table)
    if len(found) < 40:
        print(f"only {len(found)} reason words found: the scan is broken")
        return 1
    if missing:
        print("reason words logged by poortd without an entry in src/why/why_reason.c:")
        print("\n".join("  " + m for m in missing))
        return 1
    print(f"ok: {len(found)} logged reason words, all explained")
    return 0


if __name__ == "__main__":
    sys.exit(main())
