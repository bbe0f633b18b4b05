"""Test certificates for EAP, made with the openssl CLI at test time (no
private key is ever committed): a CA, the server certificate, good,
expired and revoked client certificates with a CRL, and a second CA that
poortd does not trust with a client of its own."""

import os
import subprocess

SERVER_NAME = "radius.school.example"

CA_CONF = """
[ ca ]
default_ca = the_ca
[ the_ca ]
dir = {dir}
database = {dir}/index.txt
new_certs_dir = {dir}/newcerts
serial = {dir}/serial
crlnumber = {dir}/crlnumber
default_md = sha256
policy = any
default_crl_days = 30
copy_extensions = none
[ any ]
commonName = supplied
[ server ]
basicConstraints = CA:FALSE
keyUsage = digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:{server}
[ client ]
basicConstraints = CA:FALSE
keyUsage = digitalSignature
extendedKeyUsage = clientAuth
[ radsec ]
basicConstraints = CA:FALSE
keyUsage = digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = DNS:$ENV::POORT_SAN
"""


def _run(*args, cwd, san="unused.example"):
    env = dict(os.environ, POORT_SAN=san)
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60,
                   env=env)


# the key every certificate gets: EC P-256 unless make(key="rsa") (the bench's
# RSA-2048 rows, what most eduroam server certificates are)
_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]


def _ca(d, name, server_name=SERVER_NAME):
    cdir = os.path.join(d, name)
    os.makedirs(os.path.join(cdir, "newcerts"), exist_ok=True)
    open(os.path.join(cdir, "index.txt"), "w").close()
    with open(os.path.join(cdir, "serial"), "w") as f:
        f.write("1000\n")
    with open(os.path.join(cdir, "crlnumber"), "w") as f:
        f.write("1000\n")
    with open(os.path.join(cdir, "ca.cnf"), "w") as f:
        f.write(CA_CONF.format(dir=cdir, server=server_name))
    _run("req", "-x509", *_KEY, "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "30",
         "-subj", f"/CN=Poort test {name}", cwd=cdir)
    return cdir


def _issue(cdir, out, cn, ext, start=None, end=None, days=30, san="unused.example"):
    _run("req", *_KEY, "-nodes", "-keyout", f"{out}.key", "-out", f"{out}.csr", "-subj",
         f"/CN={cn}", cwd=cdir)
    args = ["ca", "-batch", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key",
            "-in", f"{out}.csr", "-out", f"{out}.pem", "-extensions", ext, "-notext"]
    if start:
        args += ["-startdate", start, "-enddate", end]
    else:
        args += ["-days", str(days)]
    _run(*args, cwd=cdir, san=san)
    return os.path.join(cdir, f"{out}.pem"), os.path.join(cdir, f"{out}.key")


def make(d, server_name=SERVER_NAME, key="ec"):
    """Creates everything under d; returns a dict of paths. server_name
    names the server certificate (another institution's home server); key
    is "ec" (P-256) or "rsa" (2048 bits)."""
    global _KEY
    _KEY = (["-newkey", "rsa:2048"] if key == "rsa"
            else ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"])
    ca = _ca(d, "ca", server_name)
    other = _ca(d, "other", server_name)
    p = {"ca": os.path.join(ca, "ca.pem")}
    p["server"], p["server_key"] = _issue(ca, "server", server_name, "server")
    p["client"], p["client_key"] = _issue(ca, "client", "anna@school.example", "client")
    p["expired"], p["expired_key"] = _issue(ca, "expired", "eva@school.example", "client",
                                            start="20200101000000Z", end="20200201000000Z")
    p["revoked"], p["revoked_key"] = _issue(ca, "revoked", "rob@school.example", "client")
    _run("ca", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key", "-revoke",
         "revoked.pem", cwd=ca)
    _run("ca", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key", "-gencrl",
         "-out", "crl.pem", cwd=ca)
    p["crl"] = os.path.join(ca, "crl.pem")
    p["dora"], p["dora_key"] = _issue(ca, "dora", "dora@school.example", "client")
    # a certificate for servers, not clients (extended key usage serverAuth)
    p["wrongusage"], p["wrongusage_key"] = _issue(ca, "wrongusage", "walt@school.example",
                                                  "server")
    p["untrusted"], p["untrusted_key"] = _issue(other, "client", "mallory@school.example",
                                                "client")
    return p


def make_radsec(d, names):
    """RadSec certificates (server and client use) under d: one per name in
    names from the trusted CA, "untrusted" for names[-1] from another CA and
    "expired" for names[-1] from the trusted CA, expired in 2020.
    Returns {"ca": path, name: (cert, key), ..., "untrusted": (cert, key)}."""
    ca = _ca(d, "rsca")
    other = _ca(d, "rsother")
    p = {"ca": os.path.join(ca, "ca.pem")}
    for i, n in enumerate(names):
        p[n] = _issue(ca, f"rs{i}", n, "radsec", san=n)
    p["untrusted"] = _issue(other, "rsbad", names[-1], "radsec", san=names[-1])
    p["expired"] = _issue(ca, "rsold", "old " + names[-1], "radsec", start="20200101000000Z",
                          end="20200201000000Z", san=names[-1])
    return p


def issue_raw(d, ca_pem, out, cn):
    """A client certificate from the CA of ca_pem (its key next to it) whose
    subject CN is cn exactly as given: NULs, any length. The openssl CLI
    refuses such names, so python3-cryptography makes it. Returns (cert,
    key) paths under d."""
    import datetime
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    import warnings

    with open(ca_pem, "rb") as f:
        ca = x509.load_pem_x509_certificate(f.read())
    with open(os.path.join(os.path.dirname(ca_pem), "ca.key"), "rb") as f:
        ca_key = serialization.load_pem_private_key(f.read(), None)
    key = ec.generate_private_key(ec.SECP256R1())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a CN over 64 characters, on purpose
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn, _validate=False)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False,
                                         False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    cpath, kpath = os.path.join(d, f"{out}.pem"), os.path.join(d, f"{out}.key")
    with open(cpath, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(kpath, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return cpath, kpath
