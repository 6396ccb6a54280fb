"""The signer's key and certificate (a PKCS#12 file), and the trust anchors a signer's
certificate must chain to."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from .pdf import SigningError, as_text, one_line, read_input


KEY_FILE_LIMIT = 1024 * 1024
"""The largest .p12 or certificate file read."""
TRUST_STORE_LIMIT = 16 * 1024 * 1024
"""The largest certificate bundle read (the system's is about 200 kB)."""


def load_signer(p12: Path, passphrase: bytes | None):
    """The signer of a PKCS#12 file and its certificate's common name; refused when the file
    lacks the key or the certificate, or the certificate is not valid now."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    data = read_input(p12, KEY_FILE_LIMIT)
    try:
        key, certificate, others = pkcs12.load_key_and_certificates(data, passphrase)
    except (ValueError, TypeError) as exc:
        raise SigningError(f"{p12}: cannot open the PKCS#12 file: wrong passphrase, or not "
                           "a .p12/.pfx file") from exc
    for missing, what in ((key, "private key"), (certificate, "certificate")):
        if missing is None:
            raise SigningError(f"{p12}: holds no {what}; export the certificate together "
                               "with its key")
    public = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(*public) != certificate.public_key().public_bytes(*public):
        raise SigningError(f"{p12}: its private key is not the key of its certificate")
    now = dt.datetime.now(dt.timezone.utc)
    if certificate.not_valid_after_utc < now:
        raise SigningError(f"{p12}: the certificate expired on "
                           f"{certificate.not_valid_after_utc:%Y-%m-%d %H:%M} UTC; sign with a "
                           "valid one")
    if certificate.not_valid_before_utc > now:
        raise SigningError(f"{p12}: the certificate is valid only from "
                           f"{certificate.not_valid_before_utc:%Y-%m-%d %H:%M} UTC; sign with a "
                           "valid one")
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    common_name = as_text(names[0].value) if names else None
    der = serialization.Encoding.DER
    key_der = key.private_bytes(der, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    try:
        signer = signers.SimpleSigner(
            signing_cert=asn1_x509.Certificate.load(certificate.public_bytes(der)),
            signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
            cert_registry=SimpleCertificateStore.from_certs(
                [asn1_x509.Certificate.load(c.public_bytes(der)) for c in others or []]))
    except Exception as exc:  # a key type pyHanko cannot sign with
        raise SigningError(f"{p12}: cannot sign with this key: {one_line(exc)}") from exc
    return signer, common_name


def load_trust_anchors(paths: list[Path], system: bool = False) -> list:
    """The certificates in ``paths`` (PEM, possibly several, or DER), and the system's when
    ``system``: the anchors a signer's certificate must chain to."""
    anchors = []
    for path in paths:
        anchors += _certificates(read_input(path, KEY_FILE_LIMIT), str(path))
    if system:
        anchors += _system_anchors()
    return anchors


def _certificates(data: bytes, name: str, strict: bool = True) -> list:
    """Every certificate in a PEM or DER file; a private key or anything else is refused
    (or, not ``strict``, a certificate that does not parse is left out)."""
    import warnings

    from asn1crypto import pem, x509
    from cryptography import x509 as crypto_x509

    if pem.detect(data):
        try:
            blocks = list(pem.unarmor(data, multiple=True))
        except ValueError as exc:
            raise SigningError(f"{name}: not a certificate (PEM or DER)") from exc
        if any("PRIVATE KEY" in kind for kind, _, _ in blocks):
            raise SigningError(f"{name}: is a private key, not a certificate; give the "
                               "certificate of the authority you trust")
        ders = [der for kind, _, der in blocks if kind in ("CERTIFICATE", "TRUSTED CERTIFICATE")]
    else:
        ders = [data]
    certificates = []
    for der in ders:
        try:
            with warnings.catch_warnings():  # old roots of the system's store have oddities
                warnings.simplefilter("ignore")
                crypto_x509.load_der_x509_certificate(der)  # asn1crypto parses lazily
        except ValueError as exc:
            if not strict:
                continue
            if _is_private_key(der):
                raise SigningError(f"{name}: is a private key, not a certificate; give the "
                                   "certificate of the authority you trust") from exc
            raise SigningError(f"{name}: not a certificate (PEM or DER)") from exc
        certificates.append(x509.Certificate.load(der))
    if not certificates:
        raise SigningError(f"{name}: not a certificate (PEM or DER)")
    return certificates


def _is_private_key(der: bytes) -> bool:
    from cryptography.hazmat.primitives import serialization

    try:
        serialization.load_der_private_key(der, password=None)
    except TypeError:  # an encrypted private key
        return True
    except Exception:  # not a key: the backend raises several kinds
        return False
    return True


def _system_anchors() -> list:
    """The certificate authorities of this system's TLS store (``/etc/ssl/certs``)."""
    import ssl

    paths = ssl.get_default_verify_paths()
    for bundle in (paths.cafile, paths.openssl_cafile):
        if bundle and os.path.isfile(bundle):
            data = read_input(Path(bundle), TRUST_STORE_LIMIT)
            return _certificates(data, bundle, strict=False)
    raise SigningError("--system-trust: this system has no certificate bundle "
                       f"({paths.openssl_cafile}); give the anchors with --trust CERT")
