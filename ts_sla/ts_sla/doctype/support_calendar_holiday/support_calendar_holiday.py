from frappe.model.document import Document


class SupportCalendarHoliday(Document):
	pass
