"""The tamper-evident ledger: a hash chain with RFC 9162 Merkle checkpoints signed by Ed25519.

Pure parts: chain (entry bytes and the verifier), merkle (trees and proofs), signing (keys and
checkpoint messages). Over the store: append, verify, checkpoint, prove, export, seal, keys.
"""

from checksheet.ledger.append import NewEntry, append, append_entries, append_many
from checksheet.ledger.chain import Entry

__all__ = ["Entry", "NewEntry", "append", "append_entries", "append_many"]
