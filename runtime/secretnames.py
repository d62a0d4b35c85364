"""What a secret is, by name: the one rule for the compiler's plain-text-secret check (DTV405),
the diagnostics that never echo a secret-like value, the runtime's masking of environment
variables and the log of catalog properties. A second copy would drift (issue 12).

A name is secret-like when it, or one of its dot-separated parts (catalog properties such as
`adls.sas-token.account`), ends in a credential word. Only the end counts: `password_env`,
`token_file`, `secret_url` name a reference to a secret, not the secret itself.
"""

from __future__ import annotations

import functools
import re

# the credential words, after lower-casing and `-` -> `_` (so `secret-access-key`, `apiKey`, `API-KEY` match)
SECRET_WORDS: tuple[str, ...] = (
    "password", "passwd", "pwd", "passphrase", "secret", "token", "credential", "credentials",
    "api_key", "apikey", "private_key", "privatekey", "access_key", "accesskey", "secret_key", "secretkey",
    "account_key", "accountkey",
)
_ENDS_SECRET = re.compile("(?:" + "|".join(sorted(map(re.escape, SECRET_WORDS), key=len, reverse=True)) + ")$")


@functools.lru_cache(maxsize=4096)  # the same few hundred keys recur in every file of a project
def is_secret_name(name: object) -> bool:
    """True when `name` (a config key, an environment variable, a catalog property) names a secret value."""
    text = str(name).lower().replace("-", "_")
    return any(_ENDS_SECRET.search(part.strip("_ ")) for part in text.split("."))
