from frappe.model.document import Document


class SLAPolicyPriority(Document):
	pass
