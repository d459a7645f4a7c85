"""What the environment hands httpx that it cannot work with, said in one sentence: a proxy
variable naming a SOCKS proxy or a scheme no proxy has (the proxy's password hidden), or
trusted certificates (``SSL_CERT_FILE`` / ``SSL_CERT_DIR``) that cannot be read."""

from __future__ import annotations

import os

from polytui.core.config import without_credentials
from polytui.core.errors import UsageError

from .wire import short_text

_PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY")


def environment_problem(exc: BaseException) -> UsageError | None:
    """One sentence for an environment httpx cannot work with: a proxy variable naming a
    SOCKS proxy (needs a package polytui does not bring) or a scheme no proxy has, or an
    SSL_CERT_FILE / SSL_CERT_DIR that holds no certificate."""
    if isinstance(exc, ImportError | ValueError):
        if not any(word in str(exc).lower() for word in ("proxy", "socks")):
            return None
        named = [
            f"{name}={without_credentials(os.environ[name])!r}"
            for variable in _PROXY_VARIABLES
            for name in (variable, variable.lower())
            if os.environ.get(name)
        ]
        shown = short_text(", ".join(named) or "a proxy variable", 160)
        return UsageError(
            f"The proxy in {shown} cannot be used: polytui speaks to http:// and https:// "
            "proxies only."
        )
    named = [f"{n}={os.environ[n]!r}" for n in ("SSL_CERT_FILE", "SSL_CERT_DIR") if n in os.environ]
    where = short_text(", ".join(named) or "the system's certificates", 160)
    reason = short_text(getattr(exc, "strerror", None) or exc, 100)
    return UsageError(f"Cannot read the trusted certificates from {where} ({reason}).")
