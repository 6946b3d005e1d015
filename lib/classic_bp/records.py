"""``@record`` and ``@mutable_record``: dataclasses without the ``dataclasses`` module.

Why: every build imports this package, and ``dataclasses`` costs a build more
than it gives. Importing it pulls in ``inspect`` (with ``ast``, ``dis`` and
``tokenize``, whose regexes are compiled at import), and each decorated class
then has six methods written as source text and compiled with ``exec``. On
the stacks' Python 3.10 to 3.12 that was about a tenth of a no-change
rebuild's fixed time. Here the methods are written once, shared by every
class, and read the class's fields from a shape worked out at decoration.

They behave as the generated ones do (``tests/unit/test_records.py`` runs
each check both ways): arguments by position or name, defaults and
``field(default_factory=..., repr=False, compare=False)``, ``__post_init__``,
fields inherited from a record base class first; a repr of the fields shown;
equality only with the same class. ``@record`` is ``@dataclass(frozen=True)``:
hashable, and ``FrozenRecordError`` (an ``AttributeError``, as dataclasses'
``FrozenInstanceError`` is) on any assignment or deletion. ``@mutable_record``
is ``@dataclass``: assignable and, as there, unhashable. A method the class
defines itself is kept. ``fields``, ``asdict`` and ``replace`` are the
dataclasses helpers of the same names.

Standard library only, imported by every other module: nothing else here.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

_SHAPE = "__record_shape__"


class _Missing:
    """No default: a field without one must be given."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class Field:
    """One field: its name and what ``field(...)`` said about it."""

    __slots__ = ("compare", "default", "default_factory", "hash", "init", "name", "repr")

    def __init__(
        self,
        *,
        default: Any = MISSING,
        default_factory: Callable[[], Any] | Any = MISSING,
        repr: bool = True,  # the name dataclasses.field uses
        compare: bool = True,
        hash: bool | None = None,  # the name dataclasses.field uses
        init: bool = True,
    ) -> None:
        if default is not MISSING and default_factory is not MISSING:
            raise ValueError("cannot specify both default and default_factory")
        self.name = ""
        self.default = default
        self.default_factory = default_factory
        self.repr = repr
        self.compare = compare
        self.hash = hash
        self.init = init

    def __repr__(self) -> str:
        return f"Field(name={self.name!r})"

    def has_default(self) -> bool:
        return self.default is not MISSING or self.default_factory is not MISSING

    def default_value(self) -> Any:
        if self.default_factory is not MISSING:
            return self.default_factory()
        return self.default


def field(**options: Any) -> Any:
    """A field's options, as ``dataclasses.field`` takes them (``Field``)."""
    return Field(**options)


class FrozenRecordError(AttributeError):
    """An assignment to, or deletion of, a field of a ``@record``."""


class _Shape:
    """What the shared methods read, worked out once per class."""

    __slots__ = ("compared", "defaults", "fields", "hashed", "init", "name", "post_init", "shown")

    def __init__(self, cls: type, fields: tuple[Field, ...]) -> None:
        self.fields = fields
        self.name = cls.__qualname__
        self.init = tuple(field.name for field in fields if field.init)
        self.defaults = {
            field.name: field for field in fields if field.init and field.has_default()
        }
        self.compared = tuple(field.name for field in fields if field.compare)
        self.hashed = tuple(
            field.name for field in fields if (field.compare if field.hash is None else field.hash)
        )
        self.shown = tuple(field.name for field in fields if field.repr)
        self.post_init = hasattr(cls, "__post_init__")


def _own_annotations(cls: type) -> dict[str, Any]:
    """The class's own annotations (strings, under ``from __future__ import
    annotations``), in the order written."""
    own = cls.__dict__.get("__annotations__")  # noqa: RUF063 - no inspect: see above
    if own is None:  # Python 3.14 may build them on first access
        own = getattr(cls, "__annotations__", None) or {}
    return dict(own)


def _collect_fields(cls: type) -> tuple[Field, ...]:
    """The fields of the record bases first, then the class's own annotations;
    a default left on the class as dataclasses leaves it."""
    collected: dict[str, Field] = {}
    for base in reversed(cls.__mro__[1:]):
        shape = base.__dict__.get(_SHAPE)
        if shape is not None:
            collected.update((field.name, field) for field in shape.fields)
    for name, annotation in _own_annotations(cls).items():
        if str(annotation).startswith(("ClassVar", "typing.ClassVar")):
            continue
        value = cls.__dict__.get(name, MISSING)
        if isinstance(value, Field):
            declared = value
            if declared.default is MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, declared.default)
        else:
            declared = Field(default=value)
        declared.name = name
        collected.pop(name, None)
        collected[name] = declared
    fields = tuple(collected.values())
    with_default = False
    for declared in fields:
        if not declared.init:
            continue
        if declared.has_default():
            with_default = True
        elif with_default:
            raise TypeError(f"non-default argument {declared.name!r} follows default argument")
    return fields


def _shape(instance: object) -> _Shape:
    return getattr(type(instance), _SHAPE)


def _init(self: Any, *args: Any, **kwargs: Any) -> None:
    shape = _shape(self)
    if len(args) > len(shape.init):
        raise TypeError(
            f"{shape.name}.__init__() takes {len(shape.init) + 1} positional arguments"
            f" but {len(args) + 1} were given"
        )
    for name in kwargs:
        if name not in shape.init:
            raise TypeError(f"{shape.name}.__init__() got an unexpected keyword argument {name!r}")
    for position, name in enumerate(shape.init):
        if position < len(args):
            if name in kwargs:
                raise TypeError(
                    f"{shape.name}.__init__() got multiple values for argument {name!r}"
                )
            value = args[position]
        elif name in kwargs:
            value = kwargs[name]
        elif name in shape.defaults:
            value = shape.defaults[name].default_value()
        else:
            raise TypeError(f"{shape.name}.__init__() missing required argument: {name!r}")
        object.__setattr__(self, name, value)
    for declared in shape.fields:
        if not declared.init and declared.has_default():
            object.__setattr__(self, declared.name, declared.default_value())
    if shape.post_init:
        self.__post_init__()


def _repr(self: Any) -> str:
    shape = _shape(self)
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in shape.shown)
    return f"{shape.name}({shown})"


def _eq(self: Any, other: object) -> bool:
    if other.__class__ is not self.__class__:
        return NotImplemented
    names = _shape(self).compared
    return tuple(getattr(self, name) for name in names) == tuple(
        getattr(other, name) for name in names
    )


def _hash(self: Any) -> int:
    return hash(tuple(getattr(self, name) for name in _shape(self).hashed))


def _setattr(self: Any, name: str, value: object) -> None:
    raise FrozenRecordError(f"cannot assign to field {name!r}")


def _delattr(self: Any, name: str) -> None:
    raise FrozenRecordError(f"cannot delete field {name!r}")


_SHARED = {"__init__": _init, "__repr__": _repr, "__eq__": _eq}
_FROZEN = {"__hash__": _hash, "__setattr__": _setattr, "__delattr__": _delattr}


def _decorate(cls: type, methods: dict[str, Any]) -> type:
    own = set(cls.__dict__)
    setattr(cls, _SHAPE, _Shape(cls, _collect_fields(cls)))
    for name, method in methods.items():
        if name not in own:
            setattr(cls, name, method)
    return cls


def record(cls: type) -> type:
    """The class as ``@dataclass(frozen=True)`` makes it (see the module's docstring)."""
    return _decorate(cls, {**_SHARED, **_FROZEN})


def mutable_record(cls: type) -> type:
    """The class as ``@dataclass`` makes it: fields assignable, instances unhashable."""
    cls = _decorate(cls, _SHARED)
    if "__hash__" not in cls.__dict__ or cls.__dict__["__hash__"] is None:
        cls.__hash__ = None  # type: ignore[assignment] - as dataclasses does with eq
    return cls


def is_record(value: object) -> bool:
    return hasattr(type(value) if not isinstance(value, type) else value, _SHAPE)


def fields(value: object) -> tuple[Field, ...]:
    """A record's (or record class's) fields, in order."""
    cls = value if isinstance(value, type) else type(value)
    shape = getattr(cls, _SHAPE, None)
    if shape is None:
        raise TypeError("fields() takes a record or a record class")
    return shape.fields


def asdict(value: object) -> dict[str, Any]:
    """A record as a dict, records inside it (and in lists, tuples and dicts) too."""
    if isinstance(value, type) or not is_record(value):
        raise TypeError("asdict() takes a record instance")
    return _plain(value)


def _plain(value: Any) -> Any:
    if is_record(value) and not isinstance(value, type):
        return {field.name: _plain(getattr(value, field.name)) for field in fields(value)}
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(item) for item in value)
    if isinstance(value, dict):
        return type(value)((_plain(key), _plain(item)) for key, item in value.items())
    return value


def replace(value: Any, **changes: Any) -> Any:
    """A copy of the record with ``changes`` made, through its ``__init__``."""
    for declared in fields(value):
        if declared.init and declared.name not in changes:
            changes[declared.name] = getattr(value, declared.name)
    return type(value)(**changes)
