"""A site that may send beacons, as the settings list it (``sites``)."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Event names are stored cut to 64 characters, so a longer conversion name would never match.
ConversionNames = tuple[Annotated[str, Field(min_length=1, max_length=64)], ...]
CONVERSIONS_HELP = (
    "events that count as conversions, their value being revenue: rumhouse('event', "
    "'purchase', 49.9); marked as they are received (a change applies from then on)"
)


class Site(BaseModel):
    """A site that may send beacons: its key (``data-site``), the origins its pages are
    served from (``"*"`` for any), the share of sessions kept, its rate limit, and the events
    that are its conversions."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    origins: tuple[str, ...] = Field(min_length=1)
    sample_rate: float = Field(default=1.0, ge=0, le=1)
    rate_limit: float = Field(default=500.0, gt=0, description="beacons per second, bursts of 2x")
    respect_gpc: bool = Field(
        default=False, description="send nothing under Global Privacy Control"
    )
    require_consent: bool = Field(
        default=False, description="send nothing until the page calls rumhouse('consent', true)"
    )
    conversions: ConversionNames = Field(default=("purchase",), description=CONVERSIONS_HELP)

    @field_validator("origins")
    @classmethod
    def _origins(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for origin in values:
            if origin != "*" and not re.fullmatch(r"https?://[^/\s]+", origin):
                raise ValueError(f"{origin!r} is not an origin like https://shop.example")
        return tuple(o.lower() for o in values)
