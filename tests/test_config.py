from __future__ import annotations

from pathlib import Path

import pytest

from checksheet.config import CONFIG_FILE, DEFAULT_CONFIG, keep_in_cache, load_settings, read_cache, user_cache_dir
from checksheet.errors import ConfigError


def test_defaults_put_sqlite_in_the_project_folder(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, environ={})
    assert settings.database_url == f"sqlite:///{tmp_path.resolve()}/.checksheet/checksheet.db"
    assert settings.lang == "ja" and settings.is_sqlite


def test_file_then_environment_override(tmp_path: Path) -> None:
    (tmp_path / CONFIG_FILE).write_text('[checksheet]\nlang = "en"\ndrill_interval_days = 30\n', encoding="utf-8")
    settings = load_settings(tmp_path, environ={"CHECKSHEET_DRILL_INTERVAL_DAYS": "45",
                                                "CHECKSHEET_AWS_REGIONS": "us-east-1, ap-northeast-1"})
    assert settings.lang == "en"
    assert settings.drill_interval_days == 45
    assert settings.aws_regions == ("us-east-1", "ap-northeast-1")


def test_the_default_config_file_is_valid(tmp_path: Path) -> None:
    (tmp_path / CONFIG_FILE).write_text(DEFAULT_CONFIG, encoding="utf-8")
    assert load_settings(tmp_path, environ={}).drill_interval_days == 92


@pytest.mark.parametrize(
    ("content", "env", "message"),
    [
        ("[checksheet\n", {}, "not valid TOML"),
        ('[checksheet]\nlang = "fr"\n', {}, "setting lang"),
        ('[checksheet]\nunknown = 1\n', {}, "setting unknown"),
        ("", {"CHECKSHEET_DRILL_INTERVAL_DAYS": "soon"}, "setting drill_interval_days"),
        ('[checksheet]\ndrill_interval_days = 3.5\n', {}, "setting drill_interval_days: 3.5 is not a whole number"),
        ('[checksheet]\nevidence_max_age_days = 0\n', {}, "setting evidence_max_age_days"),
        ('[checksheet]\nanswer_threshold = 1.5\n', {}, "setting answer_threshold: 1.5 is not a number from 0 to 1"),
        ('[checksheet]\naws_regions = "us-east-1"\n', {}, None),
        ('[checksheet]\naws_regions = [1]\n', {}, "setting aws_regions"),
        ("[checksheet]\nlang = true\n", {}, "setting lang"),
    ],
)
def test_bad_settings_are_one_line_errors(tmp_path: Path, content: str, env: dict[str, str],
                                         message: str | None) -> None:
    (tmp_path / CONFIG_FILE).write_text(content, encoding="utf-8")
    if message is None:  # a single region as a string is a list of one
        assert load_settings(tmp_path, environ=env).aws_regions == ("us-east-1",)
        return
    with pytest.raises(ConfigError, match=message) as err:
        load_settings(tmp_path, environ=env)
    assert "\n" not in err.value.diagnostics("en") and "\n" not in err.value.diagnostics("ja")
    assert err.value.diagnostics("ja") != err.value.diagnostics("en")  # both languages, not a copy


def test_regions_from_the_environment_are_comma_separated(tmp_path: Path) -> None:
    env = {"CHECKSHEET_AWS_REGIONS": "us-east-1, ap-northeast-1,", "CHECKSHEET_ANSWER_THRESHOLD": "0.5"}
    settings = load_settings(tmp_path, environ=env)
    assert settings.aws_regions == ("us-east-1", "ap-northeast-1") and settings.answer_threshold == 0.5


def test_cache_files_are_the_users_alone_and_others_are_not_trusted(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    kept = user_cache_dir() / "models" / "ec2.json"
    keep_in_cache(kept, '{"operations": {}}')
    assert read_cache(kept) == b'{"operations": {}}'
    assert kept.stat().st_mode & 0o777 == 0o600
    assert user_cache_dir().stat().st_mode & 0o777 == 0o700 and kept.parent.stat().st_mode & 0o777 == 0o700
    kept.chmod(0o664)  # writable by the group: anyone in it could steer the scan's calls
    assert read_cache(kept) is None
    assert read_cache(tmp_path / "absent.json") is None


def test_a_cache_that_cannot_be_written_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "checksheet").write_text("a file where the folder should be", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    keep_in_cache(user_cache_dir() / "x.json", "{}")  # no exception
    assert read_cache(user_cache_dir() / "x.json") is None
