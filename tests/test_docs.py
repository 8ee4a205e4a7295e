"""The documentation stays true to the code (in the style of Datasette's tests/test_docs.py).

docs/configuration.md and docs/cli.md are generated (`make docs`); these tests fail when a setting
or command is added without a description, or when the committed files are stale. The walks over
the settings model and the command tree are written out here rather than borrowed from
warroom.docs, so a bug in the generator cannot hide itself.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
import typer
from pydantic.fields import FieldInfo

from warroom.cli import app
from warroom.config import Section, Settings, load_settings
from warroom.docs import cli_reference, config_reference

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def leaf_settings() -> list[tuple[str | None, str, FieldInfo]]:
    """(section or None, key, field) for every setting, the fields of nested sections included."""
    found: list[tuple[str | None, str, FieldInfo]] = []
    for name, field in Settings.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, Section):
            found += [(name, key, sub) for key, sub in annotation.model_fields.items()]
        else:
            found.append((None, name, field))
    return found


def command_paths() -> list[str]:
    """`warroom`, `warroom demo`, `warroom import areas`, ...: every visible command."""
    paths: list[str] = []

    def walk(command: Any, path: str, ctx: Any) -> None:
        paths.append(path)
        for name in getattr(command, "list_commands", lambda _ctx: [])(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not getattr(sub, "hidden", False):
                walk(sub, f"{path} {name}", sub.context_class(sub, info_name=name, parent=ctx))

    root = typer.main.get_command(app)
    walk(root, "warroom", root.context_class(root, info_name="warroom"))
    return paths


def read_doc(name: str) -> str:
    path = DOCS / name
    assert path.exists(), f"docs/{name} is missing: run `make docs`"
    return path.read_text(encoding="utf-8")


def section_text(markdown: str, heading: str) -> str:
    """The text under a `## heading` up to the next `## ` heading."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", markdown, re.M | re.S)
    assert match, f"no '## {heading}' section"
    return match.group(1)


def test_there_are_settings_and_commands_to_check() -> None:
    # Guards the walks below: an empty walk would make every other test pass vacuously.
    assert len(leaf_settings()) >= 10
    assert {None, "server", "auth", "map"} <= {section for section, _, _ in leaf_settings()}
    assert {"warroom demo", "warroom import areas", "warroom db upgrade"} <= set(command_paths())


SETTINGS = [pytest.param(s, k, f, id=f"{s}.{k}" if s else k) for s, k, f in leaf_settings()]


@pytest.mark.parametrize(("section", "key", "field"), SETTINGS)
def test_every_setting_has_a_description(section: str | None, key: str, field: FieldInfo) -> None:
    where = f"[{section}] {key}" if section else key
    assert field.description and field.description.strip(), f"setting {where} needs Field(description=...)"


@pytest.mark.parametrize(("section", "key", "field"), SETTINGS)
def test_every_setting_is_in_the_configuration_reference(section: str | None, key: str, field: FieldInfo) -> None:
    doc = read_doc("configuration.md")
    table = section_text(doc, f"`[{section}]`" if section else "Top-level settings")
    env = "WARROOM_" + (f"{section}__{key}" if section else key).upper()
    assert f"| `{key}` | `{env}` |" in table, f"docs/configuration.md lacks {key} ({env}): run `make docs`"


@pytest.mark.parametrize(("name", "generate"), [("configuration.md", config_reference), ("cli.md", cli_reference)])
def test_generated_docs_are_up_to_date(name: str, generate: Any) -> None:
    if read_doc(name) != generate():
        pytest.fail(f"docs/{name} is stale: run `make docs`")


def test_cli_reference_does_not_depend_on_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    monkeypatch.setenv("TERMINAL_WIDTH", "40")
    monkeypatch.setenv("FORCE_COLOR", "1")
    text = cli_reference()
    assert text == read_doc("cli.md"), "cli_reference() changes with the terminal width or colour"
    assert "\x1b[" not in text, "ANSI colour codes in the CLI reference"
    assert not set("╭╮╰╯│─") & set(text), "Rich box drawing in the CLI reference"


@pytest.mark.parametrize("path", command_paths())
def test_every_command_is_in_the_cli_reference(path: str) -> None:
    assert f"\n## `{path}`\n" in read_doc("cli.md"), f"docs/cli.md lacks `{path}`: run `make docs`"


def test_the_example_settings_file_is_valid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The example in docs/configuration.md loads: no unknown key, every value valid."""
    match = re.search(r"```toml\n(.*?)```", read_doc("configuration.md"), re.S)
    assert match, "docs/configuration.md has no ```toml example"
    for name in [n for n in os.environ if n.startswith("WARROOM_")]:
        monkeypatch.delenv(name)
    example = tmp_path / "warroom.toml"
    example.write_text(match.group(1), encoding="utf-8")
    settings = load_settings(example)
    assert settings.server.cookie_secure is True


def test_readme_starts_with_the_two_commands() -> None:
    readme = ROOT / "README.md"
    if not readme.exists():
        pytest.skip("README.md does not exist yet; it is being written")
    head = "\n".join(readme.read_text(encoding="utf-8").splitlines()[:40])
    for command in ("make demo", "make test"):
        assert command in head, f"README.md's first 40 lines must show `{command}`"
