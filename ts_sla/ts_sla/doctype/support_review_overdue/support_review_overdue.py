from frappe.model.document import Document


class SupportReviewOverdue(Document):
	pass
