"""The access keys `shardline serve --auth FILE` admits: one `ACCESS_KEY_ID:SECRET_ACCESS_KEY` per line,
blank lines and lines starting with `#` ignored. Secrets never appear in a repr, a log line or an error."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from shardline.errors import ShardlineError

_FORBIDDEN_IN_KEY_ID = frozenset("/:=, \t")


class CredentialsFileError(ShardlineError):
    """The --auth file cannot be read or has a malformed line (the message names the line, not its text)."""


class CredentialStore:
    """Secret access keys by access key id."""

    def __init__(self, secrets: Mapping[str, str]) -> None:
        self._secrets = dict(secrets)

    def secret_for(self, access_key_id: str) -> str | None:
        return self._secrets.get(access_key_id)

    def __len__(self) -> int:
        return len(self._secrets)

    def __repr__(self) -> str:
        return f"CredentialStore({len(self._secrets)} access keys)"


def parse_credentials(text: str, source: str = "credentials") -> CredentialStore:
    secrets: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        access_key_id, separator, secret = (part.strip() for part in line.partition(":"))
        where = f"{source}, line {number}"
        if not separator or not access_key_id or not secret:
            raise CredentialsFileError(f"{where}: expected ACCESS_KEY_ID:SECRET_ACCESS_KEY")
        if any(char in _FORBIDDEN_IN_KEY_ID for char in access_key_id):
            # A "/" would make the SigV4 credential scope ambiguous; the others would break its parsing.
            raise CredentialsFileError(f"{where}: the access key id may not contain '/', ':', '=', ',' or spaces")
        if access_key_id in secrets:
            raise CredentialsFileError(f"{where}: access key id {access_key_id} appears twice")
        secrets[access_key_id] = secret
    if not secrets:
        raise CredentialsFileError(f"{source}: no access keys (expected ACCESS_KEY_ID:SECRET_ACCESS_KEY lines)")
    return CredentialStore(secrets)


def load_credentials(path: Path) -> CredentialStore:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CredentialsFileError(f"cannot read {path}: {error.__class__.__name__}") from None
    return parse_credentials(text, str(path))
