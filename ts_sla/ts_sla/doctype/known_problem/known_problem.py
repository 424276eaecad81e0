from ts_sla.services import guard


class KnownProblem(guard.CheckedDocument):
	pass
