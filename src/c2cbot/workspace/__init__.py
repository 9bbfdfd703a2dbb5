"""The partnership workspace's pages, before any HTML: what each page shows, worked out
from the facts the store gathers, in the reader's language.

Pure on purpose: no SQL, no aiohttp. The store fills the facts (``workspace/facts.py``,
through the ports in ``workspace/ports.py``), this package turns them into views, and
``web/workspace.py`` renders the views with the templates in ``templates/web/p/``. The
rules it shows are the chat's own (answers shown as ``flows/answer_shown`` shows them,
progress counted as ``flows/step_progress`` counts it, steps done as the digest says), so
the page and the chat never disagree.
"""
