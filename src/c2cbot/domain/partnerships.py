"""A partnership's name in each reader's language.

Most partnerships are named after their cities ("Gothenburg–Shanghai"). A Chinese
reader should see 哥德堡–上海 and a German one Göteborg–Shanghai, so such names are
rebuilt from the cities' names in each language. A name that is more than its cities
("Milan–Shanghai design week") is the partnership's own and is shown as given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

DASH = "–"


def titles(name: str, cities: Sequence[Mapping[str, str]]) -> dict[str, str]:
    """The name by language, or ``{}`` when the name is not simply its cities' names.

    ``cities`` maps each city's language codes to its name; "en" is always present.
    """
    if len(cities) < 2 or any(city["en"] not in name for city in cities):
        return {}
    ordered = sorted(cities, key=lambda city: name.find(city["en"]))
    if DASH.join(city["en"] for city in ordered) != name:
        return {}
    languages = {language for city in ordered for language in city}
    return {
        language: DASH.join(city.get(language) or city["en"] for city in ordered)
        for language in sorted(languages)
    }
