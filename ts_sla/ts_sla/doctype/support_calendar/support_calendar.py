from frappe.model.document import Document


class SupportCalendar(Document):
	pass
