"""The validated copy of the embedded catalog: identical to the YAML, re-validated when anything changes."""

from __future__ import annotations

from pathlib import Path

import pytest

import checksheet.catalog as catalog_module
from checksheet.catalog import load_domains, validated
from checksheet.config import user_cache_dir
from checksheet.errors import CatalogError


def _no_parsing(text: str, source: str) -> None:
    raise AssertionError(f"{source} was parsed and validated again")


def test_the_copy_is_written_once_and_read_back_equal(monkeypatch: pytest.MonkeyPatch) -> None:
    first = load_domains()
    copies = list(user_cache_dir().glob("catalog-*.json"))
    assert len(copies) == 1
    monkeypatch.setattr(catalog_module, "parse_domain", _no_parsing)
    again = load_domains()
    assert again == first and sum(len(d.controls) for d in again) >= 100


def test_a_damaged_copy_is_validated_again(monkeypatch: pytest.MonkeyPatch) -> None:
    first = load_domains()
    for copy in user_cache_dir().glob("catalog-*.json"):
        copy.write_text('[{"id": "NET"', encoding="utf-8")
    assert load_domains() == first


def test_an_edited_data_file_has_another_copy(tmp_path: Path) -> None:
    data = tmp_path / "net.yaml"
    data.write_text("domain: NET\n", encoding="utf-8")
    before = validated.cache_file([data], tmp_path)
    data.write_text("domain: NET  # edited\n", encoding="utf-8")
    assert validated.cache_file([data], tmp_path) != before
    assert validated.cache_file([tmp_path / "missing.yaml"], tmp_path) is None


def test_a_catalog_given_by_folder_is_always_validated(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("domain: NET\ntitle: {ja: x, en: y}\ncontrols: [{id: 1}]\n", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"bad\.yaml"):
        load_domains(tmp_path)
