"""The translation catalogues: complete, not fuzzy, placeholders intact, and the committed .mo files current.

Spanish is the default language and English the second; every msgid in the code is English. Both catalogues must be
complete: the English one maps each msgid to itself, which also stops Django's own catalogue from overriding a
string of ours (such as "Change"). The .mo files are committed so machines without gettext work, so they must say
exactly what the .po files say. Nothing here touches the database.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import polib
import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("es", "en")

# printf-style placeholders as Python's % operator reads them: %(name)s, %s, %d, %5.2f … but not the escaped %%.
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]")
HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def po_path(language: str) -> Path:
    return ROOT / "locale" / language / "LC_MESSAGES" / "django.po"


@cache
def po_file(language: str) -> polib.POFile:
    return polib.pofile(str(po_path(language)))


@cache
def mo_file(language: str) -> polib.MOFile:
    return polib.mofile(str(po_path(language).with_suffix(".mo")))


def live_entries(language: str) -> list[polib.POEntry]:
    return [entry for entry in po_file(language) if not entry.obsolete]


def placeholders(text: str) -> set[str]:
    return {token for token in PLACEHOLDER.findall(text) if token != "%%"}


def translations(entry: polib.POEntry | polib.MOEntry) -> dict[int, str]:
    """The msgstr forms of an entry: {0: msgstr} for a plain one, {i: msgstr[i]} for a plural one."""
    if entry.msgid_plural:
        return {int(index): text for index, text in entry.msgstr_plural.items()}
    return {0: entry.msgstr}


def source_for(entry: polib.POEntry, index: int) -> str:
    """The msgid a msgstr form translates: the singular for form 0, the plural for the others."""
    return entry.msgid_plural if entry.msgid_plural and index > 0 else entry.msgid


def nplurals(language: str) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", po_file(language).metadata.get("Plural-Forms", ""))
    assert match, f"{language}: the catalogue has no Plural-Forms header"
    return int(match.group(1))


def entry_id(entry: polib.POEntry) -> str:
    location = ", ".join(f"{path}:{line}" for path, line in entry.occurrences[:2])
    return f"{entry.msgid!r} ({location})"


@pytest.fixture(params=LANGUAGES)
def language(request: pytest.FixtureRequest) -> str:
    return request.param


def test_catalogue_declares_its_language(language: str) -> None:
    metadata = po_file(language).metadata
    assert metadata.get("Language") == language
    assert "charset=UTF-8" in metadata.get("Content-Type", "")


def test_every_entry_is_translated(language: str) -> None:
    entries = live_entries(language)
    assert entries, f"{language}: the catalogue is empty"
    untranslated = [entry_id(entry) for entry in entries if not entry.translated()]
    assert not untranslated, f"{language}: {len(untranslated)} untranslated entries: {untranslated}"


def test_plural_entries_have_every_form(language: str) -> None:
    expected = set(range(nplurals(language)))
    wrong = [
        entry_id(entry)
        for entry in live_entries(language)
        if entry.msgid_plural and set(translations(entry)) != expected
    ]
    assert not wrong, f"{language}: plural entries without exactly {len(expected)} forms: {wrong}"


def test_no_fuzzy_entries(language: str) -> None:
    catalogue = po_file(language)
    assert not catalogue.metadata_is_fuzzy, f"{language}: the header is marked fuzzy"
    fuzzy = [entry_id(entry) for entry in live_entries(language) if "fuzzy" in entry.flags]
    assert not fuzzy, f"{language}: fuzzy entries: {fuzzy}"


def test_placeholders_are_kept(language: str) -> None:
    wrong = []
    for entry in live_entries(language):
        if "python-format" not in entry.flags and not placeholders(entry.msgid):
            continue
        for index, text in translations(entry).items():
            expected, found = placeholders(source_for(entry, index)), placeholders(text)
            if expected != found:
                wrong.append(f"{entry_id(entry)}[{index}]: expected {sorted(expected)}, found {sorted(found)}")
    assert not wrong, f"{language}: placeholders differ:\n" + "\n".join(wrong)


def test_html_tags_and_angle_quotes_are_kept(language: str) -> None:
    wrong = []
    for entry in live_entries(language):
        for index, text in translations(entry).items():
            source = source_for(entry, index)
            if sorted(HTML_TAG.findall(source)) != sorted(HTML_TAG.findall(text)):
                wrong.append(f"{entry_id(entry)}[{index}]: HTML tags differ")
            if (source.count("«"), source.count("»")) != (text.count("«"), text.count("»")):
                wrong.append(f"{entry_id(entry)}[{index}]: « » quotes differ")
    assert not wrong, f"{language}:\n" + "\n".join(wrong)


def test_english_catalogue_is_the_identity() -> None:
    wrong = [
        entry_id(entry)
        for entry in live_entries("en")
        for index, text in translations(entry).items()
        if text != source_for(entry, index)
    ]
    assert not wrong, f"en: msgstr differs from msgid: {wrong}"


def test_mo_file_matches_po_file(language: str) -> None:
    """compilemessages was run after the last edit of the .po file: the committed .mo says the same."""

    def key(entry: polib.POEntry | polib.MOEntry) -> tuple[str | None, str]:
        return (entry.msgctxt, entry.msgid)

    expected = {key(entry): translations(entry) for entry in live_entries(language) if entry.translated()}
    compiled = {key(entry): translations(entry) for entry in mo_file(language) if entry.msgid}
    missing = sorted(str(k) for k in expected.keys() - compiled.keys())
    extra = sorted(str(k) for k in compiled.keys() - expected.keys())
    stale = sorted(str(k) for k in expected.keys() & compiled.keys() if expected[k] != compiled[k])
    assert not (missing or extra or stale), (
        f"{language}: django.mo is out of date, run `manage.py compilemessages --ignore=.venv`; "
        f"missing {missing}, extra {extra}, different {stale}"
    )


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext's msgfmt is not installed")
def test_msgfmt_accepts_the_catalogue(language: str, tmp_path: Path) -> None:
    result = subprocess.run(
        ["msgfmt", "--check", "--output-file", str(tmp_path / "django.mo"), str(po_path(language))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_spanish_is_rendered() -> None:
    with translation.override("es"):
        assert translation.gettext("Round calendar") == "Calendario de rondas"
        assert translation.gettext("Draft a position") not in ("", "Draft a position")
        assert translation.gettext("Change") == "Cambiar"
        assert translation.gettext("Sign in") == "Iniciar sesión"
        assert translation.ngettext("%(counter)s position", "%(counter)s positions", 1) % {"counter": 1} == (
            "1 posición"
        )
        assert translation.ngettext("%(counter)s position", "%(counter)s positions", 3) % {"counter": 3} == (
            "3 posiciones"
        )


def test_english_stays_english() -> None:
    with translation.override("en"):
        assert translation.gettext("Round calendar") == "Round calendar"
        assert translation.gettext("Draft a position") == "Draft a position"
        assert translation.gettext("Change") == "Change"
        assert translation.ngettext("%(counter)s position", "%(counter)s positions", 3) % {"counter": 3} == (
            "3 positions"
        )
