"""apache2 + mod_auth_mellon as SPs in front of poortd, for the curl and
Chromium tests. Two SPs in one Apache (one TLS port on loopback), each a
<Location> with its own entity ID, keys and cookie; a CGI shows what mellon
received. Started in the foreground by its own pid, stopped by it.
"""
import os
import signal
import subprocess
import time
import urllib.request
import ssl

import saml_env as env

MODS = "/usr/lib/apache2/modules"

CGI = """#!/bin/sh
echo "Content-Type: text/plain"
echo
echo "SP page for $SP_NAME"
env | grep '^MELLON_' | sort
"""


class Apache:
    def __init__(self, work, poort, sps):
        """sps: list of (name, release list, nameid) for /NAME/ locations."""
        self.work = os.path.join(work, "apache")
        os.makedirs(self.work, exist_ok=True)
        os.chmod(work, 0o755)
        self.port = env.free_port()
        self.base = "https://127.0.0.1:%d" % self.port
        self.poort = poort
        self.sps = sps
        self.proc = None
        self.log = os.path.join(self.work, "error.log")
        self.key, self.crt = env.make_key(self.work, "sp", "mellon sp")

    def entity(self, name):
        return self.base + "/" + name + "/mellon/metadata"

    def acs(self, name):
        return self.base + "/" + name + "/mellon/postResponse"

    def prepare(self):
        """Writes and signs the SP metadata; returns [(entity, release, nameid, file)]."""
        out = []
        for name, rel, nameid, enc in self.sps:
            eid, xml = env.sp_metadata(self.entity(name), [self.acs(name)], self.crt, True, enc,
                                       slo=self.base + "/" + name + "/mellon/logout")
            plain = os.path.join(self.work, name + "-sp.xml")
            open(plain, "w").write(xml)
            signed = env.sign_metadata(self.poort.keys, "md-" + name, eid, xml,
                                       self.poort.fed_key, self.poort.fed_crt)
            out.append((self.entity(name), rel, nameid, signed))
        return out

    def start(self):
        cgi = os.path.join(self.work, "show.cgi")
        open(cgi, "w").write(CGI)
        os.chmod(cgi, 0o755)
        for f in os.listdir(self.work):
            os.chmod(os.path.join(self.work, f), 0o755 if f.endswith(".cgi") else 0o644)
        lines = [
            "ServerRoot %s" % self.work,
            "ServerName 127.0.0.1",
            "Listen 127.0.0.1:%d" % self.port,
            "PidFile %s/httpd.pid" % self.work,
            "ErrorLog %s/error.log" % self.work,
            "LogLevel warn",
            "User www-data",
            "Group www-data",
            "DefaultRuntimeDir %s" % self.work,
            "Mutex file:%s default" % self.work,
            "ScriptSock %s/cgid.sock" % self.work,
        ]
        for m in ("mpm_event", "authn_core", "authz_core", "authz_user", "ssl", "cgid",
                  "auth_mellon", "env", "unixd", "alias"):
            so = os.path.join(MODS, "mod_%s.so" % m)
            if os.path.exists(so):
                lines.append("LoadModule %s_module %s" % (m, so))
        lines += [
            "SSLEngine on",
            "SSLCertificateFile %s" % self.poort.https_crt,
            "SSLCertificateKeyFile %s" % self.poort.https_key,
            "MellonCacheSize 100",
        ]
        os.chmod(self.poort.https_key, 0o644)
        os.chmod(self.poort.keys, 0o755)
        for name, _, _, _ in self.sps:
            lines += [
                'ScriptAlias /%s/secure %s' % (name, cgi),
                '<Location /%s/>' % name,
                '  MellonEnable info',
                '  MellonEndpointPath /%s/mellon' % name,
                '  MellonSPPrivateKeyFile %s' % self.key,
                '  MellonSPCertFile %s' % self.crt,
                '  MellonSPMetadataFile %s/%s-sp.xml' % (self.work, name),
                '  MellonIdPMetadataFile %s' % self.poort.idp_md_file,
                '  MellonSignatureMethod rsa-sha256',
                '  MellonVariable %s_cookie' % name,
                '  MellonSecureCookie On',
                '  MellonSetEnv givenName urn:oid:2.5.4.42',
                '  MellonSetEnv sn urn:oid:2.5.4.4',
                '  MellonSetEnv uid urn:oid:0.9.2342.19200300.100.1.1',
                '  MellonSetEnv mail urn:oid:0.9.2342.19200300.100.1.3',
                '  SetEnv SP_NAME %s' % name,
                '</Location>',
                '<Location /%s/secure>' % name,
                '  AuthType Mellon',
                '  MellonEnable auth',
                '  Require valid-user',
                '</Location>',
            ]
        conf = os.path.join(self.work, "httpd.conf")
        open(conf, "w").write("\n".join(lines) + "\n")
        os.chmod(conf, 0o644)
        self.log = os.path.join(self.work, "error.log")
        self.proc = subprocess.Popen(["apache2", "-f", conf, "-DFOREGROUND"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                                     env={"PATH": "/usr/sbin:/usr/bin:/bin",
                                          "APACHE_RUN_DIR": self.work})
        ctx = ssl.create_default_context(cafile=self.poort.https_crt)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("apache exited: " + self.errors())
            try:
                urllib.request.urlopen(self.base + "/%s/mellon/metadata" % self.sps[0][0],
                                       context=ctx, timeout=2).read()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("apache did not come up: " + self.errors())

    def errors(self):
        try:
            return open(self.log).read()[-3000:]
        except OSError:
            return ""

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None
