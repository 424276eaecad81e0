"""Errors raised by the clock engine.

Every error carries an English message built from a translatable template (``template``) and its
parameters (``params``), so the Frappe side can show it translated: ``_(err.template).format(**err.params)``.
"""

from __future__ import annotations


class SLAError(ValueError):
	"""Base class of every error the engine raises."""

	def __init__(self, template: str, **params: object) -> None:
		self.template = template
		self.params = params
		super().__init__(template.format(**params))


class InvalidCalendar(SLAError):
	"""The calendar is malformed: unknown time zone, empty or overlapping range, no working time."""


class InvalidInput(SLAError):
	"""An argument is out of range: a negative amount, a pause that ends before it starts, ..."""


class HorizonExceeded(SLAError):
	"""The computed instant lies further out than the engine's horizon (5 years)."""
