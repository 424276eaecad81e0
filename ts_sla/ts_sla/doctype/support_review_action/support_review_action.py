from frappe.model.document import Document


class SupportReviewAction(Document):
	pass
