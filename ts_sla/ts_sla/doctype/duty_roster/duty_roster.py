from frappe.model.document import Document


class DutyRoster(Document):
	pass
