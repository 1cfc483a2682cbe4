"""The base of every model that reads outside input: API bodies and the shop file.

Pydantic's lax mode quietly turns JSON `false` into the amount 0.0, `"12"` into 12, `0` into the
flag false and the number 0 into the time 1970-01-01; a seller who sent any of these made a
mistake and must be told. Strict mode would also refuse time stamps and enum values sent as JSON
strings, so only these coercions are refused, field by field, with the field's name in the
error."""

from __future__ import annotations

import types
from datetime import date, datetime
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

_NUMBERS = {int, float}
_TIMES = {datetime, date}
_NUMBERS_OR_TEXT = _NUMBERS | {str}


def _plain_types(annotation: Any) -> set[Any]:
    """The classes a field accepts at top level, through Optional, unions and Annotated."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _plain_types(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        return set().union(*(_plain_types(member) for member in get_args(annotation)))
    return {annotation} if isinstance(annotation, type) else set()


class Input(BaseModel):
    """Unknown fields, NaN and infinity are refused; numbers, flags and times must be sent as
    what they are."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_silent_coercion(cls, value: Any, info: ValidationInfo) -> Any:
        if info.field_name is None:
            return value
        kinds = _plain_types(cls.model_fields[info.field_name].annotation)
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        if kinds & _NUMBERS and not kinds & {bool, str}:
            if isinstance(value, bool):
                raise ValueError("give a number, not true or false")
            if isinstance(value, str):
                raise ValueError("give a number, not text in quotes")
        if bool in kinds and not kinds & _NUMBERS_OR_TEXT and (is_number or isinstance(value, str)):
            raise ValueError("give true or false")
        if is_number and kinds & _TIMES and not kinds & _NUMBERS:
            raise ValueError("give an ISO 8601 time such as 2026-12-08T09:30:00Z, not a number")
        return value
