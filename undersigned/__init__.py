"""undersigned: letters and parliamentary questions from structured case data."""

import warnings as _warnings

__version__ = "0.1.0"

# pyHanko 0.38 imports cryptography's DSA key type at import time, and cryptography 51
# deprecates DSA with a warning there: every `sign` and `verify` printed it to the user,
# who can do nothing about it. Only that warning, only from pyHanko's modules, is hidden.
_warnings.filterwarnings("ignore", message=r"DSA is deprecated", module=r"pyhanko(\.|$)")
