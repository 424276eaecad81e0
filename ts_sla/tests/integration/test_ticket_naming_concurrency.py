"""20 tickets inserted at the same moment through 20 database connections get 20 consecutive IDs."""

import threading

import frappe

from ts_sla.tests.utils import TSSLATestCase, ticket_data

DAY = "2024-06-15"
KEY = "TS-20240615-"


class TestConcurrentNaming(TSSLATestCase):
	def cleanup(self):
		names = frappe.get_all("Support Ticket", filters={"name": ("like", f"{KEY}%")}, pluck="name")
		for name in names:
			frappe.delete_doc("Support Ticket", name, force=True, ignore_permissions=True)
		frappe.db.sql("DELETE FROM `tabSeries` WHERE `name` = %s", (KEY,))
		frappe.db.commit()  # the threads committed; so must the clean-up

	def test_twenty_concurrent_inserts_get_distinct_consecutive_ids(self):
		self.cleanup()
		self.addCleanup(self.cleanup)
		site, sites_path = frappe.local.site, frappe.local.sites_path
		count = 20
		barrier = threading.Barrier(count)
		names, errors = [], []

		def insert(i: int) -> None:
			frappe.init(site=site, sites_path=sites_path)
			try:
				frappe.connect()
				frappe.set_user("Administrator")
				barrier.wait(timeout=60)
				doc = frappe.get_doc(
					ticket_data(subject=f"Concurrent {i}", received_at=f"{DAY} 10:{i:02d}:00")
				)
				doc.insert()
				frappe.db.commit()
				names.append(doc.name)
			except Exception as error:
				errors.append(repr(error))
			finally:
				frappe.destroy()

		threads = [threading.Thread(target=insert, args=(i,)) for i in range(count)]
		for thread in threads:
			thread.start()
		for thread in threads:
			thread.join(timeout=120)
		self.assertEqual(errors, [])
		self.assertEqual(sorted(names), [f"{KEY}{n:03d}" for n in range(1, count + 1)])
		self.assertEqual(frappe.db.count("Support Ticket", {"name": ("like", f"{KEY}%")}), count)
