"""The practice registry's accounts: the htpasswd file (bcrypt, 0600) and the hidden admin account."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import bcrypt

from tutor.core.registry import server as registry_server
from tutor.core.target import InvalidName, validate_user

ADMIN_USER = "tutor-admin"


class AccountRefused(ValueError):
    """An account could not be made or removed; the text says why and what to do."""


def password_problem(password: str) -> str | None:
    """Why the registry cannot take this password, or None (bcrypt reads at most 72 bytes)."""
    if not password:
        return "the password is empty; choose one with at least one character"
    size = len(password.encode("utf-8"))
    if size > registry_server.MAX_PASSWORD_BYTES:
        return (f"the password is {size} bytes long, but the registry's bcrypt reads at most "
                f"{registry_server.MAX_PASSWORD_BYTES}; choose a shorter one (nothing was created)")
    return None


class Accounts:
    """The accounts of one data dir; the caller holds the data dir's lock while changing them."""

    def __init__(self, data_dir: Path) -> None:
        self.htpasswd = data_dir / "htpasswd"
        self.admin_file = data_dir / "admin-password"

    def users(self) -> list[str]:
        """The learners' account names (the tutor's hidden admin account is left out)."""
        return [name for name in registry_server.read_htpasswd(self.htpasswd) if name != ADMIN_USER]

    def check_password(self, name: str, password: str) -> bool:
        """True when password is the account's password."""
        hashed = registry_server.read_htpasswd(self.htpasswd).get(name)
        if not hashed or name == ADMIN_USER or not password:
            return False
        try:
            return bcrypt.checkpw(password.encode("utf-8"), hashed.encode("ascii"))
        except ValueError:
            return False

    def add(self, name: str, password: str) -> None:
        """Create an account; the running registry accepts it at once (it reloads htpasswd)."""
        try:
            validate_user(name)
        except InvalidName as error:
            raise AccountRefused(str(error)) from error
        if name == ADMIN_USER:
            raise AccountRefused(f"'{ADMIN_USER}' is reserved for the tutor; choose another name")
        if problem := password_problem(password):
            raise AccountRefused(problem)
        accounts = registry_server.read_htpasswd(self.htpasswd)
        if name in accounts:
            raise AccountRefused(f"the account '{name}' already exists; pick another name, "
                                 f"or remove it first: registry-tutor practice remove-user {name}")
        accounts[name] = registry_server.hash_password(password)
        registry_server.write_htpasswd(self.htpasswd, accounts)

    def remove(self, name: str) -> None:
        """Delete an account (its pushed images stay until reset)."""
        accounts = registry_server.read_htpasswd(self.htpasswd)
        if name == ADMIN_USER or name not in accounts:
            raise AccountRefused(f"there is no account '{name}'; see: registry-tutor practice users")
        del accounts[name]
        registry_server.write_htpasswd(self.htpasswd, accounts)

    def admin_password(self) -> str:
        """The hidden admin account's password, created (0600 file, bcrypt entry) when missing."""
        password = self.admin_file.read_text().strip() if self.admin_file.exists() else ""
        accounts = registry_server.read_htpasswd(self.htpasswd)
        if password and accounts.get(ADMIN_USER):
            return password
        password = secrets.token_urlsafe(24)
        self.admin_file.parent.mkdir(parents=True, exist_ok=True)
        self.admin_file.unlink(missing_ok=True)
        fd = os.open(self.admin_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(password + "\n")
        accounts[ADMIN_USER] = registry_server.hash_password(password)
        registry_server.write_htpasswd(self.htpasswd, accounts)
        return password
