"""One typed settings object, read from the environment (and .env)."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from models.settings_check import (
    SettingProblems,
    SettingsInvalid,
    describe,
    production_problems,
    sender_address_problem,
    smtp_problems,
)

TIMER_MAX_ATTEMPTS = 5  # a timer that fails this many times is parked and the operators told


class Settings(BaseSettings):
    # An empty variable (docker compose passes `${X:-}` as "") means "not set".
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_ignore_empty=True)

    env: Literal["development", "production", "test"] = Field(
        default="development", alias="MCU_ENV"
    )
    database_url: str = Field(default="sqlite+aiosqlite:///./mcu.db", alias="DATABASE_URL")
    redis_url: str | None = Field(default=None, alias="REDIS_URL")
    # Log lines: one JSON object each (for a log collector) or readable text; unset: JSON in
    # production, text otherwise.
    log_format: Literal["json", "text"] | None = Field(default=None, alias="MCU_LOG_FORMAT")
    api_host: str = Field(default="127.0.0.1", alias="MCU_API_HOST")
    api_port: int = Field(default=8000, alias="MCU_API_PORT")
    poll_seconds: float = Field(default=5.0, gt=0, le=300, alias="MCU_POLL_SECONDS")
    outbox_max_attempts: int = Field(default=8, ge=1, le=100, alias="MCU_OUTBOX_MAX_ATTEMPTS")
    timer_max_attempts: int = Field(
        default=TIMER_MAX_ATTEMPTS, ge=1, le=100, alias="MCU_TIMER_MAX_ATTEMPTS"
    )
    bootstrap_admin_token: SecretStr | None = Field(default=None, alias="MCU_ADMIN_TOKEN")
    telegram_token: SecretStr | None = Field(default=None, alias="TELEGRAM_TOKEN")
    telegram_bot_username: str | None = Field(default=None, alias="TELEGRAM_BOT_USERNAME")
    telegram_api_base: str = Field(default="https://api.telegram.org", alias="TELEGRAM_API_BASE")
    telegram_webhook_url: str | None = Field(default=None, alias="TELEGRAM_WEBHOOK_URL")
    telegram_webhook_secret: SecretStr | None = Field(default=None, alias="TELEGRAM_WEBHOOK_SECRET")
    # Which municipality the bot serves when the deployment has several (its setup code).
    telegram_municipality: str | None = Field(default=None, alias="TELEGRAM_MUNICIPALITY")
    # Telegram's budget: 30 messages a second per bot, one a second per chat.
    # Set a little under the limits: arrival times jitter, and one message too many costs a 429.
    telegram_per_second: float = Field(default=29.0, gt=0, le=1000, alias="MCU_TELEGRAM_PER_SECOND")
    telegram_chat_interval: float = Field(
        default=1.05, ge=0, le=60, alias="MCU_TELEGRAM_CHAT_INTERVAL"
    )
    # A VK community bot (community messages): its token, the community's id, and how events
    # arrive — Callback API when VK_CALLBACK_URL is set (VK posts to /vk/callback/<group_id>),
    # Bots Long Poll otherwise (no public address needed).
    vk_token: SecretStr | None = Field(default=None, alias="VK_TOKEN")
    vk_group_id: int | None = Field(default=None, gt=0, alias="VK_GROUP_ID")
    vk_api_base: str = Field(default="https://api.vk.ru/method/", alias="VK_API_BASE")
    vk_callback_url: str | None = Field(default=None, alias="VK_CALLBACK_URL")
    vk_callback_secret: SecretStr | None = Field(default=None, alias="VK_CALLBACK_SECRET")
    vk_confirmation_code: str | None = Field(default=None, max_length=64, alias="VK_CONFIRMATION")
    vk_municipality: str | None = Field(default=None, alias="VK_MUNICIPALITY")
    # VK's budget is 20 requests a second per community token (every method, not only sends):
    # a little under it, shared by the outbox and the dialogs' replies.
    vk_per_second: float = Field(default=19.0, gt=0, le=1000, alias="MCU_VK_PER_SECOND")
    vk_timeout: float = Field(default=20.0, gt=0, le=300, alias="MCU_VK_TIMEOUT")
    # Social-network monitoring reads public walls with an application's service token: VK
    # opens wall.get and wall.getComments to user and service keys only, never to a
    # community's (VKCOM/vk-api-schema, wall/methods.json; a community token gets error 27).
    # Without it monitoring is not started and `mcu health` says why.
    vk_service_token: SecretStr | None = Field(default=None, alias="VK_SERVICE_TOKEN")
    # The service token's own budget, apart from the communities' 20 a second: VK's page on
    # API requests (vk.com/dev/api_requests, «Ограничения и рекомендации») gives a service key
    # 5 requests a second for an application of up to 10,000 users (20 up to 100,000, 40 up
    # to 500,000, 50 up to a million, 60 above). A little under the smallest: one poller in
    # the deployment reads with it (the job holds a lock), the bots never do.
    vk_wall_per_second: float = Field(default=4.5, gt=0, le=60, alias="MCU_VK_WALL_PER_SECOND")
    # How often each municipality's watched walls are read (the `monitor` job).
    monitor_seconds: float = Field(default=300.0, ge=10, le=86400, alias="MCU_MONITOR_SECONDS")
    # Chat workers per bot process: a chat's updates in order, different chats' in parallel.
    inbox_concurrency: int = Field(default=16, ge=1, le=256, alias="MCU_INBOX_CONCURRENCY")
    # A claimed update's lease, renewed while it is handled: after a crash (kill -9) the chat's
    # update is taken up again this long after the last renewal.
    inbox_lease_seconds: float = Field(default=30.0, ge=1, le=600, alias="MCU_INBOX_LEASE_SECONDS")
    max_reports_per_hour: int = Field(default=5, ge=1, le=1000, alias="MCU_MAX_REPORTS_PER_HOUR")
    max_photos: int = Field(default=5, ge=0, le=10, alias="MCU_MAX_PHOTOS")
    # The Monday note to the head, curators and sector leads (off: only `mcu digest` makes it).
    weekly_note: bool = Field(default=True, alias="MCU_WEEKLY_NOTE")
    # How long what is kept only to work is kept (workflows/jobs/retention.py, hourly): handled
    # inbound updates (their raw payload goes at once; the row, for deduplication, after this),
    # a failed update's payload (for the operator), delivered notices' contents, quiet chats.
    retain_inbox_days: float = Field(default=7, ge=1, le=3650, alias="MCU_RETAIN_INBOX_DAYS")
    retain_failed_days: float = Field(default=30, ge=1, le=3650, alias="MCU_RETAIN_FAILED_DAYS")
    retain_outbox_days: float = Field(default=30, ge=1, le=3650, alias="MCU_RETAIN_OUTBOX_DAYS")
    retain_dialog_days: float = Field(default=30, ge=1, le=3650, alias="MCU_RETAIN_DIALOG_DAYS")
    # Who may read /metrics besides admin and curator tokens (a Prometheus scraper's bearer).
    metrics_token: SecretStr | None = Field(default=None, alias="MCU_METRICS_TOKEN")
    # The worker and the bot serve their own counters (sends, 429s) on this port; unset: off.
    metrics_port: int | None = Field(default=None, ge=1, le=65535, alias="MCU_METRICS_PORT")
    # Dead letters given up within this many hours make the readiness check fail.
    ready_dead_hours: float = Field(default=24.0, ge=0, le=24 * 90, alias="MCU_READY_DEAD_HOURS")
    # For end-to-end tests and demos only: read "now" from this file (ISO time with a zone).
    fake_clock_file: str | None = Field(default=None, alias="MCU_FAKE_CLOCK_FILE")
    # Where the routing models' files live (`mcu routing train` writes them; rows name them).
    routing_dir: Path = Field(default=Path("./var/routing"), alias="MCU_ROUTING_DIR")
    # /docs, /redoc and /openapi.json: unset shows them outside production only.
    api_docs: bool | None = Field(default=None, alias="MCU_API_DOCS")

    # E-mail to citizens and bodies (59-ФЗ notices and letters) through an SMTP server; an empty
    # MCU_SMTP_HOST: e-mail is off and letters are printed for posting.
    smtp_host: str | None = Field(default=None, max_length=253, alias="MCU_SMTP_HOST")
    smtp_port: int = Field(default=25, ge=1, le=65535, alias="MCU_SMTP_PORT")
    smtp_user: str | None = Field(default=None, max_length=320, alias="MCU_SMTP_USER")
    smtp_password: SecretStr | None = Field(default=None, alias="MCU_SMTP_PASSWORD")
    # The sender: an address, or «Имя <address>».
    smtp_from: str | None = Field(default=None, max_length=400, alias="MCU_SMTP_FROM")
    # none: plain (a relay on the same host or network); starttls: upgrade on the same port
    # (usually 587); tls: TLS from the first byte (usually 465).
    smtp_security: Literal["none", "starttls", "tls"] = Field(
        default="none", alias="MCU_SMTP_SECURITY"
    )
    smtp_timeout: float = Field(default=30.0, gt=0, le=300, alias="MCU_SMTP_TIMEOUT")

    @field_validator("smtp_from")
    @classmethod
    def _sender_is_an_address(cls, value: str | None) -> str | None:
        if value is None:
            return None
        problem = sender_address_problem(value)
        if problem:
            raise ValueError(problem)
        return value.strip()

    @model_validator(mode="after")
    def _smtp_complete(self) -> "Settings":
        problems = smtp_problems(self)
        if problems:
            raise SettingProblems(problems)
        return self

    @model_validator(mode="after")
    def _refuse_weak_production(self) -> "Settings":
        if self.env == "production":
            problems = production_problems(self)
            if problems:
                raise SettingProblems(problems)
        return self

    @property
    def log_output(self) -> Literal["json", "text"]:
        return self.log_format or ("json" if self.env == "production" else "text")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def docs_shown(self) -> bool:
        """/docs, /redoc and /openapi.json: in production only when asked for."""
        return self.api_docs if self.api_docs is not None else self.env != "production"


@lru_cache
def get_settings() -> Settings:
    """Settings of this process, read once; refused ones raise SettingsInvalid with one line."""
    try:
        return Settings()
    except ValidationError as e:
        raise SettingsInvalid(describe(e)) from None
