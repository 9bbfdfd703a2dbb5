"""Why the store refuses an operator's change, before it writes anything."""


class Refused(ValueError):
    """A change the store will not make: a duplicate, or a city, loop or code it does not
    know. The message names the value; nothing of the change was written."""
