"""Real Frappe processes for tests: a web server (``frappe serve`` on a free local port) and RQ workers
(``frappe worker``), each in its own process, and a job queue of the test's own."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import zlib
from pathlib import Path

import frappe
import requests
from frappe.utils import background_jobs


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
		deadline = time.monotonic() + 180  # a first start on a busy machine: a generous bound
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
				f"{self.url}/api/method/login", data={"usr": user, "pwd": password}, timeout=60
			)
			response.raise_for_status()
		return http


def own_queue_url() -> str:
	"""A Redis database of the site's own for its RQ jobs (1–15 by the site's name), on the bench's server;
	never one of the bench's own databases (its cache's, its queue's)."""
	conf = frappe.get_site_config()
	url = urllib.parse.urlsplit(conf.redis_queue)
	taken = {_database(conf.get(key)) for key in ("redis_cache", "redis_queue", "redis_socketio")}
	free = [database for database in range(1, 16) if database not in taken]
	database = free[zlib.adler32(frappe.local.site.encode()) % len(free)]
	return urllib.parse.urlunsplit(url._replace(path=f"/{database}"))


def _database(url: str | None) -> int:
	"""The database index a redis:// URL names (0 when it names none)."""
	path = urllib.parse.urlsplit(url or "").path.strip("/")
	return int(path) if path.isdigit() else 0


@contextlib.contextmanager
def own_queue(*queues: str):
	"""Enqueue into the site's own Redis database for the block (``own_queue_url``), so that the workers a
	test or benchmark starts there (``Worker(..., own=True)``) run only its jobs, never the jobs other sites
	left on the bench's shared queues. The named queues start empty of this site's jobs."""
	conf = frappe.local.conf
	saved = conf.redis_queue
	conf.redis_queue = own_queue_url()
	background_jobs._redis_queue_conn = None
	try:
		for queue in queues:
			clear_site_jobs(queue)
		yield conf.redis_queue
	finally:
		conf.redis_queue = saved
		background_jobs._redis_queue_conn = None


def at_once(work, count: int = 2, timeout: float = 120) -> tuple[list, list[str]]:
	"""Run ``work()`` in ``count`` threads released at the same instant, each on its own connection to this
	site and enqueueing into the site's own queue database; returns (their results, their errors)."""
	site, sites_path = frappe.local.site, frappe.local.sites_path
	barrier = threading.Barrier(count)
	results, errors = [], []

	def run():
		frappe.init(site=site, sites_path=sites_path)
		try:
			frappe.connect()
			frappe.flags.mute_emails = True
			with own_queue():
				barrier.wait(timeout=60)
				results.append(work())
		except Exception as error:
			errors.append(repr(error))
		finally:
			frappe.destroy()

	threads = [threading.Thread(target=run) for _ in range(count)]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join(timeout=timeout)
	return results, errors


def clear_site_jobs(queue: str) -> int:
	"""Remove this site's jobs waiting on a queue (other sites' jobs stay); returns how many."""
	q = background_jobs.get_queue(queue)
	removed = 0
	for job in q.get_jobs():
		if (job.kwargs or {}).get("site") == frappe.local.site:
			job.delete()
			removed += 1
	return removed


def queued_jobs(queue: str, method: str | None = None) -> list:
	"""This site's jobs waiting on a queue (of one method)."""
	return [
		job
		for job in background_jobs.get_queue(queue).get_jobs()
		if (job.kwargs or {}).get("site") == frappe.local.site
		and (method is None or (job.kwargs or {}).get("method") == method)
	]


class Worker:
	"""A real RQ worker of the bench (``bench worker``) for the given queues, in its own process.
	``own``: it serves the site's own Redis database (``own_queue``); ``burst``: it stops when the queues are
	empty (``wait()``)."""

	count = 0

	def __init__(
		self, queues: str = "long", own: bool = False, burst: bool = False, sites_path: str | None = None
	) -> None:
		"""``sites_path``: the sites folder of another process tree of the bench to run it from (as a worker
		on another host would run from its own), sharing only the site's Redis and database."""
		Worker.count += 1
		self.queues, self.own, self.burst = queues, own, burst
		self.sites_path = str(Path(sites_path or frappe.local.sites_path).resolve())
		self.log = (
			Path(self.sites_path).parent
			/ "logs"
			/ f"ts_sla-test-worker-{queues.replace(',', '-')}-{os.getpid()}-{Worker.count}.log"
		)
		self.process: subprocess.Popen | None = None

	def start(self) -> Worker:
		self.log.parent.mkdir(exist_ok=True)
		env = dict(os.environ)
		if self.own:
			env["FRAPPE_REDIS_QUEUE"] = own_queue_url()
		command = [
			sys.executable,
			"-m",
			"frappe.utils.bench_helper",
			"frappe",
			"worker",
			"--queue",
			self.queues,
		]
		self.process = subprocess.Popen(
			[*command, "--burst"] if self.burst else command,
			cwd=self.sites_path,
			stdout=self.log.open("w"),
			stderr=subprocess.STDOUT,
			env=env,
		)
		return self

	def wait(self, timeout: float = 300) -> int:
		"""Wait for a burst worker to finish its queues; returns its exit code."""
		return self.process.wait(timeout=timeout)

	def kill(self) -> None:
		"""End it the hard way (SIGKILL), as a crash would, mid-job: the worker and the work horse it forked
		for the job (RQ runs each job in a child process of its own session, which outlives its parent)."""
		import psutil

		horses = psutil.Process(self.process.pid).children(recursive=True)  # RQ gives each its own session
		self.process.kill()
		for horse in horses:
			horse.kill()
		self.process.wait(timeout=30)
		psutil.wait_procs(horses, timeout=30)

	def stop(self) -> None:
		_stop(self.process)
