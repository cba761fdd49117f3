"""The grid: which country's carbon intensity turns kWh into CO2 (CodeCarbon's data)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import _codecarbon as cc
from ..checks import number
from ..environment import SettingError, declare, read

DEFAULT_COUNTRY = "USA"
COUNTRY_ENV = "MLFOOTPRINT_COUNTRY"

_country: str | None = None


def known_countries() -> dict[str, str]:
    """ISO alpha-3 code -> country name, for every country CodeCarbon has a grid intensity for."""
    return {code: row["country_name"] for code, row in sorted(cc.grid_table().items())}


def _check_country(code: Any, *, where: str = "country") -> str:
    if not isinstance(code, str) or not code.strip():
        raise ValueError(f"{where} must be an ISO 3166 alpha-3 code such as 'USA', 'FRA' or 'DEU', "
                         f"got {code!r}")
    norm = code.strip().upper()
    countries = known_countries()
    if norm not in countries:
        matches = [f"{c} ({n})" for c, n in countries.items()
                   if norm[:2] == c[:2] or norm.lower() in n.lower()][:6]
        hint = f" Did you mean: {', '.join(matches)}?" if matches else ""
        raise ValueError(f"{where}: unknown country code {code!r}: CodeCarbon has no grid data for it. "
                         f"Use an ISO 3166 alpha-3 code such as 'USA', 'FRA' or 'DEU'.{hint}")
    return norm


def _parse_env(value: str) -> str:
    try:
        return _check_country(value, where=f"the environment variable {COUNTRY_ENV}")
    except ValueError as exc:
        raise SettingError(f"{exc} Unset {COUNTRY_ENV} to use the default, {DEFAULT_COUNTRY}.") from None


declare(COUNTRY_ENV, "an ISO 3166 alpha-3 country code CodeCarbon has grid data for, such as 'USA'",
        _parse_env)


def set_country(code: str) -> str:
    """Set the country whose grid turns kWh into CO2 for every record from now on."""
    global _country
    _country = _check_country(code)
    return _country


def get_country() -> str:
    """The country in force: :func:`set_country`, else ``$MLFOOTPRINT_COUNTRY``, else USA."""
    if _country is not None:
        return _country
    return read(COUNTRY_ENV) or DEFAULT_COUNTRY


@dataclass(frozen=True)
class GridIntensity:
    country_iso: str
    country_name: str
    g_per_kwh: float
    year: int | None

    @property
    def source(self) -> str:
        return cc.grid_source()


def carbon_intensity(code: str | None = None) -> GridIntensity:
    """Grid carbon intensity (g CO2e per kWh) that CodeCarbon uses offline for ``code``."""
    code = _check_country(code) if code is not None else get_country()
    row = cc.grid_table()[code]
    return GridIntensity(code, row["country_name"], row["carbon_intensity"], row.get("year"))


def kwh_to_kg(kwh: float, code: str | None = None) -> float:
    """kg CO2e for ``kwh`` of electricity on ``code``'s grid (default: the grid in force)."""
    kwh = number("kwh", kwh, lo=0, what="a finite energy in kWh, >= 0 (energy is never negative)")
    return kwh * (carbon_intensity(code).g_per_kwh / 1000.0)


def reset_country() -> None:
    """Forget :func:`set_country`: the grid comes from ``$MLFOOTPRINT_COUNTRY`` (or USA) again."""
    global _country
    _country = None
