"""Support Review: the weekly review meeting's record (drafted every Monday, edited, then marked Held)."""

import datetime as dt

import frappe
from frappe import _
from frappe.utils import getdate, today

from ts_sla.services import guard


class SupportReview(guard.CheckedDocument):
	def validate(self):
		start = getdate(self.week_start)
		if start.weekday() != 0:
			self.week_start = start - dt.timedelta(days=start.weekday())
		self.week_end = getdate(self.week_start) + dt.timedelta(days=6)
		if self.status == "Held" and not self.held_on:
			self.held_on = today()
		for row in self.action_items or []:
			if row.status != "Done" and not row.owner_user:
				frappe.throw(_("Action item {0} needs an owner").format(row.idx), title=_("Missing owner"))
