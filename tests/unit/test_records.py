"""``@record`` behaves as ``@dataclass(frozen=True)`` (records.py).

Each check runs the same class body both ways, so a difference in what the
shared methods do (arguments, defaults, repr, equality, hash, frozenness,
the dataclasses helpers) fails here rather than in a build.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from classic_bp.records import record


def make(decorate: Callable[[type], type]) -> tuple[type, type]:
    @decorate
    class Point:
        """A point."""

        x: int
        y: int = 0
        tags: tuple[str, ...] = ()
        note: str = dataclasses.field(default="", repr=False, compare=False)
        extra: dict[str, str] = dataclasses.field(default_factory=dict, compare=False)

    @decorate
    class Labelled(Point):
        label: str = "p"

        def __post_init__(self) -> None:
            object.__setattr__(self, "label", self.label.upper())

    return Point, Labelled


FROZEN = make(dataclasses.dataclass(frozen=True))
RECORD = make(record)


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [((1,), {}), ((1, 2), {}), ((), {"x": 1, "y": 2}), ((1,), {"tags": ("a",), "note": "n"})],
)
def test_construction_repr_equality_and_hash_are_a_frozen_dataclass(args, kwargs) -> None:
    for index in (0, 1):
        theirs, ours = FROZEN[index](*args, **kwargs), RECORD[index](*args, **kwargs)
        assert repr(ours) == repr(theirs)
        assert dataclasses.asdict(ours) == dataclasses.asdict(theirs)
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
    with pytest.raises(dataclasses.FrozenInstanceError):
        point.x = 2  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del point.y
    assert point == Point(1, note="b")  # note: compare=False
    assert hash(point) == hash(Point(1, note="b"))
    assert point != Point(2) and point != Labelled(1) and point != (1, 0)
    assert Point(1).extra is not Point(1).extra  # a fresh dict each time
    changed = dataclasses.replace(point, y=5)
    assert (changed.x, changed.y, changed.note) == (1, 5, "a")
    assert [field.name for field in dataclasses.fields(Labelled)] == [
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
