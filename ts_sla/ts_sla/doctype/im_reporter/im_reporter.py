from ts_sla.services import guard


class IMReporter(guard.CheckedDocument):
	pass
