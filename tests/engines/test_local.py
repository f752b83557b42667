"""The library pipeline: supplier joins, addresses, reconciliation as a property."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import spendkit
from spendkit.config import PlaceSettings, Settings

# Real postcodes (ONS Postcode Directory) and their expected class for place = Wigan.
POSTCODES = {
    "WN1 1YN": "local", "BL1 1RU": "sub_regional", "M1 1AA": "regional",
    "N1 2UD": "national", "IM1 1AA": "outside_uk", "TBC": "unknown", "": "unknown",
}


def write(tmp: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp / name
    path.write_bytes(text.encode(encoding))
    return path


def test_postcode_column_places_rows(tmp_path: Path) -> None:
    lines = ["Supplier Name,Amount,Supplier Postcode"]
    lines += [f"Firm {i},{100 + i}.00,{pc}" for i, pc in enumerate(POSTCODES)]
    result = spendkit.classify(write(tmp_path, "l.csv", "\n".join(lines)), place="Wigan")
    assert list(result.rows["geography"]) == list(POSTCODES.values())
    assert result.rows.loc[0, "district_name"] == "Wigan"
    assert result.rows.loc[0, "geography_evidence"] == \
        "postcode WN1 1YN (ledger) is in Wigan (E08000010): the place"


def test_postcode_pulled_from_address(tmp_path: Path) -> None:
    text = 'Payee,Amount,Supplier Address\nAcme,10.00,"1 Market St, Wigan wn1 1yn"\nBeta,5.00,"No postcode here"\n'
    result = spendkit.classify(write(tmp_path, "l.csv", text), place="Wigan")
    assert list(result.rows["postcode"]) == ["WN1 1YN", ""]
    assert list(result.rows["geography"]) == ["local", "unknown"]


def test_supplier_file_joins_on_id_then_name(tmp_path: Path) -> None:
    ledger = write(tmp_path, "l.csv", "Supplier Name,Supplier ID,Amount\n"
                   "ACME LTD,S1,100.00\n"            # by id
                   "Bolton Widgets Limited.,,50.00\n"  # by normalised name
                   "Nobody Known,S9,1.00\n")          # no match
    suppliers = write(tmp_path, "s.csv", "Supplier ID,Supplier Name,Postcode\n"
                      "S1,Acme Limited,wn11yn\n"
                      "S2,BOLTON WIDGETS LTD,BL1 1RU\n")
    result = spendkit.classify(ledger, place="Wigan", suppliers=suppliers)
    rows = result.rows
    assert list(rows["geography"]) == ["local", "sub_regional", "unknown"]
    assert list(rows["postcode_source"]) == ["supplier file (supplier id)", "supplier file (name)", ""]
    assert rows.loc[2, "geography_evidence"] == "no postcode, and the payee is not in the supplier file"


def test_several_places_and_named_sub_region(tmp_path: Path) -> None:
    text = "Supplier,Amount,Postcode\nA,1.00,WN1 1YN\nB,2.00,BL1 1RU\nC,3.00,M1 1AA\n"
    s = Settings(place=PlaceSettings(districts=["Wigan", "Bolton"], sub_regional=["Greater Manchester"]))
    result = spendkit.classify(write(tmp_path, "l.csv", text), settings=s)
    assert list(result.rows["geography"]) == ["local", "local", "sub_regional"]


def test_sheet_option_and_postcodes_file(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "Summary"
    book.active.append(["nothing here"])
    ws = book.create_sheet("Data")
    ws.append(["Vendor Name", "Value", "Postcode"])
    ws.append(["Acme", 12.5, "N1 2UD"])
    path = tmp_path / "l.xlsx"
    book.save(path)
    onspd = write(tmp_path, "ONSPD.csv", "pcds,doterm,laua,oseast1m,osnrth1m\n"
                  "N1 2UD,,E09000019,531708,184241\n")
    result = spendkit.classify(path, place="Islington", sheet="Data", postcodes=onspd)
    assert result.rows.loc[0, "geography"] == "local"
    assert result.rows.loc[0, "amount_pence"] == 1250
    assert "ONSPD.csv" in result.directory


amount_text = st.integers(-10**9, 10**9).map(lambda p: f"{Decimal(p) / 100:.2f}") | st.sampled_from(
    ["N/A", "", "TBC", "£", "(1,234.56)", "1,234.56 CR", "£2,000.00"])
row = st.tuples(st.sampled_from(["Acme Ltd", "Beta Care CIC", "", "REDACTED", "Total"]),
                amount_text, st.sampled_from(list(POSTCODES)),
                st.sampled_from(["01/04/2024", "31/02/2024", "", "2024-05-01"]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(row, min_size=1, max_size=30), split=st.integers(0, 30))
def test_reconciliation_holds_for_any_ledger(tmp_path: Path, rows: list, split: int) -> None:
    """rows read = counted + rejected, pence likewise; the same whether in one file or two."""
    frame = pd.DataFrame(rows, columns=["Supplier Name", "Amount", "Postcode", "Payment Date"])
    one = tmp_path / "one.csv"
    frame.to_csv(one, index=False)
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    frame.iloc[:split].to_csv(first, index=False)
    frame.iloc[split:].to_csv(second, index=False)
    whole = spendkit.classify(one, place="Wigan").summary()
    rec = whole["reconciliation"]
    assert rec["balanced"]
    assert rec["rows_read"] + rec["blank_rows_skipped"] == len(frame)
    assert rec["rows_counted"] + rec["rows_rejected"] == rec["rows_read"]
    assert rec["pence_counted"] + rec["pence_rejected"] == rec["pence_read"]
    assert sum(v["pence"] for v in whole["geography"].values()) == rec["pence_counted"]
    inputs = [p for p in (first, second) if len(pd.read_csv(p, dtype=str)) > 0]
    if len(inputs) == 2:
        parts = spendkit.classify(inputs, place="Wigan").summary()
        assert parts["geography"] == whole["geography"]
        assert parts["reconciliation"]["pence_counted"] == rec["pence_counted"]


def test_zero_time_is_no_date_but_bad_dates_reject_rows(tmp_path: Path) -> None:
    # Oxford's apr-jun-2014 file has '00:00:00' in every Paid Date: a null date/time as the
    # finance system exported it, so the rows count, undated. A bad date rejects its row.
    broken = "Supplier Name,Amount,Paid Date\n" + "".join(f"F{i},1.00,00:00:00\n" for i in range(10))
    result = spendkit.classify(write(tmp_path, "a.csv", broken), place="Wigan")
    assert len(result.rows) == 10 and len(result.rejected) == 0
    assert any("'00:00:00' (no date)" in n for n in result.inputs[0]["notes"])
    assert result.rows["payment_date"].isna().all()
    mixed = "Supplier Name,Amount,Paid Date\n" + "".join(f"F{i},1.00,0{i}/04/2024\n" for i in range(1, 10))
    mixed += "Bad,2.00,31/02/2024\n"
    result = spendkit.classify(write(tmp_path, "b.csv", mixed), place="Wigan")
    assert len(result.rows) == 9
    assert list(result.rejected["reason"]) == ["Paid Date: '31/02/2024' is not a date"]
    assert result.summary()["reconciliation"]["pence_rejected"] == 200
