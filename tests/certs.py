"""Throw-away certificates for the signing tests: a chain (root CA, intermediate CA, Members)
and the certificates a recipient must not trust, as PEM and PKCS#12 files."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
TEN_YEARS = dt.timedelta(days=3650)


@dataclass
class Authority:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate
    pem: Path
    chain: tuple[x509.Certificate, ...] = ()
    """The certificates above this one, up to the root."""


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "undersigned tests")])


def _ca_certificate(name: str, key, issuer_name: x509.Name, issuer_key, serial: int):
    return (x509.CertificateBuilder().subject_name(_name(name)).issuer_name(issuer_name)
            .public_key(key.public_key()).serial_number(serial)
            .not_valid_before(NOW).not_valid_after(NOW + TEN_YEARS)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                         False), critical=True)
            .sign(issuer_key, hashes.SHA256()))


def _write_pem(path: Path, cert: x509.Certificate) -> Path:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def make_authority(folder: Path, name: str = "Test CA") -> Authority:
    """A self-signed root CA, its certificate in ``folder/ca.pem`` (or NAME.pem)."""
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _ca_certificate(name, key, _name(name), key, 1)
    file_name = "ca.pem" if name == "Test CA" else f"{name.lower().replace(' ', '-')}.pem"
    return Authority(key, cert, _write_pem(folder / file_name, cert))


def make_intermediate(folder: Path, root: Authority, name: str = "Test Signing CA") -> Authority:
    """A CA issued by ``root``, which issues the Members' certificates."""
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _ca_certificate(name, key, root.cert.subject, root.key, 2)
    return Authority(key, cert, _write_pem(folder / "intermediate.pem", cert),
                     (root.cert, *root.chain))


def make_signer(folder: Path, authority: Authority | None, common_name: str, serial: int,
                passphrase: bytes | None = b"secret", not_before: dt.datetime = NOW,
                not_after: dt.datetime | None = None, file_name: str | None = None,
                with_key: bool = True, with_cert: bool = True) -> Path:
    """A PKCS#12 file with a signing certificate issued by ``authority`` (self-signed when
    None), and the chain above it; without its key or its certificate when asked."""
    key = ec.generate_private_key(ec.SECP256R1())
    issuer_name = authority.cert.subject if authority else _name(common_name)
    cert = (x509.CertificateBuilder().subject_name(_name(common_name))
            .issuer_name(issuer_name).public_key(key.public_key())
            .serial_number(serial)
            .not_valid_before(not_before).not_valid_after(not_after or not_before + TEN_YEARS)
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False,
                                         False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]),
                           critical=False)
            .sign(authority.key if authority else key, hashes.SHA256()))
    encryption = (serialization.BestAvailableEncryption(passphrase) if passphrase
                  else serialization.NoEncryption())
    chain = [authority.cert, *authority.chain] if authority else []
    data = pkcs12.serialize_key_and_certificates(
        common_name.encode(), key if with_key else None, cert if with_cert else None,
        chain or None, encryption)
    path = folder / (file_name or f"{common_name.split()[-1].lower()}.p12")
    path.write_bytes(data)
    _write_pem(path.with_suffix(".pem"), cert)
    return path


def nss_database(folder: Path, anchors: list[Path]) -> Path | None:
    """An NSS certificate database trusting ``anchors``, for poppler's ``pdfsig -nssdir``;
    None without NSS's ``certutil``."""
    if shutil.which("certutil") is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["certutil", "-N", "-d", f"sql:{folder}", "--empty-password"], check=True,
                   capture_output=True)
    for index, anchor in enumerate(anchors):
        subprocess.run(["certutil", "-A", "-d", f"sql:{folder}", "-n", f"anchor-{index}",
                        "-t", "C,C,C", "-i", str(anchor)], check=True, capture_output=True)
    return folder


def make_server_certificate(folder: Path, authority: Authority,
                            host: str = "localhost") -> tuple[Path, Path]:
    """A TLS server certificate for ``host`` (and 127.0.0.1) issued by ``authority``:
    (certificate PEM, key PEM)."""
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name(host)).issuer_name(authority.cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(NOW).not_valid_after(NOW + TEN_YEARS)
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName(host), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .sign(authority.key, hashes.SHA256()))
    cert_path = _write_pem(folder / f"{host}.pem", cert)
    key_path = folder / f"{host}.key"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path
