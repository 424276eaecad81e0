from frappe.model.document import Document


class KnownProblem(Document):
	pass
