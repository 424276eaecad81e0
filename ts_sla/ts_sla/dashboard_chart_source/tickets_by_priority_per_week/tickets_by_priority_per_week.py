"""Dashboard chart source: tickets received per week over the last 12 weeks, one dataset per priority."""

import frappe

from ts_sla.services.review import readable_weekly_series as weekly_series


@frappe.whitelist()
def get(**kwargs) -> dict:
	return weekly_series("priority")
