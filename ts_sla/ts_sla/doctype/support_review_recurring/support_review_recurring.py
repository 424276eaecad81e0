from frappe.model.document import Document


class SupportReviewRecurring(Document):
	pass
