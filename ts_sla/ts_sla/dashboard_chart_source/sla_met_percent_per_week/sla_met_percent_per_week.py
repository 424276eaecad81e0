"""Dashboard chart source: the share of decided tickets that met their SLA, per week, last 12 weeks."""

import frappe

from ts_sla.services.review import readable_weekly_series as weekly_series


@frappe.whitelist()
def get(**kwargs) -> dict:
	return weekly_series("met")
