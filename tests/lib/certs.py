"""Test certificates made with the openssl command line in a temp dir: a CA, a broker
certificate for 127.0.0.1/localhost, client certificates, an expired one and one from a CA the
broker does not trust. Keys are unencrypted PEM unless a password is given."""
import os
import subprocess


def _run(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


class CA:
    def __init__(self, d, name="ca"):
        self.dir = d
        os.makedirs(d, exist_ok=True)
        self.name = name
        self.key = os.path.join(d, name + ".key")
        self.cert = os.path.join(d, name + ".pem")
        _run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", self.key, "-out",
             self.cert, "-days", "30", "-subj", "/CN=kafka-c test %s" % name, cwd=d)
        self._serial = 1

    def issue(self, name, subj, san=None, password=None, expired=False):
        """Returns (key path, cert path, combined key+cert PEM path)."""
        d = self.dir
        key = os.path.join(d, name + ".key")
        csr = os.path.join(d, name + ".csr")
        cert = os.path.join(d, name + ".pem")
        _run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", subj,
             cwd=d)
        ext = os.path.join(d, name + ".ext")
        with open(ext, "w") as f:
            f.write("basicConstraints=CA:FALSE\n")
            if san:
                f.write("subjectAltName=%s\n" % san)
        if expired:
            self._issue_expired(name, csr, cert, ext)
        else:
            _run("x509", "-req", "-in", csr, "-CA", self.cert, "-CAkey", self.key,
                 "-set_serial", str(self._next()), "-days", "30", "-out", cert, "-extfile", ext,
                 cwd=d)
        if password:
            enc = key + ".enc"
            _run("pkcs8", "-topk8", "-in", key, "-out", enc, "-passout", "pass:" + password,
                 cwd=d)
            key = enc
        both = os.path.join(d, name + ".keystore.pem")
        with open(both, "w") as out:
            out.write(open(key).read())
            out.write(open(cert).read())
        return key, cert, both

    def _next(self):
        self._serial += 1
        return self._serial

    def _issue_expired(self, name, csr, cert, ext):
        """openssl ca can set a validity window in the past (x509 -req cannot)."""
        d = self.dir
        db = os.path.join(d, name + ".db")
        open(db, "w").close()
        conf = os.path.join(d, name + ".cnf")
        with open(conf, "w") as f:
            f.write("[ca]\ndefault_ca=c\n[c]\ndatabase=%s\nnew_certs_dir=%s\ncertificate=%s\n"
                    "private_key=%s\nserial=%s\ndefault_md=sha256\npolicy=p\n"
                    "[p]\ncommonName=supplied\n" % (db, d, self.cert, self.key,
                                                   os.path.join(d, name + ".srl")))
        with open(os.path.join(d, name + ".srl"), "w") as f:
            f.write("%02X\n" % self._next())
        _run("ca", "-batch", "-config", conf, "-in", csr, "-out", cert, "-extfile", ext,
             "-startdate", "20200101000000Z", "-enddate", "20200201000000Z", "-notext", cwd=d)
