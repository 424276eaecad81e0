from frappe.model.document import Document


class SLAPolicy(Document):
	pass
