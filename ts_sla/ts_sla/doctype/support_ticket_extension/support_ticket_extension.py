from frappe.model.document import Document


class SupportTicketExtension(Document):
	pass
