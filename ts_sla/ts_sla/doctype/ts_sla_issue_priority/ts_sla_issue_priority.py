from frappe.model.document import Document


class TSSLAIssuePriority(Document):
	pass
