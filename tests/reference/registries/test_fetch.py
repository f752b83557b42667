"""`registers fetch` against a local HTTP server (127.0.0.1, a thread) serving files in the
registers' real formats: a cut download resumed with a Range request, a file that changed size
on the server refused, a web page refused, the month before tried when this month's file is not
out, and nothing half-installed on any failure."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from spendkit import api
from spendkit.config import RegistrySettings, Settings
from spendkit.errors import ConfigError, InputFileError, ReferenceDataError
from spendkit.reference.registries import store
from spendkit.reference.registries.fetch import month_urls

DATA = Path(__file__).parents[2] / "data" / "registries"
CH = (DATA / "BasicCompanyData-2024-05-01-part1_2.zip").read_bytes()


class Handler(BaseHTTPRequestHandler):
    files: ClassVar[dict[str, tuple[bytes, str]]] = {}
    cut_at: ClassVar[dict[str, int]] = {}  # path -> close the connection after this many bytes
    requests: ClassVar[list[tuple[str, str | None]]] = []

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        rng = self.headers.get("Range")
        self.requests.append((self.path, rng))
        if self.path not in self.files:
            self.send_error(404)
            return
        body, ctype = self.files[self.path]
        start = 0
        if rng:
            start = int(rng.removeprefix("bytes=").split("-")[0])
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(body)}")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body) - start))
        self.send_header("ETag", f'"{len(body)}"')
        self.send_header("Content-Disposition", f'attachment; filename="{Path(self.path).name}"')
        self.end_headers()
        cut = self.cut_at.pop(self.path, None)
        chunk = body[start:cut] if cut is not None else body[start:]
        self.wfile.write(chunk)
        if cut is not None:
            self.wfile.flush()
            self.close_connection = True


@pytest.fixture
def server() -> Iterator[str]:
    Handler.files, Handler.cut_at, Handler.requests = {}, {}, []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SPENDKIT_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def settings(**urls: str) -> Settings:
    return Settings(registries=RegistrySettings(urls=urls))


def installed_kinds() -> list[str]:
    return [i.kind for i in store.installed(Settings())]


def test_a_cut_download_is_resumed_and_installed(server: str, home: Path) -> None:
    Handler.files["/BasicCompanyData-2024-05-01.zip"] = (CH, "application/zip")
    Handler.cut_at["/BasicCompanyData-2024-05-01.zip"] = len(CH) // 3
    s = settings(companies_house=server + "/BasicCompanyData-2024-05-01.zip")
    with pytest.raises(ReferenceDataError, match="cut short") as err:
        api.fetch_registers(["companies_house"], s)
    assert "resumes" in str(err.value.hint)
    assert installed_kinds() == []  # nothing half-installed
    part = home / "downloads" / "companies_house.part"
    assert part.stat().st_size == len(CH) // 3
    seen: list[tuple[int, int | None]] = []
    (item,) = api.fetch_registers(["companies_house"], s, progress=lambda kind: lambda d, t: seen.append((d, t)))
    # resumed where it stopped (a Range request), not started again
    assert Handler.requests[-1][1] == f"bytes={len(CH) // 3}-"
    assert seen[-1] == (len(CH), len(CH))
    assert item.kind == "companies_house" and item.rows > 0 and item.date == "2024-05-01"
    assert (home / "downloads" / "BasicCompanyData-2024-05-01.zip").read_bytes() == CH
    assert not part.exists()


def test_a_full_disk_during_a_download_says_so(server: str, home: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from spendkit.reference.registries import fetch

    Handler.files["/BasicCompanyData-2024-05-01.zip"] = (CH, "application/zip")

    class Full:  # the download's file, on a disk with no room left
        def __init__(self, *args: Any) -> None:
            pass

        def __enter__(self) -> Full:
            return self

        def __exit__(self, *exc: Any) -> None:
            pass

        def write(self, block: bytes) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fetch, "open", Full, raising=False)
    with pytest.raises(ReferenceDataError, match="the disk is full") as err:
        api.fetch_registers(["companies_house"], settings(companies_house=server + "/BasicCompanyData-2024-05-01.zip"))
    assert "resumes where it stopped" in str(err.value.hint) and installed_kinds() == []


def test_a_file_that_changed_size_on_the_server_is_refused(server: str, home: Path) -> None:
    url = "/publicextract.charity.zip"
    body = (DATA / "publicextract.charity.zip").read_bytes()
    Handler.files[url] = (body, "application/zip")
    Handler.cut_at[url] = 100
    s = settings(charity_commission=server + url)
    with pytest.raises(ReferenceDataError):
        api.fetch_registers(["charity_commission"], s)
    Handler.files[url] = (body + b"\0" * 50, "application/zip")  # a new file, another size
    with pytest.raises(InputFileError, match="not the one the cut download began") as err:
        api.fetch_registers(["charity_commission"], s)
    assert f"{len(body):,} bytes then, {len(body) + 50:,} bytes now" in str(err.value)
    assert not (home / "downloads" / "charity_commission.part").exists()
    assert installed_kinds() == []


def test_a_web_page_is_refused(server: str, home: Path) -> None:
    Handler.files["/oscr"] = (b"<html>Please log in</html>", "text/html; charset=utf-8")
    with pytest.raises(InputFileError, match="web page"):
        api.fetch_registers(["oscr"], settings(oscr=server + "/oscr"))
    assert installed_kinds() == []


def test_the_wrong_register_is_refused_and_removed(server: str, home: Path) -> None:
    Handler.files["/ccni.csv"] = ((DATA / "SocietyList.csv").read_bytes(), "text/csv")
    with pytest.raises(InputFileError, match="not the Charity Commission for Northern Ireland"):
        api.fetch_registers(["ccni"], settings(ccni=server + "/ccni.csv"))
    assert installed_kinds() == []
    assert not (home / "downloads" / "ccni.csv").exists()


def test_a_cut_csv_is_refused_after_download(server: str, home: Path) -> None:
    body = (DATA / "CharityExport-01-May-2024.csv").read_bytes()
    Handler.files["/CharityExport-01-May-2024.csv"] = (body[:-40], "text/csv")
    with pytest.raises(InputFileError, match="cut short"):
        api.fetch_registers(["oscr"], settings(oscr=server + "/CharityExport-01-May-2024.csv"))
    assert installed_kinds() == []


def test_last_month_is_tried_when_this_months_file_is_not_out(server: str, home: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from spendkit.reference.registries import fetch

    Handler.files["/BasicCompanyData-2024-04-01.zip"] = (CH, "application/zip")
    monkeypatch.setattr(fetch, "month_urls", lambda t, today=None: month_urls(t, date(2024, 5, 3)))
    (item,) = api.fetch_registers(["companies_house"],
                                  settings(companies_house=server + "/BasicCompanyData-{month}.zip"))
    assert [p for p, _ in Handler.requests] == ["/BasicCompanyData-2024-05-01.zip",
                                                "/BasicCompanyData-2024-04-01.zip"]
    assert item.date == "2024-04-01"


def test_an_old_install_keeps_working_when_a_fetch_fails(server: str, home: Path) -> None:
    api.install_registers(api.recognise_registers([DATA / "BasicCompanyData-2024-05-01.csv"]), Settings())
    Handler.files["/BasicCompanyData-2024-06-01.zip"] = (CH, "application/zip")
    Handler.cut_at["/BasicCompanyData-2024-06-01.zip"] = 10
    with pytest.raises(ReferenceDataError):
        api.fetch_registers(["companies_house"],
                            settings(companies_house=server + "/BasicCompanyData-2024-06-01.zip"))
    (item,) = store.installed(Settings())
    assert item.date == "2024-05-01" and item.rows == 17


def test_a_register_without_an_address_is_a_config_error(home: Path) -> None:
    with pytest.raises(ConfigError, match="no download address for the register 'mutuals'"):
        api.fetch_registers(["mutuals"], Settings())


def test_month_urls() -> None:
    assert month_urls("https://x/B-{month}.zip", date(2026, 1, 4)) == [
        "https://x/B-2026-01-01.zip", "https://x/B-2025-12-01.zip"]
    assert month_urls("https://x/plain.zip") == ["https://x/plain.zip"]


def test_fetch_through_the_command_line(server: str, home: Path, tmp_path: Path) -> None:
    from tests.helpers import run

    body = (DATA / "ccni-charitydetails_2024_05_01_09_00_00.csv").read_bytes()
    Handler.files["/ccni-charitydetails_2024_05_01_09_00_00.csv"] = (body, "text/csv")
    config = tmp_path / "spendkit.toml"
    config.write_text(f'[registries]\nurls = {{ ccni = "{server}/ccni-charitydetails_2024_05_01_09_00_00.csv" }}\n',
                      encoding="utf-8")
    Handler.cut_at["/ccni-charitydetails_2024_05_01_09_00_00.csv"] = 300
    cut = run("registers", "fetch", "ccni", "--config", config)
    assert cut.exit_code == 7 and "cut short at 300 of" in cut.stderr
    assert "Traceback" not in cut.output
    done = run("registers", "fetch", "ccni", "--config", config)
    assert done.exit_code == 0, done.output
    assert "installed ccni: Charity Commission for Northern Ireland, dated 2024-05-01" in done.stdout
    assert Handler.requests[-1][1] == "bytes=300-"
