"""Records: the core's value types, declared as dataclasses are, built without generating code.

`@record` takes the same class body as `@dataclass(frozen=True)` (`@record(frozen=False)` for the
few mutable ones) and type checkers read it the same way (PEP 681). Why not dataclasses: on
Python 3.11 each dataclass compiles its methods with exec, about half a millisecond per class, and
`dataclasses` imports `inspect`, another 13 ms. The headless `check` declares some 35 value types
on its way, and its whole budget over `import docker` is about 35 ms (issue #16). A record's
methods are shared functions that read the class's field list, so declaring one costs about what a
plain class costs; creating an instance costs a little more than a dataclass's generated __init__,
which nothing here does often enough to notice.

What it offers is what this project uses: defaults and `field(default_factory=..., init=False,
repr=False, compare=False)`, `__post_init__`, equality and hashing by field values (hashing only for
frozen ones), `order=True`, `__match_args__`, and `replace`, `asdict`, `fields`. A record may extend
another record; its fields follow the base's.
"""

from __future__ import annotations

import copy
import operator
import sys
from collections.abc import Callable
from typing import Any, TypeVar, overload

if sys.version_info >= (3, 11):
    from typing import dataclass_transform
else:  # Textual depends on typing_extensions: it is there
    from typing_extensions import dataclass_transform

T = TypeVar("T")


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class FrozenRecordError(AttributeError):
    """An attempt to change or delete a field of a frozen record."""


class Field:
    """One declared field: its name, its default (or the factory that makes one) and its flags."""

    __slots__ = ("compare", "default", "default_factory", "init", "name", "repr")

    def __init__(self, default: Any = MISSING, default_factory: Any = MISSING, init: bool = True,
                 repr: bool = True, compare: bool = True) -> None:
        if default is not MISSING and default_factory is not MISSING:
            raise ValueError("a field takes a default or a default_factory, not both")
        self.name = ""
        self.default, self.default_factory = default, default_factory
        self.init, self.repr, self.compare = init, repr, compare

    def initial(self, owner: str) -> Any:
        """The value a field not passed to __init__ starts with."""
        if self.default is not MISSING:
            return self.default
        if self.default_factory is not MISSING:
            return self.default_factory()
        raise TypeError(f"{owner}() is missing the argument {self.name!r}")

    def __repr__(self) -> str:
        return f"Field({self.name!r})"


def field(*, default: Any = MISSING, default_factory: Callable[[], Any] | Any = MISSING, init: bool = True,
          repr: bool = True, compare: bool = True) -> Any:
    """A field with options, as dataclasses.field: `items: list[str] = field(default_factory=list)`."""
    return Field(default, default_factory, init, repr, compare)


@overload
def record(cls: type[T], /) -> type[T]: ...
@overload
def record(*, frozen: bool = True, order: bool = False) -> Callable[[type[T]], type[T]]: ...


@dataclass_transform(frozen_default=True, field_specifiers=(field, Field))
def record(cls: type[T] | None = None, /, *, frozen: bool = True, order: bool = False) -> Any:
    """Make CLS a record: its annotated class attributes become its fields, in their order."""
    def build(target: type[T]) -> type[T]:
        return _build(target, frozen, order)

    return build if cls is None else build(cls)


def _build(cls: type[T], frozen: bool, order: bool) -> type[T]:
    declared: dict[str, Field] = {}
    for base in reversed(cls.__mro__[1:]):
        declared.update((item.name, item) for item in getattr(base, "__record_fields__", ()))
    own = cls.__dict__.get("__annotations__", {})  # noqa: RUF063 (inspect is what records avoid loading)
    for name, annotation in own.items():
        if _is_class_var(annotation):
            continue
        value = cls.__dict__.get(name, MISSING)
        item = value if isinstance(value, Field) else Field(default=value)
        if isinstance(item.default, list | dict | set):
            raise ValueError(f"{cls.__name__}.{name}: a mutable default is shared; use default_factory")
        item.name = name
        declared[name] = item  # a field declared again keeps its base's place, as in dataclasses
        if isinstance(value, Field):  # a default stays a class attribute, as in dataclasses; a Field not
            if item.default is MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, item.default)
    every = tuple(declared.values())
    cls.__record_fields__ = every  # type: ignore[attr-defined]
    cls.__record_init__ = tuple(item for item in every if item.init)  # type: ignore[attr-defined]
    cls.__record_later__ = tuple(item for item in every if not item.init)  # type: ignore[attr-defined]
    cls.__record_compared__ = tuple(item.name for item in every if item.compare)  # type: ignore[attr-defined]
    cls.__record_post_init__ = hasattr(cls, "__post_init__")  # type: ignore[attr-defined]
    setattr(cls, "__match_args__", tuple(item.name for item in every if item.init))  # noqa: B010 (mypy refuses it typed)
    methods: dict[str, Any] = {"__init__": _init, "__repr__": _repr, "__eq__": _eq}
    if frozen:
        methods.update(__setattr__=_refuse_set, __delattr__=_refuse_delete, __hash__=_hash)
    else:
        methods["__hash__"] = None  # mutable and compared by value: unhashable, as a dataclass is
    if order:
        methods.update(__lt__=_lt, __le__=_le, __gt__=_gt, __ge__=_ge)
    for name, method in methods.items():
        if name not in cls.__dict__:  # a method the class writes itself stays, as in dataclasses
            setattr(cls, name, method)
    return cls


def _is_class_var(annotation: Any) -> bool:
    text = annotation if isinstance(annotation, str) else getattr(annotation, "_name", "") or ""
    return text.startswith(("ClassVar", "typing.ClassVar"))


def _init(self: Any, *args: Any, **kwargs: Any) -> None:
    cls = type(self)
    given = cls.__record_init__
    if len(args) > len(given):
        raise TypeError(f"{cls.__name__}() takes {len(given)} arguments, {len(args)} were given")
    put = object.__setattr__
    taken = 0
    for position, item in enumerate(given):
        if position < len(args):
            if item.name in kwargs:
                raise TypeError(f"{cls.__name__}() got {item.name!r} twice")
            put(self, item.name, args[position])
        elif item.name in kwargs:
            put(self, item.name, kwargs[item.name])
            taken += 1
        else:
            put(self, item.name, item.initial(cls.__name__))
    if taken < len(kwargs):
        unknown = sorted(set(kwargs) - {item.name for item in given})
        raise TypeError(f"{cls.__name__}() has no field {', '.join(map(repr, unknown))}")
    for item in cls.__record_later__:
        put(self, item.name, item.initial(cls.__name__))
    if cls.__record_post_init__:
        self.__post_init__()


def _values(self: Any) -> tuple[Any, ...]:
    return tuple(getattr(self, name) for name in type(self).__record_compared__)


def _repr(self: Any) -> str:
    shown = ", ".join(f"{item.name}={getattr(self, item.name)!r}" for item in type(self).__record_fields__
                      if item.repr)
    return f"{type(self).__qualname__}({shown})"


def _hash(self: Any) -> int:
    return hash(_values(self))


def _refuse_set(self: Any, name: str, value: Any) -> None:
    raise FrozenRecordError(f"{type(self).__name__} is frozen: {name!r} cannot be changed (use replace)")


def _refuse_delete(self: Any, name: str) -> None:
    raise FrozenRecordError(f"{type(self).__name__} is frozen: {name!r} cannot be deleted")


def _comparison(compare: Callable[[Any, Any], bool]) -> Callable[[Any, object], bool]:
    """A comparison of two records of one class by their compared fields' values, in field order."""
    def method(self: Any, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return compare(_values(self), _values(other))

    return method


_eq, _lt, _le, _gt, _ge = map(_comparison, (operator.eq, operator.lt, operator.le, operator.gt, operator.ge))


def is_record(value: object) -> bool:
    """True for a record instance (not a record class)."""
    return not isinstance(value, type) and hasattr(type(value), "__record_fields__")


def fields(value: Any) -> tuple[Field, ...]:
    """The fields of a record or record class, in their order."""
    found: tuple[Field, ...] | None = getattr(value, "__record_fields__", None)
    if found is None:
        raise TypeError(f"fields() wants a record, not {type(value).__name__}")
    return found


def replace(value: T, /, **changes: Any) -> T:
    """A copy of the record VALUE with CHANGES (init fields only), its __post_init__ run again."""
    cls = type(value)
    if not is_record(value):
        raise TypeError(f"replace() wants a record, not {cls.__name__}")
    for item in cls.__record_later__:  # type: ignore[attr-defined]
        if item.name in changes:
            raise ValueError(f"{cls.__name__}.{item.name} is not an __init__ field; replace() cannot set it")
    kept = {item.name: getattr(value, item.name) for item in cls.__record_init__  # type: ignore[attr-defined]
            if item.name not in changes}
    return cls(**kept, **changes)


def asdict(value: Any) -> dict[str, Any]:
    """A record as a dict, nested records, lists, tuples and dicts converted too, other values copied."""
    if not is_record(value):
        raise TypeError(f"asdict() wants a record, not {type(value).__name__}")
    converted: dict[str, Any] = _plain(value)
    return converted


def _plain(value: Any) -> Any:
    if is_record(value):
        return {item.name: _plain(getattr(value, item.name)) for item in type(value).__record_fields__}
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a named tuple keeps its type
        return type(value)(*(_plain(item) for item in value))
    if isinstance(value, list | tuple):
        return type(value)(_plain(item) for item in value)
    if isinstance(value, dict):
        return type(value)((_plain(key), _plain(item)) for key, item in value.items())
    return copy.deepcopy(value)
