"""Loading conversations/*.yaml and finding every mistake in them, named by file and question."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from c2cbot.flows import hooks
from c2cbot.flows.schema import Condition, Conversation, Kind, Question

_QUESTION_HOOKS = ("check", "before", "after", "ask_if")


@dataclass(frozen=True)
class Problem:
    file: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.where}: {self.message}"


class ConversationError(Exception):
    """Raised when conversation files are broken; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def load_all(directory: Path) -> dict[str, Conversation]:
    """Every conversation in ``directory`` by id; raises ConversationError listing all problems."""
    conversations: dict[str, Conversation] = {}
    problems: list[Problem] = []
    for path in sorted(directory.glob("*.yaml")):
        conversation, found = load_file(path)
        problems += found
        if conversation is not None:
            conversations[conversation.id] = conversation
    if problems:
        raise ConversationError(problems)
    return conversations


def load_file(path: Path) -> tuple[Conversation | None, list[Problem]]:
    conversation, problems = _parsed(path.name, path.read_text(encoding="utf-8"))
    return conversation, list(problems)


@lru_cache(maxsize=64)
def _parsed(name: str, text: str) -> tuple[Conversation | None, tuple[Problem, ...]]:
    """Parsed once per file content: every bot a process builds (a test run builds
    thousands) reads the same files, and a conversation is immutable once validated."""
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506
        conversation = Conversation.model_validate(data)
    except yaml.YAMLError as error:
        return None, (Problem(name, "yaml", str(error)),)
    except ValidationError as error:
        return None, tuple(
            Problem(name, _location(data, e["loc"]), e["msg"]) for e in error.errors()
        )
    problems = [Problem(name, w, m) for w, m in _references(conversation)]
    if conversation.id != Path(name).stem:
        problems.append(Problem(name, "id", f"id {conversation.id!r} differs from file name"))
    return conversation, tuple(problems)


class _StrictLoader(yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader):  # type: ignore[misc]
    """Safe YAML that refuses a key given twice: YAML keeps the last one silently, so a
    second ``help:`` would hide the first from people and from the translators. Parsed
    by libyaml where PyYAML has it, three times faster than PyYAML's own parser."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"{key!r} is given twice", key_node.start_mark
                )
            seen.add(key)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


def _location(data: object, loc: tuple[int | str, ...]) -> str:
    """Name the question an error is in (``questions.plan.activities.owner``), not its index."""
    parts: list[str] = []
    node: Any = data
    for key in loc:
        node = _child(node, key)
        if isinstance(node, dict) and "id" in node and isinstance(key, int):
            parts.append(str(node["id"]))
        else:
            parts.append(str(key))
    return ".".join(parts)


def _child(node: Any, key: int | str) -> Any:
    if isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
        return node[key]
    return node.get(key) if isinstance(node, dict) else None


def _references(conversation: Conversation) -> Iterator[tuple[str, str]]:
    yield from _hook_problems(conversation, "", ("on_complete",))
    yield from _level(conversation.questions, "questions")
    for question in conversation.questions:
        if question.questions:
            yield from _level(question.questions, f"questions.{question.id}")


def _hook_problems(
    named: Conversation | Question, where: str, keys: tuple[str, ...]
) -> Iterator[tuple[str, str]]:
    """Hook names (``on_complete: kpi_plans``) that ``flows/hooks.py`` does not register."""
    for key in keys:
        name = getattr(named, key)
        known = hooks.KNOWN[key]
        if name is not None and name not in known:
            choices = ", ".join(sorted(known))
            yield f"{where}{key}", f"no {key} hook is called {name!r} (there are: {choices})"


def _level(questions: list[Question], where: str) -> Iterator[tuple[str, str]]:
    seen: dict[str, Question] = {}
    for question in questions:
        if question.id in seen:
            yield f"{where}.{question.id}", "question id used twice"
        yield from _hook_problems(question, f"{where}.{question.id}.", _QUESTION_HOOKS)
        if question.when:
            problem = _condition_problem(question.when, seen)
            if problem:
                yield f"{where}.{question.id}.when", problem
        seen[question.id] = question


def _condition_problem(condition: Condition, earlier: Mapping[str, Question]) -> str | None:
    """Why a condition can never be decided as written, if it cannot."""
    target = earlier.get(condition.question)
    if target is None:
        return f"refers to {condition.question!r}, which is not an earlier question"
    if condition.answered is not None:
        return None
    if target.type is Kind.YESNO and not all(isinstance(v, bool) for v in condition.values):
        return f"{condition.question!r} is a yes/no question: compare with true or false"
    known = {o.id for o in target.options or []}
    unknown = [v for v in condition.values if known and v not in known]
    return f"{condition.question!r} has no option {unknown[0]!r}" if unknown else None


def strings(conversation: Conversation) -> Iterator[tuple[str, str]]:
    """Every translatable string with its location, for extraction and completeness checks."""
    yield "title", conversation.title
    for name in ("intro", "outro"):
        text = getattr(conversation, name)
        if text:
            yield name, text
    for question in conversation.questions:
        yield from _question_strings(question, f"questions.{question.id}")


def _question_strings(question: Question, where: str) -> Iterator[tuple[str, str]]:
    for name in ("prompt", "help", "unit", "more_prompt"):
        text = getattr(question, name)
        if text:
            yield f"{where}.{name}", text
    for option in question.options or []:
        yield f"{where}.options.{option.id}", option.label
    for sub in question.questions or []:
        yield from _question_strings(sub, f"{where}.{sub.id}")


def untranslated(
    conversations: Mapping[str, Conversation], catalogue: Mapping[str, set[str]]
) -> list[Problem]:
    """Strings a language's catalogue lacks, per conversation file and question."""
    problems = []
    for conversation in conversations.values():
        for where, text in strings(conversation):
            for language, known in catalogue.items():
                if text not in known:
                    problems.append(
                        Problem(f"{conversation.id}.yaml", where, f"no {language} translation")
                    )
    return problems
