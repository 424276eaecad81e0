from frappe.model.document import Document


class SupportTeamMember(Document):
	pass
