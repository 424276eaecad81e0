"""A real Frappe web server for REST tests: ``frappe serve`` on a free local port, in its own process."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import frappe
import requests


def _stop(process: subprocess.Popen | None) -> None:
	"""End a test process: politely, then for good."""
	if process and process.poll() is None:
		process.terminate()
		try:
			process.wait(timeout=15)
		except subprocess.TimeoutExpired:
			process.kill()


def _free_port() -> int:
	with socket.socket() as sock:
		sock.bind(("127.0.0.1", 0))
		return sock.getsockname()[1]


class LiveServer:
	"""Starts the site's web server (werkzeug, threaded) and hands out logged-in HTTP sessions."""

	def __init__(self) -> None:
		self.site = frappe.local.site
		self.sites_path = str(Path(frappe.local.sites_path).resolve())
		self.port = _free_port()
		self.url = f"http://127.0.0.1:{self.port}"
		self.process: subprocess.Popen | None = None
		self.log = Path(self.sites_path).parent / "logs" / f"ts_sla-test-server-{self.port}.log"

	def start(self) -> LiveServer:
		self.log.parent.mkdir(exist_ok=True)
		self.process = subprocess.Popen(
			[
				sys.executable,
				"-m",
				"frappe.utils.bench_helper",
				"frappe",
				"--site",
				self.site,
				"serve",
				"--port",
				str(self.port),
				"--noreload",
			],
			cwd=self.sites_path,
			stdout=self.log.open("w"),
			stderr=subprocess.STDOUT,
		)
		deadline = time.monotonic() + 90
		while time.monotonic() < deadline:
			try:
				if requests.get(f"{self.url}/api/method/ping", timeout=2).ok:
					return self
			except requests.ConnectionError:
				pass
			if self.process.poll() is not None:
				break
			time.sleep(0.3)
		self.stop()
		raise RuntimeError(f"the test web server did not start; see {self.log}")

	def stop(self) -> None:
		_stop(self.process)

	def session(self, user: str | None = None, password: str | None = None) -> requests.Session:
		"""A session logged in as ``user`` (a Guest session when no user is given)."""
		http = requests.Session()
		http.headers["Accept"] = "application/json"
		if user:
			response = http.post(
				f"{self.url}/api/method/login", data={"usr": user, "pwd": password}, timeout=30
			)
			response.raise_for_status()
		return http


class Worker:
	"""A real RQ worker of the bench (``bench worker``) for the given queues, in its own process."""

	def __init__(self, queues: str = "long") -> None:
		self.queues = queues
		self.sites_path = str(Path(frappe.local.sites_path).resolve())
		self.log = (
			Path(self.sites_path).parent / "logs" / f"ts_sla-test-worker-{queues.replace(',', '-')}.log"
		)
		self.process: subprocess.Popen | None = None

	def start(self) -> Worker:
		self.log.parent.mkdir(exist_ok=True)
		self.process = subprocess.Popen(
			[sys.executable, "-m", "frappe.utils.bench_helper", "frappe", "worker", "--queue", self.queues],
			cwd=self.sites_path,
			stdout=self.log.open("w"),
			stderr=subprocess.STDOUT,
		)
		return self

	def stop(self) -> None:
		_stop(self.process)
