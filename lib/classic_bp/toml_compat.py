"""TOML reading on every supported Python: tomllib from 3.11, tomli on 3.10."""

import sys

if sys.version_info >= (3, 11):
    import tomllib as toml
else:  # pragma: no cover - exercised on the 3.10 stacks
    import tomli as toml

TOMLDecodeError = toml.TOMLDecodeError
loads = toml.loads
