"""An answer longer than its question takes is not lost: its first part is offered.

Refusing it with "please keep it under 1000 characters" made people retype a long text
on a phone. Instead the bot says how long it is and offers to keep the first part, cut
where a sentence ends (``text_limits.first_part``) and shown by its last words. One tap
on "Keep" (or "1", or "yes", where a channel has no buttons) stores that part; any other
reply is read as the answer instead. Nothing is stored until the person chooses, so the
cut is never silent. The offer lives in the conversation state for the question asked
(its ``seq``), so it lapses as soon as anything else is asked.
"""

from __future__ import annotations

from c2cbot.domain import values
from c2cbot.domain.text import N_
from c2cbot.domain.values import InvalidValue
from c2cbot.flows.actions import Pick
from c2cbot.flows.answering import Parsed, clean_text
from c2cbot.flows.commanding import ChatTurn
from c2cbot.flows.messages import Choice, Outbound
from c2cbot.flows.schema import Kind, Question
from c2cbot.flows.text_limits import first_part, last_words
from c2cbot.flows.walk import Position

TOO_LONG = N_(
    "Your answer has {length} characters; this question takes up to {limit}. "
    "I can keep the first {kept} characters, up to “…{ending}”. "
    "Keep them, or send a shorter answer."
)
KEEP_LABEL = N_("Keep the first {kept} characters")
SEND_SHORTER = N_("Please send a shorter answer.")
KEEP = "keep"  # the option a "Keep" button picks: text questions have no options of their own
_DRAFT = "draft"


def too_long(question: Question, position: Position, text: str) -> bool:
    return (
        question.type is Kind.TEXT
        and not position.more
        and len(clean_text(text)) > question.max_length
    )


def offer(turn: ChatTurn, question: Question, text: str) -> None:
    """Say how long the answer is and offer its first part; the question stays open."""
    cleaned = clean_text(text)
    kept = first_part(cleaned, question.max_length)
    seq = int(turn.state.get("seq", 0))
    turn.state[_DRAFT] = {"seq": seq, "text": kept}
    said = turn.translate(
        TOO_LONG,
        length=len(cleaned),
        limit=question.max_length,
        kept=len(kept),
        ending=last_words(kept),
    )
    keep = Choice(Pick(seq, KEEP).encode(), turn.translate(KEEP_LABEL, kept=len(kept)))
    turn.replies.append(Outbound(said, (keep,)))


def kept_part(
    turn: ChatTurn, *, typed: str | None = None, picked: Pick | None = None
) -> Parsed | None:
    """The offered part, if this reply takes it. Any reply ends the offer.

    Raises ``InvalidValue`` for a typed "no": that asks for a shorter answer, which the
    person is told to send, rather than storing "no" as the answer.
    """
    draft = turn.state.pop(_DRAFT, None)
    if not isinstance(draft, dict) or draft.get("seq") != turn.state.get("seq"):
        return None
    text = str(draft.get("text", ""))
    if picked is not None:
        return Parsed(text, text) if picked.option == KEEP else None
    if typed is None:
        return None
    reply = values.normalise(typed).strip().rstrip(".。!！")
    if reply == "1":
        return Parsed(text, text)
    try:
        keep = values.parse_yes_no(reply)
    except InvalidValue:
        return None
    if not keep:
        raise InvalidValue(SEND_SHORTER)
    return Parsed(text, text)
