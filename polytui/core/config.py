"""Settings: command-line flags > environment > TOML config file (with named profiles).

The config file lives in the platformdirs user config dir (``polytui config path`` prints it):

    # ~/.config/polytui/config.toml
    api_key = "..."            # or env POLYAI_API_KEY
    agent = "PROJECT-1234"     # or env POLYAI_AGENT_ID / --agent
    region = "us"              # us | eu | uk | studio (also us-1, euw-1, uk-1)
    account = "ws-1234"        # optional: the Studio workspace ID; finding calls by filter
                               # (polytui list) and Studio links need it
    platform_api_key = "..."   # optional: a key for the list endpoint's host, when it needs
                               # its own (env POLYAI_PLATFORM_API_KEY; default: api_key)
    reviewer = "alice"         # or env POLYAI_REVIEWER; default: the OS user name
    default_profile = "eu-bank"

    [latency]                  # colour thresholds in seconds
    good = 1.5
    warn = 3.0

    [keys]                     # remap keys by id (polytui.core.keys, `polytui config keys`)
    down = "j,down,ctrl+n"

    [profiles.eu-bank]
    agent = "PROJECT-9"
    region = "eu"
    api_key = "..."

Paths are functions, never computed at import time; POLYTUI_CONFIG_DIR and POLYTUI_DATA_DIR
override them (the demo and the tests point them at throwaway directories).
"""

from __future__ import annotations

import math
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .errors import ConfigError, UsageError
from .latency import DEFAULT_BANDS, LatencyBands

if TYPE_CHECKING:
    from .ids import StudioLink

APP_NAME = "polytui"

REGION_HOSTS = {
    "us": "https://api.us.poly.ai",
    "eu": "https://api.eu.poly.ai",
    "uk": "https://api.uk.poly.ai",
    "studio": "https://api.studio.poly.ai",
}
REGION_ALIASES = {
    "us": "us",
    "us-1": "us",
    "eu": "eu",
    "euw": "eu",
    "euw-1": "eu",
    "eu-1": "eu",
    "uk": "uk",
    "uk-1": "uk",
    "studio": "studio",
}
# The v3 platform host of each region (the list endpoint lives there, not on the get-by-ID
# host). The "studio" region's workspaces are US ones (its Studio links are studio.us.poly.ai),
# so it lists through us-1; POLYAI_PLATFORM_BASE_URL points elsewhere if a workspace is not.
PLATFORM_HOSTS = {
    "us": "https://api.us-1.platform.polyai.app",
    "eu": "https://api.euw-1.platform.polyai.app",
    "uk": "https://api.uk-1.platform.polyai.app",
    "studio": "https://api.us-1.platform.polyai.app",
}
DEFAULT_REGION = "us"
DEFAULT_TIMEOUT = 30.0
DEFAULT_LATENCY_GOOD = DEFAULT_BANDS.good
DEFAULT_LATENCY_WARN = DEFAULT_BANDS.warn
SECRET = {"secret": True}  # metadata of a Settings field holding a secret


def config_dir() -> Path:
    override = os.environ.get("POLYTUI_CONFIG_DIR")
    if override:
        return Path(override)
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False))


def config_path() -> Path:
    return config_dir() / "config.toml"


def data_dir() -> Path:
    override = os.environ.get("POLYTUI_DATA_DIR")
    if override:
        return Path(override)
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


MAX_REVIEWER_LENGTH = 80


def default_reviewer() -> str:
    """The OS user name (who set a queue item's status, when no reviewer is configured)."""
    import getpass

    try:
        name = getpass.getuser()
    except Exception:  # no USER/LOGNAME and no passwd entry (a bare container)
        name = ""
    return " ".join(name.split()) or "reviewer"


def check_reviewer(value: str, source: str) -> str:
    """The reviewer's name: one line of text, stripped, at most 80 characters."""
    text = " ".join(str(value).split())
    if not text:
        raise ConfigError(f"{source} is empty: give the reviewer's name, or leave it unset.")
    import unicodedata

    unsafe = any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in text)
    if len(text) > MAX_REVIEWER_LENGTH or unsafe:
        raise ConfigError(
            f"{source} must be a name of at most {MAX_REVIEWER_LENGTH} printable characters."
        )
    return text


def normalise_region(value: str) -> str:
    key = value.strip().lower()
    if key not in REGION_ALIASES:
        choices = ", ".join(sorted(REGION_HOSTS))
        raise UsageError(f"Unknown region {value!r}: use one of {choices} (or us-1, euw-1, uk-1).")
    return REGION_ALIASES[key]


def check_base_url(value: str) -> str:
    """The base URL, checked: http(s), a host, a port that exists, and no user name or password
    (the key goes in a header; credentials in a URL end up in messages and logs)."""
    text = value.strip()
    try:
        parts = urlsplit(text)
        port_ok = parts.port is None or parts.port > 0
    except ValueError as exc:  # an unclosed IPv6 bracket, a port past 65535 or not a number
        shown = without_credentials(text)
        if "ipv6" in str(exc).lower():
            reason = "an IPv6 address in brackets is not closed"
        else:
            reason = "the port must be a whole number from 1 to 65535"
        raise UsageError(f"The base URL {shown!r} is not valid: {reason}.") from None
    if parts.username is not None or parts.password is not None:
        raise UsageError(
            f"The base URL {without_credentials(text)!r} carries a user name or password: "
            "remove them (polytui sends the API key in a header)."
        )
    if not port_ok:
        raise UsageError(
            f"The base URL {text!r} is not valid: the port must be a whole number from 1 to 65535."
        )
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"The base URL {text!r} is not an http(s) URL with a host.")
    if any(ch.isspace() or not ch.isprintable() for ch in parts.hostname):
        raise UsageError(f"The base URL {text!r} is not valid: its host holds spaces.")
    if parts.query or parts.fragment or text.endswith(("?", "#")):
        raise UsageError(
            f"The base URL {text!r} is not valid: it may hold a path, but no ?query or "
            "#fragment (polytui adds the path of each request after it)."
        )
    return text.rstrip("/")


def without_credentials(url: str) -> str:
    """``url`` with anything before an ``@`` in its authority replaced by ``***``."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority, slash, path = rest.partition("/")
    if "@" in authority:
        authority = "***@" + authority.rpartition("@")[2]
    return f"{scheme}://{authority}{slash}{path}"


@dataclass(frozen=True)
class Settings:
    """Everything a command or the app needs to know, resolved once."""

    # A field marked SECRET is a secret: ``secrets`` hands it to the redactor everywhere.
    api_key: str | None = field(default=None, repr=False, metadata=SECRET)
    platform_api_key: str | None = field(default=None, repr=False, metadata=SECRET)
    agent: str | None = None
    region: str = DEFAULT_REGION
    base_url_override: str | None = None
    platform_base_url_override: str | None = None
    account: str | None = None
    offline: bool = False
    refresh: bool = False
    timeout: float = DEFAULT_TIMEOUT
    profile: str | None = None
    debug: bool = False
    latency_good: float = DEFAULT_LATENCY_GOOD
    latency_warn: float = DEFAULT_LATENCY_WARN
    data_path: Path | None = None
    reviewer: str = field(default_factory=default_reviewer)  # who sets queue statuses
    follow_store_symlink: bool = False  # a store that is a symbolic link is refused unless set
    # ``[keys]`` of the config file: (id, "key,key") pairs the app's keymap replaces.
    remapped: tuple[tuple[str, str], ...] = ()
    # Warnings about the settings themselves (a config file others can read), for the CLI to
    # print and the app to show once it has the screen.
    notices: tuple[str, ...] = field(default=(), compare=False)

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret these settings hold (the API keys in force, each once), for everything
        that prints, logs, stores or exports text: none of them may reach a message or a file."""
        values = (getattr(self, f.name) for f in fields(self) if f.metadata.get("secret"))
        return tuple(dict.fromkeys(value for value in values if isinstance(value, str) and value))

    @property
    def base_url(self) -> str:
        return self.base_url_override or REGION_HOSTS[self.region]

    @property
    def platform_base_url(self) -> str:
        """Where the v3 list endpoint is: its own override, else the base URL's override (a
        gateway or the demo server answers both), else the region's platform host."""
        return (
            self.platform_base_url_override or self.base_url_override or PLATFORM_HOSTS[self.region]
        )

    @property
    def platform_host(self) -> str:
        return urlsplit(self.platform_base_url).netloc

    @property
    def platform_key(self) -> str | None:
        """The key for the platform host: its own when set, else the main key."""
        return self.platform_api_key or self.api_key

    @property
    def bands(self) -> LatencyBands:
        """The configured latency bands (``[latency]`` in the config file)."""
        return LatencyBands(self.latency_good, self.latency_warn)

    @property
    def keymap(self) -> dict[str, str]:
        """The keys remapped in the config file, by id (``polytui.core.keys``)."""
        return dict(self.remapped)

    @property
    def host(self) -> str:
        """The origin's host name, stored beside each conversation."""
        return urlsplit(self.base_url).netloc

    @property
    def data_root(self) -> Path:
        return self.data_path or data_dir()

    @property
    def db_path(self) -> Path:
        return self.data_root / "polytui.sqlite3"

    @property
    def recordings_path(self) -> Path:
        """The folder of the recordings fetched, beside the store."""
        return self.data_root / "recordings"

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    def studio_url(
        self, conversation_id: str, account: str | None = None, project: str | None = None
    ) -> str | None:
        account = account or self.account
        project = project or self.agent
        if not (account and project):
            return None
        from urllib.parse import quote

        region = "us" if self.region == "studio" else self.region
        return (
            f"https://studio.{region}.poly.ai/{quote(account, safe='')}/{quote(project, safe='')}"
            f"/conversations/{quote(conversation_id, safe='')}"
        )


MAX_CONFIG_BYTES = 1 << 20  # a settings file; anything larger is not one


def read_config_file(path: Path | None = None) -> dict[str, Any]:
    """The config file as a dict ({} when absent). Only a regular file of at most 1 MiB is
    read: a FIFO would block, and /dev/zero would never end. A UTF-8 byte-order mark (as some
    editors write) is allowed."""
    path = path or config_path()
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise ConfigError(f"The config file {path} is not a regular file.")
        with open(path, "rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"Cannot read the config file {path}: {exc.strerror or exc}.") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"The config file {path} is larger than 1 MiB; it cannot be settings.")
    import tomllib  # only when there is a file: most launches have none

    try:
        data = tomllib.loads(raw.decode("utf-8").removeprefix("\ufeff"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"The config file {path} is not valid TOML: {exc}.") from None
    return data


_KEY_NAMES = ("api_key", "platform_api_key")


def _holds_key(data: Mapping[str, Any]) -> bool:
    if any(data.get(name) for name in _KEY_NAMES):
        return True
    profiles = data.get("profiles")
    return isinstance(profiles, dict) and any(
        isinstance(p, dict) and any(p.get(name) for name in _KEY_NAMES) for p in profiles.values()
    )


def readable_key_warning(path: Path, data: Mapping[str, Any]) -> str | None:
    """A sentence when the config file at ``path`` holds a key and others may read it."""
    if not _holds_key(data):
        return None
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return f"{path} holds an API key and other users can read it; run: chmod 600 {path}"
    return None


# What each key of the config file holds (a profile holds the same, bar the last three).
_TEXT_KEYS = (
    "api_key",
    "platform_api_key",
    "agent",
    "region",
    "base_url",
    "platform_base_url",
    "account",
    "reviewer",
)
_FILE_ONLY_KEYS = ("default_profile", "profiles", "keys")


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def _check_types(data: Mapping[str, Any], where: str) -> None:
    """ConfigError naming the key and the type expected for the first value of a wrong type."""

    def wrong(key: str, expected: str, value: Any) -> ConfigError:
        return ConfigError(
            f"In the config file, {where}{key} must be {expected}, not {_kind(value)}."
        )

    for key in _TEXT_KEYS + ("default_profile",):
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            raise wrong(key, "text", value)
    follow = data.get("follow_store_symlink")
    if follow is not None and not isinstance(follow, bool):
        raise wrong("follow_store_symlink", "true or false", follow)
    timeout = data.get("timeout")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float))):
        raise wrong("timeout", "a number of seconds", timeout)
    latency = data.get("latency")
    if latency is not None:
        if not isinstance(latency, dict):
            raise wrong("latency", "a table ([latency] with good and warn)", latency)
        for name in ("good", "warn"):
            value = latency.get(name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, float))
            ):
                raise wrong(f"latency.{name}", "a number of seconds", value)


def _pick_profile(data: Mapping[str, Any], name: str | None) -> dict[str, Any]:
    profiles = data.get("profiles") or {}
    if not isinstance(profiles, dict):
        raise ConfigError("The config file's [profiles] must be a table of tables.")
    for key, profile in profiles.items():
        if not isinstance(profile, dict):
            raise ConfigError(f"In the config file, profiles.{key} must be a table.")
        _check_types(profile, f"profiles.{key}.")
        if "keys" in profile:
            from .keys import parse_keymap

            parse_keymap(profile["keys"], f"profiles.{key}.keys")
    if name is None:
        return {}
    if name not in profiles or not isinstance(profiles[name], dict):
        known = ", ".join(sorted(profiles)) or "none defined"
        raise ConfigError(f"No profile named {name!r} in the config file (profiles: {known}).")
    return dict(profiles[name])


def _as_float(value: Any, what: str) -> float:
    if isinstance(value, bool):
        raise ConfigError(f"{what} must be a number of seconds, not {value!r}.")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{what} must be a number of seconds, not {value!r}.") from None
    if not (number > 0 and math.isfinite(number)):
        raise ConfigError(f"{what} must be a finite number greater than zero.")
    return number


def _checked_id(value: str, source: str, what: str) -> str:
    """An agent or account ID checked as every ID is (core.ids), the message naming where it
    was set."""
    from .ids import check_id_segment

    try:
        return check_id_segment(value, what)
    except UsageError as exc:
        raise UsageError(f"{exc.message.rstrip('.')} (from {source}).") from None


def resolve_settings(
    flags: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    file_data: Mapping[str, Any] | None = None,
) -> Settings:
    """Merge flags > environment > profile > config file top level > defaults.

    ``flags`` holds only the options given on the command line (absent or None = not given).
    """
    flags = {k: v for k, v in (flags or {}).items() if v is not None}
    env = os.environ if env is None else env
    notices: tuple[str, ...] = ()
    if file_data is None:
        path = config_path()
        file_data = read_config_file(path)
        warning = readable_key_warning(path, file_data)
        notices = (warning,) if warning else ()
    _check_types(file_data, "")
    profile_name = (
        flags.get("profile") or env.get("POLYTUI_PROFILE") or file_data.get("default_profile")
    )
    profile = _pick_profile(file_data, profile_name)

    def lookup(flag: str, env_name: str | None, key: str) -> tuple[Any, str]:
        """The value by precedence, and where it came from as a user would name it."""
        if flag in flags:
            return flags[flag], "--" + flag.replace("_", "-")
        if env_name and env.get(env_name):
            return env[env_name], env_name
        if key in profile:
            return profile[key], f"{key} in profile {profile_name!r} of the config file"
        return file_data.get(key), f"{key} in the config file"

    def pick(flag: str, env_name: str | None, key: str) -> Any:
        return lookup(flag, env_name, key)[0]

    region_value = pick("region", "POLYAI_REGION", "region") or DEFAULT_REGION
    region = normalise_region(str(region_value))
    base_url = pick("base_url", "POLYAI_BASE_URL", "base_url")
    platform_url = pick("platform_base_url", "POLYAI_PLATFORM_BASE_URL", "platform_base_url")
    timeout_value, timeout_source = lookup("timeout", "POLYTUI_TIMEOUT", "timeout")
    latency = {**(file_data.get("latency") or {}), **(profile.get("latency") or {})}
    good = _as_float(latency.get("good", DEFAULT_LATENCY_GOOD), "latency.good")
    warn = _as_float(latency.get("warn", DEFAULT_LATENCY_WARN), "latency.warn")
    if warn < good:
        raise ConfigError("latency.warn must not be smaller than latency.good.")
    api_key = pick("api_key", "POLYAI_API_KEY", "api_key")
    platform_key = pick("platform_api_key", "POLYAI_PLATFORM_API_KEY", "platform_api_key")
    agent, agent_source = lookup("agent", "POLYAI_AGENT_ID", "agent")
    if agent is not None and str(agent).strip():
        agent = _checked_id(str(agent), agent_source, "agent ID")
    reviewer_value, reviewer_source = lookup("reviewer", "POLYAI_REVIEWER", "reviewer")
    reviewer = (
        check_reviewer(reviewer_value, reviewer_source)
        if reviewer_value is not None
        else default_reviewer()
    )
    account, account_source = lookup("account", "POLYAI_ACCOUNT_ID", "account")
    if account is not None and str(account).strip():
        from .ids import ACCOUNT_ID

        account = _checked_id(str(account), account_source, ACCOUNT_ID)
    keymap: dict[str, str] = {}
    if "keys" in file_data or "keys" in profile:  # the keymap's module only when remapped
        from .keys import parse_keymap

        keymap = parse_keymap(file_data.get("keys"))
        if "keys" in profile:
            keymap.update(parse_keymap(profile["keys"], f"profiles.{profile_name}.keys"))
    return Settings(
        api_key=str(api_key).strip() or None if api_key else None,
        platform_api_key=str(platform_key).strip() or None if platform_key else None,
        agent=str(agent).strip() or None if agent else None,
        region=region,
        base_url_override=check_base_url(str(base_url)) if base_url else None,
        platform_base_url_override=check_base_url(str(platform_url)) if platform_url else None,
        account=str(account).strip() or None if account else None,
        offline=bool(flags.get("offline", False)),
        refresh=bool(flags.get("refresh", False)),
        timeout=_as_float(timeout_value, timeout_source)
        if timeout_value is not None
        else DEFAULT_TIMEOUT,
        profile=profile_name,
        debug=bool(flags.get("debug", False)),
        latency_good=good,
        latency_warn=warn,
        reviewer=reviewer,
        follow_store_symlink=file_data.get("follow_store_symlink") is True,
        remapped=tuple(keymap.items()),
        notices=notices,
    )


def settings_for_link(settings: Settings, link: StudioLink) -> Settings:
    """``settings`` with the agent, account and region a Studio link names (an unknown Studio
    region keeps the configured one)."""
    changes: dict[str, object] = {"agent": link.project, "account": link.account}
    try:
        changes["region"] = normalise_region(link.region)
    except UsageError:
        changes["region"] = settings.region
    return settings.with_(**changes)


def settings_for_target(settings: Settings, target: str | None) -> tuple[Settings, str | None]:
    """A pasted Studio URL sets the agent, account and region; a bare ID is taken as it is."""
    if not target:
        return settings, None
    from .ids import parse_studio_url

    link = parse_studio_url(target)
    if link is None:
        return settings, target.strip()
    return settings_for_link(settings, link), link.conversation_id
