"""SPARQL text as tokens: the one lexer the server's checks and the text rewriting of graph/ read queries with.

Comments, strings, IRIs, prefixed names, variables, blank nodes, language tags and numbers are tokens of
their own, so a keyword or a brace inside them is not one. `<` is both an IRI start and an operator: a
`<` followed by IRI characters up to `>` is read as an IRI (as SPARQL's own grammar reads it). The lexer
never fails: a character it does not know is a one-character `punct` token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_IRI_CHAR = r'(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})'
_PLX = r"(?:%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
_PN_PREFIX = r"(?:[^\W\d_](?:[\w.\-\u00B7]*[\w\-\u00B7])?)"
_PN_LOCAL = rf"(?:(?:[\w:]|{_PLX})(?:(?:[\w.:\-\u00B7]|{_PLX})*(?:[\w:\-\u00B7]|{_PLX}))?)"
_TOKEN = re.compile(
    rf"""
      (?P<space>[\x20\t\r\n]+)
    | (?P<comment>\#[^\r\n]*)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                |'(?:[^'\\\r\n]|\\.)*'|"(?:[^"\\\r\n]|\\.)*")
    | (?P<iri><{_IRI_CHAR}*>)
    | (?P<var>[?$][\w\u00B7]+)
    | (?P<bnode>_:\w(?:[\w.\-\u00B7]*[\w\-\u00B7])?)
    | (?P<pname>{_PN_PREFIX}?:{_PN_LOCAL}?)
    | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
    | (?P<number>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
    | (?P<word>[^\W\d]\w*)
    | (?P<punct>\^\^|&&|\|\||<=|>=|!=|<<|>>|.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    """One SPARQL token: kind (group name of _TOKEN), text and offset in the request text."""

    kind: str
    text: str
    start: int

    @property
    def keyword(self) -> str:
        """The upper-cased word for word tokens, else ''."""
        return self.text.upper() if self.kind == "word" else ""


def tokenize(text: str) -> list[Token]:
    """The significant tokens of a SPARQL text (no spaces, no comments)."""
    return [
        Token(match.lastgroup or "punct", match.group(), match.start())
        for match in _TOKEN.finditer(text)
        if match.lastgroup not in ("space", "comment")
    ]


@lru_cache(maxsize=512)
def outline(text: str) -> tuple[Token, ...]:
    """The tokens of `text` at brace depth 0, with the braces that open and close each depth-1 group.

    Cached: the server reads the same texts again and again (named queries, a page's repeated queries)."""
    depth, out = 0, []
    for match in _TOKEN.finditer(text):  # as tokenize(), but only depth-0 tokens are made (3× faster on queries)
        kind = match.lastgroup
        if kind == "space" or kind == "comment":
            continue
        value = match.group()
        if value == "}":
            depth -= 1
        if depth == 0:
            out.append(Token(kind or "punct", value, match.start()))
        if value == "{":
            depth += 1
    return tuple(out)
