"""sectors.py and data/rules.toml against tests/data/payee_names.csv (names written for these
tests, with the traps DOMAIN.md and the rules' comments describe), plus legal forms and loading."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from spendkit.decide import sectors
from spendkit.errors import ConfigError

NAMES = Path(__file__).parents[1] / "data" / "payee_names.csv"


@pytest.fixture(scope="module")
def classified() -> pd.DataFrame:
    data = pd.read_csv(NAMES, dtype="str", keep_default_na=False)
    out = sectors.sector_from_name(data["name"])
    return pd.concat([data, out], axis=1)


def _report(df: pd.DataFrame) -> str:
    right = df["sector"] == df["expected_sector"]
    by_class = ", ".join(
        f"{cls}: {int(right[df['expected_sector'] == cls].sum())}/{int((df['expected_sector'] == cls).sum())}"
        for cls in sectors.SECTORS)
    return f"accuracy {right.mean():.1%} ({int(right.sum())}/{len(df)}; {by_class})"


def _offenders(df: pd.DataFrame) -> str:
    return "\n".join(f"  {r.name!r}: expected {r.expected_sector}, got {r.sector} ({r.sector_evidence})"
                     for r in df.itertuples())


def test_the_names_file(classified):
    assert len(classified) >= 300
    assert not classified["name"].duplicated().any()
    assert set(classified["expected_sector"]) == set(sectors.SECTORS)
    counts = classified["expected_sector"].value_counts()
    assert counts.min() >= 30, counts


def test_no_commercial_name_is_vcfse(classified):
    bad = classified[(classified["expected_sector"] == "private") & (classified["sector"] == "vcfse")]
    assert bad.empty, f"commercial names classed VCFSE:\n{_offenders(bad)}\n{_report(classified)}"


def test_nothing_ambiguous_is_guessed_vcfse(classified):
    bad = classified[(classified["expected_sector"].isin(["unknown", "public", "individual"]))
                     & (classified["sector"] == "vcfse")]
    assert bad.empty, f"names classed VCFSE that are not:\n{_offenders(bad)}\n{_report(classified)}"


def test_every_vcfse_name_found(classified):
    bad = classified[(classified["expected_sector"] == "vcfse") & (classified["sector"] != "vcfse")]
    assert bad.empty, f"VCFSE names missed:\n{_offenders(bad)}\n{_report(classified)}"


@pytest.mark.parametrize("cls", ["public", "individual"])
def test_public_and_individuals_exact(classified, cls):
    expected = classified["expected_sector"] == cls
    bad = classified[(expected | (classified["sector"] == cls)) & (classified["sector"] != classified["expected_sector"])]
    assert bad.empty, f"{cls} wrong:\n{_offenders(bad)}\n{_report(classified)}"


def test_overall_accuracy(classified):
    right = (classified["sector"] == classified["expected_sector"]).mean()
    wrong = classified[classified["sector"] != classified["expected_sector"]]
    assert right >= 0.98, f"{_report(classified)}\n{_offenders(wrong)}"
    print(_report(classified))


def test_private_is_decided_from_evidence(classified):
    private = classified[classified["sector"] == "private"]
    assert private["sector_rule"].isin(
        ["legal-form-ltd", "legal-form-ltd-cut", "legal-form-plc", "legal-form-llp", "business-words", "trading-as",
         "building-society", "mutual-insurer", "co-op-businesses"]).all()


# --- evidence -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "sector", "evidence"), [
    ("The Brick CIC", "vcfse", "name contains 'CIC' (community interest company)"),
    ("Atherton Community Catering CIC Ltd", "vcfse", "name contains 'CIC' (community interest company)"),
    ("Trust Inns Ltd", "private", "legal form in name: LTD (private company)"),
    ("Dr Martens plc", "private", "legal form in name: PLC (public limited company)"),
    ("KPMG LLP", "private", "legal form in name: LLP (limited liability partnership)"),
    ("MR Y ALI", "individual", "name is a title and a person's name ('MR Y ALI')"),
    ("Nationwide Building Society", "private",
     "name contains 'BUILDING SOCIETY' (building society: a mutual financial business)"),
    ("Eden Foundation Ltd", "unknown",
     "name contains 'FOUNDATION LTD' (foundation) but also 'LTD': VCFSE or a business, not decided from the name"),
    ("Charity Fundraising Solutions", "unknown",
     "name contains 'CHARITY' (charity) but also 'SOLUTIONS': VCFSE or a business, not decided from the name"),
    ("Acme", "unknown", "no sector rule matched the name"),
    ("", "unknown", "no name"),
    ("  wigan   council ", "public", "name contains 'COUNCIL' (local government)"),
    ("Bolton Women\u2019s Aid", "vcfse", "name contains 'WOMEN'S AID' (domestic abuse support)"),
])
def test_evidence(name, sector, evidence):
    out = sectors.sector_from_name(pd.Series([name], dtype="str")).iloc[0]
    assert (out["sector"], out["sector_evidence"]) == (sector, evidence)
    assert out["sector_strength"] == ("" if sector == "unknown" else "weak")


def test_columns_index_and_missing_values():
    names = pd.Series(["Wigan Council", None, "The Brick CIC"], index=[10, 20, 30], dtype="str")
    out = sectors.sector_from_name(names)
    assert list(out.columns) == sectors.COLUMNS
    assert list(out.index) == [10, 20, 30]
    assert out["sector"].tolist() == ["public", "unknown", "vcfse"]
    assert all(str(out[c].dtype) == "str" for c in out.columns)


def test_many_repeated_names_go_through_distinct_values():
    base = pd.read_csv(NAMES, dtype="str", keep_default_na=False)["name"]
    big = pd.Series(list(base) * 20, dtype="str")  # ~9,600 rows, 480 distinct
    out = sectors.sector_from_name(big)
    small = sectors.sector_from_name(base)
    assert out["sector"].tolist() == small["sector"].tolist() * 20
    assert out["sector_evidence"].tolist() == small["sector_evidence"].tolist() * 20


# --- legal forms --------------------------------------------------------------------------------

LEGAL_FORMS = [
    ("Private Limited Company", "private"),
    ("Ltd", "private"),
    ("PLC", "private"),
    ("Public Limited Company", "private"),
    ("Limited Liability Partnership", "private"),
    ("Limited Partnership", "private"),
    ("Private Unlimited Company", "private"),
    ("Sole trader", "private"),
    ("Investment Company with Variable Capital", "private"),
    ("Community Interest Company", "vcfse"),
    ("Charitable Incorporated Organisation", "vcfse"),
    ("Scottish Charitable Incorporated Organisation", "vcfse"),
    ("Charity", "vcfse"),
    ("Registered charity", "vcfse"),
    ("Charitable company limited by guarantee", "vcfse"),
    ("Registered Society", "vcfse"),
    ("Industrial and Provident Society", "vcfse"),
    ("Community Benefit Society", "vcfse"),
    ("Credit Union", "vcfse"),
    ("Building Society", "private"),
    ("Private Limited Company by guarantee without share capital", "unknown"),
    ("PRI/LBG/NSC (Private, Limited by guarantee, no share capital, use of 'Limited' exemption)", "unknown"),
    ("PRI/LTD BY GUAR/NSC (Private, limited by guarantee, no share capital)", "unknown"),
    ("Royal Charter Company", "unknown"),
    ("Unincorporated association", "unknown"),
    ("Further Education and Sixth Form College Corps", "public"),
    ("Public body", "public"),
    ("Local Authority", "public"),
    ("Individual", "individual"),
    ("Overseas Entity", "unknown"),
    ("Something else", "unknown"),
    ("", "unknown"),
]


def test_legal_forms():
    forms = pd.Series([f for f, _ in LEGAL_FORMS], dtype="str")
    out = sectors.sector_from_legal_form(forms)
    got = dict(zip(forms, out["sector"], strict=True))
    assert got == dict(LEGAL_FORMS)
    assert out["sector_evidence"].iloc[0] == "legal form 'Private Limited Company': private company"
    assert out["sector_evidence"].iloc[9] == "legal form 'Community Interest Company': community interest company"
    assert out["sector_strength"].iloc[9] == "strong"
    assert out["sector_evidence"].iloc[30] == "legal form 'Something else' not recognised"
    assert out["sector_evidence"].iloc[31] == "no legal form"


def test_guarantee_only_when_opted_in():
    forms = pd.Series(["Private Limited Company by guarantee without share capital",
                       "PRI/LBG/NSC (Private, Limited by guarantee, no share capital, use of 'Limited' exemption)",
                       "Private Limited Company"], dtype="str")
    default = sectors.sector_from_legal_form(forms)
    assert default["sector"].tolist() == ["unknown", "unknown", "private"]
    assert default["sector_evidence"].iloc[0].endswith(
        "limited by guarantee: not counted as VCFSE unless opted in (guarantee_is_vcfse)")
    opted = sectors.sector_from_legal_form(forms, guarantee_is_vcfse=True)
    assert opted["sector"].tolist() == ["vcfse", "vcfse", "private"]
    assert opted["sector_strength"].tolist() == ["partial", "partial", "partial"]


# --- loading ------------------------------------------------------------------------------------

def test_packaged_rules_load_and_every_rule_explains_itself():
    rules = sectors.load_rules()
    assert rules is sectors.load_rules()  # read once
    assert len(rules.names) > 30 and len(rules.legal_forms) > 10
    for rule in rules.names:
        assert rule.why, rule.id


def test_users_copy_replaces_the_packaged_rules(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text(
        "[settings]\ncompany_suffix = '\\bLTD\\b'\n\n"
        "[[name]]\nid = 'our-council'\nsector = 'public'\npattern = ['^WIGAN LEISURE']\n"
        "label = 'council-owned company'\n", encoding="utf-8")
    rules = sectors.load_rules(path)
    out = sectors.sector_from_name(pd.Series(["Wigan Leisure Ltd", "The Brick CIC"]), rules)
    assert out["sector"].tolist() == ["public", "unknown"]
    assert out["sector_rule"].tolist() == ["our-council", ""]
    assert rules.legal_forms == ()


@pytest.mark.parametrize(("text", "message"), [
    ("[[name]]\nid = 'x'\nsector = 'public'\npattern = 'unclosed('\n", r"rule 'x': pattern: 'unclosed\(' is not a valid regular expression"),
    ("[[name]]\nid = 'x'\nsector = 'charity'\npattern = 'A'\n", r"rule 'x': sector must be one of"),
    ("[[name]]\nid = 'x'\nsector = 'vcfse'\n", r"rule 'x': no pattern"),
    ("[[name]]\nid = 'x'\nsector = 'vcfse'\npattern = 'A'\npatern = 'B'\n", r"rule 'x': unknown field\(s\) patern"),
    ("[[name]]\nid = 'x'\nsector = 'vcfse'\npattern = 'A'\ncompany_suffix = 'maybe'\n", r"company_suffix must be one of"),
    ("[[name]]\nid = 'x'\nsector = 'vcfse'\npattern = 'A'\nunless = ['[']\n", r"rule 'x': unless: '\[' is not a valid"),
    ("[[name]]\nsector = 'vcfse'\npattern = 'A'\n", r"rule number 1 has no id"),
    ("[[name]]\nid = 'x'\nsector = 'vcfse'\npattern = 'A'\n[[name]]\nid = 'x'\nsector = 'vcfse'\npattern = 'B'\n", r"'x' appears twice"),
    ("[[legal_form]]\nid = 'y'\nsector = 'vcfse'\npattern = 'A'\nstrength = 'very'\n", r"rule 'y': strength must be"),
    ("[settings]\ncompany_suffix = '('\n", r"settings.company_suffix"),
    ("this is = not [toml", r"not valid TOML"),
])
def test_bad_rules_files_name_the_file_and_rule(tmp_path, text, message):
    path = tmp_path / "my_rules.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as info:
        sectors.load_rules(path)
    assert str(path) in str(info.value)


def test_missing_rules_file(tmp_path):
    with pytest.raises(ConfigError, match="no such sector rules file"):
        sectors.load_rules(tmp_path / "nope.toml")
