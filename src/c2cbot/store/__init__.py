"""The only place with SQL: models, queries, migrations, and the engine's ports in SQL.

How the store talks to the database — the one place these rules are written down:

* **The ORM by default.** Queries and changes go through the ``AsyncSession`` and the
  mapped models in ``models.py``: a few rows read, one object changed, anything that
  relies on flush order or on objects loaded earlier in the same transaction.
* **Prebuilt Core statements on the per-message path.** What every inbound message runs
  (the dedupe claim, the person lookup, the conversation state, answers, the outbox
  rows, the last offer) is built once as module constants in ``per_message.py`` and run
  with bound parameters through ``ledger_base.Tx.core``, on the transaction's own
  connection: building a statement and tracking objects would cost more than SQLite's
  own work for the handful of rows one message touches. Nothing else uses them.
* **A turn's closing writes held, on PostgreSQL.** The answer row, the new conversation
  state and a one-message reply are written with ``Tx.write``, which holds them until
  the transaction's next statement and sends them together in one
  (``held_writes.py``); any other statement, ORM query, flush or commit sends them
  first, so no read misses them.
* **Core only on rows the ORM leaves alone.** A Core statement skips the unit of work:
  nothing is flushed before it and no loaded object learns of it. So it may only touch
  rows that no ORM object of the same transaction changes; a row both write goes
  through the ORM.
* **Many rows, one statement.** Fan-outs (a round's prompts, its outbox letters, status
  changes of a batch) are multi-row ``insert()`` / ``update()`` executions, never one
  ORM object per row, in slices of ``prompts.BATCH`` so that statements stay under the
  drivers' parameter limits. ``ON CONFLICT`` clauses use the dialect's insert
  (``Tx.insert``).
* **One clock.** Every time stamped on a row comes from the bot's clock
  (``Database.clock``, handed to each ledger part as ``Tx.clock``) or from an explicit
  ``now`` argument; never from the wall clock or a server default
  (``tests/test_one_clock.py``).
"""
