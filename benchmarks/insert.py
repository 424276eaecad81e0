"""Ticket registration benchmark: a routed insert in-process, and POST /api/resource/Support Ticket against
a real server (gunicorn, 4 workers) under 20 concurrent clients for 60 s.

Prints figures; asserts nothing. Run as the bench user from the bench's ``sites`` folder, on a site of its
own (it creates a team and test users, and deletes the tickets it made):

    cd ~/frappe-bench/sites && ../env/bin/python ../apps/ts_sla/benchmarks/insert.py ts-sla-bench.localhost

Options: ``--seconds N`` (default 60), ``--clients N`` (default 20), ``--workers N`` (default 4),
``--in-process-only``. Goals (architecture issue): a routed P2 insert <= 25 ms in-process, a P0 <= 40 ms.
"""

from __future__ import annotations

import argparse
import platform
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import frappe
import requests

SUBJECT = "ts_sla insert benchmark"
USER, PASSWORD = "bench.agent@ts-sla.test", "Ts-Sla-Bench-9!"


def percentile(values: list[float], p: float) -> float:
	ordered = sorted(values)
	return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def payload(priority: str) -> dict:
	"""A ticket as the first line registers it (the server stamps the receipt time when none is given)."""
	from ts_sla.tests.utils import ticket_data

	data = ticket_data(priority=priority, subject=SUBJECT)
	del data["received_at"]
	return data


def prepare() -> None:
	from ts_sla.setup.defaults import create_defaults
	from ts_sla.tests.utils import USERS, make_email_account, make_team, make_user

	create_defaults()
	make_email_account()  # the P0 alarm queues mail
	frappe.flags.in_test = False  # (the factory sets it) notifications go through the queue, as in production
	for email, roles in USERS.items():
		make_user(email, roles, "System User" if roles else "Website User")
	make_user(USER, ["Support Agent"])
	user = frappe.get_doc("User", USER)
	user.new_password = PASSWORD
	user.save(ignore_permissions=True)
	make_team()
	frappe.db.set_single_value("TS SLA Settings", "auto_assign", 1)
	frappe.db.commit()


def clean() -> None:
	names = frappe.get_all("Support Ticket", {"subject": SUBJECT}, pluck="name")
	for doctype, field in (
		("SLA Event", "ticket"),
		("ToDo", "reference_name"),
		("Comment", "reference_name"),
		("Notification Log", "document_name"),
		("Email Queue", "reference_name"),
	):
		for i in range(0, len(names), 500):
			frappe.db.delete(doctype, {field: ("in", names[i : i + 500])})
	frappe.db.delete("Support Ticket", {"subject": SUBJECT})
	frappe.db.commit()


def in_process(priority: str, runs: int = 100) -> None:
	"""Time the insert up to its commit, count its queries, and time what runs right after the commit."""
	from ts_sla.services import lifecycle

	frappe.flags.mute_emails = True
	real_sql = frappe.db.sql
	counter = {"n": 0}

	def counting(*args, **kwargs):
		counter["n"] += 1
		return real_sql(*args, **kwargs)

	inserts, after, queries = [], [], []
	for _ in range(runs):
		counter["n"] = 0
		frappe.db.sql = counting
		start = time.perf_counter()
		doc = frappe.get_doc(payload(priority)).insert()
		inserts.append((time.perf_counter() - start) * 1000)
		queries.append(counter["n"])
		frappe.db.sql = real_sql
		frappe.db.after_commit.reset()  # measured on its own below
		frappe.db.commit()
		start = time.perf_counter()
		complete = getattr(lifecycle, "complete_registration", None)
		if complete:
			complete(doc.name)
		after.append((time.perf_counter() - start) * 1000)
	print(
		f"  {priority} routed insert in-process: p50 {statistics.median(inserts):6.1f} ms, "
		f"p95 {percentile(inserts, 95):6.1f} ms, {statistics.median(queries):.0f} queries; "
		f"after commit (ToDo, alarm): p50 {statistics.median(after):6.1f} ms"
	)


def free_port() -> int:
	with socket.socket() as sock:
		sock.bind(("127.0.0.1", 0))
		return sock.getsockname()[1]


def over_http(site: str, seconds: int, clients: int, workers: int) -> None:
	port = free_port()
	sites = Path(".").resolve()
	log = sites.parent / "logs" / "ts_sla-insert-bench.log"
	server = subprocess.Popen(
		[
			str(sites.parent / "env" / "bin" / "gunicorn"),
			"-b",
			f"127.0.0.1:{port}",
			"-w",
			str(workers),
			"-t",
			"120",
			"--preload",
			"frappe.app:application",
		],
		cwd=sites,
		stdout=log.open("w"),
		stderr=subprocess.STDOUT,
		env={**__import__("os").environ, "FRAPPE_SITE": site},
	)
	url = f"http://127.0.0.1:{port}"
	try:
		deadline = time.monotonic() + 60
		while time.monotonic() < deadline:
			try:
				if requests.get(f"{url}/api/method/ping", headers={"Host": site}, timeout=2).ok:
					break
			except requests.ConnectionError:
				time.sleep(0.3)
		latencies: list[float] = []
		errors = {"n": 0}
		lock = threading.Lock()
		stop_at = time.monotonic() + seconds

		def client() -> None:
			http = requests.Session()
			http.headers.update({"Host": site, "Accept": "application/json"})
			http.post(f"{url}/api/method/login", data={"usr": USER, "pwd": PASSWORD}, timeout=60)
			while time.monotonic() < stop_at:
				body = {k: v for k, v in payload("P2").items() if k != "doctype"}
				start = time.perf_counter()
				response = http.post(f"{url}/api/resource/Support Ticket", json=body, timeout=120)
				elapsed = (time.perf_counter() - start) * 1000
				with lock:
					if response.ok:
						latencies.append(elapsed)
					else:
						errors["n"] += 1

		threads = [threading.Thread(target=client) for _ in range(clients)]
		for thread in threads:
			thread.start()
		for thread in threads:
			thread.join()
		print(
			f"  POST over HTTP ({workers} gunicorn workers, {clients} clients, {seconds} s): "
			f"{len(latencies)} tickets, {len(latencies) / seconds:.1f}/s, p50 {statistics.median(latencies):.0f} ms, "
			f"p95 {percentile(latencies, 95):.0f} ms, errors {errors['n']}"
		)
	finally:
		server.terminate()
		server.wait(timeout=30)


def main() -> None:
	parser = argparse.ArgumentParser()
	parser.add_argument("site", nargs="?", default="ts-sla-bench.localhost")
	parser.add_argument("--seconds", type=int, default=60)
	parser.add_argument("--clients", type=int, default=20)
	parser.add_argument("--workers", type=int, default=4)
	parser.add_argument("--in-process-only", action="store_true")
	args = parser.parse_args()
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	print(
		f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, Python {sys.version.split()[0]}; "
		f"site {args.site}; MariaDB {frappe.db.sql('select version()')[0][0]}"
	)
	try:
		prepare()
		in_process("P2")
		in_process("P0")
		clean()
		if not args.in_process_only:
			over_http(args.site, args.seconds, args.clients, args.workers)
	finally:
		clean()
		frappe.destroy()


if __name__ == "__main__":
	main()
