"""SLA Event: the append-only log of warnings, breaches, reminders and escalations (one per ticket, clock,
threshold, level and occurrence; ``event_key`` is unique in the database)."""

import frappe
from frappe import _
from frappe.model.document import Document


class SLAEvent(Document):
	def validate(self):
		if self.is_new():
			return
		before = self.get_doc_before_save()
		changed = [
			f
			for f in ("ticket", "clock", "kind", "level", "fired_at", "event_key", "message")
			if before and before.get(f) != self.get(f)
		]
		if changed:
			frappe.throw(_("SLA Events are a log and cannot be changed"), title=_("Read-only"))
