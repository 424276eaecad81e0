"""The app ships Chinese: labels, options, messages and the deadline explanation render in zh."""

import csv
import re
from pathlib import Path

import frappe
import frappe.translate
from frappe import _

from ts_sla.services import lifecycle, notes, sla
from ts_sla.tests.utils import TSSLATestCase, make_team, make_ticket

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
		self.assertIn("P3 解决：按日历“默认支持日历”（Asia/Shanghai）计 3 个工作日", doc.sla_explanation)
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


CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


def info_lines(name: str) -> list[str]:
	return frappe.get_all(
		"Comment",
		filters={"reference_name": name, "comment_type": "Info"},
		pluck="content",
		order_by="creation asc",
	)


class TestTimelineNotes(TSSLATestCase):
	"""The app's timeline notes are stored in the site's language with a language-neutral copy, and read in
	each reader's language (point 11 of issue 25)."""

	def setUp(self):
		super().setUp()
		frappe.translate.clear_cache()
		make_team()

	def tearDown(self):
		frappe.db.set_default("lang", "en")
		frappe.local.lang = "en"
		frappe.translate.clear_cache()
		super().tearDown()

	def act_in(self, lang: str, user: str, action, *args, **kw):
		frappe.set_user(user)
		frappe.local.lang = lang
		try:
			action(*args, **kw)
		finally:
			frappe.set_user("Administrator")
			frappe.local.lang = "en"

	def test_a_chinese_engineers_note_is_stored_neutral_and_read_in_each_language(self):
		doc = make_ticket(priority="P2", received_at=frappe.utils.now())
		typed = '查过 "VPN" 日志 <b>{0}</b> & {1}'  # the engineer's own words stay as typed, markup and all
		lifecycle.assign(frappe.get_doc("Support Ticket", doc.name), "engineer@ts-sla.test")
		self.act_in(
			"zh",
			"engineer@ts-sla.test",
			lifecycle.respond,
			frappe.get_doc("Support Ticket", doc.name),
			note=typed,
		)
		content = info_lines(doc.name)[-1]
		# the site speaks English: the stored text is English (the engineer's words aside), for every reader
		# that takes the content as it is
		self.assertTrue(content.startswith("First response: "), content)
		self.assertEqual(
			CJK.findall(content.split(notes.MARKER)[0].replace("查过", "").replace("日志", "")), []
		)
		self.assertNotIn("<b>", content)  # typed markup is text, not markup
		self.assertEqual(notes.render(content, "en"), f"First response: {typed}")
		self.assertEqual(notes.render(content, "zh"), f"首次响应：{typed}")
		self.assertEqual(notes.render("a comment someone typed", "zh"), "a comment someone typed")

	def test_a_site_that_speaks_chinese_stores_its_notes_in_chinese(self):
		frappe.db.set_default("lang", "zh")
		doc = make_ticket(priority="P2", received_at=frappe.utils.now())
		self.act_in(
			"en",
			"supervisor@ts-sla.test",
			lifecycle.assign,
			frappe.get_doc("Support Ticket", doc.name),
			"engineer@ts-sla.test",
		)
		content = info_lines(doc.name)[-1]
		self.assertTrue(content.startswith("已分配给 engineer@ts-sla.test"), content)
		self.assertTrue(notes.render(content, "en").startswith("Assigned to engineer@ts-sla.test"))

	def test_a_recompute_names_fields_and_records_in_the_readers_language(self):
		doc = make_ticket(priority="P2", received_at=frappe.utils.now())
		ticket = frappe.get_doc("Support Ticket", doc.name)
		self.act_in(
			"zh", "supervisor@ts-sla.test", lifecycle.reclassify, ticket, "客户升级", {"priority": "P1"}
		)
		note = next(c for c in reversed(info_lines(doc.name)) if "Deadlines recomputed" in c)
		english, chinese = notes.render(note, "en"), notes.render(note, "zh")
		self.assertTrue(
			english.startswith("Deadlines recomputed because Priority: P2 → P1 changed."), english
		)
		self.assertIn("Reason: 客户升级", english)
		self.assertTrue(chinese.startswith("因 问题级别：P2 → P1 变化，时限已重新计算。"), chinese)
		self.assertNotIn("Deadlines", chinese)
		self.assertNotIn("Resolution Due", chinese)

	def test_a_policy_change_note_names_the_policy_and_the_clock_in_the_readers_language(self):
		doc = make_ticket(priority="P2", received_at=frappe.utils.now())
		policy = frappe.get_doc("SLA Policy", "Default SLA Policy")
		row = next(r for r in policy.priorities if r.priority == "P2")
		row.resolution_time = (row.resolution_time or 24) + 2
		policy.flags.repair_now = True
		policy.save()
		note = next(c for c in reversed(info_lines(doc.name)) if "Deadlines recomputed" in c)
		english, chinese = notes.render(note, "en"), notes.render(note, "zh")
		self.assertIn("Why: SLA Policy Default SLA Policy changed (P2 resolution)", english)
		# (ERPNext's Chinese writes the "{0} {1}" pair without the space)
		self.assertRegex(chinese, r"SLA 策略 默认 SLA 策略 已变更（P2 ?解决）")
		self.assertEqual(
			[w for w in ("Registration", "Response", "Policy", "resolution") if w in chinese], []
		)

	def test_the_shipped_names_are_translated_where_the_desk_shows_them(self):
		translated = frappe.translate.get_translated_doctypes()
		self.assertLessEqual({"Technical Domain", "SLA Policy", "Support Calendar"}, set(translated))
		zh = frappe.translate.get_all_translations("zh")
		from ts_sla.setup.defaults import DEFAULT_CALENDAR, DEFAULT_POLICY, DOMAINS

		for name in (*DOMAINS, DEFAULT_CALENDAR, DEFAULT_POLICY):
			self.assertTrue(CJK.search(zh.get(name, "")), name)
