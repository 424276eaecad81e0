from ts_sla.services import guard


class DutyRoster(guard.CheckedDocument):
	pass
