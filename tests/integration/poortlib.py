"""Helpers for integration tests: a poortd on loopback with its own state
directory and ports, poortctl, radclient, and a small RADIUS client of our
own for what radclient cannot do (exact retransmits, chosen source address,
checking reply bytes)."""

import hashlib
import hmac
import os
import re
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import tempfile
import time

BUILD = os.environ.get("POORT_BUILD", os.path.join(os.path.dirname(__file__), "../../build"))
POORTD = os.path.join(BUILD, "src/poortd")
POORTCTL = os.path.join(BUILD, "tools/poortctl")
SECRET = "testing123-secret"
REALM = "school.example"


def free_udp_port(host="127.0.0.1"):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(fam, socket.SOCK_DGRAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class Poortd:
    def __init__(self, clients=None, extra="", cost=1):
        self.dir = tempfile.mkdtemp(prefix="poort-it-")
        self.state = os.path.join(self.dir, "state")
        self.conf = os.path.join(self.dir, "poortd.conf")
        self.logpath = os.path.join(self.dir, "poortd.log")
        self.auth_port = free_udp_port()
        self.acct_port = free_udp_port()
        self.proc = None
        if clients is None:
            clients = [("loopback", "127.0.0.1", SECRET), ("loopback6", "::1", SECRET)]
        self.clients = clients
        self.extra = extra
        self.cost = cost
        self.write_config()

    def config_text(self, clients=None, extra=None):
        clients = self.clients if clients is None else clients
        extra = self.extra if extra is None else extra
        lines = [
            f'state_dir "{self.state}"',
            f'realm "{REALM}"',
            f"listen auth 127.0.0.1 {self.auth_port}",
            f"listen auth ::1 {self.auth_port}",
            f"listen acct 127.0.0.1 {self.acct_port}",
            "log { level debug }",
            f"password {{ cost {self.cost} }}",
        ]
        for name, addr, secret in clients:
            lines += [f'client "{name}" {{', f"\taddress {addr}", f'\tsecret "{secret}"', "}"]
        return "\n".join(lines) + "\n" + extra

    def write_config(self, text=None):
        with open(self.conf, "w") as f:
            f.write(self.config_text() if text is None else text)
        os.chmod(self.conf, 0o600)

    def start(self):
        self.logf = open(self.logpath, "ab")
        self.log_start = self.logf.tell()  # wait_log looks at this run only
        self.proc = subprocess.Popen([POORTD, "-c", self.conf], stdout=self.logf,
                                     stderr=self.logf)
        self.wait_log("ready", 10)
        return self

    def wait_log(self, text, timeout=5.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if text in self.log():
                return True
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError("poortd exited:\n" + self.log())
            time.sleep(0.02)
        raise TimeoutError(f"'{text}' not in poortd's log within {timeout}s:\n" + self.log())

    def log(self):
        """poortd's log since the last start."""
        with open(self.logpath, "r", errors="replace") as f:
            f.seek(getattr(self, "log_start", 0))
            return f.read()

    def stop(self, sig=signal.SIGTERM):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        rc = self.proc.returncode if self.proc is not None else None
        self.proc = None
        if getattr(self, "logf", None) is not None:
            self.logf.close()
            self.logf = None
        return rc

    def cleanup(self):
        self.stop(signal.SIGKILL)
        shutil.rmtree(self.dir, ignore_errors=True)

    def ctl(self, *args, input=None, check=True):
        r = subprocess.run([POORTCTL, "-c", self.conf, *args], input=input,
                           capture_output=True, text=True, timeout=120)
        if check and r.returncode != 0:
            raise RuntimeError(f"poortctl {args} failed: {r.stderr}")
        return r

    def add_user(self, name, password, *opts):
        self.ctl("add", name, "--password-stdin", *opts, input=password + "\n")

    def db(self):
        return sqlite3.connect(os.path.join(self.state, "poort.db"), timeout=10)

    def auth_rows(self):
        with self.db() as c:
            return c.execute("SELECT client, calling_station, user_name, inner_identity,"
                             " result, reason FROM auth_log ORDER BY id").fetchall()

    def wait_auth_rows(self, n, timeout=5.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            rows = self.auth_rows()
            if len(rows) >= n:
                return rows
            time.sleep(0.02)
        return self.auth_rows()

    def radclient(self, attrs, code="auth", host="127.0.0.1", secret=SECRET, retries=1,
                  timeout=1):
        port = self.auth_port if code in ("auth", "status") else self.acct_port
        target = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        r = subprocess.run(["radclient", "-r", str(retries), "-t", str(timeout), "-x", target,
                            code, secret], input=attrs, capture_output=True, text=True,
                           timeout=30)
        return r.stdout + r.stderr


def pap_attrs(user, password, ma=True, extra=""):
    s = f'User-Name = "{user}", User-Password = "{password}"'
    if ma:
        s += ", Message-Authenticator = 0x00"
    return s + extra


# --- FreeRADIUS 3.2 from Debian as a peer (FLR, home server, benchmark) ----

FR_HEAD = """prefix = /usr
exec_prefix = /usr
sysconfdir = /etc
localstatedir = /var
sbindir = /usr/sbin
logdir = {d}/log
raddbdir = {d}/raddb
radacctdir = ${{logdir}}/radacct
name = radiusd
confdir = ${{raddbdir}}
modconfdir = ${{confdir}}/mods-config
run_dir = {d}/run
db_dir = ${{raddbdir}}
libdir = /usr/lib/freeradius
dictdir = /usr/share/freeradius
pidfile = ${{run_dir}}/radiusd.pid
max_request_time = 30
cleanup_delay = 5
max_requests = 65536
hostname_lookups = no
log {{
	destination = files
	file = ${{logdir}}/radius.log
	auth = no
}}
security {{
	allow_core_dumps = no
	max_attributes = 200
	reject_delay = 0
	status_server = yes
}}
thread pool {{
	start_servers = 4
	max_servers = 32
	min_spare_servers = 3
	max_spare_servers = 10
	max_requests_per_server = 0
}}
"""

# the client (us) and the listener, shared by the server and the proxy
FR_LISTEN = """client localhost {{
	ipaddr = 127.0.0.1
	secret = {secret}
	require_message_authenticator = yes
}}
server default {{
	listen {{
		type = auth
		ipaddr = 127.0.0.1
		port = {port}
		{listen_extra}
	}}
"""

FR_CONF = FR_HEAD + """modules {{
	pap {{
		normalise = yes
	}}
	files {{
		filename = ${{confdir}}/users
	}}
}}
""" + FR_LISTEN + """	authorize {{
		files
		pap
	}}
	post-auth {{
		{post_auth}
		Post-Auth-Type REJECT {{
			{post_auth}
		}}
	}}
	authenticate {{
		Auth-Type PAP {{
			pap
		}}
	}}
}}
"""


def terminate(proc):
    """SIGTERM, then SIGKILL after 10 s; None or an exited process is fine."""
    if proc is not None and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _recv_buff(size):
    # the listener's SO_RCVBUF (poortd asks for 4 MiB): bursts are not dropped
    return f"recv_buff = {size}" if size else ""


class FreeRadius:
    """A PAP server from a small config of our own (users in a files list)."""

    def __init__(self, d, users_text, post_auth="", debug_log=None, port=None, recv_buff=None):
        self.d = d
        for sub in ("raddb", "log", "run"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        self.port = port or free_udp_port()
        with open(os.path.join(d, "raddb/radiusd.conf"), "w") as f:
            f.write(FR_CONF.format(d=d, port=self.port, secret=SECRET, post_auth=post_auth,
                                   listen_extra=_recv_buff(recv_buff)))
        with open(os.path.join(d, "raddb/users"), "w") as f:
            f.write(users_text)
        self.debug_log = debug_log
        self.start()

    def start(self):
        # -X (debug, one thread) when the test wants to read what arrived;
        # otherwise -l stdout keeps Debian's config (FreeRadiusEap) out of /var/log
        args = ["-X"] if self.debug_log else ["-f", "-l", "stdout"]
        self.logpath = self.debug_log or os.path.join(self.d, "freeradius.log")
        with open(self.logpath, "ab") as out:  # the child has its own copy
            self.proc = subprocess.Popen(["freeradius", *args, "-d",
                                          os.path.join(self.d, "raddb")], stdout=out, stderr=out)
        self.wait_ready()

    def log(self):
        with open(self.logpath, errors="replace") as f:
            return f.read()

    def wait_ready(self):
        deadline = time.time() + 20
        while time.time() < deadline:
            r = subprocess.run(["radclient", "-r", "1", "-t", "1", f"127.0.0.1:{self.port}",
                                "status", SECRET], input="Message-Authenticator = 0x00",
                               capture_output=True, text=True)
            if "Received" in r.stdout:
                return
            if self.proc.poll() is not None:
                raise RuntimeError("freeradius exited:\n" + self.log()[-3000:])
        raise TimeoutError("freeradius did not start")

    def stop(self):
        terminate(self.proc)
        self.proc = None


FR_PROXY_CONF = FR_HEAD + """proxy_requests = yes
proxy server {{
	default_fallback = no
}}
{homes}
modules {{
	realm suffix {{
		format = suffix
		delimiter = "@"
		ignore_default = no
		ignore_null = no
	}}
}}
""" + FR_LISTEN + """	authorize {{
		suffix
	}}
	authenticate {{
	}}
	pre-proxy {{
		{pre_proxy}
	}}
}}
"""

FR_HOME = """home_server hs{n} {{
	type = auth
	{addr}
	port = {port}
	secret = {secret}
	response_window = 20
	status_check = none
}}
home_server_pool pool{n} {{
	type = fail-over
	home_server = hs{n}
}}
"""
FR_REALM = """realm {realm} {{
	auth_pool = pool{n}
	nostrip
}}
"""


class FreeRadiusProxy(FreeRadius):
    """FreeRADIUS as a proxy (an eduroam FLR, or the benchmark's peer):
    realms maps a realm to the UDP port of its server on 127.0.0.1 (or to
    a (host, port) pair); nothing
    is authenticated here. pre_proxy goes into the pre-proxy section;
    auth_log logs one line per outcome."""

    def __init__(self, d, realms, pre_proxy="", debug_log=None, port=None, auth_log=False,
                 recv_buff=None):
        self.d = d
        for sub in ("raddb", "log", "run"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        self.port = port or free_udp_port()
        homes, pools = "", {}
        for realm, where in realms.items():
            host, port = where if isinstance(where, tuple) else ("127.0.0.1", where)
            if (host, port) not in pools:  # one home server per address
                pools[(host, port)] = n = len(pools)
                addr = f"ipv6addr = {host}" if ":" in host else f"ipaddr = {host}"
                homes += FR_HOME.format(n=n, addr=addr, port=port, secret=SECRET)
            homes += FR_REALM.format(n=pools[(host, port)], realm=realm)
        with open(os.path.join(d, "raddb/radiusd.conf"), "w") as f:
            conf = FR_PROXY_CONF.format(d=d, port=self.port, secret=SECRET, homes=homes,
                                        pre_proxy=pre_proxy, listen_extra=_recv_buff(recv_buff))
            f.write(conf.replace("auth = no", "auth = yes") if auth_log else conf)
        self.debug_log = debug_log
        self.start()


def _sub(path, pat, rep, count=0):
    with open(path) as f:
        s = f.read()
    s2 = re.sub(pat, rep, s, count=count, flags=re.M)
    with open(path, "w") as f:
        f.write(s2)


class FreeRadiusEap(FreeRadius):
    """A copy of Debian's /etc/freeradius/3.0 with our certificates, users
    (a files list: users_text), ports and one client (127.0.0.1): full EAP
    (PEAP, TTLS, TLS), PEAP as the default method."""

    def __init__(self, d, certs, users_text, post_auth="", debug_log=None, port=None):
        self.d = d
        self.port = port or free_udp_port()
        conf = os.path.join(d, "raddb")
        shutil.copytree("/etc/freeradius/3.0", conf, symlinks=True)
        inner_port = free_udp_port()
        _sub(os.path.join(conf, "radiusd.conf"), r"^\s*(user|group) = .*$", "")
        _sub(os.path.join(conf, "sites-available/inner-tunnel"), r"port = 18120",
             f"port = {inner_port}")
        os.unlink(os.path.join(conf, "sites-enabled/default"))
        with open(os.path.join(conf, "sites-enabled/default"), "w") as f:
            f.write(FR_EAP_SITE.format(port=self.port, post_auth=post_auth))
        eap = os.path.join(conf, "mods-available/eap")
        _sub(eap, r"default_eap_type = md5\n(\s*timer_expire)", r"default_eap_type = peap\n\1", 1)
        _sub(eap, r"private_key_file = .*", f"private_key_file = {certs['server_key']}")
        _sub(eap, r"certificate_file = .*", f"certificate_file = {certs['server']}")
        _sub(eap, r"(\s)ca_file = .*", rf"\1ca_file = {certs['ca']}")
        _sub(eap, r"private_key_password = .*", "")
        with open(os.path.join(conf, "clients.conf"), "w") as f:
            f.write(f'client lo {{\n\tipaddr = 127.0.0.1\n\tsecret = "{SECRET}"\n}}\n')
        with open(os.path.join(conf, "mods-config/files/authorize"), "w") as f:
            f.write(users_text)
        self.debug_log = debug_log
        self.start()


FR_EAP_SITE = """server default {{
listen {{
	type = auth
	ipaddr = 127.0.0.1
	port = {port}
}}
authorize {{
	filter_username
	preprocess
	eap {{
		ok = return
	}}
	files
	pap
}}
authenticate {{
	Auth-Type PAP {{
		pap
	}}
	eap
}}
post-auth {{
	{post_auth}
}}
}}
"""


# --- our own minimal RADIUS client -------------------------------------------

def _attr(t, v):
    return struct.pack("!BB", t, len(v) + 2) + v


def _encrypt_pw(password, secret, auth):
    pw = password.encode()
    pw += b"\0" * (16 - len(pw) % 16 if len(pw) % 16 else 0)
    out, last = b"", auth
    for i in range(0, len(pw), 16):
        b = hashlib.md5(secret.encode() + last).digest()
        last = bytes(x ^ y for x, y in zip(pw[i:i + 16], b))
        out += last
    return out


def access_request(user, password, secret=SECRET, ma=True, ident=7, extra=b""):
    auth = os.urandom(16)
    attrs = _attr(1, user.encode()) + _attr(2, _encrypt_pw(password, secret, auth)) + extra
    if ma:
        attrs = _attr(80, b"\0" * 16) + attrs
    pkt = struct.pack("!BBH", 1, ident, 20 + len(attrs)) + auth + attrs
    if ma:
        mac = hmac.new(secret.encode(), pkt, hashlib.md5).digest()
        pkt = pkt[:22] + mac + pkt[38:]
    return pkt


def check_reply(reply, request, secret=SECRET):
    """Returns the reply code after checking its Response Authenticator and
    that a valid Message-Authenticator is the first attribute."""
    code, ident, length = struct.unpack("!BBH", reply[:4])
    assert length == len(reply), "length field"
    assert ident == request[1], "identifier"
    want = hashlib.md5(reply[:4] + request[4:20] + reply[20:] + secret.encode()).digest()
    assert want == reply[4:20], "Response Authenticator"
    assert reply[20] == 80 and reply[21] == 18, "Message-Authenticator is not first"
    zeroed = reply[:4] + request[4:20] + reply[20:22] + b"\0" * 16 + reply[38:]
    mac = hmac.new(secret.encode(), zeroed, hashlib.md5).digest()
    assert mac == reply[22:38], "Message-Authenticator value"
    return code


def udp_exchange(pkt, port, src="127.0.0.1", dst="127.0.0.1", sock=None, timeout=1.0):
    own = sock is None
    if own:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((src, 0))
    sock.settimeout(timeout)
    try:
        sock.sendto(pkt, (dst, port))
        try:
            return sock.recv(4096)
        except socket.timeout:
            return None
    finally:
        if own:
            sock.close()
