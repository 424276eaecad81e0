from frappe.model.document import Document


class SupportCalendarWorkingHours(Document):
	pass
