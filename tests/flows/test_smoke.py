from tests.driver import Driver


async def test_onboarding_then_aim(person: Driver, invite: str) -> None:
    await person.send("hello")
    assert person.last.choices, person.text
    await person.click("English")
    await person.send(invite)
    print(person.text)
    await person.send("Alice Andersson")
    print(person.text)
