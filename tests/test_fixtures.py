"""The Safe City case fixtures: complete, cited, faithful to the seeds, idempotent."""

import hashlib
import json
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command

from legal import models
from legal.dates import DatePrecision
from legal.seed_loader import FixtureError, load_case

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
CASE = FIXTURES / "safe_city.json"


def legal_models():
    return [model for model in apps.get_app_config("legal").get_models() if not model.__name__.startswith("Historical")]


def row_counts():
    return {model.__name__: model.objects.count() for model in legal_models()}


def history_counts():
    return {
        model.__name__: model.history.count() for model in legal_models() if hasattr(model, "history")
    }


def normalise(text):
    """Compare quotes with seeds regardless of typographic quote marks and line breaks."""
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture
def loaded(db, media_root):
    call_command("load_safe_city")


def test_loading_twice_creates_nothing_and_writes_no_history(loaded):
    counts, history = row_counts(), history_counts()
    call_command("load_safe_city")
    assert row_counts() == counts
    assert history_counts() == history


def test_if_empty_never_overwrites_an_edited_record(loaded):
    attempt = models.LegislativeAttempt.objects.get(slug="2021-draft-police-law")
    attempt.summary_en = "Edited by a moderator"
    attempt.save()
    call_command("load_safe_city", if_empty=True)
    attempt.refresh_from_db()
    assert attempt.summary_en == "Edited by a moderator"


def test_every_fact_bearing_record_cites_a_seed_source(loaded):
    fact_models = [model for model in legal_models() if issubclass(model, models.CitedRecord)]
    assert len(fact_models) >= 8
    for model in fact_models:
        for record in model.objects.prefetch_related("citations__source"):
            citations = list(record.citations.all())
            assert citations, f"{model.__name__} {record} cites no source"
            for citation in citations:
                assert citation.source.slug.startswith("seed-"), citation


def test_every_quote_appears_verbatim_in_its_seed(loaded):
    seed_text = {}
    for source in models.Source.objects.all():
        with source.file.open("rb") as handle:
            seed_text[source.pk] = normalise(handle.read().decode("utf-8"))
    quotes = models.Citation.objects.exclude(quote="")
    assert quotes.count() >= 5
    for citation in quotes:
        assert normalise(citation.quote) in seed_text[citation.source_id], citation.quote


def test_stored_seed_files_carry_their_sha256(loaded):
    sources = models.Source.objects.all()
    assert sources.count() == 5
    for source in sources:
        with source.file.open("rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == source.sha256


def test_unknown_publishers_and_dates_stay_unknown(loaded):
    taylor = models.Source.objects.get(slug="seed-001-taylor-biometric-cameras-huawei")
    assert taylor.publisher == ""
    assert taylor.date is None and taylor.date_precision == DatePrecision.UNKNOWN
    report = models.Source.objects.get(slug="seed-003-chinese-surveillance-technology-report")
    assert report.publisher == "" and report.author == ""
    for dpia in models.DPIASubmission.objects.all():
        assert dpia.date is None
        assert dpia.date_display == "date unknown"


def test_conflicting_years_of_the_washington_agreement_are_both_kept(loaded):
    agreement = models.Response.objects.get(slug="washington-agreement-untrusted-vendors-clause")
    assert agreement.disputed_aspects() == ["date"]
    values = {
        citation.source.slug: citation.asserted_value
        for citation in agreement.citations.filter(aspect="date").select_related("source")
    }
    assert values == {
        "seed-002-focus-allegati-facial-recognition-serbia": "2019",
        "seed-003-chinese-surveillance-technology-report": "2020",
    }
    assert str(agreement.fuzzy_date) == "2019 – 2020"


def test_the_case_holds_every_development_the_issue_names(loaded):
    expected = {
        models.Instrument: [
            "serbia-china-safe-society-agreement-2009",
            "serbia-huawei-strategic-partnership-2017",
            "draft-police-law-2021",
            "draft-law-2022-second-attempt",
        ],
        models.Development: [
            "belgrade-hit-and-run-case-2014",
            "safe-city-announcement-2019",
            "huawei-innovation-centre-belgrade-2020",
            "protesters-fined-late-2021",
            "malta-safe-city-shelved",
            "kosovo-cameras-2021",
        ],
        models.DPIASubmission: ["moi-safe-city-dpia-round-1", "moi-safe-city-dpia-round-2"],
        models.Ruling: [
            "commissioner-declines-dpia-round-1",
            "commissioner-declines-dpia-round-2",
            "commissioner-no-legal-basis-for-cameras",
        ],
        models.Response: [
            "hiljade-kamera-campaign",
            "mep-question-safe-city-2019-10",
            "commission-answer-safe-city",
            "mep-letter-to-minister-vulin-2021-04",
            "washington-agreement-untrusted-vendors-clause",
            "clean-network-initiative-2020",
        ],
        models.LegislativeAttempt: ["2021-draft-police-law", "2022-second-draft-law"],
    }
    for model, slugs in expected.items():
        found = set(model.objects.filter(slug__in=slugs).values_list("slug", flat=True))
        assert found == set(slugs), model.__name__


def test_both_drafts_are_withdrawn_and_the_second_follows_the_first(loaded):
    first = models.LegislativeAttempt.objects.get(slug="2021-draft-police-law")
    second = models.LegislativeAttempt.objects.get(slug="2022-second-draft-law")
    assert second.follows == first
    assert first.status == "withdrawn"
    assert second.status == "withdrawn"


def test_dpias_were_declined_twice(loaded):
    for dpia in models.DPIASubmission.objects.all():
        assert dpia.outcome == models.Ruling.Outcome.NOT_COMPLIANT


def test_the_commission_answer_replies_to_the_mep_question(loaded):
    answer = models.Response.objects.get(slug="commission-answer-safe-city")
    assert [message.slug for message in answer.thread()] == [
        "mep-question-safe-city-2019-10",
        "commission-answer-safe-city",
    ]


def test_dates_keep_the_precision_of_the_seeds(loaded):
    shown = {
        development.slug: development.date_display
        for development in models.Development.objects.filter(
            slug__in=["belgrade-hit-and-run-case-2014", "protesters-fined-late-2021"]
        )
    }
    assert shown == {"belgrade-hit-and-run-case-2014": "summer 2014", "protesters-fined-late-2021": "late 2021"}
    campaign = models.Response.objects.get(slug="hiljade-kamera-campaign")
    assert campaign.date_precision == DatePrecision.MONTH
    assert campaign.date_display == "May 2020"


def test_a_fixture_record_without_a_citation_is_refused(db, tmp_path):
    data = json.loads(CASE.read_text(encoding="utf-8"))
    data = {
        "jurisdictions": data["jurisdictions"][:1],
        "developments": [
            {"slug": "uncited", "kind": "other", "title_en": "Uncited", "jurisdiction": "serbia", "date": None}
        ],
    }
    path = tmp_path / "case.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(FixtureError, match="cite at least one source"):
        load_case(path)
    assert not models.Development.objects.exists()
    assert not models.Jurisdiction.objects.exists(), "a failed load must leave nothing behind"
