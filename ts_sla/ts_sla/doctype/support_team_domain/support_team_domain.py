from frappe.model.document import Document


class SupportTeamDomain(Document):
	pass
