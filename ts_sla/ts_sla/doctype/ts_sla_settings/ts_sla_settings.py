from frappe.model.document import Document


class TSSLASettings(Document):
	pass
