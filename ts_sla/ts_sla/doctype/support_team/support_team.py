from ts_sla.services import guard


class SupportTeam(guard.CheckedDocument):
	pass
