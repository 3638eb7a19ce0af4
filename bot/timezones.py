"""Understanding the time zone a member types: IANA names in any case, city names,
common abbreviations (mapped to a zone that keeps daylight saving), and UTC offsets
with the sign people mean. Every answer says what was understood."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cache
from zoneinfo import available_timezones

from bot.commands import BadInput, quote

# abbreviations people type, each to the zone that keeps its daylight saving
ABBREVIATIONS: dict[str, str] = {
    "PST": "America/Los_Angeles",
    "PDT": "America/Los_Angeles",
    "PT": "America/Los_Angeles",
    "MST": "America/Denver",
    "MDT": "America/Denver",
    "MT": "America/Denver",
    "CDT": "America/Chicago",
    "CT": "America/Chicago",
    "EST": "America/New_York",
    "EDT": "America/New_York",
    "ET": "America/New_York",
    "AKST": "America/Anchorage",
    "HST": "Pacific/Honolulu",
    "BRT": "America/Sao_Paulo",
    "ART": "America/Argentina/Buenos_Aires",
    "GMT": "Europe/London",
    "BST": "Europe/London",
    "WET": "Europe/Lisbon",
    "CET": "Europe/Berlin",
    "CEST": "Europe/Berlin",
    "EET": "Europe/Athens",
    "EEST": "Europe/Athens",
    "MSK": "Europe/Moscow",
    "GST": "Asia/Dubai",
    "PKT": "Asia/Karachi",
    "NPT": "Asia/Kathmandu",
    "WIB": "Asia/Jakarta",
    "ICT": "Asia/Bangkok",
    "SGT": "Asia/Singapore",
    "HKT": "Asia/Hong_Kong",
    "JST": "Asia/Tokyo",
    "KST": "Asia/Seoul",
    "AWST": "Australia/Perth",
    "ACST": "Australia/Adelaide",
    "AEST": "Australia/Sydney",
    "AEDT": "Australia/Sydney",
    "NZST": "Pacific/Auckland",
    "NZDT": "Pacific/Auckland",
    "SAST": "Africa/Johannesburg",
    "WAT": "Africa/Lagos",
    "EAT": "Africa/Nairobi",
}
# abbreviations that name several zones: the member chooses
AMBIGUOUS: dict[str, tuple[str, ...]] = {
    "IST": ("Asia/Kolkata (India)", "Europe/Dublin (Ireland)", "Asia/Jerusalem (Israel)"),
    "CST": ("America/Chicago (US Central)", "Asia/Shanghai (China)", "America/Havana (Cuba)"),
    "AST": ("America/Halifax (Atlantic)", "Asia/Riyadh (Arabia)"),
}
# offsets with minutes have no Etc/ zone: a place that keeps that offset all year
HALF_HOURS: dict[tuple[int, int], str] = {
    (3, 30): "Asia/Tehran",
    (4, 30): "Asia/Kabul",
    (5, 30): "Asia/Kolkata",
    (5, 45): "Asia/Kathmandu",
    (6, 30): "Asia/Yangon",
    (8, 45): "Australia/Eucla",
    (9, 30): "Australia/Darwin",
    (-3, -30): "America/St_Johns",
    (-9, -30): "Pacific/Marquesas",
    (12, 45): "Pacific/Chatham",
}
_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
EXAMPLES = "an IANA name (Europe/Berlin), a city (Berlin), an abbreviation (PST) or UTC+2"


@dataclass(frozen=True, slots=True)
class ZoneChoice:
    name: str  # the IANA zone stored
    note: str = ""  # how a typed abbreviation or offset was understood


@cache
def _zones() -> dict[str, str]:
    """lower-case name -> IANA name, read once: the set is fixed while the process runs."""
    return {z.lower(): z for z in available_timezones() if not z.startswith(("posix/", "right/"))}


@cache
def _cities() -> dict[str, str]:
    """lower-case city ('new york') -> its zone; a name shared by zones keeps the first."""
    out: dict[str, str] = {}
    for zone in sorted(_zones().values()):
        if "/" in zone and not zone.startswith(("Etc/", "SystemV/", "US/")):
            city = zone.rsplit("/", 1)[1].replace("_", " ").lower()
            out.setdefault(city, zone)
    return out


def parse(value: str | None) -> ZoneChoice:
    """The zone a member meant, or BadInput saying what is accepted (with a suggestion)."""
    text = (value or "").strip().replace("−", "-")
    if not text:
        raise BadInput(f"timezone is required: {EXAMPLES}")
    key = text.lower()
    if key in ("utc", "z", "zulu", "utc+0", "gmt+0", "utc0"):
        return ZoneChoice("UTC")
    upper = text.upper()
    if upper in AMBIGUOUS:
        options = ", ".join(AMBIGUOUS[upper])
        raise BadInput(f"{upper} can mean {options}: type the zone you mean")
    if upper in ABBREVIATIONS:
        zone = ABBREVIATIONS[upper]
        return ZoneChoice(zone, f"{upper} understood as {zone}, with its daylight saving")
    if key.startswith("etc/gmt") and key in _zones():
        zone = _zones()[key]
        sign = "−" if "+" in key else "+"
        hours = key.removeprefix("etc/gmt").lstrip("+-") or "0"
        return ZoneChoice(
            zone,
            f"{zone} is UTC{sign}{hours} (its sign is reversed); type UTC{sign}{hours} next time",
        )
    if key in _zones():
        return ZoneChoice(_zones()[key])
    offset = _OFFSET.match(key.replace(" ", ""))
    if offset:
        return _from_offset(text, offset)
    city = key.replace("_", " ")
    if city in _cities():
        zone = _cities()[city]
        return ZoneChoice(zone, f"{text} understood as {zone}")
    raise BadInput(f"unknown timezone '{quote(text)}'{_suggest(key)}: use {EXAMPLES}")


def _from_offset(text: str, m: re.Match) -> ZoneChoice:
    sign = 1 if m.group(1) == "+" else -1
    hours, minutes = int(m.group(2)), int(m.group(3) or 0)
    shown = f"UTC{m.group(1)}{hours}" + (f":{minutes:02d}" if minutes else "")
    if minutes:
        zone = HALF_HOURS.get((sign * hours, sign * minutes))
        if zone is None:
            raise BadInput(f"no zone keeps {shown}: use {EXAMPLES}")
        return ZoneChoice(zone, f"{shown} understood as {zone}")
    if hours > 14 or (sign < 0 and hours > 12):
        raise BadInput(f"{quote(text)} is not an offset in use: UTC-12 to UTC+14")
    if hours == 0:
        return ZoneChoice("UTC")
    # Etc/GMT-2 is UTC+2: the POSIX sign is the reverse of what people mean
    zone = f"Etc/GMT{'-' if sign > 0 else '+'}{hours}"
    return ZoneChoice(zone, f"{shown} all year (no daylight saving): {zone}")


def _suggest(key: str) -> str:
    pool = {**_cities(), **_zones()}
    close = difflib.get_close_matches(key, list(pool), n=1, cutoff=0.75)
    if close:
        return f" (did you mean {pool[close[0]]}?)"
    starting = suggestions(key.rstrip("/"), 3) if len(key) >= 3 else []
    return f" (for example {', '.join(starting)})" if starting else ""


def suggestions(prefix: str, limit: int = 25) -> list[str]:
    """Zones for an autocomplete or a hint: names and cities starting with ``prefix``."""
    p = prefix.strip().lower()
    names = sorted({z for k, z in _zones().items() if k.startswith(p) or f"/{p}" in k})
    cities = sorted({z for c, z in _cities().items() if c.startswith(p)})
    return list(dict.fromkeys([*cities, *names]))[:limit]
