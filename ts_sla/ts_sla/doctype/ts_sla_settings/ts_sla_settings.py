from frappe.model.document import Document

from ts_sla.services import im_intake


class TSSLASettings(Document):
	def validate(self):
		im_intake.validate_settings(self)
