from frappe.model.document import Document


class SLAEscalationRule(Document):
	pass
