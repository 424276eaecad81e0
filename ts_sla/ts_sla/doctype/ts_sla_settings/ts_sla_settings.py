from frappe.model.document import Document

from ts_sla.services import health, im_intake, issues


class TSSLASettings(Document):
	def onload(self):
		# the monitor's figures for the Monitor Health section, to those who may read them (nobody is told)
		if health.may_read():
			self.set_onload("monitor_health", health.reading())

	def validate(self):
		im_intake.validate_settings(self)
		issues.validate_priority_map(self)
