"""Base classes of the generated models, and the few calls that differ between
pydantic 1.10 (Debian's python3-pydantic) and pydantic 2.

Two kinds of model:
- ``ServerModel``: what the platform sends (HTTP answers, WebSocket messages). Unknown
  fields are kept, not refused: a newer platform may add fields, and an older SDK must
  still read its answers.
- ``RequestModel``: what the SDK sends. Unknown fields are refused, as the platform
  itself refuses them (400), but before the request leaves.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, Type, TypeVar

import pydantic
from pydantic import BaseModel

PYDANTIC_V2 = int(pydantic.VERSION.split(".")[0]) >= 2

log = logging.getLogger("avatar_sdk")

M = TypeVar("M", bound=BaseModel)

if PYDANTIC_V2:  # pragma: no cover - exercised with pydantic 2 installs
    from pydantic import ConfigDict

    class ServerModel(BaseModel):
        model_config = ConfigDict(extra="allow", populate_by_name=True, protected_namespaces=())

    class RequestModel(BaseModel):
        model_config = ConfigDict(extra="forbid", populate_by_name=True, protected_namespaces=())

else:

    class ServerModel(BaseModel):  # type: ignore[no-redef]
        class Config:
            extra = "allow"
            allow_population_by_field_name = True

    class RequestModel(BaseModel):  # type: ignore[no-redef]
        class Config:
            extra = "forbid"
            allow_population_by_field_name = True


def parse_model(cls: Type[M], data: Any) -> M:
    """Validates ``data`` as ``cls`` (raises pydantic's ValidationError)."""
    if PYDANTIC_V2:  # pragma: no cover
        return cls.model_validate(data)
    return cls.parse_obj(data)


def parse_lenient(cls: Type[M], data: Any) -> M:
    """What the platform sent, as ``cls``; when it does not validate (a newer platform
    with a value this SDK's enums do not know yet), the data as it is, unvalidated, with
    a warning: reading an answer should not fail on a value the caller may not need."""
    try:
        return parse_model(cls, data)
    except pydantic.ValidationError as err:
        if not isinstance(data, dict):
            raise
        log.warning("avatar_sdk: %s did not validate, kept as sent: %s", cls.__name__, err)
        if PYDANTIC_V2:  # pragma: no cover
            return cls.model_construct(**data)
        return cls.construct(**data)


def dump_model(model: BaseModel) -> Dict[str, Any]:
    """A request model as the JSON object to send: wire names, unset fields left out
    (the platform applies its defaults)."""
    if PYDANTIC_V2:  # pragma: no cover
        return model.model_dump(by_alias=True, exclude_none=True, mode="json")
    return model.dict(by_alias=True, exclude_none=True)


def model_fields(cls: Type[BaseModel]) -> Dict[str, Any]:
    """The model's fields by Python name (pydantic 1 ``__fields__``, 2 ``model_fields``)."""
    if PYDANTIC_V2:  # pragma: no cover
        return dict(cls.model_fields)
    return dict(cls.__fields__)
