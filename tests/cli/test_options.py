"""settings_from_options: the config file, then the flags given."""

from __future__ import annotations

from pathlib import Path

import pytest

from spendkit.cli.options import settings_from_options
from spendkit.errors import EXIT_CONFIG, ConfigError

CONFIG = """
suppliers = "suppliers.csv"

[place]
districts = ["Wigan"]
sub_regional = ["Greater Manchester"]

[organisations]
size_rule = "eu-2003-361"

[columns]
payee = "Vendor Name"
amount = "Net"
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "spendkit.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def test_config_file_alone(config: Path, tmp_path: Path) -> None:
    s = settings_from_options(config)
    assert s.place.districts == ["Wigan"]
    assert s.place.sub_regional == ["Greater Manchester"]
    assert s.organisations.size_rule == "eu-2003-361"
    assert s.columns == {"payee": "Vendor Name", "amount": "Net"}
    # A relative path in the file is relative to the file's folder.
    assert s.suppliers == tmp_path / "suppliers.csv"


def test_flags_win_over_the_file(config: Path, tmp_path: Path) -> None:
    s = settings_from_options(config, districts=["Bolton", "Salford"], size_rule="companies-act-2006",
                              guarantee_is_vcfse=True, suppliers=tmp_path / "other.csv")
    assert s.place.districts == ["Bolton", "Salford"]
    assert s.organisations.size_rule == "companies-act-2006"
    assert s.organisations.guarantee_is_vcfse is True
    assert s.suppliers == tmp_path / "other.csv"
    # What no flag touched comes from the file.
    assert s.place.sub_regional == ["Greater Manchester"]
    assert s.columns == {"payee": "Vendor Name", "amount": "Net"}


def test_flags_not_given_leave_the_file_alone(config: Path) -> None:
    s = settings_from_options(config, districts=None, sub_regional=[], size_rule=None, column=None)
    assert s.place.districts == ["Wigan"]
    assert s.place.sub_regional == ["Greater Manchester"]
    assert s.organisations.size_rule == "eu-2003-361"


def test_column_options_parsed_and_merged_over_the_file(config: Path) -> None:
    s = settings_from_options(config, column=['payee="Supplier Name"', " Date = Payment Date ",
                                              "postcode=Post Code"])
    assert s.columns == {"payee": "Supplier Name", "amount": "Net", "date": "Payment Date",
                         "postcode": "Post Code"}


def test_header_may_contain_an_equals_sign(tmp_path: Path) -> None:
    s = settings_from_options(None, column=["amount=Net = Gross - VAT"])
    assert s.columns == {"amount": "Net = Gross - VAT"}


def test_spendkit_toml_in_the_working_folder_is_read(config: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert settings_from_options(None).place.districts == ["Wigan"]


def test_no_file_gives_the_defaults_plus_flags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no spendkit.toml here
    s = settings_from_options(None, districts=["E08000010"])
    assert s.place.districts == ["E08000010"]
    assert s.organisations.size_rule == "procurement-act-2023"
    assert s.columns == {}


@pytest.mark.parametrize("bad", ["payee", "=Vendor Name", "payee=", "payee=  ", "  =  "])
def test_bad_column_option_is_a_clear_error(bad: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        settings_from_options(None, column=["amount=Net", bad])
    assert err.value.exit_code == EXIT_CONFIG
    message = str(err.value)
    assert repr(bad) in message
    assert "ROLE=HEADER" in message


def test_bad_flag_value_is_a_config_error(config: Path) -> None:
    with pytest.raises(ConfigError) as err:
        settings_from_options(config, size_rule="biggest-wins")
    assert "size_rule" in str(err.value)


def test_missing_config_file_is_a_config_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match="no such config file"):
        settings_from_options(missing)
