"""Holidays from the source (issue 18): China's statutory holidays and make-up workdays from chinese-calendar,
a country's public holidays from holidays; reloads replace only their own rows; open tickets whose deadlines
move are repaired with one timeline note; only managers load; a year the library does not know changes
nothing."""

from __future__ import annotations

import datetime as dt
import sys
from unittest.mock import patch

import frappe

from ts_sla.api import calendar as calendar_api
from ts_sla.services import holiday_sources, repair
from ts_sla.services.holiday_sources import CHINA, COUNTRY, SourceMissing, YearNotKnown
from ts_sla.setup.defaults import DEFAULT_CALENDAR
from ts_sla.tests.utils import TSSLATestCase, make_calendar, make_policy, make_ticket

NATIONAL_DAY_2023 = [dt.date(2023, 9, 29) + dt.timedelta(days=i) for i in range(8)]  # 29 Sep - 6 Oct
MAKE_UP_2023 = [dt.date(2023, 10, 7), dt.date(2023, 10, 8)]  # Sat, Sun
BERLIN_2024 = [
	"2024-01-01",  # New Year's Day
	"2024-03-08",  # International Women's Day (Berlin)
	"2024-03-29",  # Good Friday
	"2024-04-01",  # Easter Monday
	"2024-05-01",  # Labour Day
	"2024-05-09",  # Ascension Day
	"2024-05-20",  # Whit Monday
	"2024-10-03",  # German Unity Day
	"2024-12-25",  # Christmas Day
	"2024-12-26",  # Second Day of Christmas
]


def rows(calendar: str, table: str = "holidays") -> list[dict]:
	doc = frappe.get_doc("Support Calendar", calendar)
	date_field = "holiday_date" if table == "holidays" else "work_date"
	return [
		{
			"date": str(r.get(date_field)),
			"source": r.source or "",
			"description": r.description or "",
			**({"hours": (str(r.start_time), str(r.end_time))} if table != "holidays" else {}),
		}
		for r in doc.get(table)
	]


def notes(ticket: str) -> list[str]:
	return frappe.get_all(
		"Comment",
		filters={
			"reference_doctype": "Support Ticket",
			"reference_name": ticket,
			"content": ("like", "%Deadlines recomputed:%"),
		},
		pluck="content",
	)


class TestHolidaySources(TSSLATestCase):
	def test_china_2023_gives_national_day_holidays_and_the_weekend_make_up_days(self):
		result = holiday_sources.load(DEFAULT_CALENDAR, CHINA, 2023)
		self.assertTrue(result["changed"])
		self.assertEqual(result["source"], "chinese-calendar:2023")
		holidays = {r["date"]: r for r in rows(DEFAULT_CALENDAR)}
		for day in NATIONAL_DAY_2023:
			self.assertIn(str(day), holidays)
			self.assertEqual(holidays[str(day)]["source"], "chinese-calendar:2023")
		self.assertIn("2023-01-23", holidays)  # Spring Festival
		days = rows(DEFAULT_CALENDAR, "extra_working_days")
		by_date = {r["date"]: r for r in days}
		for day in MAKE_UP_2023:
			self.assertIn(str(day), by_date)
			# the calendar's normal weekday hours, marked with the source
			self.assertEqual(by_date[str(day)]["hours"], ("9:00:00", "18:00:00"))
			self.assertEqual(by_date[str(day)]["source"], "chinese-calendar:2023")
		self.assertTrue(all(dt.date.fromisoformat(r["date"]).weekday() >= 5 for r in days))

		# a P3 received Thu 28 Sep 16:00: 3 working days are Sat 7, Sun 8 and Mon 9 Oct
		ticket = make_ticket(priority="P3", received_at="2023-09-28 16:00:00")
		self.assertEqual(str(ticket.resolution_due), "2023-10-09 16:00:00")

	def test_open_ticket_is_repaired_once_and_a_ticket_on_another_calendar_is_not_touched(self):
		ticket = make_ticket(priority="P3", received_at="2023-09-28 16:00:00")
		self.assertEqual(str(ticket.resolution_due), "2023-10-03 16:00:00")
		make_calendar("H18 Other Calendar")
		make_policy("H18 Other Policy", calendar="H18 Other Calendar")
		other = make_ticket(priority="P3", received_at="2023-09-28 16:00:00", sla_policy="H18 Other Policy")
		other_modified = frappe.db.get_value("Support Ticket", other.name, "modified")

		holiday_sources.load(DEFAULT_CALENDAR, CHINA, 2023)

		self.assertEqual(
			str(frappe.db.get_value("Support Ticket", ticket.name, "resolution_due")), "2023-10-09 16:00:00"
		)
		[note] = notes(ticket.name)
		self.assertIn("2023-10-03 16:00:00 → 2023-10-09 16:00:00", note)
		self.assertIn("chinese-calendar:2023", note)
		self.assertEqual(notes(other.name), [])
		self.assertEqual(frappe.db.get_value("Support Ticket", other.name, "modified"), other_modified)
		self.assertEqual(
			str(frappe.db.get_value("Support Ticket", other.name, "resolution_due")), "2023-10-03 16:00:00"
		)
		# a reload moves nothing: no second note
		holiday_sources.load(DEFAULT_CALENDAR, CHINA, 2023)
		self.assertEqual(len(notes(ticket.name)), 1)

	def test_hand_edits_repair_only_when_they_move_deadlines(self):
		ticket = make_ticket(priority="P3", received_at="2023-09-28 16:00:00")
		doc = frappe.get_doc("Support Calendar", DEFAULT_CALENDAR)
		doc.append("holidays", {"holiday_date": "2023-10-02", "description": "Company day"})
		doc.save()
		[note] = notes(ticket.name)
		self.assertIn("2023-10-03 16:00:00 → 2023-10-04 16:00:00", note)
		self.assertIn("Support Calendar Default Support Calendar changed (Holidays)", note)
		# a new description moves nothing: no note
		doc.holidays[-1].description = "Company anniversary"
		doc.save()
		self.assertEqual(len(notes(ticket.name)), 1)
		# no more Fridays: the third working day is Thu 5 Oct
		doc.set("working_hours", [r for r in doc.working_hours if r.weekday != "Friday"])
		doc.save()
		second = next(n for n in notes(ticket.name) if n != note)
		self.assertIn("2023-10-04 16:00:00 → 2023-10-05 16:00:00", second)
		self.assertIn("(Working Hours)", second)

	def test_a_closed_ticket_is_never_rewritten(self):
		ticket = make_ticket(priority="P3", received_at="2023-09-28 16:00:00")
		frappe.db.set_value("Support Ticket", ticket.name, "status", "Closed", update_modified=False)
		before = frappe.db.get_value(
			"Support Ticket", ticket.name, ["modified", "resolution_due"], as_dict=True
		)
		holiday_sources.load(DEFAULT_CALENDAR, CHINA, 2023)
		after = frappe.db.get_value(
			"Support Ticket", ticket.name, ["modified", "resolution_due"], as_dict=True
		)
		self.assertEqual(after, before)
		self.assertEqual(notes(ticket.name), [])
		self.assertEqual(
			repair.repair_tickets([ticket.name], reason="test"), {"moved": {}, "unchanged": 0, "failed": 0}
		)

	def test_reloading_is_idempotent_and_replaces_only_its_own_rows(self):
		holiday_sources.load(DEFAULT_CALENDAR, CHINA, 2023)
		holiday_sources.load(DEFAULT_CALENDAR, CHINA, 2024)
		first = rows(DEFAULT_CALENDAR), rows(DEFAULT_CALENDAR, "extra_working_days")
		modified = frappe.db.get_value("Support Calendar", DEFAULT_CALENDAR, "modified")

		again = holiday_sources.load(DEFAULT_CALENDAR, CHINA, 2023)
		self.assertFalse(again["changed"])
		self.assertEqual((rows(DEFAULT_CALENDAR), rows(DEFAULT_CALENDAR, "extra_working_days")), first)
		self.assertEqual(frappe.db.get_value("Support Calendar", DEFAULT_CALENDAR, "modified"), modified)

		# a stray row of the source and year goes; the other year's rows stay
		doc = frappe.get_doc("Support Calendar", DEFAULT_CALENDAR)
		doc.append(
			"holidays",
			{"holiday_date": "2023-11-11", "description": "stray", "source": "chinese-calendar:2023"},
		)
		doc.save()
		preview = holiday_sources.preview(DEFAULT_CALENDAR, CHINA, 2023)
		self.assertEqual(preview["holidays"]["remove"], [{"date": "2023-11-11", "description": "stray"}])
		self.assertEqual(preview["holidays"]["add"], [])
		holiday_sources.load(DEFAULT_CALENDAR, CHINA, 2023)
		self.assertEqual((rows(DEFAULT_CALENDAR), rows(DEFAULT_CALENDAR, "extra_working_days")), first)
		self.assertTrue(any(r["source"] == "chinese-calendar:2024" for r in rows(DEFAULT_CALENDAR)))

	def test_hand_made_rows_survive_a_reload_and_win_on_their_date(self):
		calendar = make_calendar(
			"H18 Hand Made",
			holidays=[
				{"holiday_date": "2023-10-02", "description": "Company day"},
				{"holiday_date": "2023-12-01", "description": "Team outing"},
			],
			extra_days=[
				{
					"work_date": "2023-10-07",
					"start_time": "10:00",
					"end_time": "12:00",
					"description": "Short",
				}
			],
		)
		preview = holiday_sources.preview(calendar, CHINA, 2023)
		self.assertEqual({s["date"] for s in preview["skipped"]}, {"2023-10-02", "2023-10-07"})
		holiday_sources.load(calendar, CHINA, 2023)
		holiday_sources.load(calendar, CHINA, 2023)
		hand_made = [r for r in rows(calendar) if not r["source"]]
		self.assertEqual(
			[(r["date"], r["description"]) for r in hand_made],
			[("2023-10-02", "Company day"), ("2023-12-01", "Team outing")],
		)
		self.assertEqual([r["date"] for r in rows(calendar)].count("2023-10-02"), 1)
		days = rows(calendar, "extra_working_days")
		self.assertIn(
			{"date": "2023-10-07", "source": "", "description": "Short", "hours": ("10:00:00", "12:00:00")},
			days,
		)
		self.assertIn("2023-10-08", [r["date"] for r in days if r["source"] == "chinese-calendar:2023"])

	def test_edited_make_up_hours_survive_a_reload(self):
		calendar = make_calendar("H18 Edited Hours")
		holiday_sources.load(calendar, CHINA, 2023)
		doc = frappe.get_doc("Support Calendar", calendar)
		row = next(r for r in doc.extra_working_days if str(r.work_date) == "2023-10-07")
		row.start_time, row.end_time = "09:30:00", "17:30:00"
		doc.save()
		self.assertFalse(holiday_sources.load(calendar, CHINA, 2023)["changed"])
		days = {r["date"]: r for r in rows(calendar, "extra_working_days")}
		self.assertEqual(days["2023-10-07"]["hours"], ("9:30:00", "17:30:00"))

	def test_germany_berlin_2024_gives_its_public_holidays_and_no_make_up_days(self):
		calendar = make_calendar("H18 Berlin", time_zone="Europe/Berlin")
		result = holiday_sources.load(calendar, COUNTRY, 2024, "DE", "BE")
		self.assertEqual(result["source"], "holidays:DE-BE:2024")
		self.assertEqual([r["date"] for r in rows(calendar)], BERLIN_2024)
		self.assertTrue(all(r["source"] == "holidays:DE-BE:2024" for r in rows(calendar)))
		self.assertEqual(rows(calendar, "extra_working_days"), [])
		with self.assertRaises(frappe.ValidationError):
			holiday_sources.preview(calendar, COUNTRY, 2024, "DE", "XX")

	def test_a_year_the_library_does_not_know_changes_nothing(self):
		before = rows(DEFAULT_CALENDAR)
		with self.assertRaises(YearNotKnown) as error:
			holiday_sources.load(DEFAULT_CALENDAR, CHINA, 2100)
		self.assertIn("does not know the holidays of 2100 yet", str(error.exception))
		self.assertEqual(rows(DEFAULT_CALENDAR), before)

	def test_a_missing_package_gives_a_clear_message(self):
		with patch.dict(sys.modules, {"chinese_calendar": None}):
			self.assertFalse(holiday_sources.installed()[CHINA])
			with self.assertRaises(SourceMissing) as error:
				holiday_sources.preview(DEFAULT_CALENDAR, CHINA, 2023)
		self.assertIn("bench pip install chinese-calendar", str(error.exception))


class TestYearlyReload(TSSLATestCase):
	def opted_in(self, name: str) -> str:
		calendar = make_calendar(name)
		doc = frappe.get_doc("Support Calendar", calendar)
		doc.update({"auto_load_holidays": 1, "holiday_source": CHINA})
		doc.save()
		return calendar

	def bells(self, calendar: str) -> list[str]:
		return frappe.get_all(
			"Notification Log",
			filters={"for_user": "manager@ts-sla.test", "document_name": calendar},
			pluck="subject",
		)

	def test_the_job_loads_next_year_for_opted_in_calendars_and_tells_the_managers(self):
		calendar = self.opted_in("H18 Yearly")
		make_calendar("H18 Not Opted In")
		results = holiday_sources.reload_next_year(year=2024)
		self.assertIn(calendar, results)
		self.assertNotIn("H18 Not Opted In", results)
		self.assertTrue(any(r["source"] == "chinese-calendar:2024" for r in rows(calendar)))
		self.assertEqual(rows("H18 Not Opted In"), [])
		[bell] = self.bells(calendar)
		self.assertIn("loaded into Support Calendar H18 Yearly from chinese-calendar:2024", bell)

	def test_next_year_unknown_says_so_and_changes_nothing(self):
		calendar = self.opted_in("H18 Too Early")
		results = holiday_sources.reload_next_year(year=2100, calendars=[calendar])
		self.assertIn("does not know the holidays of 2100 yet", results[calendar])
		self.assertEqual(rows(calendar), [])
		[bell] = self.bells(calendar)
		self.assertIn("not loaded", bell)
		self.assertIn("does not know the holidays of 2100 yet", bell)


class TestLoadPermissions(TSSLATestCase):
	def test_only_managers_may_preview_or_load(self):
		frappe.is_whitelisted(calendar_api.load_holidays)  # raises when not whitelisted
		before = rows(DEFAULT_CALENDAR)
		for user in ("supervisor@ts-sla.test", "agent@ts-sla.test", "engineer@ts-sla.test"):
			frappe.set_user(user)
			with self.assertRaises(frappe.PermissionError, msg=user):
				calendar_api.load_holidays(DEFAULT_CALENDAR, CHINA, 2023)
			with self.assertRaises(frappe.PermissionError, msg=user):
				calendar_api.preview_holidays(DEFAULT_CALENDAR, CHINA, 2023)
			with self.assertRaises(frappe.PermissionError, msg=user):
				calendar_api.reload_next_year(DEFAULT_CALENDAR)
		frappe.set_user("Administrator")
		self.assertEqual(rows(DEFAULT_CALENDAR), before)

		frappe.set_user("manager@ts-sla.test")
		preview = calendar_api.preview_holidays(DEFAULT_CALENDAR, CHINA, 2023)
		self.assertEqual(len(preview["extra_working_days"]["add"]), 7)  # 2023's seven make-up weekend days
		result = calendar_api.load_holidays(DEFAULT_CALENDAR, CHINA, 2023)
		self.assertTrue(result["changed"])
		options = calendar_api.holiday_source_options()
		self.assertIn("BE", options["countries"]["DE"])
