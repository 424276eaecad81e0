"""What a client may put into a Support Ticket, and what only the server writes.

- Input checks: one value per field (no JSON objects or lists), text within a size limit, datetimes parsed
  strictly (an offset is converted to the system zone), receipt neither in the future nor older than the
  engine's horizon, a unique ``external_ref`` per channel.
- After registration, status and the stamps are written only by actions (``services.lifecycle``); the fields
  that move deadlines or ownership change only through the reclassify and assign actions; rows of the
  server-kept child tables are compared field by field with what is stored, so an existing pause, extension,
  progress update or collaboration request cannot be edited, removed or (for the first three) added outside
  an action. Desk and REST alike go through here.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import inspect
import json
import math
import re

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import flt, get_datetime, getdate, now_datetime

from ts_sla.services import permissions, sla
from ts_sla.services.clocks import HORIZON_DAYS, system_zone
from ts_sla.services.policy import find_policy
from ts_sla.services.states import DEADLINE_FIELDS, FINAL, OWNER_FIELDS, TRANSITIONS

DATETIME_FIELDS = ("occurred_at", "received_at")
#: Longest text a field of a ticket (or a note given to an action) may hold.
MAX_TEXT = 100_000
TEXT_TYPES = {
	"Data",
	"Small Text",
	"Text",
	"Long Text",
	"Text Editor",
	"Markdown Editor",
	"HTML Editor",
	"Code",
}
NUMBER_TYPES = {"Int", "Float", "Currency", "Percent", "Check", "Rating", "Duration"}
WHOLE_NUMBER_TYPES = {"Int", "Check"}
#: Frappe's Small Text and Text are MariaDB ``text`` columns: at most this many bytes.
TEXT_COLUMN_TYPES = {"Small Text", "Text"}
TEXT_COLUMN_BYTES = 65_535
#: An ``int(11)`` column, and the ``decimal(21,9)`` of Frappe's Float, Currency and Percent.
INT_COLUMN_MAX = 2**31 - 1
DECIMAL_COLUMN_MAX = 10**12 - 1
DATE_TYPES = {"Date", "Datetime", "Time"}
NO_VALUE_TYPES = {
	"Section Break",
	"Column Break",
	"Tab Break",
	"HTML",
	"Table",
	"Table MultiSelect",
	"Button",
}

#: Fields only the server writes after insert: actions set them, clients cannot.
SERVER_FIELDS = (
	*sla.COMPUTED_FIELDS,
	"status",
	"assigned_at",
	"first_responded_at",
	"resolved_at",
	"confirmed_at",
	"closed_at",
	"reopen_count",
	"resolution_summary",
	"resolution_result",
	"customer_satisfaction",
	"satisfaction_comment",
	"reviewed_by",
	"confirmation_note",
	"close_override_reason",
	"cancel_reason",
	"last_progress_at",
	"progress_status",
	"registration_pending",
	"tick_claim",
	"suggested_priority",
)


#: Fields a saved ticket changes only through an action (Assign or Reclassify), never by an edit.
ACTION_FIELDS = (*DEADLINE_FIELDS, *OWNER_FIELDS, "external_ref")


def action_only_fields() -> list[str]:
	"""The fields of a saved ticket that nobody changes by editing it (only its actions, or the server)."""
	return sorted({*SERVER_FIELDS, *ACTION_FIELDS})


def boot(bootinfo) -> None:
	"""``extend_bootinfo``: the Desk's Bulk Edit leaves these fields out (support_ticket_list.js)."""
	bootinfo.ts_sla_action_only_fields = action_only_fields()


#: Server fields a save outside an action leaves as they are stored (the monitor writes them meanwhile).
KEPT_FIELDS = (*sla.COMPUTED_FIELDS, "tick_claim")
#: Child tables whose rows only actions add.
SERVER_TABLES = ("pauses", "extensions", "progress_updates", "cycles")
#: Child tables whose existing rows nobody edits in place (new collaboration requests may be added).
GUARDED_TABLES = (*SERVER_TABLES, "collaborations")
#: Server-kept columns of a new collaboration request.
COLLABORATION_STAMPS = ("requested_at", "due_at", "fulfilled_at", "fulfilled_by")


# -- input ----------------------------------------------------------------------------------------------


def check_text(value, label: str) -> None:
	"""A note or reason given to an action: text of a sane size."""
	if value is None:
		return
	if not isinstance(value, str):
		frappe.throw(
			_("{0} must be text, not {1}").format(_(label), type(value).__name__), title=_("Invalid value")
		)
	if len(value) > MAX_TEXT:
		frappe.throw(
			_("{0} is too long: {1} characters, at most {2}").format(_(label), len(value), MAX_TEXT),
			title=_("Text too long"),
		)


def required_arguments(method):
	"""For a whitelisted method (the decorator under ``@frappe.whitelist``): a call without one of its
	required arguments is refused with a message naming them (HTTP 417), where Python's TypeError would be
	a server error (HTTP 500)."""
	parameters = inspect.signature(method).parameters
	required = [name for name, p in parameters.items() if p.default is p.empty and p.kind != p.VAR_KEYWORD]

	@functools.wraps(method)
	def checked(*args, **kwargs):
		missing = [name for name in required[len(args) :] if name not in kwargs]
		if missing:
			frappe.throw(
				_("Missing value: {0}").format(", ".join(missing)),
				frappe.MandatoryError,
				title=_("Missing value"),
			)
		return method(*args, **kwargs)

	return checked


def json_argument(value, argument: str):
	"""An argument a client may send as JSON text or, from Python, already parsed."""
	if not isinstance(value, str):
		return value
	try:
		return json.loads(value)
	except ValueError:
		frappe.throw(_("Argument {0} is not valid JSON").format(argument), title=_("Invalid value"))


def check_filters(doctype: str, filters: dict | list, argument: str = "filters") -> None:
	"""Filters a client sent name only columns of ``doctype`` or of its child tables, in Frappe's forms
	(``{field: value}``, ``{field: [operator, value]}``, ``[[field, operator, value], ...]``, the list form
	optionally led by the doctype), so a typo is a clear error and not a database error."""
	if isinstance(filters, dict):
		conditions = [(doctype, field) for field in filters]
	elif isinstance(filters, list):
		conditions = []
		for condition in filters:
			if not isinstance(condition, list | tuple) or len(condition) not in (3, 4):
				frappe.throw(
					_("{0}: each condition is [field, operator, value]").format(argument),
					title=_("Invalid value"),
				)
			conditions.append(
				(condition[0], condition[1]) if len(condition) == 4 else (doctype, condition[0])
			)
	else:
		frappe.throw(
			_("{0} must be field: value pairs or a list of conditions").format(argument),
			title=_("Invalid value"),
		)
	tables = {doctype, *(df.options for df in frappe.get_meta(doctype).get_table_fields())}
	for table, field in conditions:
		known = isinstance(table, str) and isinstance(field, str) and table in tables
		if known and field not in frappe.model.default_fields:
			df = frappe.get_meta(table).get_field(field)
			known = bool(df) and df.fieldtype not in frappe.model.no_value_fields
		if not known:
			frappe.throw(
				_("{0}: {1} is not a field of {2}").format(argument, str(field)[:100], _(str(table)[:100])),
				title=_("Invalid value"),
			)


class CheckedDocument(Document):
	"""A document whose fields are checked (``check_fields``) before Frappe or the app's code reads them:
	Frappe checks links first of all, so the check runs there."""

	def _validate_links(self):
		check_fields(self)
		super()._validate_links()


def check_fields(doc) -> None:
	"""Every field of the document and of its rows holds one value of its kind, as the database can store it,
	before any code reads it: one value (no JSON object or list); text as text, within its column (MAX_TEXT
	characters, or TEXT_COLUMN_BYTES for a MariaDB ``text`` column); a finite number within its column, whole
	where the field is; a real date, date and time or time of day; a Select one of its options; a child row's
	required value present. A number sent for text is taken as its digits, digits sent for a number as that
	number, a blank number as no value. Each refusal names the field (HTTP 417)."""
	for row in [doc, *doc.get_all_children()]:
		for df in row.meta.fields:
			if df.fieldtype in NO_VALUE_TYPES:
				continue
			value = row.get(df.fieldname)
			label = _(df.label or df.fieldname)
			if row is not doc and df.reqd and value in (None, "") and not doc.flags.ignore_mandatory:
				frappe.throw(
					_("Row {0} of {1}: {2} is required").format(
						row.idx, _(doc.meta.get_label(row.parentfield)), label
					),
					frappe.MandatoryError,
					title=_("Missing value"),
				)
			if value is None:
				continue
			if isinstance(value, dict | list | tuple | set):
				frappe.throw(
					_("{0} must be a single value, not a list or an object").format(label),
					title=_("Invalid value"),
				)
			checked = _checked_value(df, value, label)
			if checked is not value:
				row.set(df.fieldname, checked)


def _invalid(message: str) -> None:
	frappe.throw(message, title=_("Invalid value"))


def _checked_value(df, value, label: str):
	"""``value`` as field ``df`` stores it, or a clear error."""
	kind = df.fieldtype
	if kind in TEXT_TYPES or kind in ("Select", "Link", "Dynamic Link", "Autocomplete", "Password"):
		if isinstance(value, bool):
			_invalid(_("{0} must be text, not {1}").format(label, value))
		if isinstance(value, int | float):
			if value != value or value in (float("inf"), float("-inf")):
				_invalid(_("{0} must be text, not {1}").format(label, value))
			value = str(value)
		if not isinstance(value, str):
			_invalid(_("{0} must be text").format(label))
		if kind in TEXT_COLUMN_TYPES and len(value.encode()) > TEXT_COLUMN_BYTES:
			frappe.throw(
				_("{0} is too long: {1} bytes, at most {2}").format(
					label, len(value.encode()), TEXT_COLUMN_BYTES
				),
				title=_("Text too long"),
			)
		if len(value) > MAX_TEXT:
			frappe.throw(
				_("{0} is too long: {1} characters, at most {2}").format(label, len(value), MAX_TEXT),
				title=_("Text too long"),
			)
		options = [o for o in (df.options or "").split("\n") if o] if kind == "Select" else []
		if options and value and value not in options:
			_invalid(
				_("{0} cannot be {1}: it is one of {2}").format(label, repr(value[:100]), ", ".join(options))
			)
		return value
	if kind in NUMBER_TYPES:
		return _number(kind, value, label)
	if kind in DATE_TYPES:
		return _date(kind, value, label)
	return value


def _number(kind: str, value, label: str):
	whole = kind in WHOLE_NUMBER_TYPES
	if isinstance(value, bool):
		if kind != "Check":
			_invalid(_("{0} must be a number, not {1}").format(label, value))
		return value
	if isinstance(value, str):
		text = value.strip()
		if not text:
			return None  # blank: no value, as Frappe reads it (it stores its zero, a setting its default)
		if whole and not re.fullmatch(r"[+-]?\d+", text):
			_invalid(_("{0} must be a whole number, not {1}").format(label, repr(value[:100])))
		try:
			number = int(text) if whole else float(text)
		except ValueError:
			number = None
		if number is None:
			_invalid(_("{0} must be a number, not {1}").format(label, repr(value[:100])))
	elif isinstance(value, int | float | decimal.Decimal):
		number = value
	else:
		_invalid(_("{0} must be a number").format(label))
	if not math.isfinite(number):
		_invalid(_("{0} must be a finite number").format(label))
	if whole and number != int(number):
		_invalid(_("{0} must be a whole number, not {1}").format(label, number))
	most = 1 if kind == "Check" else INT_COLUMN_MAX if whole else DECIMAL_COLUMN_MAX
	if abs(number) > most or (kind == "Check" and number < 0):
		_invalid(_("{0} is out of range: {1}").format(label, number))
	if whole:
		return int(number)  # 150.0 from a JSON client is 150
	return value if number is value else number


def _date(kind: str, value, label: str):
	if kind == "Time":
		if isinstance(value, dt.time) or (
			isinstance(value, dt.timedelta) and dt.timedelta(0) <= value < dt.timedelta(days=1)
		):
			return value
		match = (
			re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?", value.strip())
			if isinstance(value, str)
			else None
		)
		if isinstance(value, str) and not value.strip():
			return None
		if not (match and int(match[1]) < 24 and int(match[2]) < 60 and int(match[3] or 0) < 60):
			_invalid(_("{0} is not a time of day (HH:MM:SS): {1}").format(label, str(value)[:100]))
		return value
	if isinstance(value, dt.date):
		return value
	if not isinstance(value, str):
		_invalid(_("{0} is not a valid date: {1}").format(label, str(value)[:100]))
	if not value.strip():
		return None
	try:  # ISO, as the Desk and the REST API send it: dateutil alone would also read "-1" as a date
		iso = re.match(r"\s*\d{4}-\d{1,2}-\d{1,2}(?:$|[ T])", value)
		parsed = (getdate(value) if kind == "Date" else get_datetime(value)) if iso else None
	except Exception:
		parsed = None
	if not isinstance(parsed, dt.date) or not 1000 <= parsed.year <= 9999:
		_invalid(_("{0} is not a valid date: {1}").format(label, value[:100]))
	return value


def parse_datetime(value, label: str) -> dt.datetime:
	"""A datetime from a client: naive is system-zone wall time, an offset is converted to the system zone."""
	try:
		parsed = value if isinstance(value, dt.datetime) else get_datetime(value)
		if isinstance(parsed, dt.datetime) and parsed.tzinfo:
			parsed = parsed.astimezone(system_zone()).replace(tzinfo=None)
	except Exception:
		parsed = None
	if not isinstance(parsed, dt.datetime):
		frappe.throw(
			_("{0} is not a valid date and time: {1}").format(_(label), str(value)[:100]),
			title=_("Invalid date"),
		)
	return parsed


def normalise_datetimes(doc) -> None:
	"""Parse the intake datetimes strictly, in the system zone."""
	for field in DATETIME_FIELDS:
		value = doc.get(field)
		if value not in (None, ""):
			doc.set(field, parse_datetime(value, doc.meta.get_label(field)))


def validate_times(doc) -> None:
	if not doc.received_at:
		doc.received_at = now_datetime().replace(microsecond=0)
	received = get_datetime(doc.received_at)
	now = now_datetime()
	if received > now + dt.timedelta(minutes=5):
		frappe.throw(_("Received At cannot be in the future"), title=_("Invalid date"))
	if not frappe.flags.in_import and received < now - dt.timedelta(days=HORIZON_DAYS):
		frappe.throw(
			_(
				"Received At {0} is more than 5 years ago: SLA clocks are not computed that far back. "
				"Bring older history in with Data Import."
			).format(received),
			title=_("Invalid date"),
		)
	if doc.occurred_at and get_datetime(doc.occurred_at) > received:
		frappe.throw(_("Occurred At cannot be after Received At"), title=_("Invalid date"))


def not_after_registration(doc) -> None:
	"""A receipt a few seconds or minutes "after" registration is a client's clock running ahead: the
	problem cannot have been received after it was registered, so it is received at registration."""
	if doc.registered_at and get_datetime(doc.received_at) > get_datetime(doc.registered_at):
		doc.received_at = doc.registered_at
		if doc.occurred_at and get_datetime(doc.occurred_at) > get_datetime(doc.received_at):
			doc.occurred_at = doc.received_at


def validate_satisfaction(doc) -> None:
	score = doc.customer_satisfaction
	if score not in (None, "", 0) and not 1 <= int(score) <= 5:
		frappe.throw(_("Satisfaction must be a whole number from 1 to 5"), title=_("Invalid rating"))


def validate_external_ref(doc) -> None:
	"""An integration's own ID is unique per channel: a retried insert names the ticket it already made."""
	doc.external_ref = (doc.external_ref or "").strip() or None
	if not doc.external_ref:
		return
	existing = frappe.db.get_value(
		"Support Ticket",
		{"channel": doc.channel, "external_ref": doc.external_ref, "name": ("!=", doc.name or "")},
		"name",
	)
	if existing:
		frappe.throw(
			_("Ticket {0} already has the external reference {1} from channel {2}").format(
				existing, doc.external_ref, _(doc.channel or "")
			),
			frappe.DuplicateEntryError,
			title=_("Duplicate ticket"),
		)


# -- server-kept fields and rows --------------------------------------------------------------------------


def reset_server_fields(doc) -> None:
	"""A new ticket starts New, with nothing a client claims the server would have stamped."""
	if frappe.flags.in_import or doc.flags.ts_action:
		return
	doc.status = "New"
	for field in SERVER_FIELDS:
		if field != "status":
			doc.set(field, None)
	for table in SERVER_TABLES:
		doc.set(table, [])
	for row in doc.get("collaborations") or []:
		for field in COLLABORATION_STAMPS:
			row.set(field, None)
	doc.reopen_count = 0


def protect_server_fields(doc) -> None:
	"""Outside an action, status, server-set fields, deadline/ownership fields and kept rows cannot change."""
	before = doc.get_doc_before_save()
	if not before:
		return
	if doc.status != before.status:
		check_transition(before.status, doc.status)
	if doc.flags.ts_action or frappe.flags.in_import or doc.flags.ts_system:
		return
	if before.status in FINAL:
		frappe.throw(_("A {0} ticket cannot be edited").format(_(before.status)), title=_("Ticket is final"))
	if doc.status != before.status:
		frappe.throw(
			_("Change the status with the ticket's actions (respond, resolve, close ...), not by editing it"),
			title=_("Use an action"),
		)
	for field in SERVER_FIELDS:
		if field in KEPT_FIELDS:
			doc.set(field, before.get(field))
		elif _norm(doc.meta.get_field(field), doc.get(field)) != _norm(
			doc.meta.get_field(field), before.get(field)
		):
			frappe.throw(
				_("{0} is set by the ticket's actions and cannot be edited").format(
					_(doc.meta.get_label(field))
				),
				title=_("Read-only field"),
			)
	for field in ACTION_FIELDS:
		df = doc.meta.get_field(field)
		if _norm(df, doc.get(field)) != _norm(df, before.get(field)):
			action = "assign" if field in OWNER_FIELDS else "reclassify"
			label = _("Assign") if action == "assign" else _("Reclassify")
			if permissions.ACTIONS[action][1](before, frappe.session.user):
				message = _("{0} changes only through the {1} action, with a reason")
			else:  # not pointed to an action they lack: who takes it
				message = _(
					"{0} changes only through the {1} action, which a Support Agent or Supervisor takes"
				)
			frappe.throw(
				message.format(_(doc.meta.get_label(field)), label),
				frappe.PermissionError,
				title=_("Use an action"),
			)
	protect_rows(doc, before)


def protect_rows(doc, before) -> None:
	"""Existing rows of the kept tables must be exactly as stored; only actions add pauses, extensions and
	progress updates."""
	for table in GUARDED_TABLES:
		label = _(doc.meta.get_label(table))
		stored = {row.name: row for row in before.get(table) or []}
		current = {row.name: row for row in doc.get(table) or []}
		if set(stored) - set(current):
			frappe.throw(
				_("Rows of {0} cannot be removed").format(label),
				frappe.PermissionError,
				title=_("Read-only table"),
			)
		for name, row in current.items():
			if name not in stored:
				if table in SERVER_TABLES:
					frappe.throw(
						_("{0} are recorded by the ticket's actions").format(label),
						frappe.PermissionError,
						title=_("Read-only table"),
					)
				for field in COLLABORATION_STAMPS:
					row.set(field, None)
				continue
			old = stored[name]
			for df in row.meta.fields:
				if df.fieldtype in NO_VALUE_TYPES:
					continue
				if _norm(df, row.get(df.fieldname)) != _norm(df, old.get(df.fieldname)):
					frappe.throw(
						_(
							"Row {0} of {1} is recorded by the ticket's actions and cannot be edited ({2})"
						).format(old.idx, label, _(df.label or df.fieldname)),
						frappe.PermissionError,
						title=_("Read-only table"),
					)


def _norm(df, value) -> str | float:
	"""A field's value in one comparable form, whatever the client sent (string, number, datetime)."""
	fieldtype = df.fieldtype if df else "Data"
	if fieldtype in NUMBER_TYPES:
		return flt(value)
	if value in (None, ""):
		return ""
	if fieldtype in DATE_TYPES:
		try:
			return str(get_datetime(value)) if fieldtype == "Datetime" else str(value)
		except Exception:
			return str(value)
	return str(value)


def check_transition(old: str, new: str) -> None:
	if old != new and new not in TRANSITIONS.get(old, frozenset()):
		frappe.throw(
			_("A ticket cannot go from {0} to {1}").format(_(old), _(new)), title=_("Invalid status change")
		)


def stamp_collaborations(doc) -> None:
	"""A new cross-team request is due the policy's collaboration hours after it is made; one open request
	per team at a time."""
	if not doc.get("collaborations"):
		return
	policy = doc.sla_policy or find_policy(doc)
	hours = frappe.get_cached_value("SLA Policy", policy, "collaboration_hours") or 24
	open_teams: dict[str, int] = {}
	for row in doc.get("collaborations") or []:
		if row.support_team == doc.lead_team:
			frappe.throw(
				_("Row {0}: the lead team cannot ask itself").format(row.idx), title=_("Invalid request")
			)
		if not row.fulfilled_at:
			if row.support_team in open_teams:
				frappe.throw(
					_("Team {0} already has an open request (row {1}): wait until it is fulfilled").format(
						row.support_team, open_teams[row.support_team]
					),
					title=_("Invalid request"),
				)
			open_teams[row.support_team] = row.idx
		if not row.requested_at:
			row.requested_at = now_datetime().replace(microsecond=0)
		if not row.due_at:
			row.due_at = get_datetime(row.requested_at) + dt.timedelta(hours=hours)
