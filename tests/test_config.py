"""Settings: a typo is an error naming the key and where it came from; secrets never print."""

from __future__ import annotations

from pathlib import Path

import pytest

from warroom.config import load_settings, masked
from warroom.errors import ConfigError


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(__import__("os").environ):
        if name.startswith("WARROOM_") and not name.startswith("WARROOM_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "warroom.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_unknown_top_level_key_names_key_file_and_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path, 'data_dirr = "/srv/warroom"\n')
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    assert str(path) in err.value.message
    assert "'data_dirr'" in err.value.message
    assert "Did you mean 'data_dir'" in err.value.message


def test_unknown_key_in_a_section_is_named_with_its_section(tmp_path: Path) -> None:
    path = write(tmp_path, "[server]\nprot = 9000\n")
    with pytest.raises(ConfigError, match=r"'server\.prot'.*server\.port"):
        load_settings(path)


def test_unknown_environment_variable_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_DATABASE_ULR", "sqlite:///x.db")
    with pytest.raises(ConfigError, match="WARROOM_DATABASE_ULR.*WARROOM_DATABASE_URL"):
        load_settings()


def test_bad_value_says_which_setting(tmp_path: Path) -> None:
    path = write(tmp_path, '[server]\nport = "eighty"\n')
    with pytest.raises(ConfigError, match=r"server\.port"):
        load_settings(path)


def test_not_toml_is_a_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path, "[server\nport = 1\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(path)


def test_precedence_flags_over_env_over_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, 'data_dir = "from-file"\n[server]\nport = 9001\nhost = "0.0.0.0"\n')
    monkeypatch.setenv("WARROOM_SERVER__PORT", "9002")
    settings = load_settings(path)
    assert settings.server.port == 9002
    assert settings.server.host == "0.0.0.0"
    assert settings.data_dir == Path("from-file")
    assert load_settings(path, data_dir=Path("from-flag")).data_dir == Path("from-flag")


def test_warroom_toml_in_the_working_directory_is_found(tmp_path: Path) -> None:
    write(tmp_path, "log_level = \"DEBUG\"\n")
    assert load_settings().log_level == "DEBUG"


def test_missing_explicit_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.toml")


def test_masked_hides_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_DATABASE_URL", "postgresql+psycopg://warroom:s3cret@db/warroom")
    monkeypatch.setenv("WARROOM_ADMIN_PASSWORD", "hunter2hunter2")
    shown = masked(load_settings())
    text = repr(shown)
    assert "s3cret" not in text and "hunter2" not in text
    assert shown["database_url"].startswith("postgresql+psycopg://warroom:***@db")
    assert shown["admin_password"] == "**********"


def test_default_database_is_sqlite_in_the_data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_DATA_DIR", "/srv/wr")
    assert load_settings().effective_database_url() == "sqlite:////srv/wr/warroom.db"
