"""``@record`` behaves as ``@dataclass(frozen=True)``, ``@mutable_record`` as
``@dataclass`` (records.py).

Each check runs the same class body both ways, so a difference in what the
shared methods do (arguments, defaults, repr, equality, hash, frozenness,
the ``fields``/``asdict``/``replace`` helpers) fails here rather than in a
build. That no build imports ``dataclasses``: tests/unit/test_build_imports.py.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from classic_bp import records
from classic_bp.records import mutable_record, record


def make(decorate: Callable[[type], type], field: Callable[..., object]) -> tuple[type, type]:
    @decorate
    class Point:
        """A point."""

        x: int
        y: int = 0
        tags: tuple[str, ...] = ()
        note: str = field(default="", repr=False, compare=False)
        extra: dict[str, str] = field(default_factory=dict, compare=False)

    @decorate
    class Labelled(Point):
        label: str = "p"

        def __post_init__(self) -> None:
            object.__setattr__(self, "label", self.label.upper())

    return Point, Labelled


FROZEN = make(dataclasses.dataclass(frozen=True), dataclasses.field)
RECORD = make(record, records.field)
MUTABLE_DATACLASS = make(dataclasses.dataclass, dataclasses.field)
MUTABLE = make(mutable_record, records.field)


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [((1,), {}), ((1, 2), {}), ((), {"x": 1, "y": 2}), ((1,), {"tags": ("a",), "note": "n"})],
)
def test_construction_repr_equality_and_hash_are_a_frozen_dataclass(args, kwargs) -> None:
    for index in (0, 1):
        theirs, ours = FROZEN[index](*args, **kwargs), RECORD[index](*args, **kwargs)
        assert repr(ours) == repr(theirs)
        assert records.asdict(ours) == dataclasses.asdict(theirs)
        same = RECORD[index](*args, **kwargs)
        assert ours == same and hash(ours) == hash(same)
        assert (ours == same) == (theirs == FROZEN[index](*args, **kwargs))
        assert hash(ours) == hash(theirs)
    assert RECORD[1](1).label == "P"  # __post_init__ ran


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [((), {}), ((1, 2, (), "", {}, 5), {}), ((1,), {"x": 2}), ((1,), {"z": 3})],
)
def test_wrong_arguments_are_refused_as_a_dataclass_refuses_them(args, kwargs) -> None:
    with pytest.raises(TypeError):
        FROZEN[0](*args, **kwargs)
    with pytest.raises(TypeError):
        RECORD[0](*args, **kwargs)


def test_records_are_frozen_and_compare_only_their_own_class() -> None:
    Point, Labelled = RECORD
    point = Point(1, note="a")
    with pytest.raises(records.FrozenRecordError):
        point.x = 2  # type: ignore[misc]
    with pytest.raises(AttributeError):  # as dataclasses' FrozenInstanceError is
        del point.y
    assert point == Point(1, note="b")  # note: compare=False
    assert hash(point) == hash(Point(1, note="b"))
    assert point != Point(2) and point != Labelled(1) and point != (1, 0)
    assert Point(1).extra is not Point(1).extra  # a fresh dict each time
    changed = records.replace(point, y=5)
    assert (changed.x, changed.y, changed.note) == (1, 5, "a")
    assert [field.name for field in records.fields(Labelled)] == [
        "x",
        "y",
        "tags",
        "note",
        "extra",
        "label",
    ]


def test_a_method_the_class_defines_is_kept() -> None:
    @record
    class Named:
        name: str

        def __repr__(self) -> str:
            return f"<{self.name}>"

    assert repr(Named("a")) == "<a>"


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [((1,), {}), ((1, 2), {}), ((), {"x": 1, "y": 2}), ((1,), {"tags": ("a",), "note": "n"})],
)
def test_a_mutable_record_is_a_dataclass(args, kwargs) -> None:
    for index in (0, 1):
        theirs = MUTABLE_DATACLASS[index](*args, **kwargs)
        ours = MUTABLE[index](*args, **kwargs)
        assert repr(ours) == repr(theirs)
        assert records.asdict(ours) == dataclasses.asdict(theirs)
        assert ours == MUTABLE[index](*args, **kwargs)
        ours.y = theirs.y = 7
        assert repr(ours) == repr(theirs)
        with pytest.raises(TypeError):
            hash(theirs)
        with pytest.raises(TypeError):
            hash(ours)
    with pytest.raises(TypeError):
        MUTABLE[0]()


def test_nested_records_become_plain_values() -> None:
    @record
    class Inner:
        name: str

    @mutable_record
    class Outer:
        inner: Inner
        many: list = records.field(default_factory=list)
        by_name: dict = records.field(default_factory=dict)

    outer = Outer(Inner("a"), [Inner("b")], {"c": Inner("c")})
    assert records.asdict(outer) == {
        "inner": {"name": "a"},
        "many": [{"name": "b"}],
        "by_name": {"c": {"name": "c"}},
    }


def test_an_exception_record_keeps_its_fields_and_subclasses_inherit_them() -> None:
    @mutable_record
    class Failure(Exception):
        reason: str
        message: str

    @mutable_record
    class Specific(Failure):
        pass

    problem = Specific("why", "what")
    assert (problem.reason, problem.message) == ("why", "what")
    assert isinstance(problem, Exception)
    with pytest.raises(Specific):
        raise problem


def test_a_field_without_a_default_after_one_with_is_refused() -> None:
    with pytest.raises(TypeError):

        @record
        class Wrong:
            a: int = 1
            b: int
