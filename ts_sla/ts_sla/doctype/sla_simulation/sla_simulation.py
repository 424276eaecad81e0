"""SLA Simulation: one what-if run and its stored result (written by ``services.whatif``, read by the
SLA What-If report)."""

from frappe.model.document import Document


class SLASimulation(Document):
	pass
