import time
from tests.flows.walker import *
from tests.driver import Driver

async def test_nul(bot, invite, conversations):
    d = Driver(bot, "x")
    await d.send("hello")
    await d.click("English")
    try:
        await d.send("AB\x00CD")
        print("ok", d.text)
    except Exception as e:
        print("EXC", type(e).__mro__, e)
    await d.send("/frob\x00")
    print(repr(d.text))

async def test_sup(member):
    await member.press("s:aim")
    try:
        await member.press("²:yes")
        print(member.text)
    except Exception as e:
        print("EXC", type(e), e)
