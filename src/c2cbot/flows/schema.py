"""The shape of a conversation file in conversations/*.yaml.

Conversations are data so that city staff and translators can change what the bot
asks without touching code; this module is the one place that says what such a file
may contain, and pydantic turns every mistake into an error naming its location.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from c2cbot.domain.ratings import RatingScale
from c2cbot.domain.steps import Step

QuestionId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
OptionId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_]{0,23}$")]
HookName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
"""A hook registered in ``flows/hooks.py``; the loader refuses names it does not know."""


class Kind(StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    MULTI = "multi"
    YESNO = "yesno"
    NUMBER = "number"
    MONEY = "money"
    DATE = "date"
    RATING = "rating"
    GROUP = "group"
    INVITE = "invite"


class OptionSource(StrEnum):
    """Options computed when the question is asked rather than written in the file."""

    LANGUAGES = "languages"
    HELIX_ROLES = "helix_roles"
    PARTNERSHIP_CITIES = "partnership_cities"
    KPI_CATALOGUE = "kpi_catalogue"
    KPI_KINDS = "kpi_kinds"
    PARTNERSHIP_MEMBERS = "partnership_members"
    PARTNERSHIP_KPIS = "partnership_kpis"


class ProfileField(StrEnum):
    """Stakeholder fields that an onboarding answer fills in."""

    LANGUAGE = "language"
    NAME = "name"
    CITY = "city"
    ORGANISATION = "organisation"
    HELIX_ROLE = "helix_role"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(_Strict):
    id: OptionId
    label: str = Field(min_length=1)


class Condition(_Strict):
    """Ask a question only when an earlier answer in the same conversation matches."""

    question: QuestionId
    equals: Any = None
    any_of: list[Any] | None = None
    answered: bool | None = None

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        given = [self.equals is not None, self.any_of is not None, self.answered is not None]
        if sum(given) != 1:
            raise ValueError("a condition takes exactly one of equals, any_of and answered")
        return self

    @property
    def values(self) -> list[Any]:
        """The answers that satisfy ``equals`` or ``any_of``."""
        return self.any_of if self.any_of is not None else [self.equals]


class Question(_Strict):
    id: QuestionId
    type: Kind
    prompt: str = Field(min_length=1)
    help: str | None = None
    optional: bool = False
    when: Condition | None = None
    options: list[Option] | None = None
    options_from: OptionSource | None = None
    max_length: int = Field(default=1000, ge=1, le=4000)
    min: float | None = None
    max: float | None = None
    integer: bool = False
    unit: str | None = None
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    min_selected: int = Field(default=1, ge=0)
    scale: RatingScale | None = None
    """A rating's words for its five options; ``quality`` (very poor … excellent) if unset."""
    sets: ProfileField | None = None
    score_group: Literal["potential", "similarity", "opportunity", "willingness"] | None = None
    questions: list[Question] | None = None
    more_prompt: str | None = None
    min_items: int = Field(default=1, ge=0)
    max_items: int = Field(default=20, ge=1, le=100)
    check: HookName | None = None
    before: HookName | None = None
    after: HookName | None = None
    ask_if: HookName | None = None

    @model_validator(mode="after")
    def _fits_its_kind(self) -> Question:
        choice = self.type in (Kind.CHOICE, Kind.MULTI)
        if choice and not (self.options or self.options_from):
            raise ValueError(f"{self.type} question needs options or options_from")
        if not choice and (self.options or self.options_from):
            raise ValueError(f"a {self.type} question takes no options")
        if self.scale is not None and self.type is not Kind.RATING:
            raise ValueError("only a rating question takes a scale")
        if self.options and self.options_from:
            raise ValueError("give options or options_from, not both")
        if self.options and len({o.id for o in self.options}) != len(self.options):
            raise ValueError("option ids repeat")
        if self.type is Kind.GROUP and not (self.questions and self.more_prompt):
            raise ValueError("a group needs questions and more_prompt")
        if self.type is not Kind.GROUP and (self.questions or self.more_prompt):
            raise ValueError("only a group has questions and more_prompt")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is larger than max")
        if self.min_items > self.max_items:
            raise ValueError("min_items is larger than max_items")
        return self


class Conversation(_Strict):
    id: QuestionId
    step: Step | None = None
    title: str = Field(min_length=1)
    intro: str | None = None
    outro: str | None = None
    audience: Literal["everyone", "members", "coordinators"] = "members"
    on_complete: HookName | None = None
    questions: list[Question] = Field(min_length=1)
