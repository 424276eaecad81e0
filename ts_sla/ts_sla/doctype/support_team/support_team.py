from frappe.model.document import Document


class SupportTeam(Document):
	pass
