"""The app ships Chinese: labels, options, messages and the deadline explanation render in zh."""

import csv
import re
from pathlib import Path

import frappe
import frappe.translate
from frappe import _

from ts_sla.services import sla
from ts_sla.tests.utils import TSSLATestCase, make_ticket

ZH = Path(__file__).resolve().parents[2] / "translations" / "zh.csv"


class TestChinese(TSSLATestCase):
	def setUp(self):
		super().setUp()
		frappe.translate.clear_cache()
		frappe.local.lang = "zh"

	def tearDown(self):
		frappe.local.lang = "en"
		frappe.translate.clear_cache()
		super().tearDown()

	def test_every_label_and_option_of_the_app_has_a_translation(self):
		translated = {row[0] for row in csv.reader(ZH.open())}
		missing = set()
		for doctype in frappe.get_all("DocType", {"module": "TS SLA"}, pluck="name"):
			meta = frappe.get_meta(doctype)
			missing |= {doctype} - translated
			for df in meta.fields:
				if df.label and df.fieldtype not in ("Section Break", "Column Break"):
					missing |= {df.label} - translated
				if df.fieldtype == "Select":
					missing |= {o for o in (df.options or "").split("\n") if o} - translated
		self.assertEqual(missing, set())

	def test_messages_and_explanations_render_in_chinese(self):
		self.assertEqual(_("Support Ticket"), "技术支持工单")
		self.assertEqual(_("Waiting for Customer"), "待客户配合")
		doc = make_ticket(priority="P3", received_at="2023-10-27 16:00:00")
		sla.refresh(doc)
		self.assertIn(
			"P3 解决：按日历“Default Support Calendar”（Asia/Shanghai）计 3 个工作日", doc.sla_explanation
		)
		self.assertIn("10月27日 周五 16:00 → 11月1日 周三 16:00", doc.sla_explanation)
		self.assertIn("跳过 周六–周日", doc.sla_explanation)
		with self.assertRaises(frappe.ValidationError) as error:
			frappe.get_doc(
				{"doctype": "Support Calendar", "calendar_name": "坏日历", "time_zone": "Mars/Base"}
			).insert()
		self.assertIn("未知时区", str(error.exception))

	def test_translation_file_keeps_placeholders(self):
		for source, target, *_context in csv.reader(ZH.open()):  # a third column is a message's context
			self.assertEqual(
				sorted(re.findall(r"\{\w*\}", source)), sorted(re.findall(r"\{\w*\}", target)), source
			)

	def test_the_explanation_renders_in_the_readers_language_not_the_savers(self):
		frappe.local.lang = "en"
		frappe.translate.clear_cache()
		doc = make_ticket(priority="P1")
		self.assertIn("(calendar time)", doc.sla_explanation)  # stored as the saver (en) wrote it
		frappe.local.lang = "zh"
		frappe.translate.clear_cache()
		from ts_sla.api import ticket as api

		read = api.get_clocks(doc.name)
		self.assertIn("（自然时间）", read["explanation"])
		self.assertNotIn("(calendar time)", read["explanation"])
		doc = frappe.get_doc("Support Ticket", doc.name)
		doc.run_method("onload")
		self.assertIn("（自然时间）", doc.get_onload().explanation)
		self.assertIn("(calendar time)", doc.sla_explanation)  # reading changes nothing stored

	def test_frappes_short_time_units_are_not_metres_in_chinese(self):
		# Frappe's own zh renders the list's "4 m" (minutes ago) as "4米" (metres): the app overrides it
		messages = frappe.translate.get_all_translations("zh")
		self.assertEqual(messages["{0} m"], "{0}分钟")
		self.assertEqual(messages["{0} d"], "{0}天")
		self.assertEqual(messages["Set up and Review"], "设置与复盘")
