"""Installed registers: recognised by content, dated, installed atomically as Parquet with a
manifest, read back by every run (named, dated, old ones warned of), lookup tables and notices
added to the registers they concern."""

from __future__ import annotations

import json
import shutil
import zipfile
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as settings_hypothesis
from hypothesis import strategies as st

from spendkit.config import RegistrySettings, Settings
from spendkit.errors import InputFileError, ReferenceDataError
from spendkit.reference.registries import name_index, store
from spendkit.reference.registries.recognise import date_in_name, recognise

DATA = Path(__file__).parents[2] / "data" / "registries"
REAL = Path(__file__).parents[3] / ".." / "shared" / "realdata"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("SPENDKIT_DATA_DIR", str(folder))
    return folder


def add(*names: str | Path, settings: Settings | None = None) -> list[store.Installed]:
    from spendkit import api

    files = [n if isinstance(n, Path) else DATA / n for n in names]
    return api.install_registers(api.recognise_registers(files), settings or Settings())


@pytest.mark.parametrize(("name", "kind", "day", "where"), [
    ("BasicCompanyData-2024-05-01.csv", "companies_house", "2024-05-01", "file name"),
    ("BasicCompanyData-2024-05-01-part1_2.zip", "companies_house", "2024-05-01", "file name"),
    ("publicextract.charity.txt", "charity_commission", "2024-05-01", "contents"),
    ("publicextract.charity.zip", "charity_commission", "2024-05-01", "contents"),
    ("charities_operating_in_area.csv", "charity_commission", None, "file modified"),
    ("CharityExport-01-May-2024.csv", "oscr", "2024-05-01", "file name"),
    ("ccni-charitydetails_2024_05_01_09_00_00.csv", "ccni", "2024-05-01", "file name"),
    ("SocietyList.csv", "mutuals", None, "file modified"),
    ("charity-company-numbers.csv", "charity_company_links", None, "file modified"),
    ("cio_company_numbers.csv", "cio_links", None, "file modified"),
    ("dual-registered-uk-charities.csv", "dual_registered", None, "file modified"),
    ("ocds-release-package.json", "ocds", None, "file modified"),
])
def test_each_file_is_recognised_by_its_content(tmp_path: Path, name: str, kind: str,
                                                 day: str | None, where: str) -> None:
    # under another name, so only the content can tell
    copy = tmp_path / ("renamed" + "".join(Path(name).suffixes[-1:]))
    shutil.copy(DATA / name, copy)
    assert recognise(copy).kind == kind
    found = recognise(DATA / name)
    assert found.kind == kind and found.date_from == where
    if day:
        assert found.date == day


def test_dates_in_names() -> None:
    assert date_in_name("BasicCompanyDataAsOneFile-2026-11-01.zip") == "2026-11-01"
    assert date_in_name("CharityExport-20-May-2021.csv") == "2021-05-20"
    assert date_in_name("ccni_2024_05_01_09_00_00.csv") == "2024-05-01"
    assert date_in_name("SocietyList.csv") == ""
    assert date_in_name("BasicCompanyData-2024-13-45.csv") == ""


def test_files_that_are_no_register_are_refused_saying_what_they_are(tmp_path: Path) -> None:
    scale = tmp_path / "x.csv"
    scale.write_text('"reg_number","scale"\n200001,National\n')
    with pytest.raises(InputFileError, match="charity scale table"):
        recognise(scale)
    ledger = Path(__file__).parents[3] / "data" / "samples" / "ledger.csv"
    with pytest.raises(InputFileError, match="not a register spendkit recognises") as err:
        recognise(ledger)
    assert "Supplier Name" in str(err.value)
    notjson = tmp_path / "x.json"
    notjson.write_text('{"hello": "world"}')
    with pytest.raises(InputFileError, match="not OCDS"):
        recognise(notjson)


def test_install_writes_the_rows_the_index_and_a_manifest(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[tuple[int, Path]] = []
    real_build = name_index.build_from_rows

    def build(d: Path) -> None:
        built.append((name_index._open_ipc(d / name_index.ROWS).num_rows, d))
        real_build(d)

    monkeypatch.setattr(name_index, "build_from_rows", build)
    (item,) = add("BasicCompanyData-2024-05-01.csv")
    folder = home / "registers" / "companies_house"
    assert item.directory == folder
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["kind"] == "companies_house" and manifest["rows"] == 17
    assert manifest["date"] == "2024-05-01" and manifest["date_from"] == "file name"
    assert manifest["files"][0]["name"] == "BasicCompanyData-2024-05-01.csv"
    assert len(manifest["files"][0]["sha256"]) == 64 and manifest["spendkit_version"]
    assert "/" not in json.dumps(manifest["files"])  # names, never paths
    table = pq.read_table(folder / "organisations.parquet")
    ids = table.column("org_id").to_pylist()
    assert ids[0] == "GB-COH-04142000" and len(set(ids)) == len(ids) == 17  # the publisher's order
    # the index's memory-mapped rows are the store's rows
    assert name_index.load(folder / "name-index").row_table.column("org_id").to_pylist() == ids
    # the name index was built in the temporary directory, before it became the install
    assert built and built[0][0] == 17 and built[0][1].name == "name-index"
    assert built[0][1].parent.name.startswith(".building-companies_house")
    assert [p.name for p in (home / "registers").iterdir()] == ["companies_house"]


def test_a_failed_install_leaves_the_old_one_working_and_nothing_half_built(
        home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    add("BasicCompanyData-2024-05-01.csv")
    before = (home / "registers" / "companies_house" / "manifest.json").read_text()

    def interrupted(directory: Path) -> None:
        assert (directory.parent / "organisations.parquet").is_file()
        raise KeyboardInterrupt

    monkeypatch.setattr(name_index, "build_from_rows", interrupted)
    with pytest.raises(KeyboardInterrupt):
        add("BasicCompanyData-2024-05-01-part1_2.zip")
    assert (home / "registers" / "companies_house" / "manifest.json").read_text() == before
    assert [p.name for p in (home / "registers").iterdir()] == ["companies_house"]
    frame = store.registers_for_run(Settings())
    assert frame is not None and kinds(frame) == {"companies_house"}
    assert name_index.load(Path(frame.attrs["index_only"]["companies_house"])).n_rows == 17


def test_a_row_cut_short_is_refused_naming_the_file(home: Path, tmp_path: Path) -> None:
    cut = tmp_path / "BasicCompanyData-2024-06-01.csv"
    data = (DATA / "BasicCompanyData-2024-05-01.csv").read_bytes()
    cut.write_bytes(data[: len(data) - 200])  # in the middle of the last row
    with pytest.raises(InputFileError, match="last row is cut short") as err:
        add(cut)
    assert str(cut) in str(err.value) and "Download it again" in str(err.value)
    assert not (home / "registers" / "companies_house").exists()


def test_a_cut_zip_is_refused(home: Path, tmp_path: Path) -> None:
    cut = tmp_path / "publicextract.charity.zip"
    data = (DATA / "publicextract.charity.zip").read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputFileError, match=r"damaged|cannot be read"):
        add(cut)
    assert not (home / "registers").exists() or not any((home / "registers").iterdir())


def test_a_cut_json_lines_file_names_the_last_line(tmp_path: Path, home: Path) -> None:
    lines = tmp_path / "notices.jsonl"
    release = json.loads((DATA / "ocds-release-package.json").read_text())["releases"]
    text = "\n".join(json.dumps(r) for r in release)
    lines.write_text(text[:-30])
    with pytest.raises(InputFileError, match="last line is cut short"):
        add(lines)


def test_every_run_uses_the_installed_registers_and_names_them(home: Path) -> None:
    add("BasicCompanyData-2024-05-01.csv", "publicextract.charity.txt")
    frame = store.registers_for_run(Settings(), today=date(2024, 5, 20))
    assert frame is not None
    assert kinds(frame) == {"companies_house", "charity_commission"}
    used = frame.attrs["registers"]
    assert [(u["kind"], u["date"], u["source"]) for u in used] == [
        ("charity_commission", "2024-05-01", "installed"), ("companies_house", "2024-05-01", "installed")]
    assert any(n.startswith("registers used: Charity Commission 2024-05-01 (installed, 5 rows); "
                            "Companies House 2024-05-01 (installed, 17 rows)") for n in frame.attrs["notes"])
    assert not any("days old" in n for n in frame.attrs["notes"])
    old = store.registers_for_run(Settings(), today=date(2024, 7, 1))
    assert old is not None
    assert any("Companies House is 61 days old" in n for n in old.attrs["notes"])
    # turned off: none
    off = Settings(registries=RegistrySettings(installed=False))
    assert store.registers_for_run(off) is None


def test_files_given_for_a_run_replace_the_installed_register_of_their_kind(home: Path) -> None:
    add("BasicCompanyData-2024-05-01.csv", "publicextract.charity.txt")
    given = Settings(registries=RegistrySettings(
        companies=[DATA / "BasicCompanyData-2024-05-01-part1_2.zip"]))
    frame = store.registers_for_run(given)
    assert frame is not None and frame.empty
    # the file given, installed into the cache folder once; the installed charities, by their index
    assert set(frame.attrs["index_only"]) == {"companies_house", "charity_commission"}
    cached = Path(frame.attrs["index_only"]["companies_house"])
    assert home not in cached.parents and cached.parent.name.startswith("companies_house-")
    assert name_index.load(cached).n_rows == 17
    assert [u["source"] for u in frame.attrs["registers"]] == ["given", "installed"]
    assert any("installed Companies House 2024-05-01 not used" in n for n in frame.attrs["notes"])
    # a later run giving the same files matches through the same cached install, not built again
    built = (cached / "index.json").stat().st_mtime_ns
    store._LAST.clear()
    again = store.registers_for_run(given)
    assert again is not None and Path(again.attrs["index_only"]["companies_house"]) == cached
    assert (cached / "index.json").stat().st_mtime_ns == built


def seen(frame: pd.DataFrame) -> pd.DataFrame:
    """Every register row as matching sees it: the installs' rows, fetched through their name
    indexes (with the links and declarations added), and the rows read for the run."""
    import numpy as np

    from spendkit.decide.matching import as_indexes

    return pd.concat([ix.rows(np.arange(ix.n_rows)) for ix in as_indexes(frame)], ignore_index=True)


def test_lookup_tables_link_the_registers_rows(home: Path) -> None:
    add("BasicCompanyData-2024-05-01.csv", "publicextract.charity.txt", "charity-company-numbers.csv",
        "cio_company_numbers.csv")
    frame = store.registers_for_run(Settings())
    assert frame is not None
    assert frame.empty  # no installed register's rows read: matched through their indexes
    assert set(frame.attrs["index_only"]) == {"companies_house", "charity_commission"}  # links add none
    row = seen(frame).set_index("org_id")
    assert row.loc["GB-CHC-1234567", "linked_ids"] == "GB-COH-07123456"
    assert row.loc["GB-COH-07123456", "linked_ids"] == "GB-CHC-1234567"
    assert row.loc["GB-CHC-1180001", "linked_ids"] == "GB-COH-CE012345"
    assert row.loc["GB-CHC-1180001", "company_number"] == "CE012345"
    assert row.loc["GB-COH-04142000", "linked_ids"] == ""
    status = {i.kind: i for i in store.installed(Settings())}
    assert status["charity_company_links"].rows == 2  # the row without two org-ids is not kept
    assert any("1 row(s) without two valid numbers skipped" in n
               for n in status["charity_company_links"].manifest["notes"])


def test_notices_declarations_reach_the_companies_row(home: Path) -> None:
    add("BasicCompanyData-2024-05-01.csv", "ocds-release-package.json")
    frame = seen(store.registers_for_run(Settings()))
    acme = frame[(frame["org_id"] == "GB-COH-04142000") & (frame["registry"] == "companies_house")]
    assert len(acme) == 1
    assert acme.iloc[0]["sme_declared"] == "yes" and acme.iloc[0]["vcse_declared"] == "no"
    hilltop = frame[frame["org_id"] == "GB-CFS-200"].iloc[0]
    # the later notice wins
    assert hilltop["name"] == "Hilltop Catering Company" and hilltop["sme_declared"] == "no"
    assert hilltop["vcse_declared"] == "yes" and hilltop["postcode"] == "BL1 1AA"
    leeds = frame[frame["org_id"] == "GB-CFS-300"].iloc[0]
    assert leeds["postcode"] == "LS1 4AP" and leeds["sme_declared"] == ""
    ocds = {i.kind: i for i in store.installed(Settings())}["ocds"]
    assert ocds.date == "2024-04-30" and ocds.manifest["date_from"] == "contents"
    assert any("1 supplier(s) without an identifier skipped" in n for n in ocds.manifest["notes"])


def test_remove_and_a_damaged_install(home: Path) -> None:
    add("SocietyList.csv")
    with pytest.raises(ReferenceDataError, match="no register 'oscr' is installed"):
        store.remove("oscr", Settings())
    store.remove("mutuals", Settings())
    assert store.installed(Settings()) == []
    add("SocietyList.csv")
    (home / "registers" / "mutuals" / "manifest.json").write_text("{")
    with pytest.raises(ReferenceDataError, match="damaged") as err:
        store.installed(Settings())
    assert "registers remove mutuals" in str(err.value)


def test_the_data_folder_setting_wins_over_the_environment(home: Path, tmp_path: Path) -> None:
    assert store.data_dir(Settings()) == home
    elsewhere = tmp_path / "elsewhere"
    assert store.data_dir(Settings(registries=RegistrySettings(data_dir=elsewhere))) == elsewhere


def test_a_multi_part_download_installs_as_one(home: Path) -> None:
    (item,) = add("BasicCompanyData-2024-05-01-part1_2.zip", "BasicCompanyData-2024-05-01-part2_2.zip")
    assert item.rows == 17 and len(item.manifest["files"]) == 2
    # one part given: the other is read from beside it, and named in the manifest
    (one,) = add("BasicCompanyData-2024-05-01-part2_2.zip")
    assert one.rows == 17
    assert [f["name"] for f in one.manifest["files"]] == [
        "BasicCompanyData-2024-05-01-part1_2.zip", "BasicCompanyData-2024-05-01-part2_2.zip"]
    with zipfile.ZipFile(DATA / "BasicCompanyData-2024-05-01-part1_2.zip") as z:
        assert z.namelist()


# ---------------------------------------------------------------- the real samples

def real(*parts: str) -> Path:
    path = REAL.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not here (../shared/realdata)")
    return path


def test_real_lookup_tables_install(home: Path) -> None:
    items = add(real("charity-lookups", "charity-company-numbers.csv"),
                real("charity-lookups", "cio_company_numbers.csv"),
                real("charity-lookups", "dual-registered-uk-charities.csv"))
    rows = {i.kind: i.rows for i in items}
    assert rows["charity_company_links"] == 4399
    assert rows["cio_links"] > 51_000
    assert rows["dual_registered"] > 1_450


def test_real_companies_house_sample_and_trafford_charities_install(home: Path) -> None:
    items = add(real("companies-house", "BasicCompanyData-sample-2021.csv"),
                real("trafford", "charities_operating_in_trafford.csv"))
    kinds = {i.kind: i for i in items}
    assert kinds["companies_house"].rows > 0 and kinds["charity_commission"].rows > 0


def test_real_contracts_finder_notices_install(home: Path) -> None:
    (item,) = add(real("contracts-finder-ocds", "contracts_finder_award_releases_english.jsonl"))
    frame = store.read_installed(item)
    assert item.date == "2025-03-11"
    # 268 supplier parties, each kept once: 75 with a Companies House number
    assert (frame["org_id"].str.startswith("GB-COH-")).sum() == 75
    assert set(frame["sme_declared"]) == {"yes", "no", ""}
    assert (frame["vcse_declared"] == "yes").sum() >= 5
    assert (frame["postcode"] != "").mean() > 0.75
    marston = frame[frame["name"].str.contains("Marstons holdings", case=False)]
    assert not marston.empty and marston.iloc[0]["postcode"] == "EC3N 2LB"


# ---------------------------------------------------------------- a download cut anywhere

CH_BYTES = (DATA / "BasicCompanyData-2024-05-01.csv").read_bytes()
CH_ROW_ENDS = [i for i, b in enumerate(CH_BYTES) if b == 0x0A][1:]  # after the header's line


@settings_hypothesis(max_examples=40, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(min_value=CH_BYTES.index(b"\n") + 1, max_value=len(CH_BYTES)))
def test_a_companies_house_file_cut_anywhere_is_refused_or_read_whole(tmp_path: Path, cut: int) -> None:
    """Cut at any byte: either refused (InputFileError), or every row wholly in the file is
    read (a row is never dropped quietly)."""
    path = tmp_path / f"BasicCompanyData-2024-05-01-{cut}.csv"
    path.write_bytes(CH_BYTES[:cut])
    try:
        frame = store.read_kind("companies_house", [recognise(path)])
    except InputFileError as err:
        assert str(path) in str(err)
        return
    whole = sum(end <= cut for end in CH_ROW_ENDS)
    # a last row complete in every column but without its line end counts too
    assert len(frame) in (whole, whole + 1)
    if len(frame) == whole + 1:
        assert not CH_BYTES[:cut].endswith(b"\n")


def test_a_run_matches_through_the_installs_name_index(home: Path) -> None:
    """The name index is built at install (inside the install, beside its Parquet file) and a
    run reads it (memory-mapped) rather than indexing the register again."""
    from spendkit.reference.registries import name_index

    (item,) = add("BasicCompanyData-2024-05-01.csv")
    assert (item.directory / "name-index" / "index.json").is_file()
    frame = store.registers_for_run(Settings())
    assert frame is not None and len(frame) == 0  # its rows are not read: the index holds them
    assert frame.attrs["index_only"] == {"companies_house": str(item.directory / "name-index")}
    assert name_index.load(item.directory / "name-index").n_rows == item.rows == 17


def kinds(frame: pd.DataFrame) -> set[str]:
    """The registers a run uses: those whose rows it read, and those matched by index alone."""
    return set(frame["registry"]) | set(frame.attrs.get("index_only", {}))


def test_companies_house_is_installed_a_block_at_a_time_with_every_row_accounted_for(
        home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks far smaller than the file (as 32 MB blocks are of the 2.7 GB download): a row
    without a number and a company listed twice are counted in the manifest's notes, a byte
    that is not UTF-8 in a late block has the file read as Latin-1 from where it was, and the
    store, the index's rows and the manifest agree."""
    from spendkit.reference.registries import companies_house

    monkeypatch.setattr(companies_house, "BLOCK_BYTES", 2048)
    lines = (DATA / "BasicCompanyData-2024-05-01.csv").read_bytes().split(b"\n")
    header, body = lines[0], [x for x in lines[1:] if x.strip()]
    no_number = body[1].replace(b'"09876543"', b'""', 1)
    latin = body[2].replace(b"WIDGETS", b"WIDG\xc9TS", 1).replace(b'"10101010"', b'"10101011"', 1)
    rows = [*body, no_number, body[0], latin]
    path = tmp_path / "BasicCompanyData-2024-06-01.csv"
    path.write_bytes(b"\n".join([header, *rows]) + b"\n")
    (item,) = add(path)
    assert item.rows == 18  # 18 companies; the copy and the row without a number are not kept
    notes = item.manifest["notes"]
    assert "Companies House: 1 row(s) without a registration number skipped" in notes
    assert "1 row(s) repeating an organisation already read: the first of each kept" in notes
    names = name_index.load(item.directory / "name-index").row_table.column("name").to_pylist()
    stored = pq.read_table(item.directory / "organisations.parquet")
    assert stored.column("name").to_pylist() == names and len(names) == 18
    assert names[0] == "ACME LIMITED" and names.count("ACME LIMITED") == 1  # the first kept
    assert names[-1] == '"QUOTED" WIDGÉTS LIMITED'  # read as Latin-1, in the last block
    assert stored.num_rows == item.rows


def test_registers_given_for_runs_keep_the_most_recent_installs(
        home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each set of files given with --companies is installed into the cache folder once; the
    ``CACHE_KEEP`` most recent are kept, and a changed file is installed again."""
    monkeypatch.setenv("SPENDKIT_CACHE_DIR", str(tmp_path / "cache"))
    files = []
    for i in range(store.CACHE_KEEP + 1):
        f = tmp_path / f"v{i}" / "BasicCompanyData-2024-05-01.csv"
        f.parent.mkdir()
        shutil.copy(DATA / "BasicCompanyData-2024-05-01.csv", f)
        files.append(f)
    made = [store.given_install("companies_house", [f]) for f in files]
    assert [m.date for m in made] == ["2024-05-01"] * len(files) and made[0].rows == 17
    kept = sorted(p.name for p in (tmp_path / "cache" / "registries").iterdir() if not p.name.startswith("."))
    assert len(kept) == store.CACHE_KEEP and made[0].directory.name not in kept
    assert store.given_install("companies_house", [files[-1]]).directory == made[-1].directory
    with open(files[-1], "ab") as fh:  # the file changes: a new install
        fh.write(b'"NEW COMPANY LIMITED","99999999"' + b',""' * 53 + b"\n")
    again = store.given_install("companies_house", [files[-1]])
    assert again.directory != made[-1].directory and again.rows == 18


def test_an_unwritable_cache_folder_only_costs_speed(home: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("SPENDKIT_CACHE_DIR", str(blocked / "cache"))
    frame = store.registers_for_run(Settings(registries=RegistrySettings(
        companies=[DATA / "BasicCompanyData-2024-05-01.csv"])))
    assert frame is not None and len(frame) == 17 and not frame.attrs["index_only"]
    assert any("could not be kept in the cache folder" in n and "read for this run only" in n
               for n in frame.attrs["notes"])


def test_a_damaged_install_of_a_given_register_is_built_again(
        home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPENDKIT_CACHE_DIR", str(tmp_path / "cache"))
    first = store.given_install("companies_house", [DATA / "BasicCompanyData-2024-05-01.csv"])
    (first.directory / "manifest.json").write_text("{not json")
    again = store.given_install("companies_house", [DATA / "BasicCompanyData-2024-05-01.csv"])
    assert again.directory == first.directory and again.rows == 17
    assert json.loads((again.directory / "manifest.json").read_text())["rows"] == 17
