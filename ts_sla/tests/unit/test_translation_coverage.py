"""Every message the app writes for a reader has its Chinese in ``translations/zh.csv``: each literal passed
to ``_()`` or ``Note()`` (a timeline note, ``services.notes``) in the Python and to ``__()`` in the JavaScript
and HTML (an English string in a zh Desk is a
defect). Read from the source, so no site is needed."""

from __future__ import annotations

import ast
import csv
import re
from pathlib import Path

APP = Path(__file__).resolve().parents[2]
ZH = APP / "translations" / "zh.csv"
#: ``__("…")`` with a plain string literal (a template literal or a variable is not a fixed message).
JS_MESSAGE = re.compile(r"""__\(\s*(?:"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)')\s*[,)]""")
#: Not words: a format of placeholders only.
NOT_WORDS = re.compile(r"^[\s{}0-9:·,.()\-–—/%]*$")


def translated() -> set[str]:
	with ZH.open(encoding="utf-8") as rows:
		return {row[0] for row in csv.reader(rows) if row}


def sources(*suffixes: str):
	for path in sorted(APP.rglob("*")):
		if path.suffix in suffixes and "tests" not in path.relative_to(APP).parts:
			yield path


def python_messages() -> dict[str, str]:
	found = {}
	for path in sources(".py"):
		for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
			if (
				isinstance(node, ast.Call)
				and isinstance(node.func, ast.Name)
				and node.func.id in ("_", "Note")
				and node.args
				and isinstance(node.args[0], ast.Constant)
				and isinstance(node.args[0].value, str)
			):
				found.setdefault(node.args[0].value, f"{path.relative_to(APP)}:{node.lineno}")
	return found


def js_messages() -> dict[str, str]:
	found = {}
	for path in sources(".js", ".html"):
		text = path.read_text(encoding="utf-8")
		for match in JS_MESSAGE.finditer(text):
			literal = match.group(1) if match.group(1) is not None else match.group(2)
			message = re.sub(r"\\(.)", r"\1", literal)
			line = text.count("\n", 0, match.start()) + 1
			found.setdefault(message, f"{path.relative_to(APP)}:{line}")
	return found


def test_the_extraction_finds_the_messages():
	# a broken pattern would find nothing and let every message through
	assert "Only a Support Manager repairs tickets" in python_messages()
	assert "Assigned to {0}: routed by technical domain" in python_messages()  # a Note
	assert "Repair Open Tickets" in js_messages()
	assert "Queued, waiting for a background worker (none is running)" in js_messages()


def test_every_python_message_has_chinese():
	zh = translated()
	missing = {m: where for m, where in python_messages().items() if m not in zh and not NOT_WORDS.match(m)}
	assert missing == {}


def test_every_javascript_message_has_chinese():
	zh = translated()
	missing = {m: where for m, where in js_messages().items() if m not in zh and not NOT_WORDS.match(m)}
	assert missing == {}
