"""Encryption at rest for personal fields (Fernet; several keys allow rotation, newest first)."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class PersonalDataCipher:
    def __init__(self, keys: list[str], secret_key: str) -> None:
        fernets = [Fernet(k.encode()) for k in keys] if keys else [Fernet(derive_key(secret_key))]
        self._cipher = MultiFernet(fernets)

    def encrypt(self, value: str | None) -> bytes | None:
        if value is None or value == "":
            return None
        return self._cipher.encrypt(value.encode("utf-8"))

    def decrypt(self, value: bytes | None) -> str | None:
        if value is None:
            return None
        try:
            return self._cipher.decrypt(value).decode("utf-8")
        except InvalidToken:
            raise ValueError("personal data cannot be decrypted with the configured keys") from None


def derive_key(secret_key: str) -> bytes:
    """Derive a Fernet key from the app secret when no dedicated data key is configured."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"madoguchi", info=b"personal-data-v1").derive(
        secret_key.encode()
    )
    return base64.urlsafe_b64encode(raw)
