from frappe.model.document import Document


class SupportTicket(Document):
	pass
