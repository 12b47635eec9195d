"""Pure core: scenario model, YAML loader and validation, client simulator.

Nothing in this package imports Telegram, SQLite or asyncio.
"""
