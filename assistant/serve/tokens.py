"""Bearer tokens, one per user: ``assistant serve token add NAME`` prints a new one once.

Only each token's sha256 is stored (tokens are 256 random bits, so a plain hash is enough),
in a JSON file of mode 0600 written atomically (``$ASSISTANT_DATA_DIR/serve/tokens.json`` by
default). The server reads the file again whenever it changes, so a revoked token stops
working at once, without a restart.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import stat
import threading
from datetime import datetime, UTC
from pathlib import Path

from assistant.errors import AssistantError

PREFIX = "cqc_"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


class TokenProblem(AssistantError):
    """A bad user name, an unknown user, or a tokens file that cannot be read or is open to others."""


def default_path() -> Path:
    from assistant import config

    return config.data_dir() / "serve" / "tokens.json"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def check_private(path: Path) -> None:
    """Refuse a secrets file that group or others may read or write (as ssh does)."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise TokenProblem(f"{path} may be read by others (mode {mode:04o}): run `chmod 600 {path}`")


class TokenStore:
    """The users and their token hashes, read from ``path`` (re-read when the file changes)."""

    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path else default_path()
        self._lock = threading.Lock()
        self._seen: tuple[int, int, int] | None = None
        self._users: dict[str, dict] = {}

    # -- reading ---------------------------------------------------------------------------------

    def _load(self) -> dict[str, dict]:
        with self._lock:
            try:
                st = self.path.stat()
            except FileNotFoundError:
                self._seen, self._users = None, {}
                return self._users
            key = (st.st_size, st.st_mtime_ns, st.st_ino)
            if key != self._seen:
                check_private(self.path)
                try:
                    users = json.loads(self.path.read_text(encoding="utf-8"))["users"]
                    if not isinstance(users, dict):
                        raise ValueError("users is not an object")
                except (OSError, ValueError, KeyError, TypeError) as exc:
                    raise TokenProblem(f"cannot read the tokens file {self.path} ({exc})") from None
                self._users, self._seen = users, key
            return self._users

    def users(self) -> dict[str, str]:
        """User name -> when their token was made."""
        return {name: str(u.get("created", "")) for name, u in sorted(self._load().items())}

    def check(self, token: str | None) -> str | None:
        """The user a token belongs to, or None (no token, unknown or revoked)."""
        if not token:
            return None
        wanted = digest(token)
        found = None
        for name, user in self._load().items():
            if hmac.compare_digest(str(user.get("sha256", "")), wanted):
                found = name
        return found

    # -- writing ---------------------------------------------------------------------------------

    def _save(self, users: dict[str, dict]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({"users": users}, fh, indent=1, sort_keys=True)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        finally:
            if tmp.exists():
                tmp.unlink()

    def add(self, name: str) -> str:
        """A new token for ``name`` (replacing any it had); returns the token, which is not stored."""
        if not _NAME.match(name or ""):
            raise TokenProblem(f"a user name is 1-64 letters, digits, '.', '_', '@' or '-', not {name!r}")
        users = dict(self._load())
        token = PREFIX + secrets.token_urlsafe(32)
        users[name] = {"sha256": digest(token), "created": datetime.now(UTC).isoformat(timespec="seconds")}
        self._save(users)
        return token

    def revoke(self, name: str) -> None:
        """Remove ``name``'s token; TokenProblem when there is no such user."""
        users = dict(self._load())
        if name not in users:
            raise TokenProblem(f"no user called {name!r} in {self.path}")
        del users[name]
        self._save(users)
