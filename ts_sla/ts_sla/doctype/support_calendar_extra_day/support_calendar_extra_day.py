from frappe.model.document import Document


class SupportCalendarExtraDay(Document):
	pass
