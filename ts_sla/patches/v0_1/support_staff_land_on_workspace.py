"""Support staff who have no default workspace start on Technical Support after login (new users get it as
their roles are given: ``services.staff.land_on_workspace``)."""

from ts_sla.services import staff


def execute():
	staff.land_existing_staff()
