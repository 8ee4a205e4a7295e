"""Camera credentials: encrypted at rest, split from URLs, never shown.

Operators paste URLs like rtsp://admin:12345@10.1.2.3/stream; the password is taken out of the
URL on the way in and stored encrypted (Fernet, key from settings or a key file in the data dir),
so neither the API, the logs nor a database dump shows it.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from cryptography.fernet import Fernet, InvalidToken

from warroom.config import Settings
from warroom.errors import ConfigError

_LOG = logging.getLogger(__name__)
KEY_FILE = "camera-credentials.key"


class CredentialBox:
    def __init__(self, key: bytes) -> None:
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError) as err:
            raise ConfigError(
                "cameras.credential_key is not a valid key: it must be 32 bytes in urlsafe base64 "
                "(make one with: python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
            ) from err

    def seal(self, password: str) -> bytes:
        return self._fernet.encrypt(password.encode())

    def open(self, sealed: bytes) -> str:
        try:
            return self._fernet.decrypt(sealed).decode()
        except InvalidToken as err:
            raise ConfigError(
                "a camera password cannot be decrypted with the current cameras.credential_key; "
                "was the key changed? Restore the old key or set the password again"
            ) from err


def credential_box(settings: Settings) -> CredentialBox:
    """The configured key, else the data dir's key file, created (mode 0600) on first use."""
    if settings.cameras.credential_key is not None:
        return CredentialBox(settings.cameras.credential_key.get_secret_value().encode())
    path = settings.data_dir / KEY_FILE
    if not path.exists():
        _write_new_key(path)
    return CredentialBox(path.read_bytes().strip())


def _write_new_key(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(Fernet.generate_key())
    _LOG.info("generated the camera credential key %s; back it up with the database", path)


def split_credentials(url: str) -> tuple[str, str | None, str | None]:
    """(url without user and password, username, password) from a URL that may embed them."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, None, None
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    bare = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    return bare, username, password
