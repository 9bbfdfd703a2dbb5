"""c2cbot: a chat bot for European–Chinese city-to-city partnerships."""
