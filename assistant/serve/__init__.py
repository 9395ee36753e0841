"""The team server (``assistant serve``) and its clients (``ask --server``, ``chat --server``).

- ``tokens``: per-user bearer tokens; only their sha256 is stored, in a file of mode 0600.
- ``limits``: body size, question length, requests per token per minute.
- ``wire``: the HTTP request and the answer's JSON forms (``POST /ask`` returns exactly the
  ``ask --json`` object; ``"detail": true`` adds ``turn``, the whole answer, which a client passes
  back as an earlier turn for follow-ups).
- ``live``: the live index, read-only; a new commit point is loaded beside the old one and swapped
  in whole, so a request finishes on the version it started with.
- ``app``: the FastAPI app; ``server``: run it on uvicorn, or as a Ray Serve deployment with replicas.
- ``client``: the HTTP client (standard library only): a ``RemoteAssistant`` with the methods the
  chat and ``ask`` call on a local one.

FastAPI, uvicorn and Ray are the ``cluster`` extra; the client and everything here but ``app`` and
``server`` need none of them.
"""
