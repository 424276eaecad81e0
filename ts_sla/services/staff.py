"""Support staff in the Desk: whoever holds one of the app's roles starts on the Technical Support workspace
after login (Frappe's ``User.default_workspace``), unless a default workspace is already chosen for them."""

from __future__ import annotations

import frappe

from ts_sla.services.states import AGENT, ENGINEER, MANAGER, SUPERVISOR

#: The app's workspace, where support staff land.
WORKSPACE = "Technical Support"
ROLES = frozenset({AGENT, ENGINEER, SUPERVISOR, MANAGER})


def land_on_workspace(doc, method=None) -> None:
	"""User ``validate``: a desk user given a support role gets the workspace as their default one; a default
	someone chose is kept, and a user losing the roles keeps what they have."""
	if doc.default_workspace or doc.user_type != "System User":
		return
	if ROLES & {row.role for row in doc.get("roles") or []} and frappe.db.exists("Workspace", WORKSPACE):
		doc.default_workspace = WORKSPACE


def land_existing_staff() -> int:
	"""The same for the users the app's install found (a patch): one statement; returns how many."""
	if not frappe.db.exists("Workspace", WORKSPACE):
		return 0
	user, has_role = frappe.qb.DocType("User"), frappe.qb.DocType("Has Role")
	staff = (
		frappe.qb.from_(has_role)
		.select(has_role.parent)
		.where((has_role.parenttype == "User") & has_role.role.isin(sorted(ROLES)))
	)
	names = (
		frappe.qb.from_(user)
		.select(user.name)
		.where(
			(user.user_type == "System User")
			& (user.default_workspace.isnull() | (user.default_workspace == ""))
			& user.name.isin(staff)
		)
		.run(pluck=True)
	)
	if names:
		frappe.qb.update(user).set(user.default_workspace, WORKSPACE).where(user.name.isin(names)).run()
		for name in names:
			frappe.clear_document_cache("User", name)
	return len(names)
