"""API keys with roles and optional per-key account scoping.

Keys are configured, hashed, in a JSON or YAML file (`INFRALYZER_API_KEYS_FILE`) or the same JSON
in `INFRALYZER_API_KEYS`:

    [{"name": "finance-bi", "key_sha256": "<sha256 hex of the key>", "role": "viewer"},
     {"name": "team-a", "key_sha256": "...", "role": "analyst", "accounts": ["111111111111"]}]

Roles: `viewer` reads the marts and metrics endpoints; `analyst` may also run `POST /sql/query`.
`accounts` (optional) scopes the key: it sees only rows of those accounts, in every endpoint,
including SQL and metrics (see `infralyzer.api.scope`). A request sends its key as
`X-API-Key: <key>` or `Authorization: Bearer <key>`.

No keys configured = local development mode: every request is an unscoped analyst, and a warning
says so at start-up. Generate a key and its hash with `python -m infralyzer.api.auth`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field, field_validator

from infralyzer.api.errors import ApiError
from infralyzer.settings import Settings

log = logging.getLogger(__name__)

Role = Literal["viewer", "analyst"]
# An account a key may be scoped to, of any cloud (docs/multicloud.md): an AWS account (12 digits),
# an Azure subscription as FOCUS names it (/subscriptions/<guid>) or a Google Cloud project id.
ACCOUNT_ID = (r"(?:\d{12}|/subscriptions/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
              r"|[a-z][a-z0-9-]{4,28}[a-z0-9])")
_ACCOUNT_ID = re.compile(rf"^{ACCOUNT_ID}$")


class ApiKey(BaseModel):
    name: str
    key_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    role: Role = "viewer"
    accounts: list[str] | None = None

    @field_validator("accounts")
    @classmethod
    def _account_ids(cls, value: list[str] | None) -> list[str] | None:
        if value is not None:
            for account in value:
                if not _ACCOUNT_ID.match(account):
                    raise ValueError(f"account ids are AWS accounts (12 digits), Azure subscriptions "
                                     f"(/subscriptions/<id>) or Google Cloud project ids, got {account!r}")
        return value


@dataclass(frozen=True)
class Principal:
    """Who is asking: the key's name, role and account scope (None = every account)."""

    name: str
    role: Role
    accounts: frozenset[str] | None

    @property
    def scoped(self) -> bool:
        return self.accounts is not None


DEVELOPMENT = Principal(name="local-development", role="analyst", accounts=None)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def load_keys(settings: Settings) -> list[ApiKey]:
    raw: list = []
    if settings.api_keys_file:
        text = settings.api_keys_file.read_text()
        if settings.api_keys_file.suffix in (".yml", ".yaml"):
            import yaml

            raw += yaml.safe_load(text) or []
        else:
            raw += json.loads(text)
    if settings.api_keys:
        raw += json.loads(settings.api_keys)
    keys = [ApiKey.model_validate(item) for item in raw]
    if len({k.key_sha256 for k in keys}) != len(keys):
        raise ValueError("two API keys have the same hash")
    return keys


class KeyStore:
    def __init__(self, keys: list[ApiKey]) -> None:
        self.keys = keys
        self._by_hash = {k.key_sha256: k for k in keys}

    @property
    def development_mode(self) -> bool:
        return not self.keys

    def authenticate(self, key: str | None) -> Principal:
        if self.development_mode:
            return DEVELOPMENT
        if not key:
            raise ApiError(401, "unauthorized", "An API key is required: send `X-API-Key: <key>`.")
        digest = hash_key(key)
        found = None
        for candidate, api_key in self._by_hash.items():  # constant time per candidate
            if hmac.compare_digest(candidate, digest):
                found = api_key
        if found is None:
            raise ApiError(401, "unauthorized", "Unknown API key.")
        accounts = frozenset(found.accounts) if found.accounts is not None else None
        return Principal(name=found.name, role=found.role, accounts=accounts)


_API_KEY = APIKeyHeader(name="X-API-Key", auto_error=False, scheme_name="ApiKey",
                        description="An API key (viewer or analyst). Not needed in local development mode.")
_BEARER = HTTPBearer(auto_error=False, scheme_name="Bearer", description="The same API key as a bearer token.")


async def get_principal(
    request: Request,
    api_key: Annotated[str | None, Security(_API_KEY)] = None,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_BEARER)] = None,
) -> Principal:
    store: KeyStore = request.app.state.keys
    key = (api_key or "").strip() or (bearer.credentials.strip() if bearer else None)
    principal = store.authenticate(key)
    request.state.principal = principal
    return principal


async def require_analyst(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
    if principal.role != "analyst":
        raise ApiError(403, "forbidden", "This endpoint needs an API key with the analyst role.",
                       {"role": principal.role})
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]
Analyst = Annotated[Principal, Depends(require_analyst)]


if __name__ == "__main__":  # python -m infralyzer.api.auth: a new key and the line to configure it
    new_key = secrets.token_urlsafe(32)
    print(f"key:    {new_key}")
    print("config: " + json.dumps({"name": "<name>", "key_sha256": hash_key(new_key), "role": "viewer"}))
