from frappe.model.document import Document


class SupportTicketCollaboration(Document):
	pass
