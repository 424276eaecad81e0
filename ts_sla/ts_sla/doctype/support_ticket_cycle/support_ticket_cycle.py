"""One resolution cycle of a Support Ticket: from the start (or the rejection of the previous fix) to its
resolution, with the time the resolution clock ran in it."""

from frappe.model.document import Document


class SupportTicketCycle(Document):
	pass
