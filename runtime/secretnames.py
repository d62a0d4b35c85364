"""What a secret is, by name: the one rule for the compiler's plain-text-secret check (DTV405),
the diagnostics that never echo a secret-like value, the runtime's masking of environment
variables and the log of catalog properties. A second copy would drift (issue 12).

Two questions, one vocabulary:
- `is_secret_name`: does the value under this name hold a secret? The name, or one of its
  dot-separated parts (catalog properties such as `adls.sas-token.account`), ends in a credential
  word. Only the end counts: `password_env`, `token_file`, `secret_url` name a reference to a
  secret, not the secret itself. The compiler raises an error on a literal under such a name, so
  this side must not over-match.
- `may_hold_secret`: should the runtime mask this variable's value in logs? A credential word
  anywhere in the name, as whole `_`-separated words (`DB_PASSWORD_PROD`, `AWS_ACCESS_KEY_ID`), unless
  the name ends in a reference suffix. Masking too much costs nothing; too little leaks.
"""

from __future__ import annotations

import functools
import re

# the credential words, after lower-casing and `-` -> `_` (so `secret-access-key`, `apiKey`, `API-KEY` match)
SECRET_WORDS: tuple[str, ...] = (
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "secret",
    "token",
    "credential",
    "credentials",
    "api_key",
    "apikey",
    "private_key",
    "privatekey",
    "access_key",
    "accesskey",
    "secret_key",
    "secretkey",
    "account_key",
    "accountkey",
)
_REFERENCE_SUFFIXES = ("_env", "_file", "_path", "_url", "_uri", "_dir", "_enabled")
_ENDS_SECRET = re.compile("(?:" + "|".join(sorted(map(re.escape, SECRET_WORDS), key=len, reverse=True)) + ")$")


@functools.lru_cache(maxsize=4096)  # the same few hundred keys recur in every file of a project
def is_secret_name(name: object) -> bool:
    """True when `name` (a config key, an environment variable, a catalog property) names a secret value."""
    text = str(name).lower().replace("-", "_")
    return any(_ENDS_SECRET.search(part.strip("_ ")) for part in text.split("."))


_HAS_SECRET = re.compile(
    "(?:^|_)(?:" + "|".join(sorted(map(re.escape, SECRET_WORDS), key=len, reverse=True)) + ")(?:_|$)"
)


@functools.lru_cache(maxsize=4096)
def may_hold_secret(name: object) -> bool:
    """True when the runtime masks the value of variable `name`: `is_secret_name`, or a credential word
    anywhere in it as whole words (`DB_PASSWORD_PROD`), unless it ends in a reference suffix."""
    if is_secret_name(name):
        return True
    text = str(name).lower().replace("-", "_").replace(".", "_")
    return not text.endswith(_REFERENCE_SUFFIXES) and _HAS_SECRET.search(text) is not None
