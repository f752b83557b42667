"""Hard matching cases, written by hand: near neighbours, truncations, qualifiers, trading names,
previous names, shared words, and payees that must never be matched to a company.

The register is a small common frame (``spendkit.reference.registries``) of invented companies;
each case is matched from an index built in memory and from one built on disk and loaded."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spendkit.decide import matching as M
from spendkit.errors import InputFileError
from spendkit.reference.registries import COLUMNS
from spendkit.reference.registries import name_index as NI

COMPANIES = [
    # number, name, postcode, status, previous names
    ("01000001", "HARGREAVES PLUMBING LIMITED", "BL1 1AA", "Active", ""),
    ("01000002", "HARGREAVES PLUMBING (NORTH WEST) LIMITED", "M1 1AA", "Active", ""),
    ("01000003", "PENDLE BUILDING SUPPLIES LTD", "BB8 0AA", "Active", ""),
    ("01000004", "WESTHOUGHTON COMMUNITY TRANSPORT ASSOCIATION LIMITED", "BL5 3AA", "Active", ""),
    ("01000005", "BRIGHTWATER ENVIRONMENTAL CONSULTANCY SERVICES LTD", "LS1 1AA", "Active", ""),
    ("01000006", "BRIGHTWATER ENVIRONMENTAL CONSULTANCY PARTNERS LTD", "LS2 2AA", "Active", ""),
    ("01000007", "SMITHS PLUMBING AND HEATING LTD", "WN1 1AA", "Active", ""),
    ("01000008", "CALEDONIAN FENCING LIMITED", "G1 1AA", "Active", ""),
    ("01000009", "ORRELL GREEN LANDSCAPES LTD", "WN5 8AA", "Active", "ORRELL GARDEN SERVICES LIMITED"),
    ("01000010", "JOHN SMITH LIMITED", "WN2 2AA", "Active", ""),
    ("01000011", "WIGAN COUNCIL SERVICES LIMITED", "WN1 3AA", "Active", ""),
    ("01000012", "WIGAN HOME CARE LTD", "WN3 3AA", "Active", ""),
    ("01000013", "ASPULL TYRES & EXHAUSTS LIMITED", "WN2 1AA", "Dissolved", ""),
    ("01000014", "ASPULL TYRES AND EXHAUSTS LTD", "WN2 1BB", "Active", ""),
    ("01000015", "MERSEY VALLEY ROOFING CONTRACTORS LTD", "L1 1AA", "Active", ""),
    ("01000016", "MERSEY VALLEY ROOFING CONTRACTOR LTD", "L2 2AA", "Active", ""),
    ("01000017", "LEYLAND SCAFFOLDING SERVICES LTD", "PR25 1AA", "Active", ""),
]


def register() -> pd.DataFrame:
    rows = pd.DataFrame(COMPANIES, columns=["number", "name", "postcode", "status", "previous_names"])
    frame = pd.DataFrame({
        "org_id": "GB-COH-" + rows["number"], "registry": "companies_house", "number": rows["number"],
        "name": rows["name"], "name_key": "", "postcode": rows["postcode"],
        "legal_form": "Private Limited Company", "status": rows["status"], "accounts_category": "MICRO ENTITY",
        "income_pounds": np.nan, "sic_codes": "", "company_number": rows["number"],
        "linked_ids": "", "sme_declared": "", "vcse_declared": "",
        "previous_names": rows["previous_names"]})
    for c in frame.columns:
        if c != "income_pounds":
            frame[c] = frame[c].astype("str")
    return frame[[*COLUMNS, "previous_names"]]


@pytest.fixture(scope="module", params=["memory", "disk"])
def index(request, tmp_path_factory) -> NI.NameIndex:
    if request.param == "memory":
        return NI.NameIndex.from_frame(register())
    folder = tmp_path_factory.mktemp("index")
    NI.build(register(), folder)
    return NI.load(folder)


def match(index: NI.NameIndex, *names: str, company: str = "", **kwargs: object) -> pd.DataFrame:
    payees = pd.DataFrame({"name": list(names), "company_number": company, "charity_number": ""}, dtype="str")
    return M.match_payees(payees, [index], **kwargs)  # type: ignore[arg-type]


def one(index: NI.NameIndex, name: str, **kwargs: object) -> pd.Series:
    return match(index, name, **kwargs).iloc[0]


def test_exact_and_without_legal_form(index):
    m = one(index, "Hargreaves Plumbing Ltd.")
    assert m["org_id"] == "GB-COH-01000001" and m["match_method"] == "name"
    assert m["match_evidence"].startswith("name exact ('HARGREAVES PLUMBING LIMITED')")
    m = one(index, "The Hargreaves Plumbing")
    assert m["org_id"] == "GB-COH-01000001"
    assert m["match_evidence"].startswith("name without legal form")


def test_near_neighbour_with_a_place_in_its_name_is_another_company(index):
    assert one(index, "HARGREAVES PLUMBING (NORTH WEST) LTD")["org_id"] == "GB-COH-01000002"
    assert one(index, "Hargreaves Plumbing North West")["org_id"] == "GB-COH-01000002"


@pytest.mark.parametrize("written", ["Hargreaves Plumbing Ltd (Bolton)", "HARGREAVES PLUMBING LTD_(BOLTON)",
                                     "Hargreaves Plumbing Limited - Bolton branch",
                                     "HARGREAVES PLUMBING LTD_(BOLT"])
def test_branch_and_place_qualifiers(index, written):
    m = one(index, written)
    assert m["org_id"] == "GB-COH-01000001"
    assert "without the qualifier" in m["match_evidence"] and "BOLT" in m["match_evidence"].upper()


def test_trading_as(index):
    # the company trading under another name: its own name, before 't/a'
    m = one(index, "Smiths Plumbing & Heating Ltd t/a Smiths Heating")
    assert m["org_id"] == "GB-COH-01000007"
    assert m["match_evidence"].endswith("the name before 't/a'")
    # a person trading under a name is no company, whatever company has that name
    assert one(index, "J Smith t/a Smiths Plumbing & Heating")["org_id"] == ""


def test_previous_name(index):
    m = one(index, "Orrell Garden Services Ltd")
    assert m["org_id"] == "GB-COH-01000009"
    assert m["match_evidence"].startswith("previous name exact (now 'ORRELL GREEN LANDSCAPES LTD')")


def test_truncated_name_unique_prefix(index):
    written = "Westhoughton Community Transport Association Limited"[:40].strip()
    m = one(index, written)
    assert m["org_id"] == "GB-COH-01000004" and m["match_method"] == "truncated name"
    assert m["match_evidence"].startswith("prefix of a truncated name")


def test_truncated_name_into_the_legal_form(index):
    written = "LEYLAND SCAFFOLDING SERVICES LIMITED"[:35]  # 'LEYLAND SCAFFOLDING SERVICES LIMITE'
    assert len(written) == 35
    m = one(index, written)
    assert m["org_id"] == "GB-COH-01000017" and "cut in its legal form" in m["match_evidence"]
    # cut in its legal form, the rest must be a register name exactly: not the start of a longer
    # one ('HARGREAVES PLUMBING (NORTH WEST) LIMITED' is no answer for 'HARGREAVES PLUMBIN... L')
    written = "Hargreaves Plumbing Ltd"[:18] + " Consultants L"  # 32 characters, an unknown firm
    assert len(written) == 32
    assert one(index, written)["org_id"] == ""


def test_word_order_is_not_forgiven(index):
    assert one(index, "Supplies Pendle Building Ltd")["org_id"] == ""


def test_truncated_name_shared_by_two_is_ambiguous(index):
    written = "BRIGHTWATER ENVIRONMENTAL CONSULTANCY SERVICES"[:35]
    m = one(index, written)
    assert m["org_id"] == "" and "ambiguous truncated name" in m["match_evidence"]
    assert "GB-COH-01000005" in m["match_candidates"] and "GB-COH-01000006" in m["match_candidates"]


def test_a_name_that_is_not_cut_is_not_a_prefix(index):
    assert one(index, "Westhoughton Community")["org_id"] == ""


def test_typing_slip_is_a_fuzzy_match_with_its_margin(index):
    m = one(index, "Pendle Buidling Supplies Ltd")
    assert m["org_id"] == "GB-COH-01000003" and m["match_method"] == "fuzzy name"
    assert m["match_evidence"].startswith("fuzzy 0.9")
    assert ", next " in m["match_evidence"] or "no other candidate" in m["match_evidence"]


def test_a_different_real_word_is_another_organisation(index):
    # SERVICES is a word the register knows: not a slip for SUPPLIES, however close the spelling
    assert one(index, "Pendle Building Services Ltd")["org_id"] == ""
    assert one(index, "Caledonian Fencing Supplies Ltd")["org_id"] == ""


def test_shared_generic_words_do_not_match(index):
    m = one(index, "Wigan Care Ltd")  # WIGAN HOME CARE LTD shares WIGAN and CARE
    assert m["org_id"] == ""


def test_a_plural_is_a_real_difference(index):
    # MERSEY VALLEY ROOFING CONTRACTORS and ...CONTRACTOR are two companies: the slip VALEY is
    # forgiven, the plural is not, so only one is a candidate
    m = one(index, "Mersey Valey Roofing Contractors")
    assert m["org_id"] == "GB-COH-01000015" and m["match_method"] == "fuzzy name"
    assert ", next 0.9" in m["match_evidence"]  # the other company, close but not accepted
    assert one(index, "Mersey Valley Roofing Contractor Services")["org_id"] == ""


def test_two_close_organisations_are_ambiguous():
    # two companies one slip away from the payee's name: neither is chosen
    frame = register()
    frame = pd.concat([frame, frame.iloc[[2]].assign(
        org_id="GB-COH-01000099", number="01000099", company_number="01000099",
        name="PENDLE BUILDING SUPPLIERS LTD")], ignore_index=True)
    m = one(NI.NameIndex.from_frame(frame), "Pendle Buildng Supplie Ltd")
    assert m["org_id"] == ""
    assert "ambiguous fuzzy name" in m["match_evidence"] or "no close name" in m["match_evidence"]


def test_active_entry_wins_over_dissolved_one(index):
    m = one(index, "Aspull Tyres & Exhausts")
    assert m["org_id"] == "GB-COH-01000014" and m["reg_status"] == "Active"


def test_individual_and_public_body_are_never_matched(index):
    person = one(index, "Mr John Smith")
    assert person["org_id"] == "" and "individual" in person["match_evidence"]
    council = one(index, "Wigan Council")
    assert council["org_id"] == "" and "public body" in council["match_evidence"]


def test_identifier_first(index):
    m = one(index, "Hargreaves Plumbing Ltd", company="1000003")
    assert m["org_id"] == "GB-COH-01000003" and m["match_method"] == "company number"
    m = one(index, "Hargreaves Plumbing Ltd", company="GB-COH-01000002")
    assert m["org_id"] == "GB-COH-01000002"


def test_decisions_file_is_applied_first(index, tmp_path):
    path = tmp_path / "decisions.csv"
    path.write_text("payee,org_id,note\nHARGREAVES PLUMBING LTD,GB-COH-01000002,checked invoices\n"
                    "Pendle Building Supplies,none,a sole trader\nUnknown Co,GB-COH-09999999,\n")
    decisions = M.read_decisions(path)
    out = match(index, "Hargreaves Plumbing Ltd", "Pendle Building Supplies", "Unknown Co",
                "Caledonian Fencing Ltd", decisions=decisions)
    assert list(out["org_id"]) == ["GB-COH-01000002", "", "", "GB-COH-01000008"]
    assert out["match_method"].iloc[0] == "decisions file"
    assert "decisions.csv row 2" in out["match_evidence"].iloc[0]
    assert out["match_evidence"].iloc[1] == "not matched: in no register (decisions file decisions.csv row 3)"
    assert "GB-COH-09999999, which is in none of the registers" in out["match_evidence"].iloc[2]


@pytest.mark.parametrize("content, what", [
    ("name,org\nA,B\n", "needs columns 'payee' and 'org_id'"),
    ("payee,org_id\nAcme,12345678\n", "row 2, column 'org_id': '12345678' is not an org-id"),
    ("payee,org_id\nAcme,GB-COH-01000001\nACME,GB-COH-01000002\n", "decided twice"),
])
def test_bad_decisions_file_is_a_clear_error(tmp_path, content, what):
    path = tmp_path / "decisions.csv"
    path.write_text(content)
    with pytest.raises(InputFileError, match=what):
        M.read_decisions(path)


def test_index_refuses_an_incomplete_build(tmp_path):
    NI.build(register(), tmp_path)
    (tmp_path / "index.json").unlink()
    from spendkit.errors import ReferenceDataError

    with pytest.raises(ReferenceDataError, match="no complete register name index"):
        NI.load(tmp_path)


def test_normalise_names():
    full, key = NI.normalise_names(pd.Series([
        "The Acme & Sons (North) Limited", "Café Cyfyngedig", "Foo Community Interest Company",
        "Bar Ltd (The)", "L.T.D.", "Acme Public Limited Company", "Smith & Company Limited",
        "Newitt and Limted", "O'Brien's Bakery Ltd"]))
    assert full.to_pylist() == ["ACME AND SONS NORTH LTD", "CAFE LTD", "FOO CIC", "BAR LTD", "LTD",
                                "ACME PLC", "SMITH AND CO LTD", "NEWITT AND LTD", "OBRIENS BAKERY LTD"]
    assert key.to_pylist() == ["ACME AND SONS NORTH", "CAFE", "FOO", "BAR", "LTD", "ACME", "SMITH AND",
                               "NEWITT AND", "OBRIENS BAKERY"]


def test_a_new_build_replaces_the_old_index_only_when_complete(tmp_path, monkeypatch):
    folder = tmp_path / "companies"
    NI.build(register(), folder)
    before = sorted(p.name for p in folder.iterdir())

    def broken(rows, meta):
        yield "entries", NI._rows_table(register())  # a part written, then the build fails
        raise MemoryError("out of memory half-way")

    monkeypatch.setattr(NI, "_index_parts", broken)
    with pytest.raises(MemoryError):
        NI.build(register(), folder)
    assert sorted(p.name for p in folder.iterdir()) == before
    assert NI.load(folder).n_rows == len(COMPANIES)
    assert [p.name for p in tmp_path.iterdir()] == ["companies"]  # nothing half-built left
