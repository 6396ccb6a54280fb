"""Signing a letter's signature field with PAdES, and verifying every signature in a PDF.

pyHanko does the cryptography. Each signature is an incremental update: the
bytes already signed are never rewritten, so the signatures already in the file
stay valid as the next signatory signs.

``verify`` answers a recipient's question for each filled field: is the signature
intact, does it cover the document as it is now, was it made by the Member the field
belongs to, with a certificate valid at the signing time that chains to a trust anchor
the recipient chose. ``sign`` refuses what would fail that question.

- ``pdf``: reading the PDF (bounded, unencrypted), its fields and their Members, active content;
- ``keys``: the signer's PKCS#12 file and the trust anchors;
- ``sign`` and ``verify``: one entry function each.
"""

from .keys import load_trust_anchors
from .pdf import SigningError, same_person
from .sign import sign_letter
from .verify import FieldReport, VerifyReport, verify_pdf

__all__ = ["FieldReport", "SigningError", "VerifyReport", "load_trust_anchors",
           "same_person", "sign_letter", "verify_pdf"]
