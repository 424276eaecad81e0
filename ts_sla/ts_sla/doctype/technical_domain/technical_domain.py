from ts_sla.services import guard


class TechnicalDomain(guard.CheckedDocument):
	pass
