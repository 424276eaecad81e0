from frappe.model.document import Document


class SupportTicketProgress(Document):
	pass
