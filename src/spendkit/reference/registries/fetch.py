"""Downloading a register from its publisher (``registries.urls``), with the standard library
only: resumable (an HTTP Range request continues a ``.part`` file), checked (the size the
server announced, a content type that is not a web page, and the head of the file recognised
as the register asked for), and handed to ``store.install`` only when complete."""

from __future__ import annotations

import contextlib
import errno
import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from http.client import HTTPException, HTTPResponse
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from spendkit.config import REGISTER_URLS, Settings
from spendkit.errors import ConfigError, InputFileError, ReferenceDataError
from spendkit.reference.registries.recognise import Recognised, recognise
from spendkit.reference.registries.store import data_dir, describe_kind

CHUNK = 1 << 20
TIMEOUT = 60
# (bytes so far, bytes in all or None when the server does not say)
Progress = Callable[[int, int | None], None]


def urls(settings: Settings) -> dict[str, str]:
    """Register kind -> the URL it is fetched from (the defaults, then the settings)."""
    return {**REGISTER_URLS, **settings.registries.urls}


def month_urls(template: str, today: date | None = None) -> list[str]:
    """A URL with ``{month}`` as this month's first day, then the month before's (a monthly
    product may not be out yet); a URL without it, as it is."""
    if "{month}" not in template:
        return [template]
    day = (today or datetime.now(tz=UTC).date()).replace(day=1)
    before = (day - timedelta(days=1)).replace(day=1)
    return [template.replace("{month}", d.isoformat()) for d in (day, before)]


def downloads_dir(settings: Settings) -> Path:
    return data_dir(settings) / "downloads"


def fetch(kind: str, settings: Settings, progress: Progress | None = None,
          today: date | None = None) -> Recognised:
    """Download the current file of register ``kind`` (resuming a cut download) and check it:
    the file, recognised. Nothing is installed here (``store.install`` does that)."""
    known = urls(settings)
    if kind not in known or not known[kind]:
        raise ConfigError(f"no download address for the register '{kind}'.",
                          hint=f"Set it in spendkit.toml: [registries] urls = {{ {kind} = \"https://...\" }}; "
                               f"registers with one: {', '.join(sorted(k for k, v in known.items() if v))}.")
    candidates = month_urls(known[kind], today)
    for i, url in enumerate(candidates):
        try:
            path = download(url, kind, downloads_dir(settings), progress)
            break
        except urllib.error.HTTPError as exc:
            if exc.code == 404 and i + 1 < len(candidates):
                continue
            raise ReferenceDataError(f"{url}: the server answered {exc.code} {exc.reason}.",
                                     hint="Check registries.urls in spendkit.toml, or download the "
                                          "file by hand and use `spendkit registers add FILE`.") from None
    found = recognise(path)
    if found.kind != kind:
        path.unlink(missing_ok=True)
        raise InputFileError(f"{url}: the file downloaded is the {describe_kind(found.kind)}, not "
                             f"the {describe_kind(kind)}.",
                             hint="Check registries.urls in spendkit.toml; nothing was installed.")
    return found


def download(url: str, kind: str, folder: Path, progress: Progress | None = None) -> Path:
    """``url`` into ``folder`` (its own file name), resuming ``<kind>.part`` if an earlier try
    was cut short; an error that says so if the server's size is not what arrives."""
    folder.mkdir(parents=True, exist_ok=True)
    part, meta_path = folder / f"{kind}.part", folder / f"{kind}.part.json"
    meta = _meta(meta_path)
    offset = part.stat().st_size if part.is_file() and meta.get("url") == url else 0
    if offset == 0:
        part.unlink(missing_ok=True)
        meta = {}
    headers = {"User-Agent": "spendkit", "Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
        if meta.get("validator"):
            headers["If-Range"] = meta["validator"]
    try:
        response = urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=TIMEOUT)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and offset and offset == meta.get("total"):
            return _finish(part, meta_path, folder, meta)  # already whole
        if exc.code == 416:
            _discard(part, meta_path)
        raise
    except (urllib.error.URLError, OSError, HTTPException) as exc:
        reason = getattr(exc, "reason", exc)
        raise ReferenceDataError(f"{url}: cannot be reached ({reason}).",
                                 hint="Check the network, or download the file by hand and use "
                                      "`spendkit registers add FILE`.") from None
    with contextlib.closing(response):
        total = _check_response(response, url, offset, meta, part, meta_path)
        if response.status != 206:
            offset = 0
        meta = {"url": url, "total": total, "validator": response.headers.get("ETag")
                or response.headers.get("Last-Modified") or "", "name": _file_name(response, url, kind)}
        meta_path.write_text(json.dumps(meta), encoding="utf-8")
        done = offset
        try:
            with open(part, "ab" if offset else "wb") as out:
                while block := response.read(CHUNK):
                    out.write(block)
                    done += len(block)
                    if total is not None and done > total:
                        break
                    if progress:
                        progress(done, total)
        except (HTTPException, OSError, TimeoutError) as exc:
            if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
                raise ReferenceDataError(
                    f"{part.parent}: the disk is full ({done:,} of {_bytes(total)} downloaded).",
                    hint=f"Free space there (or set the data folder elsewhere), then run `spendkit "
                         f"registers fetch {kind}` again: it resumes where it stopped.") from None
            raise ReferenceDataError(
                f"{url}: the download was cut short at {done:,} of {_bytes(total)} ({exc.__class__.__name__}).",
                hint=f"Run `spendkit registers fetch {kind}` again: it resumes where it stopped. "
                     "Nothing was installed.") from None
    size = part.stat().st_size
    if total is not None and size != total:
        if size > total:
            _discard(part, meta_path)
            raise InputFileError(f"{url}: {size:,} bytes arrived, the server announced {total:,}.",
                                 hint="The download is refused and removed; try again later. "
                                      "Nothing was installed.")
        raise ReferenceDataError(
            f"{url}: the download was cut short at {size:,} of {total:,} bytes.",
            hint=f"Run `spendkit registers fetch {kind}` again: it resumes where it stopped. "
                 "Nothing was installed.")
    return _finish(part, meta_path, folder, meta)


def _check_response(response: HTTPResponse, url: str, offset: int, meta: dict[str, Any],
                    part: Path, meta_path: Path) -> int | None:
    """The file's whole size (None if the server does not say); an error for a web page or for
    a resumed download whose file changed on the server."""
    ctype = (response.headers.get("Content-Type") or "").lower()
    if "text/html" in ctype:
        raise InputFileError(f"{url}: the server sent a web page ({ctype}), not the register.",
                             hint="The address may have moved: check registries.urls in "
                                  "spendkit.toml. Nothing was installed.")
    length = response.headers.get("Content-Length")
    size = int(length) if length and length.isdigit() else None
    if response.status == 206:
        m = re.match(r"bytes (\d+)-(\d+)/(\d+|\*)", response.headers.get("Content-Range") or "")
        total = int(m[3]) if m and m[3] != "*" else None
        if not m or int(m[1]) != offset or (meta.get("total") not in (None, total)):
            _discard(part, meta_path)
            raise InputFileError(
                f"{url}: the file on the server is not the one the cut download began "
                f"({_bytes(meta.get('total'))} then, {_bytes(total)} now).",
                hint="The part downloaded is removed: run the fetch again to start afresh. "
                     "Nothing was installed.")
        return total
    return size


def _finish(part: Path, meta_path: Path, folder: Path, meta: dict[str, Any]) -> Path:
    target = folder / meta.get("name", part.stem)
    part.replace(target)
    meta_path.unlink(missing_ok=True)
    return target


def _discard(part: Path, meta_path: Path) -> None:
    part.unlink(missing_ok=True)
    meta_path.unlink(missing_ok=True)


def _meta(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _file_name(response: HTTPResponse, url: str, kind: str) -> str:
    """The file's name: the server's Content-Disposition, else the URL's last part, else the kind."""
    disposition = response.headers.get("Content-Disposition") or ""
    m = re.search(r"filename\*?=(?:UTF-8'')?\"?([^\";]+)\"?", disposition, flags=re.IGNORECASE)
    name = unquote(m[1]) if m else unquote(Path(urlparse(url).path).name)
    name = Path(name.replace("\\", "/")).name
    if not name or name.startswith(".") or "." not in name:
        name = f"{kind}.download"
    return name


def _bytes(n: int | None) -> str:
    return "an unknown size" if n is None else f"{n:,} bytes"
