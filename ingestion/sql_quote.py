"""Quoting for the few SQL statements that cannot take a parameter (ATTACH, identifiers).

DuckDB's ATTACH does not accept a prepared parameter for the file, and identifiers never can:
a path such as ``/home/o'brien/data`` or a schema name must be quoted, never pasted in.
"""

from __future__ import annotations

from pathlib import Path


def literal(text: str | Path) -> str:
    """A SQL string literal: ``o'brien`` -> ``'o''brien'``."""
    return "'" + str(text).replace("'", "''") + "'"


def ident(name: str) -> str:
    '''A quoted SQL identifier: ``my "db"`` -> ``"my ""db"""``.'''
    return '"' + str(name).replace('"', '""') + '"'
