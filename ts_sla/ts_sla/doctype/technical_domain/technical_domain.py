from frappe.model.document import Document


class TechnicalDomain(Document):
	pass
