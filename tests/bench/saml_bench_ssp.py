"""SimpleSAMLphp (Debian's simplesamlphp, apache2 + mod_php) as the IdP for
the benchmark: same signing key and certificate as poortd, same SP, same
released attributes, exampleauth for the one password login."""
import os
import re
import shutil
import signal
import subprocess
import time

import requests

import saml_env as env

SSP = "/usr/share/simplesamlphp"


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o644)


def setup(work, key, crt, sp, acs, port):
    cfg = os.path.join(work, "config")
    md = os.path.join(work, "metadata")
    for d in (work, cfg, md, os.path.join(work, "tmp"), os.path.join(work, "log")):
        os.makedirs(d, exist_ok=True)
        os.chmod(d, 0o777)
    base = "https://127.0.0.1:%d/simplesaml/" % port
    shutil.copy(key, os.path.join(work, "idp.key"))
    shutil.copy(crt, os.path.join(work, "idp.crt"))
    os.chmod(os.path.join(work, "idp.key"), 0o644)
    write(os.path.join(cfg, "config.php"), """<?php
$config = [
  'baseurlpath' => '%(base)s',
  'certdir' => '%(work)s/',
  'loggingdir' => '%(work)s/log/',
  'datadir' => '%(work)s/',
  'tempdir' => '%(work)s/tmp',
  'metadatadir' => '%(work)s/metadata/',
  'technicalcontact_name' => 'bench', 'technicalcontact_email' => 'na@example.org',
  'secretsalt' => 'bench-salt-not-secret',
  'auth.adminpassword' => 'bench-admin-not-secret',
  'admin.protectindexpage' => false, 'admin.protectmetadata' => false,
  'timezone' => 'UTC',
  'logging.level' => SimpleSAML\\Logger::WARNING,
  'logging.handler' => 'file', 'logging.logfile' => 'simplesamlphp.log',
  'enable.saml20-idp' => true,
  'session.cookie.secure' => true,
  'session.phpsession.cookiename' => 'SSPSESSID',
  'store.type' => 'phpsession',
  'module.enable' => ['exampleauth' => true, 'core' => true, 'saml' => true],
  'metadata.sources' => [['type' => 'flatfile']],
];
""" % {"base": base, "work": work})
    write(os.path.join(cfg, "authsources.php"), """<?php
$config = [
  'admin' => ['core:AdminPassword'],
  'bench-userpass' => ['exampleauth:UserPass',
    '%(user)s:%(pw)s' => [
      'uid' => ['%(user)s@school.example'], 'givenName' => ['Jan'], 'sn' => ['de Vries'],
      'eduPersonAffiliation' => ['student']]],
];
""" % {"user": env.USER, "pw": env.PASSWORD})
    write(os.path.join(md, "saml20-idp-hosted.php"), """<?php
$metadata['https://idp.school.example/saml'] = [
  'host' => '__DEFAULT__', 'privatekey' => 'idp.key', 'certificate' => 'idp.crt',
  'auth' => 'bench-userpass',
  'signature.algorithm' => 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
];
""")
    write(os.path.join(md, "saml20-sp-remote.php"), """<?php
$metadata['%(sp)s'] = [
  'AssertionConsumerService' => '%(acs)s',
  'attributes' => ['uid', 'givenName', 'sn', 'eduPersonAffiliation'],
  'signature.algorithm' => 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
];
""" % {"sp": sp, "acs": acs})
    write(os.path.join(md, "saml20-idp-remote.php"), "<?php\n")
    write(os.path.join(md, "saml20-sp-hosted.php"), "<?php\n")
    mods = "/usr/lib/apache2/modules"
    conf = os.path.join(work, "httpd.conf")
    write(conf, "\n".join(
        ["ServerRoot " + work, "ServerName 127.0.0.1", "Listen 127.0.0.1:%d" % port,
         "PidFile %s/httpd.pid" % work, "ErrorLog %s/error.log" % work, "LogLevel warn",
         "User www-data", "Group www-data", "DefaultRuntimeDir " + work,
         "Mutex file:%s default" % work] +
        ["LoadModule %s_module %s/mod_%s.so" % (m, mods, m)
         for m in ("mpm_prefork", "authn_core", "authz_core", "ssl", "alias", "env", "dir",
                   "mime")] +
        ["LoadModule php_module %s/libphp8.2.so" % mods,
         "TypesConfig /etc/mime.types",
         "StartServers 2", "MinSpareServers 2", "MaxSpareServers 4",
         "SSLEngine on", "SSLCertificateFile " + crt, "SSLCertificateKeyFile " + key,
         "SetEnv SIMPLESAMLPHP_CONFIG_DIR " + cfg,
         "Alias /simplesaml " + SSP + "/www",
         "<Directory %s/www>" % SSP, "  Require all granted", "  DirectoryIndex index.php",
         "  <FilesMatch \\.php$>", "    SetHandler application/x-httpd-php", "  </FilesMatch>",
         "</Directory>"]) + "\n")
    return conf, base


def apache_pids(parent):
    out = subprocess.run(["pgrep", "-P", str(parent)], capture_output=True, text=True).stdout
    return [parent] + [int(x) for x in out.split()]


def bench(work, key, crt, sp, acs, seconds, run_logins):
    if not os.path.isdir(SSP) or not os.path.exists("/usr/lib/apache2/modules/libphp8.2.so"):
        return None
    work = os.path.join(work, "ssp")
    port = env.free_port()
    conf, base = setup(work, key, crt, sp, acs, port)
    proc = subprocess.Popen(["apache2", "-f", conf, "-DFOREGROUND"],
                            stdout=open(os.path.join(work, "apache.out"), "w"),
                            stderr=subprocess.STDOUT, env={"PATH": "/usr/sbin:/usr/bin:/bin"},
                            start_new_session=True)  # prefork signals its process group
    try:
        s = requests.Session()
        s.verify = False
        s.trust_env = False
        sso = base + "saml2/idp/SSOService.php"
        deadline = time.time() + 30
        r = None
        while time.time() < deadline:
            try:
                from saml_bench import authn_request
                r = s.post(sso, data={"SAMLRequest": authn_request(sso)}, timeout=30)
                break
            except requests.RequestException:
                time.sleep(0.3)
        if r is None or "AuthState" not in r.text:
            print("SimpleSAMLphp: no login form (%s): %s" % (
                r.status_code if r is not None else "-",
                open(os.path.join(work, "error.log")).read()[-800:]))
            return None
        state = re.search(r'name="AuthState" value="([^"]+)"', r.text).group(1)
        r = s.post(r.url.split("?")[0], data={"AuthState": state.replace("&amp;", "&"),
                                              "username": env.USER,
                                              "password": env.PASSWORD}, timeout=30)
        if "SAMLResponse" not in r.text:
            print("SimpleSAMLphp: login failed: " + r.text[:300])
            return None
        return run_logins(s, sso, seconds, apache_pids(proc.pid))
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
