from frappe.model.document import Document


class SupportTicketPause(Document):
	pass
