"""WeChat Official Account callback latency under a steady, open-loop load of encrypted texts.

Not a test: it measures. The bot runs in a process of its own, built from settings as
``c2cbot run`` builds it (``Bot(Settings(…))``, web server, outbox dispatcher), on a
fresh SQLite file, in safe mode against the fake WeChat API of the tests
(``tests/fakes/wechat_api.py``), which runs in this process together with the load
generator.

1. **Setup, untimed.** ``--users`` followers follow the account from the invitation's
   QR code (a subscribe event with ``qrscene_<code>``), a few at a time, and get the
   language question.
2. **Timed.** ``--rate`` requests a second for ``--seconds``, sent open-loop: request
   *i* is due at ``start + i / rate`` and goes out then whether or not earlier ones
   were answered. Each is a sealed (AES) text message signed as WeChat signs it;
   request *i* comes from follower ``i mod users``, who types the next answer of their
   onboarding and the Aim step (language, consent, name, city, organisation, role, the
   menu's Aim, then Aim's answers), so a follower's messages are ``users / rate`` seconds
   apart. Latency runs from the moment a request was due to the moment its answer
   was read, so a late sender cannot hide a slow bot.
3. **Checked, untimed.** Every passive reply is opened and its signature checked;
   the script waits until the bot's outbox is empty, then counts what went through
   the customer-service API and how many answers the bot stored.

Run from the repository root::

    .venv/bin/python bench/wechat_latency.py                    # 200 and 500 requests/s
    .venv/bin/python bench/wechat_latency.py --rates 200 --seconds 20
    .venv/bin/python bench/wechat_latency.py --help

See bench/README.md for what the numbers mean.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import multiprocessing
import pstats
import secrets
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path

import aiohttp
from sqlalchemy import func, select

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
for _path in (str(ROOT), str(BENCH)):  # the sibling script and the tests' fake
    if _path not in sys.path:
        sys.path.insert(0, _path)

from engine_throughput import (  # noqa: E402
    _system_busy,
    answer_plan,
    code_version,
    log,
    machine,
    percentile,
    prepare_database,
    scratch_sqlite_url,
)
from tests.fakes.wechat_api import (  # noqa: E402
    ACCOUNT,
    AES_KEY,
    APP_ID,
    APP_SECRET,
    CALLBACK_TOKEN,
    FakeWeChat,
    aes_key,
    message_xml,
    signature,
)
from wechatpy.crypto import PrpCrypto  # noqa: E402

from c2cbot.config import DEFAULT_HOME, Settings  # noqa: E402
from c2cbot.flows.loader import load_all  # noqa: E402
from c2cbot.i18n import Catalogues  # noqa: E402
from c2cbot.runtime import Bot, tune_gc_for_serving  # noqa: E402
from c2cbot.store.database import Database  # noqa: E402
from c2cbot.store.models import Answer, InboundMessage, OutboxMessage  # noqa: E402

RESULTS = BENCH / "results"
TARGET_P99 = 0.100
REQUEST_TIMEOUT = 10.0  # WeChat gives up after 5 s; we wait longer to see the tail
SETUP_CONCURRENCY = 16
DRAIN_TIMEOUT = 180.0


# ----- the bot, in a process of its own


@dataclass(frozen=True)
class BotConfig:
    database_url: str
    api_url: str
    users: int
    deadline: float | None
    profile: bool


def serve_bot(config: BotConfig, pipe: Connection) -> None:
    """The bot process: set up the database, serve, answer the parent's commands."""
    asyncio.run(_serve_bot(config, pipe))


async def _serve_bot(config: BotConfig, pipe: Connection) -> None:
    database = Database(config.database_url)
    invite = await prepare_database(database, config.users + 10)
    await database.close()
    extra = {} if config.deadline is None else {"wechat_reply_deadline": config.deadline}
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=config.database_url,
        wechat_app_id=APP_ID,
        wechat_app_secret=APP_SECRET,
        wechat_token=CALLBACK_TOKEN,
        wechat_aes_key=AES_KEY,
        wechat_api_url=config.api_url,
        **extra,
    )
    bot = Bot(settings)
    url = await bot.start("127.0.0.1", 0)
    tune_gc_for_serving()  # as `c2cbot run` does
    pipe.send({"url": url, "invite": invite, "deadline": settings.wechat_reply_deadline})
    loop = asyncio.get_running_loop()
    profiler = cProfile.Profile() if config.profile else None
    while True:
        command = await loop.run_in_executor(None, pipe.recv)
        if command == "start":
            pipe.send(time.process_time())
            if profiler is not None:
                profiler.enable()
        elif command == "stop":
            if profiler is not None:
                profiler.disable()
            pipe.send(time.process_time())
        elif command == "counts":
            pipe.send(await counts(bot.database))
        elif command == "profile":
            pipe.send(profile_text(profiler))
        else:
            break
    await bot.stop()


async def counts(database: Database) -> dict[str, int]:
    async with database.sessions() as session:
        statuses = dict(
            (
                await session.execute(
                    select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
                )
            ).all()
        )
        answers = (await session.execute(select(func.count(Answer.id)))).scalar_one()
        inbound = (await session.execute(select(func.count(InboundMessage.id)))).scalar_one()
    return {
        **{f"outbox_{k}": int(v) for k, v in statuses.items()},
        "answers": int(answers),
        "inbound": int(inbound),
    }


def profile_text(profiler: cProfile.Profile | None, top: int = 35) -> str:
    if profiler is None:
        return ""
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top * 2)
    stats.sort_stats("cumulative").print_stats(r"wechat|aiohttp/web_protocol", top)
    return out.getvalue()


# ----- followers and their messages


@dataclass(frozen=True)
class Request:
    openid: str
    due: float  # seconds after the timed phase starts
    query: dict[str, str]
    body: bytes


@dataclass
class Outcome:
    due: float
    status: int = 0
    latency: float | None = None
    passive: bool = False
    body: str = ""
    error: str = ""


def seal(openid: str, fields: dict[str, str | int]) -> tuple[dict[str, str], bytes]:
    """A message as WeChat delivers it in safe mode: sealed, signed, timestamped now."""
    timestamp, nonce = str(int(time.time())), str(secrets.randbelow(10**9))
    head: dict[str, str | int] = {
        "ToUserName": ACCOUNT,
        "FromUserName": openid,
        "CreateTime": int(timestamp),
    }
    plain = message_xml({**head, **fields})
    encrypted = PrpCrypto(aes_key(AES_KEY)).encrypt(plain, APP_ID).decode()
    query = {
        "signature": signature(CALLBACK_TOKEN, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
        "openid": openid,
        "encrypt_type": "aes",
        "msg_signature": signature(CALLBACK_TOKEN, timestamp, nonce, encrypted),
    }
    return query, message_xml({"ToUserName": ACCOUNT, "Encrypt": encrypted}).encode()


async def scripts(users: int) -> list[list[str]]:
    """What each follower types, in order: onboarding in Chinese, then the Aim step."""
    texts = Catalogues(DEFAULT_HOME / "locale")
    aim_conversation = load_all(DEFAULT_HOME / "conversations")["aim"]
    aim = [p.text for p in await answer_plan(aim_conversation, texts)]
    return [
        ["2", "1", f"王丽{n}", "1", f"上海市人民政府外事办公室第{n}处", "1", "1", *aim]
        for n in range(users)
    ]


def plan(rate: float, seconds: float, users: int, typed: list[list[str]]) -> list[Request]:
    total = int(rate * seconds)
    if total > users * len(typed[0]):
        raise SystemExit(f"{total} requests need more than {users} followers: raise --users")
    requests = []
    for i in range(total):
        user, turn = i % users, i // users
        openid = f"o_bench_{user:05d}"
        fields: dict[str, str | int] = {"MsgType": "text", "Content": typed[user][turn]}
        fields["MsgId"] = 7_000_000_000 + i
        query, body = seal(openid, fields)
        requests.append(Request(openid, i / rate, query, body))
    return requests


# ----- sending


async def post(session: aiohttp.ClientSession, url: str, request: Request) -> tuple[int, str]:
    async with session.post(url, params=request.query, data=request.body) as response:
        return response.status, await response.text()


async def follow_all(session: aiohttp.ClientSession, url: str, users: int, invite: str) -> None:
    """Setup: every follower follows from the QR code; all must get the language question."""
    limit = asyncio.Semaphore(SETUP_CONCURRENCY)

    async def follow(n: int) -> None:
        openid = f"o_bench_{n:05d}"
        fields: dict[str, str | int] = {
            "MsgType": "event",
            "Event": "subscribe",
            "EventKey": f"qrscene_{invite}",
        }
        query, body = seal(openid, fields)
        async with limit:
            status, _text = await post(session, url, Request(openid, 0.0, query, body))
        if status != 200:
            raise RuntimeError(f"following failed for {openid}: HTTP {status}")

    await asyncio.gather(*(follow(n) for n in range(users)))


async def fire(
    session: aiohttp.ClientSession, url: str, request: Request, start: float, outcome: Outcome
) -> None:
    try:
        status, body = await post(session, url, request)
    except (aiohttp.ClientError, TimeoutError) as error:
        outcome.error = type(error).__name__
        return
    outcome.latency = time.monotonic() - (start + request.due)
    outcome.status, outcome.body = status, body
    outcome.passive = status == 200 and body.lstrip().startswith("<xml")


async def open_loop(
    session: aiohttp.ClientSession, url: str, requests: list[Request]
) -> tuple[list[Outcome], float, float]:
    """Send each request when it is due; (outcomes, start, worst lateness of a send)."""
    outcomes = [Outcome(r.due) for r in requests]
    tasks = []
    start = time.monotonic() + 0.2
    late = 0.0
    for request, outcome in zip(requests, outcomes, strict=True):
        wait = start + request.due - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        late = max(late, -wait)
        tasks.append(asyncio.create_task(fire(session, url, request, start, outcome)))
    await asyncio.gather(*tasks)
    return outcomes, start, late


# ----- checking and summing up


def opened(body: str) -> str:
    """The text of a sealed passive reply, its signature checked."""
    from tests.fakes.wechat_api import WeChatUser

    user = WeChatUser(FakeWeChat(), "", "o", encoding_aes_key=AES_KEY)
    return user.open_reply(body).get("Content", "")


def api_latencies(
    requests: list[Request], outcomes: list[Outcome], fake: FakeWeChat, start: float
) -> list[float]:
    """For requests answered "success": due time → the first customer-service message after."""
    latencies = []
    for request, outcome in zip(requests, outcomes, strict=True):
        if outcome.passive or outcome.status != 200:
            continue
        due = start + request.due
        later = [r.at for r in fake.received.get(request.openid, []) if r.kind == "custom"]
        arrived = [at for at in later if at >= due]
        if arrived:
            latencies.append(min(arrived) - due)
    return sorted(latencies)


def spread(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50_ms": None, "p99_ms": None, "max_ms": None}
    ordered = sorted(values)
    return {
        "p50_ms": round(percentile(ordered, 0.50) * 1000, 1),
        "p99_ms": round(percentile(ordered, 0.99) * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


@dataclass
class Result:
    rate: float
    seconds: float
    users: int
    deadline: float
    requests: int
    answered_200: int
    passive: int
    success: int
    errors: dict[str, int]
    callback: dict[str, float | None]
    api_reply: dict[str, float | None]
    custom_sends: int
    api_answered_requests: int
    worst_send_lateness_ms: float
    bot_cpu_share: float
    generator_cpu_share: float
    other_cpu_share: float | None
    bot_counts: dict[str, int]
    loadavg_before: tuple[float, float, float]
    loadavg_after: tuple[float, float, float]
    problems: list[str] = field(default_factory=list)

    @property
    def passive_share(self) -> float:
        return self.passive / self.requests if self.requests else 0.0


async def wait_drained(pipe: Connection) -> dict[str, int]:
    loop = asyncio.get_running_loop()
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while True:
        pipe.send("counts")
        found: dict[str, int] = await loop.run_in_executor(None, pipe.recv)
        if not found.get("outbox_pending") and not found.get("outbox_sending"):
            return found
        if time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.2)


async def run_rate(args: argparse.Namespace, rate: float, url_for_db: str) -> Result:
    async with FakeWeChat() as fake:
        config = BotConfig(url_for_db, fake.api_url, args.users, args.deadline, args.profile)
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        process = context.Process(target=serve_bot, args=(config, child), daemon=True)
        process.start()
        loop = asyncio.get_running_loop()
        hello = await loop.run_in_executor(None, parent.recv)
        callback = f"{hello['url']}/wechat"
        connector = aiohttp.TCPConnector(limit=0)
        timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
        try:
            async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
                log(f"{rate:g}/s: {args.users} followers follow (untimed)…")
                await follow_all(session, callback, args.users, hello["invite"])
                await wait_drained(parent)
                fake.received.clear()
                fake.requests.clear()
                requests = plan(rate, args.seconds, args.users, await scripts(args.users))
                log(f"{rate:g}/s: {len(requests)} sealed texts over {args.seconds:g} s…")
                load_before = _loadavg()
                parent.send("start")
                bot_cpu_0 = await loop.run_in_executor(None, parent.recv)
                mine_0, system_0 = time.process_time(), _system_busy()
                outcomes, start, late = await open_loop(session, callback, requests)
                elapsed = time.monotonic() - start
                mine_1, system_1 = time.process_time(), _system_busy()
                parent.send("stop")
                bot_cpu_1 = await loop.run_in_executor(None, parent.recv)
                load_after = _loadavg()
                final = await wait_drained(parent)
                profile = ""
                if args.profile:
                    parent.send("profile")
                    profile = await loop.run_in_executor(None, parent.recv)
        finally:
            parent.send("quit")
            process.join(30)
        result = summarise(
            rate, args, hello["deadline"], requests, outcomes, fake, start, late, final
        )
        bot_cpu, mine = bot_cpu_1 - bot_cpu_0, mine_1 - mine_0
        result.bot_cpu_share = round(bot_cpu / elapsed, 2)
        result.generator_cpu_share = round(mine / elapsed, 2)
        if system_0 is not None and system_1 is not None:
            other = max(0.0, (system_1 - system_0) - bot_cpu - mine)
            result.other_cpu_share = round(other / elapsed, 2)
        result.loadavg_before, result.loadavg_after = load_before, load_after
        if profile:
            stem = f"wechat-{rate:g}-{datetime.now(UTC):%Y-%m-%d}-profiled.txt"
            RESULTS.mkdir(exist_ok=True)
            (RESULTS / stem).write_text(profile)
            log(f"profile: {RESULTS / stem}")
        return result


def summarise(
    rate: float,
    args: argparse.Namespace,
    deadline: float,
    requests: list[Request],
    outcomes: list[Outcome],
    fake: FakeWeChat,
    start: float,
    late: float,
    final: dict[str, int],
) -> Result:
    problems = []
    errors: dict[str, int] = {}
    for outcome in outcomes:
        if outcome.error or outcome.status != 200:
            key = outcome.error or f"HTTP {outcome.status}"
            errors[key] = errors.get(key, 0) + 1
    for outcome in outcomes:
        if outcome.passive and not opened(outcome.body).strip():
            problems.append("a passive reply did not open or was empty")
            break
    passive = sum(o.passive for o in outcomes)
    success = sum(o.status == 200 and o.body == "success" for o in outcomes)
    api = api_latencies(requests, outcomes, fake, start)
    if final.get("outbox_pending") or final.get("outbox_sending") or final.get("outbox_dead"):
        problems.append(f"the outbox did not drain cleanly: {final}")
    if final.get("answers", 0) < len(requests) - 2 * args.users:  # onboarding's language etc.
        problems.append(f"only {final.get('answers')} answers stored for {len(requests)} texts")
    return Result(
        rate=rate,
        seconds=args.seconds,
        users=args.users,
        deadline=deadline,
        requests=len(requests),
        answered_200=sum(o.status == 200 for o in outcomes),
        passive=passive,
        success=success,
        errors=errors,
        callback=spread([o.latency for o in outcomes if o.latency is not None]),
        api_reply=spread(api),
        custom_sends=len(fake.calls("message/custom/send")),
        api_answered_requests=len(api),
        worst_send_lateness_ms=round(late * 1000, 1),
        bot_cpu_share=0.0,
        generator_cpu_share=0.0,
        other_cpu_share=None,
        bot_counts=final,
        loadavg_before=(0.0, 0.0, 0.0),
        loadavg_after=(0.0, 0.0, 0.0),
        problems=problems,
    )


def _loadavg() -> tuple[float, float, float]:
    try:
        one, five, fifteen = Path("/proc/loadavg").read_text().split()[:3]
    except (OSError, ValueError):
        return (0.0, 0.0, 0.0)
    return (float(one), float(five), float(fifteen))


def table(results: list[Result]) -> str:
    lines = [
        "| rate/s | requests | callback p50 / p99 / max (ms) | passive | via API "
        "| API reply p50 / p99 (ms) | errors | bot CPU | other CPU |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        c, a = r.callback, r.api_reply
        lines.append(
            f"| {r.rate:g} | {r.requests} | {c['p50_ms']} / {c['p99_ms']} / {c['max_ms']} "
            f"| {r.passive_share:.1%} | {r.success / r.requests:.1%} "
            f"| {a['p50_ms']} / {a['p99_ms']} | {sum(r.errors.values())} "
            f"| {r.bot_cpu_share:.0%} | {_share(r.other_cpu_share)} |"
        )
    return "\n".join(lines)


def _share(value: float | None) -> str:
    return "?" if value is None else f"{value:.0%}"


async def main(args: argparse.Namespace) -> list[Result]:
    results = []
    for rate in args.rates:
        with scratch_sqlite_url() as url:
            result = await run_rate(args, rate, url)
        results.append(result)
        status = "ok" if result.callback["p99_ms"] and result.callback["p99_ms"] < 100 else "MISS"
        log(f"{rate:g}/s: p99 {result.callback['p99_ms']} ms ({status} against 100 ms)")
        for problem in result.problems:
            log(f"  problem: {problem}")
    print(table(results))
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"wechat-{datetime.now(UTC):%Y-%m-%d}{args.tag}.json"
    document = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine("sqlite", ""),
        "code": code_version(),
        "target_p99_ms": TARGET_P99 * 1000,
        "results": [{**asdict(r), "passive_share": r.passive_share} for r in results],
    }
    out.write_text(json.dumps(document, indent=2, ensure_ascii=False))
    log(f"written: {out}")
    return results


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", type=float, nargs="+", default=[200.0, 500.0])
    parser.add_argument("--seconds", type=float, default=10.0, help="timed phase per rate")
    parser.add_argument("--users", type=int, default=1000, help="distinct followers")
    parser.add_argument(
        "--deadline", type=float, default=None, help="C2C_WECHAT_REPLY_DEADLINE (default: 4)"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the bot's timed phase")
    parser.add_argument("--tag", default="", help="suffix for the result file's name")
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
