"""The ChecksheetError tree. Every error carries a one-line diagnostic for the user.

Library errors are translated into these at the seam where they happen; only the
CLI prints them and chooses the exit code.
"""

from __future__ import annotations


class ChecksheetError(Exception):
    """Base of every error checksheet raises on purpose."""

    exit_code = 2

    def __init__(self, message: str, *, ja: str | None = None) -> None:
        super().__init__(message)
        self.ja = ja

    def diagnostics(self, lang: str = "en") -> str:
        """One line for the user, in their language: what is wrong and, where known, what to do."""
        text = self.ja if lang == "ja" and self.ja else str(self)
        return " ".join(text.split()) or type(self).__name__


class UsageError(ChecksheetError):
    """Bad command-line usage or arguments."""


class ConfigError(ChecksheetError):
    """checksheet.toml or CHECKSHEET_* settings are invalid."""


class CatalogError(ChecksheetError):
    """A catalog data file is missing or invalid."""


class StoreError(ChecksheetError):
    """The database cannot be opened, migrated or written."""


class InputError(ChecksheetError):
    """A file given by the user cannot be read or is not what it claims to be."""


class CollectionError(ChecksheetError):
    """A collector could not run at all (no credentials, no transport)."""


class IntegrityError(ChecksheetError):
    """The ledger or a sealed file does not verify."""

    exit_code = 3
