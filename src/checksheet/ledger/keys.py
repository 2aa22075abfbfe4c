"""The ledger's Ed25519 signing key in the project's state folder: created once, owner-only, never printed."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from checksheet.config import Settings
from checksheet.errors import ConfigError, InputError
from checksheet.ledger import signing

KEY_FILE = "ledger-ed25519.pem"


def key_path(settings: Settings) -> Path:
    return settings.state_dir / KEY_FILE


def ensure_key(settings: Settings) -> tuple[Path, bool]:
    """Create the signing key unless it exists; returns (path, created). Mode 0600, created atomically."""
    path = key_path(settings)
    if path.exists():
        return path, False
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    pem = signing.private_pem(signing.generate())
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path, False
    except OSError as err:
        raise ConfigError(f"cannot create the ledger key {path}: {err.strerror}",
                          ja=f"台帳の署名鍵 {path} を作成できません: {err.strerror}") from err
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    return path, True


def load_key(settings: Settings) -> Ed25519PrivateKey | None:
    """The signing key, or None when this project has none (e.g. a verifier's machine)."""
    path = key_path(settings)
    if not path.exists():
        return None
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise ConfigError(
            f"{path} is readable by others (mode {mode:o}): run chmod 600 {path}",
            ja=f"{path} が所有者以外から読めます(モード {mode:o}): chmod 600 {path} を実行してください",
        )
    return signing.load_private(path.read_bytes(), str(path))


def public_key(settings: Settings, override: Path | None = None) -> Ed25519PublicKey | None:
    """The key checkpoints are checked with: a given public key file, else the project's own key."""
    if override is not None:
        try:
            pem = override.read_bytes()
        except OSError as err:
            raise InputError(f"cannot read {override}: {err.strerror}",
                             ja=f"{override} を読み込めません: {err.strerror}") from err
        return signing.load_public(pem, str(override))
    key = load_key(settings)
    return key.public_key() if key else None
