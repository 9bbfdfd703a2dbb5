"""WeCom's error codes as the dispatcher understands them: wait, retry, or give up."""

from __future__ import annotations

from c2cbot.channels.base import DeliveryError

LIMIT_PAUSE = 60.0  # WeCom blocks a caller over a per-minute limit for 60 seconds
TOKEN_ERRORS = frozenset({40014, 42001})  # invalid / expired access_token
LIMIT_ERRORS = frozenset({45009, 45011, 45033})  # over a call limit / too fast / too parallel
UNREACHABLE_MEMBER = frozenset({40003, 60111, 81013})  # invalid userid / not found / all invalid
UNREACHABLE_GROUP = frozenset({86001, 86003})  # chatid invalid / chat does not exist
TRANSIENT = frozenset({-1})  # system busy


class WeComError(DeliveryError):
    """WeCom answered with an error code; ``errcode`` says which."""

    def __init__(
        self,
        errcode: int,
        errmsg: str,
        *,
        permanent: bool = False,
        retry_after: float | None = None,
        unreachable: bool = False,
    ) -> None:
        super().__init__(
            f"WeCom error {errcode}: {errmsg[:200]}",
            permanent=permanent,
            retry_after=retry_after,
            unreachable=unreachable,
        )
        self.errcode = errcode


def api_error(errcode: int, errmsg: str, *, group: bool = False) -> WeComError:
    """WeCom's error code as the dispatcher understands it: wait, retry, or give up.

    Codes not listed mean the request itself is wrong and stays wrong, so they are
    permanent; limits wait out WeCom's 60-second block; a token error that survived
    one refresh is worth another try later.
    """
    unreachable = UNREACHABLE_GROUP if group else UNREACHABLE_MEMBER
    if errcode in LIMIT_ERRORS:
        return WeComError(errcode, errmsg, retry_after=LIMIT_PAUSE)
    if errcode in unreachable:
        return WeComError(errcode, errmsg, unreachable=True)
    if errcode in TRANSIENT or errcode in TOKEN_ERRORS:
        return WeComError(errcode, errmsg)
    return WeComError(errcode, errmsg, permanent=True)


def token_refused(errcode: int, errmsg: str) -> WeComError:
    """gettoken failed: wrong secret, or WeCom's limits; tried again after the block."""
    return WeComError(errcode, "gettoken failed", retry_after=LIMIT_PAUSE)
