"""Building blocks of the domain model: enumerations, fields, workflows, record kinds.

Plain Python, no QGIS import: the plugin and the server share it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Field types the model knows. Storage mapping: see STORAGE_TYPES.
TEXT = "text"
INT = "int"
REAL = "real"
BOOL = "bool"
DATE = "date"  # ISO 8601 yyyy-mm-dd
DATETIME = "datetime"  # ISO 8601 with offset, UTC preferred
ENUM = "enum"  # one code of an Enumeration
MULTI_ENUM = "multi_enum"  # JSON array of codes of an Enumeration
REF = "ref"  # uuid of a parent record

FIELD_TYPES = (TEXT, INT, REAL, BOOL, DATE, DATETIME, ENUM, MULTI_ENUM, REF)

# How each type is stored in SQLite/GeoPackage and in PostgreSQL.
STORAGE_TYPES = {
    TEXT: ("TEXT", "text"),
    INT: ("INTEGER", "bigint"),
    REAL: ("REAL", "double precision"),
    BOOL: ("BOOLEAN", "boolean"),
    DATE: ("DATE", "date"),
    DATETIME: ("DATETIME", "timestamptz"),
    ENUM: ("TEXT", "text"),
    MULTI_ENUM: ("TEXT", "text"),
    REF: ("TEXT", "text"),
}

# Decimals a quantity is shown with, by unit: what the measure deserves, not the float it is stored as
# (a watershed's 23.999999 km² reads 24.00). Display only; stored values keep every digit.
UNIT_DECIMALS = {"km²": 2, "hm²": 2, "m²": 1, "m": 2, "cm": 1, "mm": 1, "%": 1, "万m³": 2, "m³": 1, "L/s": 2,
                 "t/(km²·a)": 0, "万元": 2, "元": 2}  # fmt: skip
COORDINATE_DECIMALS = 6  # degrees: about 0.1 m

ROLES = ("inspector", "technician", "acceptor", "admin")
ROLE_LABELS = {
    "inspector": ("巡查员", "Inspector"),
    "technician": ("技术员", "Technician"),
    "acceptor": ("验收人", "Acceptor"),
    "admin": ("管理员", "Administrator"),
}


@dataclass(frozen=True)
class Choice:
    code: str
    zh: str
    en: str


@dataclass(frozen=True)
class Enumeration:
    name: str
    choices: tuple[Choice, ...]
    source: str = "V"  # V seen in a source, S unofficial copy, I inference

    def codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.choices)

    def label(self, code: str, lang: str = "zh") -> str:
        for c in self.choices:
            if c.code == code:
                return c.zh if lang == "zh" else c.en
        return code


def enum(name: str, *choices: tuple[str, str, str], source: str = "V") -> Enumeration:
    return Enumeration(name, tuple(Choice(*c) for c in choices), source)


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    zh: str
    en: str
    unit: str | None = None
    enum: Enumeration | None = None
    # Workflow steps at which the field must have a value (a record at that step or later).
    required_at: tuple[str, ...] = ()
    default: Any = None
    # Name of a rule in model.rules.DERIVATIONS that computes the value; the field is read-only.
    derived: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    ref: str | None = None  # the record kind a REF (parent) or TEXT (other record's uuid) field points to
    max_length: int | None = None
    format: str | None = None  # a text format model.rules checks (FORMATS: "phone")

    def __post_init__(self) -> None:
        if self.type not in FIELD_TYPES:
            raise ValueError(f"{self.name}: unknown type {self.type}")
        if (self.type in (ENUM, MULTI_ENUM)) != (self.enum is not None):
            raise ValueError(f"{self.name}: enum fields need an enumeration and only they")
        if (self.type == REF and self.ref is None) or (self.ref is not None and self.type not in (REF, TEXT)):
            raise ValueError(f"{self.name}: ref fields name their parent kind; other references are text uuids")

    def label(self, lang: str = "zh") -> str:
        text = self.zh if lang == "zh" else self.en
        return f"{text} ({self.unit})" if self.unit else text

    def decimals(self) -> int | None:
        """Decimals a real value is shown with (None: as many as it has, up to three)."""
        if self.type != REAL:
            return None
        if self.name.endswith(("_lon", "_lat")):
            return COORDINATE_DECIMALS
        return UNIT_DECIMALS.get(self.unit or "")

    def shown(self, value: float) -> str:
        """A real value as a person reads it (decimals())."""
        d = self.decimals()
        if d is not None:
            return f"{value:.{d}f}"
        return f"{value:.3f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class RequiredWhen:
    """A conditional requirement: `field` must be set at `steps` when `when_field` is in `values`."""

    field: str
    when_field: str
    values: tuple[Any, ...]
    steps: tuple[str, ...]
    zh: str
    en: str


@dataclass(frozen=True)
class Step:
    code: str
    zh: str
    en: str


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    roles: tuple[str, ...]
    zh: str  # action label, e.g. 提交
    en: str
    # Taken by the model as a consequence of another step (a submitted re-check moves its spot on),
    # never offered as a button of its own; a role still needs it to reach the step.
    auto: bool = False


@dataclass(frozen=True)
class Workflow:
    state_field: str
    steps: tuple[Step, ...]
    transitions: tuple[Transition, ...]
    initial: str
    final: tuple[str, ...] = ()

    def step_codes(self) -> tuple[str, ...]:
        return tuple(s.code for s in self.steps)

    def step_index(self, code: str) -> int:
        return self.step_codes().index(code)

    def allowed(self, source: str, role: str | None = None) -> list[Transition]:
        return [
            t for t in self.transitions if t.source == source and (role is None or role in t.roles or role == "admin")
        ]

    def transition(self, source: str, target: str) -> Transition | None:
        for t in self.transitions:
            if t.source == source and t.target == target:
                return t
        return None


@dataclass(frozen=True)
class RecordKind:
    name: str  # table/layer name
    zh: str
    en: str
    geometry: str | None  # "Point", "MultiPolygon" or None
    fields: tuple[Field, ...]
    workflow: Workflow | None = None
    parent: str | None = None  # parent record kind
    parent_field: str | None = None  # REF field that points to the parent
    code_field: str | None = None  # human code shown in lists
    title_field: str | None = None  # human name shown in lists
    status_field: str | None = None  # field that drives the layer symbol
    object_kind: str | None = None  # the dock it belongs to: dam, patch, watershed
    rules: tuple[RequiredWhen, ...] = ()
    delisting: bool = False  # has register_status/delist_reason/delist_date
    # De-listing (销号) workflow of kinds whose main workflow is another one (e.g. patches).
    delist_workflow: Workflow | None = None
    # Roles that may insert, update or delete records of the kind (admin always may); () = any role.
    writers: tuple[str, ...] = ()

    def workflows(self) -> tuple[Workflow, ...]:
        """Every workflow of the kind: its main one, then its de-listing one if separate."""
        return tuple(w for w in (self.workflow, self.delist_workflow) if w is not None)

    def workflow_for(self, state_field: str) -> Workflow | None:
        for w in self.workflows():
            if w.state_field == state_field:
                return w
        return None

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.name}.{name}")

    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def label(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Threshold:
    name: str
    value: float
    unit: str | None
    zh: str
    en: str
    source: str  # V, S or I (I = inference: configurable, say so in the UI)
    basis: str = ""  # the document or standard the default follows (依据)


@dataclass(frozen=True)
class Origin:
    """Where a threshold value in force comes from: the model's default, a built-in regional set
    (model.regions) or a setting made on the server for a province, prefecture or county."""

    scope: str  # "" for the model default, else a 6-digit division code (360000, 360700, 360704)
    scope_zh: str
    basis: str  # the document or standard the value follows (依据)
    mark: str  # V, S or I
    by: str | None = None  # who set it on the server (None: built in)
    at: str | None = None  # when (ISO 8601)


@dataclass
class Thresholds:
    """Configurable thresholds: model defaults overridden by regional and site settings."""

    defaults: dict[str, Threshold]
    overrides: dict[str, float] = field(default_factory=dict)
    origins: dict[str, Origin] = field(default_factory=dict)
    county: str | None = None  # the county the set was resolved for

    def __getitem__(self, name: str) -> float:
        if name in self.overrides:
            return self.overrides[name]
        return self.defaults[name].value

    def origin(self, name: str) -> Origin:
        """Where the value in force comes from (the model default when nothing overrides it)."""
        if name in self.origins:
            return self.origins[name]
        d = self.defaults[name]
        return Origin("", "模型默认", d.basis, d.source)

    def with_overrides(self, origin: Origin | None = None, **values: float) -> Thresholds:
        unknown = set(values) - set(self.defaults)
        if unknown:
            raise KeyError(f"unknown thresholds: {sorted(unknown)}")
        origin = origin or Origin("", "手动设置", "", "I")
        origins = {**self.origins, **dict.fromkeys(values, origin)}
        return Thresholds(self.defaults, {**self.overrides, **values}, origins, self.county)
