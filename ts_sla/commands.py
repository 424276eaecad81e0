"""bench commands of ts_sla: ``bench --site <site> ts-sla-demo``."""

import click
from frappe.commands import get_site, pass_context


@click.command("ts-sla-demo")
@pass_context
def ts_sla_demo(context):
	"""Load the ts_sla demo data: calendar, domains, teams, today's duty roster, TS001-TS003, a live desk of
	open tickets in every state, last week's closed and rated tickets and a quarter of history."""
	import frappe

	from ts_sla.setup.demo import make_demo

	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	try:
		made = make_demo()
		frappe.db.commit()
	finally:
		frappe.destroy()
	click.echo(f"Demo data loaded on {site}: source tickets {', '.join(made['tickets'])}")
	click.echo(
		"Open now: " + ", ".join(f"{name} ({key.replace('_', ' ')})" for key, name in made["live"].items())
	)
	click.echo(
		f"History: {len(made['history']['week'])} closed tickets last week (Weekly SLA Review), "
		f"{len(made['history']['quarter'])} over the quarter before (what-if)"
	)
	click.echo(f"Log in as any of {', '.join(made['users'])} with the password {made['password']}")


commands = [ts_sla_demo]
