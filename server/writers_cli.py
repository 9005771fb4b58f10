"""`mgkg writers add|remove|list`: manage who may write to a server (server/writers.py keeps the hashes)."""

from __future__ import annotations

import sys

import click

from graph.cli.support import settings_of
from server.writers import EDITOR, add_writer, configured, read_file, remove_writer, writers_path


@click.group()
def writers() -> None:
    """Writers: names with a token each; the writers file keeps only hashes of the tokens."""


@writers.command()
@click.argument("name")
@click.option("--replace", is_flag=True, help="Give an existing writer a new token (the old one stops working).")
@click.option("--token-stdin", is_flag=True, help="Read the token from stdin instead of making a random one.")
@click.option("--scrypt", "use_scrypt", is_flag=True, help="Store a scrypt hash (for a token a person chose).")
@click.pass_context
def add(ctx: click.Context, name: str, replace: bool, token_stdin: bool, use_scrypt: bool) -> None:
    """Add writer NAME and print its new token, once: only its hash is stored."""
    path = writers_path(settings_of(ctx))
    given = sys.stdin.readline().rstrip("\r\n") if token_stdin else None
    token = add_writer(path, name, given, "scrypt" if use_scrypt else "sha256", replace)
    if given is None:
        click.echo(token)
    click.echo(f"mgkg: writer {name} added to {path}; send Authorization: Bearer <token> (shown once)", err=True)


@writers.command()
@click.argument("name")
@click.pass_context
def remove(ctx: click.Context, name: str) -> None:
    """Remove writer NAME from the writers file: its token stops working at its next write."""
    path = writers_path(settings_of(ctx))
    remove_writer(path, name)
    click.echo(f"mgkg: writer {name} removed from {path}", err=True)


@writers.command(name="list")
@click.pass_context
def list_writers(ctx: click.Context) -> None:
    """List the writers (the file's, MGKG_WRITERS', and `editor` when update_token is set)."""
    settings = settings_of(ctx)
    in_file = read_file(writers_path(settings))
    names = sorted(configured(settings))
    if settings.update_token and EDITOR not in names:
        names.append(EDITOR)
    for name in names:
        origin = "writers file" if name in in_file else "MGKG_WRITERS" if name != EDITOR else "update_token"
        click.echo(f"{name}\t{origin}")
