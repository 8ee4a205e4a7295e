"""`warroom user ...` and `warroom apikey ...`: accounts for people and keys for machines."""

from __future__ import annotations

import sys
from typing import Annotated, TypeVar

import typer
from pydantic import BaseModel, ValidationError

from warroom.auth.principal import ROLES, cli_principal
from warroom.auth.schemas import ApiKeyIn, UserIn, UserPatch
from warroom.cli.base import ConfigOption, DataDirOption, console, open_warroom
from warroom.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)
user_app = typer.Typer(help="Manage user accounts.", no_args_is_help=True)
apikey_app = typer.Typer(help="Manage API keys for machine clients.", no_args_is_help=True)

RoleOption = Annotated[str, typer.Option("--role", help=f"One of: {', '.join(ROLES)}.")]
AgencyOption = Annotated[str | None, typer.Option("--agency", help="Agency code; required for agency_officer.")]
StdinOption = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input (for scripts).")
]


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


def _validated(model: type[M], **data: object) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors())
        raise InvalidInput(problems) from err


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="User name (lower-case).")],
    role: RoleOption,
    agency: AgencyOption = None,
    password_stdin: StdinOption = False,
    data_dir: DataDirOption = None,
    config: ConfigOption = None,
) -> None:
    """Create a user."""
    wr = open_warroom(config, data_dir)
    data = _validated(UserIn, username=name, role=role, agency_code=agency, password=_password(password_stdin))
    user = wr.auth.create_user(data, actor=cli_principal())
    console.print(f"created {user.username} ({user.role}{', ' + user.agency_code if user.agency_code else ''})")


@user_app.command("passwd")
def user_passwd(
    name: Annotated[str, typer.Argument(help="User name.")],
    password_stdin: StdinOption = False,
    data_dir: DataDirOption = None,
    config: ConfigOption = None,
) -> None:
    """Set a user's password (ends their sessions and tokens)."""
    wr = open_warroom(config, data_dir)
    patch = _validated(UserPatch, password=_password(password_stdin))
    wr.auth.update_user(name, patch, actor=cli_principal())
    console.print(f"password of {name} changed")


@user_app.command("list")
def user_list(data_dir: DataDirOption = None, config: ConfigOption = None) -> None:
    """List users."""
    wr = open_warroom(config, data_dir)
    for user in wr.auth.users():
        state = "" if user.active else " (disabled)"
        print(f"{user.username}\t{user.role}\t{user.agency_code or '-'}{state}")


@apikey_app.command("add")
def apikey_add(
    name: Annotated[str, typer.Argument(help="The machine or app that will use the key.")],
    role: Annotated[
        str | None,
        typer.Option("--role", help=f"One of: {', '.join(ROLES)}. Default: viewer without --scope, no role with one."),
    ] = None,
    scope: Annotated[list[str] | None, typer.Option("--scope", metavar="SCOPE", help="A scope, e.g. open311; repeatable.")] = None,
    agency: AgencyOption = None,
    expires_in_days: Annotated[int | None, typer.Option("--expires-in-days", help="Default: never.")] = None,
    data_dir: DataDirOption = None,
    config: ConfigOption = None,
) -> None:
    """Create an API key; the key is printed alone on the last line, once."""
    wr = open_warroom(config, data_dir)
    data = _validated(ApiKeyIn, name=name, role=role, scopes=scope or [], agency_code=agency, expires_in_days=expires_in_days)
    created = wr.auth.create_apikey(data, actor=cli_principal())
    console.print(f"API key {created.id} for {created.name} ({created.role or 'no role'}; scopes: {', '.join(created.scopes) or '-'})")
    console.print("store it now; it cannot be shown again:")
    print(created.key)


@apikey_app.command("list")
def apikey_list(data_dir: DataDirOption = None, config: ConfigOption = None) -> None:
    """List API keys (never the keys themselves)."""
    wr = open_warroom(config, data_dir)
    for key in wr.auth.apikeys():
        state = "revoked" if key.revoked_at else "active"
        print(f"{key.id}\t{key.name}\t{key.role or '-'}\t{','.join(key.scopes) or '-'}\t{state}")


@apikey_app.command("revoke")
def apikey_revoke(
    key_id: Annotated[int, typer.Argument(help="Id from `warroom apikey list`.")],
    data_dir: DataDirOption = None,
    config: ConfigOption = None,
) -> None:
    """Revoke an API key at once."""
    wr = open_warroom(config, data_dir)
    key = wr.auth.revoke_apikey(key_id, actor=cli_principal())
    console.print(f"revoked API key {key.id} ({key.name})")
