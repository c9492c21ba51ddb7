"""The procedure catalogue: the packaged one, an agency's file that extends or replaces it, a
bad file refused as a settings error, and an unknown procedure refused with the list of known
ones, in the library and through `hoso` (exit 2, before any record is read)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from hoso.errors import ExitCode
from hoso.settings import HosoSettings, SettingsError
from hoso.storage.procedures import (
    CODE,
    PERSON_FIELDS,
    FormField,
    ProcedureCatalogueError,
    UnknownProcedureError,
    configured_catalogue,
    load_catalogue,
)
from tests.cli import run_hoso

AGENCY = """
[[procedure]]
key = "permanent-residence"          # a packaged key: the agency's form replaces it
name = "Đăng ký thường trú (mẫu tỉnh)"
code = "1.004222"
fields = [
  { name = "hoTen", field = "full_name", required = true },
  { name = "soDinhDanh", field = "id_number", required = true },
]

[[procedure]]
key = "marriage-status"
name = "Cấp giấy xác nhận tình trạng hôn nhân"
fields = [{ field = "full_name", required = true }, { field = "address" }]
"""


def test_the_packaged_catalogue_holds_the_domain_notes_procedures() -> None:
    catalogue = load_catalogue()
    assert {p.key for p in catalogue} >= {
        "birth-registration", "birth-extract-copy", "permanent-residence", "id-card",
        "residence-confirmation", "household-business", "land-certificate",
    }  # fmt: skip
    for procedure in catalogue:
        assert procedure.code is None or CODE.fullmatch(procedure.code)
        assert {f.takes for f in procedure.fields} <= set(PERSON_FIELDS)
        assert any(f.required for f in procedure.fields)
    business = catalogue.find("household-business")
    assert FormField("tax_code", "tax_code", True) in business.fields
    assert catalogue.find("1.001612") is business  # by code
    assert catalogue.find("1.001612.000.00.00.H55") is business  # a local service code
    assert catalogue.find(" Household-Business ") is business
    forms = {tuple(f.takes for f in p.fields) for p in catalogue}
    assert len(forms) > 3  # procedures differ in what they ask


def test_an_unknown_procedure_is_a_typed_error_listing_the_known_ones() -> None:
    with pytest.raises(UnknownProcedureError) as raised:
        load_catalogue().find("1.001234")
    error = raised.value
    assert (error.code, error.exit_code, error.http_status) == (
        "unknown_procedure", ExitCode.BAD_ARGUMENTS, 422,
    )  # fmt: skip
    assert "no procedure '1.001234'" in str(error)
    assert "permanent-residence (1.004222)" in str(error) and "id-card" in str(error)


def test_an_agency_file_extends_the_packaged_catalogue_or_replaces_it(tmp_path: Path) -> None:
    agency = tmp_path / "procedures.toml"
    agency.write_text(AGENCY, encoding="utf-8")
    catalogue = configured_catalogue(
        HosoSettings.from_environment({"HOSO_PROCEDURES": str(agency)})
    )
    residence = catalogue.find("1.004222")
    assert residence.name == "Đăng ký thường trú (mẫu tỉnh)"
    assert residence.fields == (FormField("hoTen", "full_name", True),
                                FormField("soDinhDanh", "id_number", True))  # fmt: skip
    assert catalogue.find("marriage-status").fields[1] == FormField("address", "address", False)
    assert catalogue.find("birth-registration").code == "1.001193"  # packaged ones stay
    assert len(catalogue) == len(load_catalogue()) + 1

    agency.write_text("include_packaged = false\n" + AGENCY, encoding="utf-8")
    alone = load_catalogue(agency)
    assert [p.key for p in alone] == ["permanent-residence", "marriage-status"]
    with pytest.raises(UnknownProcedureError):
        alone.find("birth-registration")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[[procedure]\nkey =", "is not valid TOML"),
        ("title = 'x'\n", "unknown setting 'title'"),
        ("", "no [[procedure]] tables"),
        ("include_packaged = 'no'\n", "`include_packaged` must be true or false"),
        ('[[procedure]]\nkey = "a"\nname = "A"\nfields = [{ field = "shoe_size" }]\n',
         "procedure 1 (a), field 1: 'shoe_size' is not a person field"),
        ('[[procedure]]\nkey = "a"\nname = "A"\nfields = [{ field = "sex", requried = true }]\n',
         "unknown key 'requried'"),
        ('[[procedure]]\nkey = "a"\nname = "A"\nfields = [{ field = "sex", required = "yes" }]\n',
         "`required` must be true or false"),
        ('[[procedure]]\nkey = "a"\nname = "A"\ncode = "1.1234"\nfields = [{ field = "sex" }]\n',
         "`code` '1.1234' is not a National Procedure DB code"),
        ('[[procedure]]\nkey = "Thủ tục"\nname = "A"\nfields = [{ field = "sex" }]\n',
         "`key` 'Thủ tục' is not lower-case letters"),
        ('[[procedure]]\nkey = "a"\nname = "A"\nfields = []\n', "`fields` must list"),
        ('[[procedure]]\nkey = "a"\nname = "A"\n'
         'fields = [{ field = "sex" }, { name = "sex", field = "full_name" }]\n',
         "form field 'sex' is listed twice"),
        ('[[procedure]]\nkey = "a"\nname = "A"\nfields = [{ field = "sex" }]\n' * 2,
         "procedure 'a' is listed twice"),
        ('[[procedure]]\nkey = "civil"\nname = "A"\ncode = "1.001193"\n'
         'fields = [{ field = "sex" }]\n',
         "code 1.001193 belongs to both 'birth-registration' and 'civil'"),
    ],
)  # fmt: skip
def test_a_bad_catalogue_file_is_a_settings_error_saying_what_is_wrong(
    tmp_path: Path, content: str, expected: str
) -> None:
    agency = tmp_path / "procedures.toml"
    agency.write_text(content, encoding="utf-8")
    with pytest.raises(ProcedureCatalogueError) as raised:
        load_catalogue(agency)
    error = raised.value
    assert isinstance(error, SettingsError) and error.exit_code == ExitCode.BAD_ARGUMENTS
    assert error.code == "procedures_invalid"
    assert f"procedure catalogue {agency} (HOSO_PROCEDURES)" in str(error)
    assert expected in str(error)


def test_the_commands_list_the_catalogue_and_refuse_bad_procedures_and_files(
    tmp_path: Path,
) -> None:
    agency = tmp_path / "procedures.toml"
    agency.write_text(AGENCY, encoding="utf-8")
    data = tmp_path / "var"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOSO_")}
    env.update(HOSO_DATA_DIR=str(data), HOSO_PROCEDURES=str(agency))
    listed = json.loads(run_hoso("procedures", "--json", env=env).stdout)
    residence = next(p for p in listed if p["key"] == "permanent-residence")
    assert residence["fields"][0] == {"name": "hoTen", "field": "full_name", "required": True}
    assert "marriage-status" in [p["key"] for p in listed]

    refused = run_hoso("person", "048203001234", "--prefill", "1.001234", env=env,
                       expect=ExitCode.BAD_ARGUMENTS)  # fmt: skip
    assert "no procedure '1.001234'" in refused.stderr and "marriage-status" in refused.stderr
    assert "(unknown_procedure)" in refused.stderr
    assert not data.exists()  # refused before the archive was opened: nothing read, no event

    agency.write_text('[[procedure]]\nkey = "x"\n', encoding="utf-8")
    broken = run_hoso("procedures", env=env, expect=ExitCode.BAD_ARGUMENTS)
    (line,) = broken.stderr.splitlines()
    assert "`name` must be a non-empty string" in line and line.endswith("(procedures_invalid)")
