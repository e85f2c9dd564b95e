"""tutor.core.records: a record behaves as the dataclass with the same body, where the project uses it.

Each case declares one class body twice, as a record and as a dataclass, and compares what both do:
construction, defaults, equality, hashing, ordering, repr, replace, asdict, matching, refusals.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import pytest

from tutor.core import records
from tutor.core.records import FrozenRecordError, field, record


def _pair(frozen: bool = True, order: bool = False) -> tuple[type[Any], type[Any]]:
    def body(kind: str, field_of: Any) -> type[Any]:
        class Item:
            """Some fields of every kind this project declares."""

            name: str
            size: int = 0
            tags: tuple[str, ...] = field_of(default_factory=tuple)
            note: str | None = field_of(default=None, repr=False)
            cached: int | None = field_of(default=None, init=False, repr=False, compare=False)
            LIMIT: ClassVar[int] = 9

        Item.__qualname__ = Item.__name__ = kind
        return Item

    made = record(frozen=frozen, order=order)(body("Item", field))
    model = dataclasses.dataclass(frozen=frozen, order=order)(body("Item", dataclasses.field))
    return made, model


@pytest.mark.parametrize("frozen", [True, False])
def test_a_record_constructs_compares_and_shows_itself_as_the_dataclass_does(frozen: bool) -> None:
    made, model = _pair(frozen=frozen)
    for args, kwargs in [(("a",), {}), (("a", 2), {"tags": ("x",)}), ((), {"name": "b", "note": "n"})]:
        mine, theirs = made(*args, **kwargs), model(*args, **kwargs)
        assert repr(mine) == repr(theirs)
        assert records.asdict(mine) == dataclasses.asdict(theirs)
        assert mine == made(*args, **kwargs) and mine != made("other")
        assert (mine == theirs) is False  # another class is never equal, as between two dataclasses
        assert [f.name for f in records.fields(made)] == [f.name for f in dataclasses.fields(model)]
        assert made.__match_args__ == model.__match_args__
    assert made("a").tags == () and made("a", tags=("t",)).tags == ("t",)
    if frozen:
        assert hash(made("a", 1)) == hash(made("a", 1)) and len({made("a"), made("a"), made("b")}) == 2
    else:
        with pytest.raises(TypeError):
            hash(made("a"))


def test_a_cached_field_is_left_out_of_equality_and_init() -> None:
    made, _ = _pair(frozen=False)
    one, two = made("a"), made("a")
    one.cached = 5
    assert one == two and one.cached == 5 and two.cached is None
    with pytest.raises(TypeError, match="cached"):
        made("a", cached=1)


def test_a_frozen_record_refuses_changes_and_replace_makes_the_changed_copy() -> None:
    made, model = _pair()
    item = made("a", 1, ("t",))
    with pytest.raises(FrozenRecordError, match="size"):
        item.size = 2
    with pytest.raises(FrozenRecordError):
        del item.name
    changed = records.replace(item, size=3)
    assert (changed.name, changed.size, changed.tags, item.size) == ("a", 3, ("t",), 1)
    assert repr(changed) == repr(dataclasses.replace(model("a", 1, ("t",)), size=3))
    with pytest.raises(ValueError, match="cached"):
        records.replace(item, cached=1)


def test_order_compares_field_by_field() -> None:
    made, model = _pair(order=True)
    names = [("b", 1), ("a", 2), ("a", 1)]
    assert [(x.name, x.size) for x in sorted(made(*n) for n in names)] == \
        [(x.name, x.size) for x in sorted(model(*n) for n in names)]
    assert made("a") <= made("a") and made("b") > made("a") and made("a") >= made("a")


def test_wrong_arguments_are_named() -> None:
    made, _ = _pair()
    with pytest.raises(TypeError, match="'name'"):
        made()
    with pytest.raises(TypeError, match="twice"):
        made("a", name="b")
    with pytest.raises(TypeError, match="'colour'"):
        made("a", colour="red")
    with pytest.raises(TypeError, match="takes 4 arguments"):
        made("a", 1, (), None, 5)


def test_post_init_runs_on_construction_and_on_replace() -> None:
    @record(frozen=False)
    class Stamp:
        when: str = ""

        def __post_init__(self) -> None:
            self.when = self.when or "now"

    assert Stamp().when == "now" and Stamp("then").when == "then"
    assert records.replace(Stamp("then"), when="").when == "now"


def test_a_record_extends_another_and_a_field_declared_again_keeps_its_place() -> None:
    @record
    class Base:
        first: int
        second: int = 2

    @record
    class Child(Base):
        third: int = 3
        first: int = 1

    assert [item.name for item in records.fields(Child)] == ["first", "second", "third"]
    assert Child() == Child(1, 2, 3) and repr(Child(third=4)).endswith(".Child(first=1, second=2, third=4)")


def test_a_shared_mutable_default_is_refused_at_declaration() -> None:
    with pytest.raises(ValueError, match="default_factory"):
        @record
        class Bad:
            items: list[str] = []  # noqa: RUF012 (the mistake under test)


def test_asdict_converts_nested_records_and_containers_and_copies_the_rest() -> None:
    @record
    class Inner:
        value: int

    @record
    class Outer:
        inner: Inner
        many: tuple[Inner, ...]
        named: dict[str, list[Inner]]
        extra: dict[str, list[int]] = field(default_factory=dict)

    outer = Outer(Inner(1), (Inner(2),), {"k": [Inner(3)]}, {"x": [1]})
    plain = records.asdict(outer)
    assert plain == {"inner": {"value": 1}, "many": ({"value": 2},), "named": {"k": [{"value": 3}]},
                     "extra": {"x": [1]}}
    plain["extra"]["x"].append(2)
    assert outer.extra == {"x": [1]}
    for wrong in (Inner, {"value": 1}):
        with pytest.raises(TypeError, match="record"):
            records.asdict(wrong)


def test_declaring_a_record_imports_neither_dataclasses_nor_inspect() -> None:
    import subprocess
    import sys

    probe = ("import sys; from tutor.core.records import record\n"
             "@record\nclass A:\n    x: int = 0\n"
             "print(sorted({'dataclasses', 'inspect'} & set(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_a_default_factory_makes_a_new_value_for_each_record() -> None:
    @record(frozen=False)
    class Bag:
        items: list[str] = field(default_factory=list)

    one, two = Bag(), Bag()
    one.items.append("x")
    assert two.items == [] and one.items == ["x"]


def test_a_method_the_class_writes_itself_is_kept() -> None:
    @record
    class Named:
        name: str

        def __repr__(self) -> str:
            return f"<{self.name}>"

        def __hash__(self) -> int:
            return 7

    assert repr(Named("a")) == "<a>" and hash(Named("a")) == 7 and Named("a") == Named("a")
