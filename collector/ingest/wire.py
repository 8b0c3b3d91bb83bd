"""The field types of the beacon contract: strings cut to their limit, numbers bounded by
the columns they land in (an absurd one becomes null and is counted), ids.

Kept apart from ``contract.py``, which holds the models that use them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import (
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from collector.ingest.limits import WIRE
from collector.ingest.outcomes import Drops, ItemDrop


@dataclass(frozen=True, slots=True)
class _Truncate:
    """A string longer than ``limit`` characters is cut to ``limit``, never rejected.

    A beacon carries dozens of strings and nearly all of them fit, so the check that they do
    runs in pydantic-core alone (calling Python for each string took some 40% of the parse).
    Only a string that does not fit reaches the union's second choice, which cuts it. Anything
    else fails both choices and is reported as a plain ``str`` would be (``string_type``, at
    the field's own location), so a 400 names the same fields with the same messages.
    """

    limit: int

    def __get_pydantic_core_schema__(
        self, source: type[Any], handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        fits = core_schema.str_schema(max_length=self.limit)
        cut = core_schema.no_info_before_validator_function(self._cut, core_schema.str_schema())
        either = core_schema.union_schema([fits, cut], mode="left_to_right")
        return core_schema.custom_error_schema(either, "string_type")

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return handler(core_schema.str_schema(max_length=self.limit))

    def _cut(self, value: Any) -> Any:
        return value[: self.limit] if isinstance(value, str) else value


# Strings truncated to N characters (the limit is in the JSON Schema as maxLength).
Str8 = Annotated[str, _Truncate(8)]
Str16 = Annotated[str, _Truncate(16)]
Str24 = Annotated[str, _Truncate(24)]
Str32 = Annotated[str, _Truncate(32)]
Str64 = Annotated[str, _Truncate(64)]
Str128 = Annotated[str, _Truncate(128)]
Str256 = Annotated[str, _Truncate(256)]
Str512 = Annotated[str, _Truncate(512)]
Str1K = Annotated[str, _Truncate(1024)]
Str2K = Annotated[str, _Truncate(2048)]
Str4K = Annotated[str, _Truncate(4096)]

_OUT_OF_RANGE = frozenset({"greater_than_equal", "less_than_equal", "finite_number"})


def _dropped(value: Any, info: ValidationInfo) -> None:
    """An absurd number becomes null (this returns it) and is counted as a dropped
    ``invalid_value``."""
    drops = (info.context or {}).get("drops")
    if isinstance(drops, Drops):
        drops.add(ItemDrop.INVALID_VALUE)


def _drop_impossible(
    value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
) -> Any:
    """An absurd number (out of its column's range) becomes null and is counted as a dropped
    ``invalid_value``; a wrong type still rejects the beacon."""
    try:
        return handler(value)
    except ValidationError as exc:
        if not all(error["type"] in _OUT_OF_RANGE for error in exc.errors()):
            raise
        _dropped(value, info)
        return None


@dataclass(frozen=True, slots=True)
class _BoundedFloat:
    """A float outside ``[ge, le]``, infinite or NaN becomes null (``_dropped``); anything
    that is not a number still rejects the beacon, with the error a plain float gives.

    The same outcome as ``_drop_impossible`` around a bounded float, without calling Python
    for each number (a beacon has a dozen): the chain's first step checks the type alone,
    letting any float through, so a wrong type fails there as it always did; the second keeps
    an in-range float in pydantic-core, and only a value out of range or not finite reaches
    Python, as the union's second choice, which cannot fail.
    """

    ge: float
    le: float

    def __get_pydantic_core_schema__(
        self, source: type[Any], handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        any_float = core_schema.float_schema(allow_inf_nan=True)
        bounded = core_schema.float_schema(ge=self.ge, le=self.le, allow_inf_nan=False)
        dropped = core_schema.with_info_plain_validator_function(_dropped)
        in_range = core_schema.union_schema([bounded, dropped], mode="left_to_right")
        return core_schema.chain_schema(
            [core_schema.nullable_schema(any_float), core_schema.nullable_schema(in_range)]
        )

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        bounded = core_schema.float_schema(ge=self.ge, le=self.le)
        return handler(core_schema.nullable_schema(bounded))


_DROP = WrapValidator(_drop_impossible)
Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{8,64}$")]
# Numbers are bounded by the columns they land in, so that no beacon can make an insert fail.
Millis = Annotated[float | None, _BoundedFloat(ge=-WIRE, le=WIRE)]
Float = Annotated[float | None, _BoundedFloat(ge=-WIRE, le=WIRE)]
# Integers keep the wrap: given NaN or Infinity the int check itself fails (finite_number),
# so it cannot be split from the bounds the way floats are. They are fewer in a beacon.
Bytes = Annotated[Annotated[int, Field(ge=0, le=2**32 - 1)] | None, _DROP]
Small = Annotated[Annotated[int, Field(ge=0, le=65_535)] | None, _DROP]
