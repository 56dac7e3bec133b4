"""Every user-visible string goes through the translation functions, in templates and in Python.

The catalogue tests (test_catalogues.py) check that every msgid is translated; these check that no string escapes the
catalogue altogether. Templates: the text nodes and the attributes a user reads or hears (title, aria-label,
placeholder, alt, the value of submit/button inputs) must hold no natural-language words outside
{% translate %}/{% blocktranslate %}. Python (consultations/ and usmca/): messages.*(request, "…"),
ValidationError("…"), add_error(field, "…"), label=/help_text=/empty_label=/verbose_name= keywords, Meta's
verbose_name and the labels of choices must not be bare literals. Nothing here touches the database.
"""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent

# Words that are the same in every language, each with its reason. Keep this short: anything a reader could want in
# their own language belongs in the catalogue instead.
PROPER_NOUNS = {
    "Cuarto de Junto": "the product's name, never translated",
    "Esc": "the label printed on the Escape key in both languages",
}
# Choice labels that are file-format names, the same in every language.
FORMAT_NAMES = {"PDF", "DOCX", "XLSX", "CSV", "PNG", "JPEG"}

# Python whose strings are not shown by the web application.
PYTHON_EXEMPT = {
    "migrations": "frozen copies of the models' translated strings",
    "management": "operator command output on a terminal, in English like Django's own commands",
    "reference": "the demo data (round labels, organisations) is content stored in the database, not interface text",
}

# Anything in a template that Django removes or that is not interface text: translated blocks, comments, the
# e-mail HTML's CSS and scripts. Replaced by as many newlines, so reported line numbers stay right.
HIDDEN = re.compile(
    r"{%\s*blocktranslate\b.*?{%\s*endblocktranslate\s*%}"
    r"|{%\s*comment\s*%}.*?{%\s*endcomment\s*%}"
    r"|{#.*?#}"
    r"|<style\b.*?</style>"
    r"|<script\b.*?</script>",
    re.S | re.I,
)
# Template tags ({% translate "…" %} included) and variables: their output is checked where it is produced.
TEMPLATE_CODE = re.compile(r"{%.*?%}|{{.*?}}", re.S)
WORD = re.compile(r"[^\W\d_]{2,}")
READ_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt"}
# A <button>'s value is posted, not shown (its content is); an <input type=submit>'s value is its label.
LABELLED_INPUTS = {"submit", "button", "reset"}


def natural_language(text: str) -> bool:
    for name in PROPER_NOUNS:
        text = text.replace(name, " ")
    return bool(WORD.search(text))


class VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str, str]] = []

    def handle_data(self, data: str) -> None:
        if natural_language(data):
            self.found.append((self.getpos()[0], "text", data.strip()))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        kind = dict(attrs).get("type", "")
        for name, value in attrs:
            visible = name in READ_ATTRIBUTES or (name == "value" and tag == "input" and kind in LABELLED_INPUTS)
            if visible and value and natural_language(value):
                self.found.append((self.getpos()[0], name, value))


def untranslated_in_template(source: str) -> list[tuple[int, str, str]]:
    source = HIDDEN.sub(lambda match: "\n" * match.group().count("\n"), source)
    source = TEMPLATE_CODE.sub(lambda match: "\n" * match.group().count("\n"), source)
    parser = VisibleText()
    parser.feed(source)
    parser.close()
    return parser.found


def is_literal(node: ast.AST) -> bool:
    """A bare string literal with words in it (an f-string always counts: it cannot be a msgid)."""
    if isinstance(node, ast.JoinedStr):
        return True
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and natural_language(node.value)


LABEL_KEYWORDS = {"label", "help_text", "empty_label", "verbose_name", "verbose_name_plural"}
# Calls whose keyword arguments are data (a Round's `label` field), not interface text.
DATA_CALLS = {"create", "get_or_create", "update_or_create", "update", "filter", "exclude", "get"}
CHOICES_BASES = {"TextChoices", "IntegerChoices", "Choices"}


def call_name(call: ast.Call) -> tuple[str | None, str | None]:
    func = call.func
    if isinstance(func, ast.Attribute):
        owner = func.value.id if isinstance(func.value, ast.Name) else None
        return owner, func.attr
    return None, getattr(func, "id", None)


def untranslated_in_python(source: str) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            owner, name = call_name(node)
            if owner == "messages" and len(node.args) >= 2 and is_literal(node.args[1]):
                found.append((node.lineno, f"messages.{name}(request, literal)"))
            if name == "ValidationError" and node.args and is_literal(node.args[0]):
                found.append((node.lineno, "ValidationError(literal)"))
            if name == "add_error" and len(node.args) >= 2 and is_literal(node.args[1]):
                found.append((node.lineno, "add_error(field, literal)"))
            if name in DATA_CALLS:
                continue
            for keyword in node.keywords:
                if keyword.arg in LABEL_KEYWORDS and is_literal(keyword.value):
                    found.append((keyword.value.lineno, f"{keyword.arg}=literal"))
                if keyword.arg == "choices" and isinstance(keyword.value, (ast.List, ast.Tuple)):
                    for choice in keyword.value.elts:
                        pair = isinstance(choice, (ast.List, ast.Tuple)) and len(choice.elts) == 2
                        if pair and is_literal(choice.elts[1]):
                            found.append((choice.lineno, "choices=[(value, literal)]"))
        if isinstance(node, ast.ClassDef):
            bases = {getattr(base, "attr", getattr(base, "id", None)) for base in node.bases}
            for statement in node.body:
                if not isinstance(statement, ast.Assign):
                    continue
                targets = {getattr(target, "id", None) for target in statement.targets}
                meta_name = node.name == "Meta" and targets & {"verbose_name", "verbose_name_plural"}
                if meta_name and is_literal(statement.value):
                    found.append((statement.lineno, "Meta.verbose_name = literal"))
                if bases & CHOICES_BASES and isinstance(statement.value, ast.Tuple) and len(statement.value.elts) >= 2:
                    label = statement.value.elts[-1]
                    if is_literal(label) and not (isinstance(label, ast.Constant) and label.value in FORMAT_NAMES):
                        found.append((statement.lineno, "choice label = literal"))
    return sorted(found)


def python_files() -> list[Path]:
    files = sorted([*ROOT.glob("consultations/**/*.py"), *ROOT.glob("usmca/**/*.py")])
    return [path for path in files if not set(path.relative_to(ROOT).parts) & PYTHON_EXEMPT.keys()]


def test_templates_have_no_untranslated_text() -> None:
    templates = sorted(ROOT.glob("templates/**/*.html"))
    assert len(templates) > 40
    found = [
        f"{path.relative_to(ROOT)}:{line}: {kind} {text!r}"
        for path in templates
        for line, kind, text in untranslated_in_template(path.read_text())
    ]
    assert not found, "wrap these in {% translate %} / {% blocktranslate %}:\n" + "\n".join(found)


def test_python_has_no_untranslated_user_visible_strings() -> None:
    files = python_files()
    assert len(files) > 40
    found = [
        f"{path.relative_to(ROOT)}:{line}: {kind}"
        for path in files
        for line, kind in untranslated_in_python(path.read_text())
    ]
    assert not found, "wrap these in gettext / gettext_lazy:\n" + "\n".join(found)


def test_template_scan_finds_what_escapes_the_catalogue() -> None:
    source = """{% load i18n %}<style>p { font-family: Arial; }</style>
<h1>{% translate "Positions" %}</h1>{# a comment #}
<p>{% blocktranslate %}Hello {{ name }}{% endblocktranslate %} — 12 · {{ count }}</p>
<a href="#" title="Open it">Cuarto de Junto</a>
<input type="submit" value="Save"><button name="decision" value="accept">{% translate "Co-sign" %}</button>
<img alt="{% translate 'Logo' %}"><p>Bare words</p>"""
    assert untranslated_in_template(source) == [
        (4, "title", "Open it"),
        (5, "value", "Save"),
        (6, "text", "Bare words"),
    ]


def test_python_scan_finds_what_escapes_the_catalogue() -> None:
    source = """
from django import forms
from django.contrib import messages
from django.utils.translation import gettext as _

class Stance(models.TextChoices):
    FOR = "for", _("In favour")
    AGAINST = "against", "Against"
    PDF = "pdf", "PDF"

class Form(forms.Form):
    name = forms.CharField(label="Name", help_text=_("Your name"))
    kind = forms.ChoiceField(choices=[("a", _("A kind")), ("b", "Another kind")])

    class Meta:
        verbose_name = "form"

def view(request):
    messages.success(request, _("Saved."))
    messages.error(request, f"Could not save {request}")
    Round.objects.create(label="Data, not interface")
    raise ValidationError("Too long.")
"""
    assert [kind for _line, kind in untranslated_in_python(source)] == [
        "choice label = literal",
        "label=literal",
        "choices=[(value, literal)]",
        "Meta.verbose_name = literal",
        "messages.error(request, literal)",
        "ValidationError(literal)",
    ]


CHOICE_FIELDS = {"ModelChoiceField", "ChapterChoiceField"}


def choice_fields_without_empty_label(source: str) -> list[tuple[int, str]]:
    """A ModelChoiceField's default empty choice is Django's "- Select an option -": name it, as a keyword or in
    the form's __init__ (self.fields["name"].empty_label = …)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ClassDef):
            continue
        set_later = set(re.findall(r"""fields\[["'](\w+)["']\]\.empty_label\s*=""", ast.unparse(node)))
        for statement in node.body:
            if not (isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Call)):
                continue
            if call_name(statement.value)[1] not in CHOICE_FIELDS:
                continue
            name = getattr(statement.targets[0], "id", "")
            if name not in set_later and "empty_label" not in {kw.arg for kw in statement.value.keywords}:
                found.append((statement.lineno, f"{node.name}.{name}"))
    return found


def test_every_select_names_its_empty_choice() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}: {field}"
        for path in sorted(ROOT.glob("consultations/forms/*.py"))
        for line, field in choice_fields_without_empty_label(path.read_text())
    ]
    assert not found, "give these an empty_label (e.g. _('Choose a round')):\n" + "\n".join(found)
    sample = """
class F(forms.Form):
    a = forms.ModelChoiceField(queryset=Q)
    b = ChapterChoiceField(queryset=Q, empty_label=_("Choose a chapter"))
    c = forms.ModelChoiceField(queryset=Q)

    def __init__(self):
        self.fields["c"].empty_label = _("All")
"""
    assert choice_fields_without_empty_label(sample) == [(3, "F.a")]


def test_empty_choices_are_spanish_in_spanish() -> None:
    from django.db.models.utils import get_blank_choice_label

    from consultations.forms.room import BriefingForm, RoomQuestionForm

    with translation.override("es"):
        assert str(get_blank_choice_label()) == "Elija una opción"
        for form in (BriefingForm, RoomQuestionForm):
            assert str(form.base_fields["chapter"].empty_label) == "Elija un capítulo"
            assert str(form.base_fields["round"].empty_label) == "Elija una ronda"
            html = str(form.base_fields["round"].widget.render("round", None))
            assert "Select an option" not in html
