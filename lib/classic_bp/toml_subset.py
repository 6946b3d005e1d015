"""A reader for the TOML that Cargo and rustup write and people write for them.

Python 3.10 (scalingo-22) has no ``tomllib``. Rather than make every build
there wait for tomli's wheel before it can read Cargo.toml, this module reads
the TOML such files hold: tables, arrays of tables, dotted and quoted keys,
the four kinds of strings, integers, booleans, arrays and inline tables, and
comments. Anything else (dates, floats, hexadecimal integers) or anything it
finds wrong raises ``Unsupported``, and toml_compat.py hands the text to tomli,
which has the last word, on the value and on the error. So this reader only
ever answers for documents it reads in full, as TOML 1.0 says.
"""

from __future__ import annotations

import re

from . import lazy_re

BARE_KEY = lazy_re.compile(r"[A-Za-z0-9_-]+")
INTEGER = lazy_re.compile(r"[+-]?(0|[1-9](_?[0-9])*)")
ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}
# Control characters TOML forbids in strings and comments (tab is allowed).
FORBIDDEN = lazy_re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


class Unsupported(Exception):
    """Not read here: tomli decides (a construct this reader leaves out, or an error)."""


class _Table(dict):
    """A table, with how it came to be: TOML forbids defining one twice."""

    def __init__(self, *, explicit: bool = False, dotted: bool = False, frozen: bool = False):
        super().__init__()
        self.explicit, self.dotted, self.frozen = explicit, dotted, frozen


class _StaticArray(list):
    """An array value: never extended by an [[array of tables]] header."""


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text.replace("\r\n", "\n")
        self.at = 0

    # -- characters --------------------------------------------------------

    def peek(self, count: int = 1) -> str:
        return self.text[self.at : self.at + count]

    def expect(self, token: str) -> None:
        if not self.text.startswith(token, self.at):
            raise Unsupported(f"expected {token!r}")
        self.at += len(token)

    def skip_spaces(self) -> None:
        while self.peek() in (" ", "\t"):
            self.at += 1

    def skip_comment(self) -> None:
        if self.peek() == "#":
            end = self.text.find("\n", self.at)
            end = len(self.text) if end < 0 else end
            if FORBIDDEN.search(self.text, self.at, end):
                raise Unsupported("control character in a comment")
            self.at = end

    def end_of_line(self) -> None:
        """Spaces, an optional comment, then a newline or the end."""
        self.skip_spaces()
        self.skip_comment()
        if self.at < len(self.text):
            self.expect("\n")

    def skip_blank(self) -> None:
        """Whitespace, newlines and comments (inside arrays)."""
        while True:
            self.skip_spaces()
            self.skip_comment()
            if self.peek() != "\n":
                return
            self.at += 1

    # -- keys --------------------------------------------------------------

    def key(self) -> list[str]:
        parts = [self.simple_key()]
        while True:
            self.skip_spaces()
            if self.peek() != ".":
                return parts
            self.at += 1
            self.skip_spaces()
            parts.append(self.simple_key())

    def simple_key(self) -> str:
        if self.peek(3) in ('"""', "'''"):
            raise Unsupported("multi-line string as a key")
        if self.peek() == '"':
            return self.basic_string()
        if self.peek() == "'":
            return self.literal_string()
        match = BARE_KEY.match(self.text, self.at)
        if not match:
            raise Unsupported("a key was expected")
        self.at = match.end()
        return match.group()

    # -- values ------------------------------------------------------------

    def value(self) -> object:
        start = self.peek()
        if self.peek(3) == '"""':
            return self.multiline_basic_string()
        if self.peek(3) == "'''":
            return self.multiline_literal_string()
        if start == '"':
            return self.basic_string()
        if start == "'":
            return self.literal_string()
        if start == "[":
            return self.array()
        if start == "{":
            return self.inline_table()
        for word, meaning in (("true", True), ("false", False)):
            if self.text.startswith(word, self.at):
                self.at += len(word)
                self.value_ends()
                return meaning
        match = INTEGER.match(self.text, self.at)
        if not match:
            raise Unsupported("a float, a date or a mistake")
        self.at = match.end()
        self.value_ends()
        return int(match.group().replace("_", ""))

    def value_ends(self) -> None:
        """After a number or a boolean: a separator, never more of a value
        (a float, a date, a word)."""
        if self.peek() not in ("", " ", "\t", "\n", "#", ",", "]", "}"):
            raise Unsupported("a float, a date or a mistake")

    def basic_string(self) -> str:
        self.expect('"')
        pieces = []
        while True:
            char = self.peek()
            if char == "" or char == "\n":
                raise Unsupported("unterminated string")
            if FORBIDDEN.match(char):
                raise Unsupported("control character in a string")
            self.at += 1
            if char == '"':
                return "".join(pieces)
            pieces.append(self.escape() if char == "\\" else char)

    def escape(self) -> str:
        char = self.peek()
        self.at += 1
        if char in ESCAPES:
            return ESCAPES[char]
        if char in ("u", "U"):
            digits = self.peek(4 if char == "u" else 8)
            if len(digits) != (4 if char == "u" else 8) or not re.fullmatch(
                r"[0-9A-Fa-f]+", digits
            ):
                raise Unsupported("bad unicode escape")
            self.at += len(digits)
            code = int(digits, 16)
            if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                raise Unsupported("not a unicode scalar value")
            return chr(code)
        raise Unsupported(f"unknown escape \\{char}")

    def literal_string(self) -> str:
        self.expect("'")
        end = self.text.find("'", self.at)
        newline = self.text.find("\n", self.at)
        if end < 0 or 0 <= newline < end:
            raise Unsupported("unterminated literal string")
        content = self.text[self.at : end]
        if FORBIDDEN.search(content):
            raise Unsupported("control character in a string")
        self.at = end + 1
        return content

    def multiline_basic_string(self) -> str:
        self.expect('"""')
        if self.peek() == "\n":
            self.at += 1
        pieces = []
        while True:
            if self.peek(3) == '"""':
                self.at += 3
                if self.peek() == '"':
                    raise Unsupported("quotes before the closing ones")
                return "".join(pieces)
            char = self.peek()
            if char == "":
                raise Unsupported("unterminated string")
            self.at += 1
            if char == "\\":
                rest = re.match(r"[ \t]*\n", self.text[self.at :])
                if rest:  # a line-ending backslash trims the whitespace that follows
                    self.at += rest.end()
                    while self.peek() in (" ", "\t", "\n"):
                        self.at += 1
                else:
                    pieces.append(self.escape())
            elif char != "\n" and FORBIDDEN.match(char):
                raise Unsupported("control character in a string")
            else:
                pieces.append(char)

    def multiline_literal_string(self) -> str:
        self.expect("'''")
        if self.peek() == "\n":
            self.at += 1
        end = self.text.find("'''", self.at)
        if end < 0 or self.text.startswith("''''", end):
            raise Unsupported("unterminated string, or quotes before the closing ones")
        content = self.text[self.at : end]
        if any(FORBIDDEN.match(char) for char in content if char != "\n"):
            raise Unsupported("control character in a string")
        self.at = end + 3
        return content

    def array(self) -> list:
        self.expect("[")
        items = _StaticArray()
        while True:
            self.skip_blank()
            if self.peek() == "]":
                self.at += 1
                return items
            items.append(self.value())
            self.skip_blank()
            if self.peek() == ",":
                self.at += 1
                continue
            self.expect("]")
            return items

    def inline_table(self) -> dict:
        self.expect("{")
        table = _Table(frozen=True)
        self.skip_spaces()
        if self.peek() == "}":
            self.at += 1
            return table
        while True:
            self.skip_spaces()
            self.key_value(table)
            self.skip_spaces()
            if self.peek() == ",":
                self.at += 1
                continue
            self.expect("}")
            return table

    # -- the document ------------------------------------------------------

    def document(self) -> dict:
        root = _Table(explicit=True)
        current = root
        if self.text.startswith("\ufeff"):
            raise Unsupported("byte order mark")
        while True:
            self.skip_blank()
            if self.at >= len(self.text):
                return _plain(root)
            if self.peek(2) == "[[":
                current = _append_table(root, self.header("[[", "]]"))
            elif self.peek() == "[":
                current = _define_table(root, self.header("[", "]"))
            else:
                self.key_value(current)
            self.end_of_line()

    def header(self, opening: str, closing: str) -> list[str]:
        self.expect(opening)
        self.skip_spaces()
        path = self.key()
        self.skip_spaces()
        self.expect(closing)
        return path

    def key_value(self, table: _Table) -> None:
        path = self.key()
        self.skip_spaces()
        self.expect("=")
        self.skip_spaces()
        _assign(table, path, self.value())


def _plain(value: object) -> object:
    """Tables as plain dicts, as tomllib returns them."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _walk(table: _Table, parts: list[str]) -> _Table:
    """The table a header's ``parts`` lead to, tables created where missing."""
    for part in parts:
        found = table.get(part)
        if found is None:
            found = table[part] = _Table()
        elif isinstance(found, list) and not isinstance(found, _StaticArray):
            found = found[-1]  # the last table of an array of tables
        elif not isinstance(found, _Table) or found.frozen or found.dotted:
            raise Unsupported(f"{part} is already a value, or defined by dotted keys")
        table = found
    return table


def _assign(table: _Table, path: list[str], value: object) -> None:
    *parents, last = path
    for part in parents:
        found = table.get(part)
        if found is None:
            found = table[part] = _Table(dotted=True)
        elif not isinstance(found, _Table) or found.frozen or not found.dotted:
            raise Unsupported(f"{part} cannot be extended with a dotted key")
        table = found
    if last in table:
        raise Unsupported(f"{last} defined twice")
    table[last] = value


def _define_table(root: _Table, path: list[str]) -> _Table:
    parent = _walk(root, path[:-1])
    found = parent.get(path[-1])
    if found is None:
        found = parent[path[-1]] = _Table(explicit=True)
        return found
    if not isinstance(found, _Table) or found.explicit or found.dotted or found.frozen:
        raise Unsupported(f"table {'.'.join(path)} defined twice")
    found.explicit = True
    return found


def _append_table(root: _Table, path: list[str]) -> _Table:
    parent = _walk(root, path[:-1])
    found = parent.setdefault(path[-1], [])
    if not isinstance(found, list) or isinstance(found, _StaticArray):
        raise Unsupported(f"{'.'.join(path)} is not an array of tables")
    table = _Table(explicit=True)
    found.append(table)
    return table


def loads(text: str) -> dict:
    """The document, as tomllib would return it; ``Unsupported`` (with the line it
    stopped at) otherwise."""
    reader = _Reader(text)
    try:
        return reader.document()
    except RecursionError:
        raise Unsupported("nested too deeply") from None
    except Unsupported as problem:
        line = reader.text.count("\n", 0, reader.at) + 1
        raise Unsupported(f"line {line}: {problem}") from None
