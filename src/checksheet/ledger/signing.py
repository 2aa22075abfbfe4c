"""Ed25519 keys and signed checkpoints (tree size, root, time). Pure: no files, no clock.

A checkpoint message is four lines, in the spirit of the C2SP tlog-checkpoint format:

    checksheet-ledger/v1
    <tree size>
    <root hash, hex>
    <time, UTC "YYYY-MM-DD HH:MM:SS.ffffff">
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from checksheet.errors import InputError, IntegrityError

ORIGIN = "checksheet-ledger/v1"
EXPORT_FORMAT = "checksheet-checkpoint/1"


def generate() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def load_private(pem: bytes, source: str) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as err:
        raise InputError(f"{source}: not a PEM private key", ja=f"{source}: PEM 形式の秘密鍵ではありません") from err
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError(f"{source}: not an Ed25519 key", ja=f"{source}: Ed25519 の鍵ではありません")
    return key


def load_public(pem: bytes, source: str) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError) as err:
        raise InputError(f"{source}: not a PEM public key", ja=f"{source}: PEM 形式の公開鍵ではありません") from err
    if not isinstance(key, Ed25519PublicKey):
        raise InputError(f"{source}: not an Ed25519 key", ja=f"{source}: Ed25519 の鍵ではありません")
    return key


def key_id(key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw public key, hex: names the key without revealing anything."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def message(tree_size: int, root_hash: str, time: str) -> bytes:
    return f"{ORIGIN}\n{tree_size}\n{root_hash}\n{time}\n".encode()


@dataclass(frozen=True, slots=True)
class SignedCheckpoint:
    tree_size: int
    root_hash: str
    time: str
    key_id: str
    signature: str  # base64

    def to_json(self) -> dict[str, Any]:
        return {
            "format": EXPORT_FORMAT, "tree_size": self.tree_size, "root_hash": self.root_hash,
            "time": self.time, "key_id": self.key_id, "signature": self.signature,
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, sort_keys=True) + "\n"


def sign(key: Ed25519PrivateKey, tree_size: int, root_hash: str, time: str) -> SignedCheckpoint:
    sig = key.sign(message(tree_size, root_hash, time))
    return SignedCheckpoint(tree_size, root_hash, time, key_id(key.public_key()), base64.b64encode(sig).decode())


def signature_valid(key: Ed25519PublicKey, cp: SignedCheckpoint) -> bool:
    if cp.key_id != key_id(key):
        return False
    try:
        key.verify(base64.b64decode(cp.signature, validate=True), message(cp.tree_size, cp.root_hash, cp.time))
    except (InvalidSignature, ValueError):
        return False
    return True


def parse_exported(text: str, source: str) -> SignedCheckpoint:
    """Read an exported checkpoint file; its fields are checked here, its signature by the caller."""
    try:
        raw = json.loads(text)
        if not isinstance(raw, dict) or raw.get("format") != EXPORT_FORMAT:
            raise ValueError(f"format is not {EXPORT_FORMAT}")
        cp = SignedCheckpoint(int(raw["tree_size"]), str(raw["root_hash"]), str(raw["time"]),
                              str(raw["key_id"]), str(raw["signature"]))
    except (ValueError, KeyError, TypeError) as err:
        raise IntegrityError(f"checkpoint {source} is damaged: {err}",
                             ja=f"チェックポイント {source} が破損しています: {err}") from err
    return cp
