"""Shared behaviour of the generated REST model classes (hand-written, not generated).

Each generated class in ``cyclecloud.model.<Name>Module`` subclasses :class:`Model` and declares
``_schema`` (its REST schema name), ``_fields`` (one :class:`Field` per JSON property), class-level
defaults and an explicit keyword ``__init__``. Everything generic lives here:

* ``to_dict()`` gives camelCase REST keys, omits ``None`` fields, and converts nested models,
  mappings (``dict`` subclasses included) and lists/tuples into plain ``dict`` and ``list`` objects.
* ``from_dict(d)`` builds nested model instances and takes every other value as given, without
  copying (node records stay the very dicts that were passed in). It accepts the REST key, the
  Python attribute name, or any spelling equal to them when case and underscores are ignored
  (the REST key wins if several spellings are present). Unknown members are kept aside and
  written back by ``to_dict()``, so a round trip loses nothing.
* ``validate()`` raises ``ValueError("<Schema>.<attribute> is required")`` for the first missing
  required field, recursing into nested models.
* ``==`` compares the REST content: declared fields plus the unknown members kept by
  ``from_dict``. Python-only attributes and ad-hoc attributes are not compared.
* Hashing stays by identity (``object.__hash__``): client code puts these mutable objects in
  sets, which must keep working although ``__eq__`` is field-wise.

Nothing here has "count" in its name: client code walks ``dir()`` of some models and treats every
public name containing "count" as a counter.
"""

from __future__ import annotations

import json
import reprlib
from collections.abc import Mapping
from typing import Any, ClassVar, NamedTuple, TypeVar

# A TypeVar rather than typing_extensions.Self: it exists at run time too, so
# typing.get_type_hints() works on every model method without extra packages.
_M = TypeVar("_M", bound="Model")

__all__ = ["FLOAT", "MODEL", "MODEL_LIST", "VALUE", "Field", "Model"]

VALUE = "value"
"""Kind of a field stored exactly as given: strings, integers, booleans, lists, node records."""
FLOAT = "float"
"""Kind of a JSON number field; ``from_dict`` turns an ``int`` into a ``float``."""
MODEL = "model"
"""Kind of a field holding one nested model instance."""
MODEL_LIST = "model_list"
"""Kind of a field holding a list of nested model instances."""


class Field(NamedTuple):
    """One declared field of a model: how it is named in Python and in JSON, and how it loads."""

    name: str
    """The snake_case attribute name."""
    key: str
    """The JSON member name used by the REST API."""
    kind: str = VALUE
    """One of :data:`VALUE`, :data:`FLOAT`, :data:`MODEL`, :data:`MODEL_LIST`."""
    required: bool = False
    """Whether :meth:`Model.validate` insists on a value."""
    model: type[Model] | None = None
    """The nested model class, for :data:`MODEL` and :data:`MODEL_LIST` fields."""
    default: Any = None
    """What the attribute reads when unset (and what ``from_dict`` uses for a missing member)."""


# Bounded repr: a cluster status can hold thousands of node records.
_REPR = reprlib.Repr()
_REPR.maxlevel = 3
_REPR.maxlist = 10
_REPR.maxdict = 10
_REPR.maxstring = 120
_REPR.maxother = 400
_REPR_LIMIT = 1024


def _fold(key: str) -> str:
    return key.replace("_", "").lower()


def _plain(value: Any) -> Any:
    """Return a JSON-ready copy of ``value`` made of plain dicts and lists."""
    if value is None or type(value) in (str, int, float, bool):
        return value
    if isinstance(value, Model):
        return value.to_dict()
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def _load(field: Field, raw: Any) -> Any:
    """Convert one JSON value for ``field``: build nested models, keep everything else."""
    if raw is None:
        return None
    kind = field.kind
    if kind == FLOAT:
        return float(raw) if type(raw) is int else raw
    model = field.model
    if model is None:
        return raw
    if kind == MODEL:
        return model.from_dict(raw) if isinstance(raw, Mapping) else raw
    if kind == MODEL_LIST and isinstance(raw, list):
        return [model.from_dict(item) if isinstance(item, Mapping) else item for item in raw]
    return raw


class Model:
    """Base class of every generated model; see the module docstring for the behaviour."""

    _schema: ClassVar[str] = ""
    _fields: ClassVar[tuple[Field, ...]] = ()
    _by_key: ClassVar[dict[str, Field]] = {}
    _by_folded: ClassVar[dict[str, Field]] = {}
    # JSON members from_dict did not recognise. A class-level None means ordinary instances
    # carry no extra dict at all.
    _unknown_json: dict[str, Any] | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        by_key: dict[str, Field] = {}
        by_folded: dict[str, Field] = {}
        for field in cls._fields:
            by_key[field.name] = field
            by_folded[_fold(field.name)] = field
        # REST keys go in last so that they win over a clashing attribute name.
        for field in cls._fields:
            by_key[field.key] = field
            by_folded[_fold(field.key)] = field
        cls._by_key = by_key
        cls._by_folded = by_folded

    def to_dict(self) -> dict[str, Any]:
        """Return the REST form: camelCase keys, ``None`` fields left out, plain containers."""
        out: dict[str, Any] = {}
        for field in self._fields:
            value = getattr(self, field.name, None)
            if value is not None:
                out[field.key] = _plain(value)
        unknown = self._unknown_json
        if unknown:
            for key, value in unknown.items():
                if key not in out:
                    out[key] = _plain(value)
        return out

    @classmethod
    def from_dict(cls: type[_M], d: Mapping[str, Any]) -> _M:  # noqa: PYI019
        """Build an instance from REST JSON (already parsed), nested models included."""
        if not isinstance(d, Mapping):
            raise TypeError(f"{cls.__name__}.from_dict expects a mapping, not {type(d).__name__}")
        by_key = cls._by_key
        values: dict[str, Any] = {}
        unknown: dict[str, Any] | None = None
        for key, raw in d.items():
            field = by_key.get(key)
            if field is None and isinstance(key, str):
                field = cls._by_folded.get(_fold(key))
            if field is None:
                if unknown is None:
                    unknown = {}
                unknown[key] = raw
                continue
            if key != field.key and field.name in values:
                continue  # an earlier spelling already set it; only the REST key overrides
            values[field.name] = _load(field, raw)
        # Bypass __init__: subclasses may give it a different signature.
        obj = cls.__new__(cls)
        for field in cls._fields:
            value = values.get(field.name)
            setattr(obj, field.name, field.default if value is None else value)
        if unknown is not None:
            obj._unknown_json = unknown
        return obj

    def json_encode(self) -> str:
        """Return ``to_dict()`` as a JSON string."""
        return json.dumps(self.to_dict())

    @classmethod
    def json_decode(cls: type[_M], s: str | bytes | bytearray) -> _M:  # noqa: PYI019
        """Parse a JSON document and build an instance from it with ``from_dict``."""
        return cls.from_dict(json.loads(s))

    def validate(self) -> None:
        """Raise ``ValueError`` naming the first required field that is unset, nested ones too."""
        for field in self._fields:
            value = getattr(self, field.name, None)
            if value is None:
                if field.required:
                    raise ValueError(f"{self._schema}.{field.name} is required")
            elif field.kind == MODEL and isinstance(value, Model):
                value.validate()
            elif field.kind == MODEL_LIST and isinstance(value, (list, tuple)):
                for item in value:
                    if isinstance(item, Model):
                        item.validate()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Model):
            return NotImplemented
        if self._schema != other._schema:
            return False
        for field in self._fields:
            if getattr(self, field.name, None) != getattr(other, field.name, None):
                return False
        return (self._unknown_json or {}) == (other._unknown_json or {})

    # Defining __eq__ would otherwise make instances unhashable; consumers build sets of them.
    __hash__ = object.__hash__

    def __repr__(self) -> str:
        parts = []
        for field in self._fields:
            value = getattr(self, field.name, None)
            if value is not None:
                parts.append(f"{field.name}={_REPR.repr(value)}")
        text = f"{type(self).__name__}({', '.join(parts)})"
        if len(text) > _REPR_LIMIT:
            text = text[: _REPR_LIMIT - 4] + "...)"
        return text
