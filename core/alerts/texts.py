"""Alert texts from translated templates (phenomenon x level x change), never machine translation.

Japanese shows JMA's own warning name (Kind/Name); the other languages compose the name from the
phenomenon and the kind.  気象庁 is credited as the source of every JMA alert.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.i18n import N_, Translator

EVENTS = {
    "heavy_rain": N_("Heavy rain"),
    "landslide": N_("Landslide"),
    "storm_surge": N_("Storm surge"),
    "wind": N_("Storm wind"),
    "waves": N_("High waves"),
    "snow": N_("Heavy snow"),
    "thunder": N_("Thunderstorm"),
    "flood": N_("Flood"),
    "fog": N_("Dense fog"),
    "dry": N_("Dry air"),
    "avalanche": N_("Avalanche"),
    "low_temperature": N_("Low temperature"),
    "frost": N_("Frost"),
    "icing": N_("Icing"),
    "snow_accretion": N_("Snow accretion"),
    "snowmelt": N_("Snowmelt"),
    "evacuation": N_("Evacuation"),
}
KINDS = {
    2: N_("{event} advisory"),
    3: N_("{event} warning"),
    4: N_("{event} danger warning"),
    5: N_("{event} emergency warning"),
}
LEVEL_NAME = N_("Level {level} {warning}")
HEADLINES = {
    "issued": N_("{warning} issued for {area}"),
    "raised": N_("Raised to {warning} in {area}"),
    "lowered": N_("Lowered to {warning} in {area}"),
    "lifted": N_("{warning} lifted in {area}"),
}
# What to do now, by JMA warning level (警戒レベル) or, for phenomena without levels, by kind.
ACTIONS = {
    5: N_(
        "Level 5: a disaster may already be happening. Secure your life now in the safest place you can "
        "reach."
    ),
    4: N_("Level 4: everyone must leave dangerous places now. Evacuate to a shelter or a safe place."),
    3: N_(
        "Level 3: older people and anyone who needs time must evacuate now. Everyone else, get ready to "
        "evacuate."
    ),
    2: N_("Level 2: check the hazard map, your shelter and the way there."),
}
ACTION_WARNING = N_("Stay away from danger and follow the latest information.")
ACTION_ADVISORY = N_("Be careful and follow the latest information.")
ACTION_LIFTED = N_("The warning has been lifted. Stay careful: some danger may remain.")
SOURCE_JMA = N_("Source: Japan Meteorological Agency")
DRILL = N_("DRILL")
# City evacuation information (避難情報), with its level.
EVACUATION = {
    3: N_("Evacuation of older people"),
    4: N_("Evacuation order"),
    5: N_("Emergency safety measure"),
}
EVACUATION_HEADLINE = N_("{order} for {area}")
EVACUATION_LIFTED = N_("{order} lifted in {area}")
# CAP severity by JMA rank.
SEVERITY = {5: "Extreme", 4: "Extreme", 3: "Severe", 2: "Moderate"}


def warning_name(t: Translator, event: str, rank: int, level: int | None, jma_name: str = "") -> str:
    """``レベル４大雨危険警報`` in Japanese (JMA's name), "Level 4 Heavy rain danger warning" in English."""
    if t.lang == "ja" and jma_name:
        return jma_name
    name = t(KINDS[min(max(rank, 2), 5)], event=t(EVENTS.get(event, EVENTS["heavy_rain"])))
    return t(LEVEL_NAME, level=level, warning=name) if level else name


def action(t: Translator, *, level: int | None, rank: int, lifted: bool = False) -> str:
    if lifted:
        return t(ACTION_LIFTED)
    if level:
        return t(ACTIONS[level])
    return t(ACTION_WARNING) if rank >= 3 else t(ACTION_ADVISORY)


@dataclass(frozen=True)
class AlertText:
    headline: str
    instruction: str
    source: str


def jma_alert(
    lang: str,
    *,
    change: str,
    event: str,
    rank: int,
    level: int | None,
    jma_name: str,
    area: str,
    drill: bool = False,
) -> AlertText:
    """Headline, what to do and source of one JMA change (issued | raised | lowered | lifted) in ``lang``."""
    t = Translator(lang)
    name = warning_name(t, event, rank, level, jma_name)
    headline = t(HEADLINES[change], warning=name, area=area)
    if drill:
        headline = f"[{t(DRILL)}] {headline}"
    return AlertText(headline, action(t, level=level, rank=rank, lifted=change == "lifted"), t(SOURCE_JMA))


def evacuation_alert(
    lang: str, *, level: int, area: str, lifted: bool = False, drill: bool = False
) -> AlertText:
    """高齢者等避難 (3) / 避難指示 (4) / 緊急安全確保 (5) issued or lifted by the city."""
    t = Translator(lang)
    order = t(EVACUATION[level])
    headline = t(EVACUATION_LIFTED if lifted else EVACUATION_HEADLINE, order=order, area=area)
    if drill:
        headline = f"[{t(DRILL)}] {headline}"
    return AlertText(headline, action(t, level=level, rank=level, lifted=lifted), "")
