from frappe.model.document import Document


class IMReporter(Document):
	pass
