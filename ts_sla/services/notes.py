"""The lines ts_sla writes on a timeline (Info comments), kept language-neutral.

A note is an English template with positional ``{0}`` arguments, each a literal (a name, a time, a reason
someone typed) or itself a note (a label, a status, a record name the site translates). A comment stores the
note twice: as text in the site's language, first, for every reader that takes the content as it is (REST,
the report builder, mail digests), and as its template and arguments in an empty marker after it, from which
the Desk renders it again in each reader's language (``ts_sla.note_html`` in ``ts_sla.js``):

    Assigned to ann@example.com: routed by technical domain<span class="ts-sla-note" data-ts-note="…"></span>

A note without arguments is a term: it is translated, never formatted (a record name may contain braces).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable

import frappe
from frappe import _

MARKER = "ts-sla-note"
_MARKER_RE = re.compile(r'data-ts-note="([^"]*)"')


class Note:
	"""A translatable template and its arguments (literals or notes)."""

	__slots__ = ("args", "template")

	def __init__(self, template: str, *args: object) -> None:
		self.template = template
		self.args = tuple(a if isinstance(a, Note) else ("" if a is None else str(a)) for a in args)

	@classmethod
	def join(cls, parts: Iterable[Note | str], separator: str = "; ") -> Note:
		"""Several notes as one, joined by a separator (the template has nothing to translate)."""
		parts = list(parts)
		return cls(separator.join(f"{{{i}}}" for i in range(len(parts))) or " ", *parts)

	def text(self, lang: str | None = None) -> str:
		"""The note in ``lang`` (the current user's language when None)."""
		translated = _(self.template, lang=lang)
		if not self.args:
			return translated
		return translated.format(*(a.text(lang) if isinstance(a, Note) else a for a in self.args))

	def data(self) -> dict:
		return {"m": self.template, "a": [a.data() if isinstance(a, Note) else a for a in self.args]}

	def content(self) -> str:
		"""A comment's content: the text in the site's language, then the marker carrying the note."""
		marker = html.escape(json.dumps(self.data(), ensure_ascii=False, separators=(",", ":")))
		return f'{html.escape(self.text(site_language()), quote=False)}<span class="{MARKER}" data-ts-note="{marker}"></span>'

	def __add__(self, other: Note | str) -> Note:
		return Note("{0}{1}", self, other)

	def __str__(self) -> str:
		return self.text()

	def __repr__(self) -> str:
		return f"Note({self.template!r}, {', '.join(map(repr, self.args))})"

	def __eq__(self, other: object) -> bool:
		return isinstance(other, Note) and self.data() == other.data()

	def __hash__(self) -> int:
		return hash(json.dumps(self.data()))


#: Fields whose values are names of records the site translates (the shipped domains, policy, calendar).
NAMED_FIELDS = ("technical_domain", "sla_policy", "support_calendar")


def shown_value(field: str, value) -> Note | str:
	"""A field's value in a note: a translated record's name as a term, anything else as it is."""
	return Note(value) if field in NAMED_FIELDS and value else value


def site_language() -> str:
	return frappe.db.get_default("lang") or "en"


def text_of(value: Note | str | None, lang: str | None = None) -> str:
	"""A note or plain text, as text in ``lang``."""
	if isinstance(value, Note):
		return value.text(lang)
	return value or ""


def content_of(value: Note | str) -> str:
	return value.content() if isinstance(value, Note) else value


def read(content: str | None) -> Note | None:
	"""The note a stored comment carries (None for any other content)."""
	found = _MARKER_RE.findall(content or "")
	if not found:
		return None
	try:
		return _from_data(json.loads(html.unescape(found[-1])))
	except (ValueError, TypeError, KeyError):
		return None


def render(content: str | None, lang: str | None = None) -> str:
	"""A stored comment's text in ``lang``: its note rendered again, or the content as it is."""
	note = read(content)
	return note.text(lang) if note else (content or "")


def _from_data(data: dict) -> Note:
	return Note(
		str(data["m"]), *(_from_data(a) if isinstance(a, dict) else str(a) for a in data.get("a", []))
	)


def comment(doc, note: Note | str) -> None:
	"""An Info line on the document's timeline, by the current user."""
	doc.add_comment("Info", content_of(note))
