"""``c2cbot cities add|list``: cities beside the reference data, checked against CLDR and IANA.

Adding prints the currency CLDR gives the city's country, so the operator sees which
currency the city's money is in and can tell a wrong country at once.
"""

from __future__ import annotations

import argparse
from datetime import date

from c2cbot.cli.common import BadInput, Commands, opened
from c2cbot.cli.tables import add_json_option, print_json, print_table
from c2cbot.clock import system_clock
from c2cbot.config import Settings
from c2cbot.domain.cities import CityProblem, checked_city, currency_of
from c2cbot.store.city_records import add_city, cities_with_partnerships
from c2cbot.store.models import City
from c2cbot.store.refused import Refused

COLUMNS = ("key", "name_en", "name_zh", "name_de", "country", "side", "timezone", "currency",
           "partnerships")  # fmt: skip


def register(commands: Commands) -> None:
    family = commands.add_parser("cities", help="add and list cities")
    actions = family.add_subparsers(title="cities commands", required=True)
    add = actions.add_parser("add", help="a city that is not in the reference data")
    add.add_argument("key", metavar="KEY", help="a short lowercase key, such as vaxjo")
    add.add_argument("--en", required=True, metavar="NAME", help="its name in English")
    add.add_argument("--zh", required=True, metavar="名称", help="its name in Chinese characters")
    add.add_argument("--de", metavar="NAME", help="its name in German, where it differs")
    add.add_argument("--country", required=True, metavar="XX", help="ISO 3166 code, such as SE")
    add.add_argument(
        "--timezone", required=True, metavar="AREA/CITY", help="IANA zone, such as Europe/Stockholm"
    )
    add.add_argument("--side", help="eu or cn (default: cn for CN, HK and MO, else eu)")
    add_json_option(add)
    add.set_defaults(command=add_command)
    listing = actions.add_parser("list", help="every city, with its currency and partnerships")
    add_json_option(listing)
    listing.set_defaults(command=list_cities)


async def add_command(settings: Settings, arguments: argparse.Namespace) -> None:
    today = system_clock().date()
    names = {"name_en": arguments.en, "name_zh": arguments.zh, "name_de": arguments.de}
    try:
        city = checked_city(
            arguments.key, names, arguments.country, arguments.timezone, today, arguments.side
        )
        async with opened(settings) as database, database.transaction() as session:
            row = await add_city(session, city)
    except (CityProblem, Refused) as error:
        raise BadInput(str(error)) from None
    data = _row(row, 0, today)
    if arguments.json:
        print_json(data)
        return
    print(f"added city {row.key}: {row.name_en} {row.name_zh} ({row.country}, {row.side})")
    print(f"time zone {row.timezone}; currency {data['currency']}")


async def list_cities(settings: Settings, arguments: argparse.Namespace) -> None:
    async with opened(settings) as database, database.sessions() as session:
        cities = await cities_with_partnerships(session)
    today = system_clock().date()
    rows = [_row(city, count, today) for city, count in cities]
    print_json(rows) if arguments.json else print_table(rows, COLUMNS)


def _row(city: City, partnerships: int, today: date) -> dict[str, object]:
    return {
        "key": city.key,
        "name_en": city.name_en,
        "name_zh": city.name_zh,
        "name_de": city.name_de,
        "country": city.country,
        "side": city.side,
        "timezone": city.timezone,
        "currency": currency_of(city.country, today),
        "partnerships": partnerships,
    }
