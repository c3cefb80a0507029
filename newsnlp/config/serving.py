"""The sections for Ray (`--engine ray`) and the server (`nlp serve`)."""

from __future__ import annotations

from pydantic import (
    Field,
    SecretStr,
    field_validator,
)

from newsnlp.config.base import Section


class RayConfig(Section):
    """`nlp run --engine ray` only."""

    address: str | None = Field(default=None, description="null: a local Ray instance; 'auto' or 'ray://host:10001': a cluster")
    workers: int = Field(default=0, ge=0, description="pipeline actors; 0 = one per CPU core (one per GPU with device cuda)")
    batch_size: int = Field(default=128, ge=1, description="documents per actor call")


class ServeConfig(Section):
    """`nlp serve` only: where it listens, what it accepts, how it batches requests."""

    host: str = Field(default="127.0.0.1", description="the address to listen on; 0.0.0.0 exposes the server to the network")
    port: int = Field(default=8000, ge=0, le=65535)
    workers: int = Field(default=1, ge=1, le=64, description="server processes (uvicorn workers), each loading the models once")
    max_body_bytes: int = Field(default=2_000_000, ge=1, description="a larger request body is refused (413)")
    max_documents: int = Field(default=64, ge=1, description="documents per /v1/pages request (more: 413)")
    max_texts: int = Field(default=256, ge=1, description="texts per /v1/classify or /v1/sentiment request (more: 413)")
    max_wait_ms: float = Field(default=5.0, ge=0.0, le=1000.0, description="how long a request waits for others to share its encoder pass")
    max_batch_texts: int = Field(
        default=0,
        ge=0,
        description="texts (or documents) in one shared pass at most; 0 = auto: 256 on a GPU, 1 on a CPU (where a shared pass was slower per text)",
    )
    max_queue: int = Field(default=256, ge=1, description="requests waiting for the model at most; more: 503 with Retry-After")
    timeout_s: float = Field(default=60.0, gt=0.0, description="a request not answered in this time gets 504")
    max_text_chars: int = Field(
        default=50_000, ge=1, description="characters per text of /v1/classify, /v1/sentiment, /v1/summarize at most (more: 413)"
    )
    max_sentences: int = Field(default=1_000, ge=1, description="sentences in a /v1/summarize text at most (more: 413)")
    shutdown_s: float = Field(
        default=30.0, ge=0.0, description="on SIGTERM, how long requests under way may take to finish; the rest are answered 503"
    )
    token: SecretStr | None = Field(
        default=None, description="every route but the health checks needs 'Authorization: Bearer <token>'; or set NLP_SERVE_TOKEN"
    )

    @field_validator("token")
    @classmethod
    def _token_not_empty(cls, token: SecretStr | None) -> SecretStr | None:
        if token is not None and not token.get_secret_value().strip():
            raise ValueError("an empty token would serve with no auth; give a token, or null for no auth")
        return token

    cors_origins: list[str] = Field(default_factory=list, description="origins allowed by CORS; empty: CORS off")
    allow_fetch: bool = Field(
        default=False, description="POST /v1/pages may name a 'url' to fetch (public addresses only: never loopback, private or link-local)"
    )
    fetch_allow_hosts: list[str] = Field(default_factory=list, description="with allow_fetch: hosts exempt from the public-address rule (tests)")
    max_fetches: int = Field(
        default=8, ge=1, le=256, description="URLs fetched at once, server-wide, on threads of their own; more wait their turn (within timeout_s)"
    )
    parse_threads: int = Field(
        default=2, ge=1, le=64, description="threads that split texts and group stories off the event loop (and parse pages without parse_processes)"
    )
    parse_processes: int = Field(
        default=2, ge=0, le=64, description="processes at the lowest CPU priority that parse /v1/pages html and feeds; 0: on the parse threads"
    )
    max_teasers: int = Field(
        default=1000, ge=1, description="teasers per /v1/pages document (a page's or feed's: the rest cut, with a warning; a JSON row's: 413)"
    )
    fetch_cache_s: float = Field(default=300.0, ge=0.0, description="with allow_fetch: a fetched page is reused this long (0: never); failures never")
    fetch_cache_entries: int = Field(
        default=256, ge=0, description="with allow_fetch: fetched pages kept in memory at most (least recently used go first)"
    )
    fetch_cache_bytes: int = Field(default=64_000_000, ge=0, description="with allow_fetch: bytes of fetched bodies kept in memory at most")
