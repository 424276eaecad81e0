"""Support Calendar endpoints: load a year of holidays and make-up working days from a source library.

Loading changes the calendar, so every endpoint but the options needs write permission on it (Support
Manager, System Manager). The work is in ``services.holiday_sources``.
"""

from __future__ import annotations

import frappe
from frappe import _

from ts_sla.services import guard, holiday_sources


def _check_write(calendar: str | None = None) -> None:
	if not frappe.has_permission("Support Calendar", "write", doc=calendar):
		frappe.throw(
			_("Not permitted to load holidays into Support Calendar {0}").format(calendar or ""),
			frappe.PermissionError,
			title=_("Not permitted"),
		)


@frappe.whitelist()
def holiday_source_options() -> dict:
	"""The Load Holidays dialog's choices: the sources (and whether their package is installed), the
	countries and subdivisions the ``holidays`` package knows."""
	if not frappe.has_permission("Support Calendar", "read"):
		frappe.throw(_("Not permitted"), frappe.PermissionError)
	installed = holiday_sources.installed()
	return {
		"sources": [
			{"value": source, "label": _(source), "installed": installed[source]}
			for source in holiday_sources.SOURCES
		],
		"countries": holiday_sources.countries(),
		"country_labels": holiday_sources.country_labels(),
	}


@frappe.whitelist()
@guard.required_arguments
def preview_holidays(
	calendar: str, source: str, year: int, country: str | None = None, subdivision: str | None = None
) -> dict:
	"""What loading the source's year would add to and remove from the calendar (nothing is saved)."""
	_check_write(calendar)
	return holiday_sources.preview(calendar, source, year, country, subdivision)


@frappe.whitelist(methods=["POST"])
@guard.required_arguments
def load_holidays(
	calendar: str, source: str, year: int, country: str | None = None, subdivision: str | None = None
) -> dict:
	"""Load the source's year into the calendar; the open tickets whose deadlines move are repaired."""
	_check_write(calendar)
	return holiday_sources.load(calendar, source, year, country, subdivision)


@frappe.whitelist(methods=["POST"])
def reload_next_year(calendar: str | None = None) -> dict:
	"""The yearly reload on demand, for one calendar or every calendar that opted in."""
	_check_write(calendar)
	return holiday_sources.reload_next_year(calendars=[calendar] if calendar else None, commit=False)
