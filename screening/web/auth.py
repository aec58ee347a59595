"""Accounts, passwords, sessions, lockout and CSRF tokens.

Passwords are hashed with argon2id (argon2-cffi). A session or API token is a random string
given to the client once; the database keeps only its SHA-256, so a copy of the database
does not let anyone sign in. CSRF tokens are an HMAC of the session token under the app's
secret key: nothing to store, and a token from one session is useless in another.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session as OrmSession

from .config import Settings
from .models import ROLES, Event, Session, User, utcnow

SESSION_COOKIE = "screening_session"
PRESESSION_COOKIE = "screening_pre"  # signs the login form's CSRF token before sign-in
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


class AuthError(Exception):
    """A refusal to show a person; `message` is bilingual."""

    def __init__(self, message: str, status: int = 401):
        super().__init__(message)
        self.message = message
        self.status = status


class UserError(ValueError):
    """Bad input to an account command (unknown role, official without region…)."""


BAD_LOGIN = "用户名或密码错误 / Wrong user name or password"


def aware(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite hands back naive datetimes even for timezone=True columns; they were stored as UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Auth:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.hasher = PasswordHasher(time_cost=settings.argon2_time_cost,
                                     memory_cost=settings.argon2_memory_cost)
        # Verified against when the user name is unknown, so a wrong name costs the same time
        # as a wrong password and does not reveal which names exist.
        self._dummy_hash = self.hasher.hash(secrets.token_hex(8))

    # -- accounts ---------------------------------------------------------------------------
    def create_user(self, s: OrmSession, username: str, password: str, role: str,
                    city: str | None = None, county: str | None = None,
                    display_name: str = "") -> User:
        username = (username or "").strip()
        if not username or len(username) > 64:
            raise UserError("用户名不能为空且不超过64个字符 / user name must be 1-64 characters")
        if role not in ROLES:
            raise UserError(f"角色必须是 {', '.join(ROLES)} 之一 / role must be one of {', '.join(ROLES)}")
        city = (city or "").strip() or None
        county = (county or "").strip() or None
        if role == "official" and not (city or county):
            raise UserError("县级用户必须绑定一个市或县 / an official must be bound to a city or county")
        if role != "official" and (city or county):
            raise UserError("省级审核和管理员不绑定地区 / reviewers and admins see all regions")
        if len(password or "") < 8:
            raise UserError("密码至少8个字符 / password must have at least 8 characters")
        if s.scalar(select(User).where(User.username == username)):
            raise UserError(f"用户 {username} 已存在 / user {username} exists")
        user = User(username=username, display_name=display_name or username, role=role,
                    city=city, county=county, password_hash=self.hasher.hash(password),
                    active=True, failed_logins=0)
        s.add(user)
        s.flush()
        return user

    # -- sign-in ----------------------------------------------------------------------------
    def authenticate(self, s: OrmSession, username: str, password: str) -> User:
        """The user for these credentials, or AuthError; counts failures and locks."""
        now = utcnow()
        user = s.scalar(select(User).where(User.username == (username or "").strip()))
        if user is None or not user.active:
            self._verify(self._dummy_hash, password or "")
            s.add(Event(kind="login-failed", detail={"username": (username or "")[:64]}))
            s.commit()  # the caller's unit of work rolls back on the exception: keep the record
            raise AuthError(BAD_LOGIN)
        locked = aware(user.locked_until)
        if locked and locked > now:
            minutes = max(1, int((locked - now).total_seconds() // 60) + 1)
            s.add(Event(kind="login-locked", user_id=user.id, detail={}))
            s.commit()
            raise AuthError(f"登录失败次数过多，账户已锁定，请 {minutes} 分钟后再试 / "
                            f"Too many failed sign-ins: account locked, try again in {minutes} min", 429)
        if not self._verify(user.password_hash, password or ""):
            user.failed_logins = (user.failed_logins or 0) + 1
            detail = {"failures": user.failed_logins}
            if user.failed_logins >= self.settings.max_failed_logins:
                user.locked_until = now + dt.timedelta(minutes=self.settings.lock_minutes)
                user.failed_logins = 0
                detail["locked_until"] = user.locked_until.isoformat()
            s.add(Event(kind="login-failed", user_id=user.id, detail=detail))
            s.commit()  # the failure count must survive the exception
            raise AuthError(BAD_LOGIN)
        user.failed_logins = 0
        user.locked_until = None
        user.last_login_at = now
        if self.hasher.check_needs_rehash(user.password_hash):
            user.password_hash = self.hasher.hash(password)
        s.add(Event(kind="login", user_id=user.id, detail={}))
        return user

    def _verify(self, hashed: str, password: str) -> bool:
        try:
            return self.hasher.verify(hashed, password)
        except (VerificationError, InvalidHashError):
            return False

    def set_password(self, user: User, password: str) -> None:
        if len(password or "") < 8:
            raise UserError("密码至少8个字符 / password must have at least 8 characters")
        user.password_hash = self.hasher.hash(password)

    # -- sessions and tokens ----------------------------------------------------------------
    def open_session(self, s: OrmSession, user: User, kind: str = "cookie") -> tuple[str, dt.datetime]:
        token = secrets.token_urlsafe(32)
        hours = self.settings.session_hours if kind == "cookie" else self.settings.token_hours
        expires = utcnow() + dt.timedelta(hours=hours)
        s.add(Session(token_hash=token_hash(token), kind=kind, user_id=user.id, expires_at=expires))
        # Expired sessions are dropped here rather than by a timer: one less moving part.
        s.execute(delete(Session).where(Session.expires_at < utcnow()))
        return token, expires

    def user_for_token(self, s: OrmSession, token: str | None, kind: str) -> User | None:
        if not token:
            return None
        row = s.scalar(select(Session).where(Session.token_hash == token_hash(token), Session.kind == kind))
        if row is None or aware(row.expires_at) <= utcnow():
            return None
        user = row.user
        if not user.active:
            return None
        return user

    def close_session(self, s: OrmSession, token: str | None) -> None:
        if token:
            s.execute(delete(Session).where(Session.token_hash == token_hash(token)))

    @staticmethod
    def close_all_sessions(s: OrmSession, user: User) -> None:
        s.execute(delete(Session).where(Session.user_id == user.id))


def csrf_token(secret: str, scope: str, value: str) -> str:
    """The CSRF token bound to one session (scope "s") or one pre-login browser (scope "p")."""
    return hmac.new(secret.encode(), f"{scope}:{value}".encode(), hashlib.sha256).hexdigest()


def csrf_ok(secret: str, scope: str, value: str | None, given: str | None) -> bool:
    if not value or not given:
        return False
    return hmac.compare_digest(csrf_token(secret, scope, value), given)
