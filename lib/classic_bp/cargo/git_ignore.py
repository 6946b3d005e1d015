"""Which folders of the app git ignores: the ones the source-times walk skips.

Why: a multi-buildpack app (Node + Rust) has tens of thousands of files in
``node_modules/`` and the like, which git ignores and cargo never reads as
part of a package (cargo's own file listing leaves out what git ignores).
Walking and hashing them made every build's cost grow with the repository.

Only *folders* are decided here; ignored files inside walked folders (a
generated ``src/generated.rs``) are still seen, because cargo may read them.
The rules are git's, for ``.gitignore`` files anywhere in the app (each
applies below its own folder, a deeper one winning over a shallower one,
the last matching line of a file winning within it):

- blank lines and ``#`` comments are skipped; ``\\#`` and ``\\!`` are literal;
  trailing spaces are dropped;
- ``!pattern`` re-includes what an earlier line ignored;
- a trailing ``/`` makes a pattern match folders only;
- a pattern with a ``/`` at its start or in its middle is relative to the
  ``.gitignore``'s folder; otherwise it matches a name at any depth;
- ``*`` and ``?`` do not match ``/``, ``[...]`` is a set; ``**/`` at the start,
  ``/**`` at the end and ``/**/`` in the middle match any number of folders.
"""

from __future__ import annotations

import re

from ..records import record

FILE_NAME = ".gitignore"


@record
class _Rule:
    pattern: re.Pattern[str]
    negated: bool
    folders_only: bool


def _translate(glob: str) -> str:
    """A gitignore glob (already split from its flags) as a regular expression."""
    parts = []
    index = 0
    while index < len(glob):
        char = glob[index]
        if glob.startswith("**/", index):
            parts.append("(?:.*/)?")
            index += 3
            continue
        if glob.startswith("/**", index) and index + 3 == len(glob):
            parts.append("/.*")
            index += 3
            continue
        if char == "*":
            parts.append("[^/]*")
        elif char == "?":
            parts.append("[^/]")
        elif char == "[":
            end = glob.find("]", index + 1)
            if end == -1:
                parts.append(re.escape(char))
            else:
                content = glob[index + 1 : end].replace("\\", "\\\\")
                if content.startswith("!"):
                    content = "^" + content[1:]
                parts.append(f"[{content}]")
                index = end
        elif char == "\\" and index + 1 < len(glob):
            index += 1
            parts.append(re.escape(glob[index]))
        else:
            parts.append(re.escape(char))
        index += 1
    return "".join(parts)


def parse(text: str) -> list[_Rule]:
    rules = []
    for raw in text.splitlines():
        line = raw.rstrip("\r")
        stripped = line.rstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        negated = stripped.startswith("!")
        if negated:
            stripped = stripped[1:]
        folders_only = stripped.endswith("/")
        stripped = stripped.rstrip("/")
        if not stripped:
            continue
        anchored = "/" in stripped
        stripped = stripped.lstrip("/")
        body = _translate(stripped)
        expression = f"^{body}$" if anchored else f"^(?:.*/)?{body}$"
        try:
            rules.append(_Rule(re.compile(expression, re.DOTALL), negated, folders_only))
        except re.error:
            continue  # a line git cannot use either ([z-a]): it ignores nothing
    return rules


@record
class IgnoreFile:
    """The rules of one ``.gitignore``, and the folder (relative to the app) it is in."""

    folder: str
    rules: tuple[_Rule, ...]

    def decides(self, path: str, is_folder: bool) -> bool | None:
        """True (ignored), False (re-included) or None (no line matches)."""
        prefix = f"{self.folder}/" if self.folder else ""
        if not path.startswith(prefix):
            return None
        relative = path[len(prefix) :]
        for rule in reversed(self.rules):
            if rule.folders_only and not is_folder:
                continue
            if rule.pattern.match(relative):
                return not rule.negated
        return None


def is_ignored(path: str, is_folder: bool, files: list[IgnoreFile]) -> bool:
    """Git's verdict for ``path`` (relative to the app) under ``files``, shallowest
    first: the deepest file with a matching line decides."""
    for ignore_file in reversed(files):
        verdict = ignore_file.decides(path, is_folder)
        if verdict is not None:
            return verdict
    return False
