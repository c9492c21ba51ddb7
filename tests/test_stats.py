"""Reuse accounting (Decision 766/QĐ-TTg, storage/stats.py): known activity at two desks of a
province and one of another, counted exactly per desk and province; an empty period gives
zero counts and null rates; another province is never counted. Through `GET /api/v1/stats`
(province-scoped) and `hoso stats`. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hoso.api.app import Services, create_app
from hoso.api.auth import Role, Tokens
from hoso.digitize.fields.extract import DocumentFields, FieldValue
from hoso.errors import ExitCode
from hoso.storage.archive import Archive
from hoso.storage.fs_store import FilesystemStore
from hoso.storage.index import RecordIndex
from hoso.storage.procedures import load_catalogue
from hoso.storage.reuse import Reuse
from hoso.storage.schema import Batch, Desk, Document, Dossier
from hoso.storage.stats import DeskStats, Rate, Stats, StatsQuery
from hoso.storage.vocabulary import DocumentStatus
from hoso.workflows.queue import JobQueue
from tests.cli import run_hoso
from tests.desk_days import desk_today, last_seven_days

RECENT = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
LONG_AGO = dt.datetime.now(dt.UTC) - dt.timedelta(days=60)
CARD = load_catalogue().find("id-card")
CODES = itertools.count(1)


@dataclass(frozen=True)
class Activity:
    hai_chau: int  # desks of province 48
    son_tra: int
    ha_noi: int  # a desk of province 01
    reused_paper: int


def add_dossier(
    reuse: Reuse, province: str, batch: int | None, statuses: list[str], at: dt.datetime
) -> list[int]:
    """A dossier of the province opened at `at`, with one paper per status."""
    with reuse.index.session() as session:
        dossier = Dossier(code=f"H{next(CODES)}",
                          province_code=province, created_at=at)  # fmt: skip
        session.add(dossier)
        session.flush()
        papers = [paper(province, batch, status, at, dossier.id) for status in statuses]
        session.add_all(papers)
        session.flush()
        return [p.id for p in papers]


def paper(
    province: str, batch: int | None, status: str, at: dt.datetime, dossier: int | None = None
) -> Document:
    title = f"{province}-{batch}-{status}-{at.timestamp()}-{dossier}"
    return Document(title=title, original_key=f"originals/{title}", province_code=province,
                    original_sha256=str(abs(hash(title))).ljust(64, "0"), status=status,
                    batch_id=batch, dossier_id=dossier, created_at=at)  # fmt: skip


def desk_with_batch(reuse: Reuse, province: str, name: str) -> tuple[int, int]:
    with reuse.index.session() as session:
        desk = Desk(province_code=province, name=name)
        session.add(desk)
        session.flush()
        batch = Batch(name=name, desk_id=desk.id, province_code=province, created_at=RECENT)
        session.add(batch)
        session.flush()
        return desk.id, batch.id


def person_on(reuse: Reuse, document_id: int, citizen: str) -> None:
    found = {"id_number": FieldValue(citizen, 0.95, "label"),
             "full_name": FieldValue("Lê Văn Tám", 0.95, "label"),
             "date_of_birth": FieldValue("01/02/1990", 0.95, "label")}  # fmt: skip
    reuse.record_fields(document_id, DocumentFields("id_card", 0.9, found), "worker")


@pytest.fixture()
def activity(index: RecordIndex) -> Activity:
    """Province 48: Hải Châu opened two dossiers (one all done, one with a failed paper) and
    Sơn Trà one (done) in the period, Hải Châu one long before; one paper came by `hoso
    ingest` (no desk). Sơn Trà prefilled a form twice from the old dossier's card. Province 01:
    one dossier and one prefill, never counted in 48."""
    reuse = Reuse(index)
    hai_chau, batch_hc = desk_with_batch(reuse, "48", "Hải Châu")
    son_tra, batch_st = desk_with_batch(reuse, "48", "Sơn Trà")
    ha_noi, batch_hn = desk_with_batch(reuse, "01", "Hoàn Kiếm")
    done, failed = DocumentStatus.DONE, DocumentStatus.FAILED
    add_dossier(reuse, "48", batch_hc, [done, done], RECENT)
    add_dossier(reuse, "48", batch_hc, [done, failed], RECENT)
    add_dossier(reuse, "48", batch_st, [done], RECENT)
    [old_card] = add_dossier(reuse, "48", batch_hc, [done], LONG_AGO)
    [card_01] = add_dossier(reuse, "01", batch_hn, [done], RECENT)
    with index.session() as session:
        session.add(paper("48", None, DocumentStatus.RECEIVED, RECENT))
    person_on(reuse, old_card, "048090001234")
    person_on(reuse, card_01, "001090005678")
    for _ in range(2):
        reuse.prefill("048090001234", CARD, "officer:lan", desk_id=son_tra, province_code="48")
    reuse.prefill("001090005678", CARD, "officer:ha", desk_id=ha_noi, province_code="01")
    return Activity(hai_chau, son_tra, ha_noi, old_card)


def rates(row: DeskStats) -> tuple[Rate, Rate, Rate]:
    return (row.dossiers_digitized, row.documents_digitized, row.papers_reused)


def test_rates_per_desk_and_province_with_their_counts(
    index: RecordIndex, activity: Activity
) -> None:
    first, last = last_seven_days()
    week = StatsQuery.for_days(first, last, "48", None)
    province, hai_chau, son_tra = Stats(index).report(week)
    assert (province.province_code, province.desk_id) == ("48", None)
    assert rates(province) == (Rate(2, 3), Rate(4, 6), Rate(2, 8))
    assert province.dossiers_digitized.rate == pytest.approx(2 / 3)
    assert (hai_chau.desk_id, hai_chau.desk_name) == (activity.hai_chau, "Hải Châu")
    assert rates(hai_chau) == (Rate(1, 2), Rate(3, 4), Rate(0, 4))
    assert son_tra.desk_id == activity.son_tra
    assert rates(son_tra) == (Rate(1, 1), Rate(1, 1), Rate(2, 3))
    # no result issued through hoso yet: 0 of the 3 dossiers (tests/test_results.py issues one)
    assert province.results_electronic == Rate(0, 3)

    one_desk = Stats(index).report(StatsQuery.for_days(first, last, None, activity.son_tra))
    assert [(r.desk_id, rates(r)) for r in one_desk] == [(activity.son_tra, rates(son_tra))]

    everywhere = Stats(index).report(StatsQuery.for_days(first, last, None, None))
    assert [(r.province_code, r.desk_id) for r in everywhere] == [
        (None, None), ("01", None), ("01", activity.ha_noi),
        ("48", None), ("48", activity.hai_chau), ("48", activity.son_tra),
    ]  # fmt: skip
    assert rates(everywhere[0]) == (Rate(3, 4), Rate(5, 7), Rate(3, 10))


def test_a_prefill_asked_by_no_province_counts_in_its_papers_province(
    index: RecordIndex, activity: Activity
) -> None:
    """`hoso person ID --prefill …` reads every province: its reuse was counted in "all" and
    in no province, so the rows disagreed (a new user's finding)."""
    Reuse(index).prefill("048090001234", CARD, "cli")  # the old card, a paper of 48
    first, last = last_seven_days()
    province, *_ = Stats(index).report(StatsQuery.for_days(first, last, "48", None))
    assert province.papers_reused == Rate(3, 9)  # of reused (2 + this one) and scanned (6)
    everywhere = Stats(index).report(StatsQuery.for_days(first, last, None, None))
    assert everywhere[0].papers_reused.count == 4


def test_an_empty_period_has_zero_counts_and_no_rates(
    index: RecordIndex, activity: Activity
) -> None:
    year_ago = desk_today() - dt.timedelta(days=365)
    [row] = Stats(index).report(StatsQuery.for_days(year_ago, year_ago, "48", None))
    assert rates(row) == (Rate(0, 0), Rate(0, 0), Rate(0, 0))
    assert (row.dossiers_digitized.rate, row.papers_reused.rate) == (None, None)


def test_the_api_answers_for_the_callers_province_only(
    index: RecordIndex, activity: Activity, tmp_path: Path
) -> None:
    archive = Archive(FilesystemStore(tmp_path / "objects"), index)
    jobs = index.url if index.is_postgres else f"sqlite:///{tmp_path / 'dbos.sqlite'}"
    queue = JobQueue(jobs)
    client = TestClient(create_app(Services(archive, queue)))
    tokens = Tokens(index)
    officer = {"Authorization": f"Bearer {tokens.create('o48', Role.OFFICER, '48', 't')[1]}"}
    admin = {"Authorization": f"Bearer {tokens.create('root', Role.ADMIN, None, 't')[1]}"}
    first, last = last_seven_days()
    week = {"from": first.isoformat(), "to": last.isoformat()}
    try:
        mine = client.get("/api/v1/stats", params=week, headers=officer)
        assert mine.status_code == 200, mine.text
        body = mine.json()
        assert body["province_code"] == "48"
        assert [r["desk_id"] for r in body["rows"]] == [None, activity.hai_chau, activity.son_tra]
        assert body["rows"][0]["papers_reused"] == {"count": 2, "of": 8, "rate": 0.25}
        assert body["rows"][0]["results_issued_electronically"] == {"count": 0, "of": 3,
                                                                    "rate": 0.0}  # fmt: skip
        for other in ({"province": "01"}, {"desk": str(activity.ha_noi)}):
            refused = client.get("/api/v1/stats", params=week | other, headers=officer)
            assert refused.status_code == 404, refused.text
        chosen = client.get("/api/v1/stats", params=week | {"province": "01"}, headers=admin)
        assert [r["province_code"] for r in chosen.json()["rows"]] == ["01", "01"]
        backwards = {"from": week["to"], "to": week["from"]}
        wrong = client.get("/api/v1/stats", params=backwards, headers=admin)
        assert wrong.status_code == 422 and wrong.json()["code"] == "invalid_value"
        before = this_month_in_vietnam()
        unasked = client.get("/api/v1/stats", headers=officer).json()
        assert (unasked["date_from"], unasked["date_to"]) in {before, this_month_in_vietnam()}
    finally:
        client.close()
        queue.close()


def test_hoso_stats_prints_a_table_and_the_apis_json(
    index: RecordIndex, activity: Activity, tmp_path: Path
) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOSO_DATA_DIR": str(tmp_path / "var"),
           "HOSO_DATABASE_URL": index.url}  # fmt: skip
    first, last = last_seven_days()
    days = ["--from", first.isoformat(), "--to", last.isoformat()]
    answer = json.loads(run_hoso("stats", *days, "--province", "48", "--json", env=env).stdout)
    assert answer["rows"][2]["dossiers_digitized"] == {"count": 1, "of": 1, "rate": 1.0}
    table = run_hoso("stats", *days, "--province", "48", env=env | {"COLUMNS": "200"}).stdout
    assert "Sơn Trà" in table and "66.7% (2/3)" in table and "25.0% (2/8)" in table
    backwards = run_hoso("stats", "--from", days[3], "--to", "2020-01-01", env=env,
                         expect=ExitCode.BAD_ARGUMENTS)  # fmt: skip
    assert "invalid_value" in backwards.stderr
    before = this_month_in_vietnam()
    unasked = json.loads(run_hoso("stats", "--json", env=env).stdout)
    assert (unasked["date_from"], unasked["date_to"]) in {before, this_month_in_vietnam()}
    march = json.loads(run_hoso("stats", "--to", "2025-03-31", "--json", env=env).stdout)
    assert (march["date_from"], march["date_to"]) == ("2025-03-01", "2025-03-31")


def this_month_in_vietnam() -> tuple[str, str]:
    """The period asked when none is given: this month so far, on a desk's calendar. Asked
    before and after the request: the desks' midnight may fall between."""
    today = desk_today()
    return today.replace(day=1).isoformat(), today.isoformat()
