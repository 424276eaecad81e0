"""WeCom / DingTalk intake over real HTTP: callbacks signed as the platforms document create a ticket and
are answered with its ID and due times; a bad signature, an old timestamp and a replay get 403 and create
nothing; a disabled platform creates nothing; a message delivered again finds its ticket.

The web server is a separate process that sees only committed data, so the settings are committed in
setUpClass and restored, with the tickets the server made, in tearDownClass.
"""

import base64
import datetime as dt
import json
import os
import time
import unittest
import uuid
import xml.etree.ElementTree as ET

import frappe
import requests
from frappe.utils import convert_utc_to_system_timezone, get_datetime

from ts_sla.services import im_intake, notifier
from ts_sla.tests.server import LiveServer
from ts_sla.tests.utils import TSSLATestCase, set_system_time_zone

DINGTALK_SECRET = "SECts-sla-test-" + "d1" * 16
WECOM_TOKEN = "tsSlaTestToken"
WECOM_KEY = base64.b64encode(os.urandom(32)).decode().rstrip("=")  # 43 characters, as WeCom generates
INTAKE_USER = "agent@ts-sla.test"
REPORTER = "reporter@ts-sla.test"
DINGTALK_STAFF = "ts-sla-ding-0001"
SETTINGS = (
	"dingtalk_intake_enabled",
	"wecom_intake_enabled",
	"im_intake_user",
)

# WeCom's published sample (the callback-encryption documentation and WXBizMsgCrypt samples)
SAMPLE_TOKEN, SAMPLE_KEY, SAMPLE_CORP = (
	"QDG6eK",
	"jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
	"wx5823bf96d3bd56c7",
)
SAMPLE_ECHO = (
	"5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3",
	"1409659589",
	"263014780",
	"P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==",
	"1616140317555161061",
)
SAMPLE_POST = (
	"477715d11cdb4164915debcba66cb864d751f3e6",
	"1409659813",
	"1372623149",
	"RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sY"
	"YvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYu"
	"R+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcal"
	"lcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/"
	"T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==",
)


class TestSignatureFunctions(unittest.TestCase):
	"""The signature and encryption functions against the platforms' published vectors."""

	def test_wecom_url_verification_sample(self):
		signature, timestamp, nonce, echostr, plain = SAMPLE_ECHO
		self.assertEqual(im_intake.wecom_signature(SAMPLE_TOKEN, timestamp, nonce, echostr), signature)
		self.assertEqual(im_intake.wecom_decrypt(SAMPLE_KEY, echostr), (plain, SAMPLE_CORP))

	def test_wecom_message_sample(self):
		signature, timestamp, nonce, encrypt = SAMPLE_POST
		self.assertEqual(im_intake.wecom_signature(SAMPLE_TOKEN, timestamp, nonce, encrypt), signature)
		message, receive_id = im_intake.wecom_decrypt(SAMPLE_KEY, encrypt)
		self.assertEqual(receive_id, SAMPLE_CORP)
		xml = ET.fromstring(message)
		self.assertEqual((xml.findtext("Content"), xml.findtext("MsgId")), ("hello", "4561255354251345929"))

	def test_wecom_encryption_round_trip_and_tampering(self):
		encrypt = im_intake.wecom_encrypt(SAMPLE_KEY, "<xml>工单 ticket</xml>", "", b"0123456789abcdef")
		self.assertEqual(im_intake.wecom_decrypt(SAMPLE_KEY, encrypt), ("<xml>工单 ticket</xml>", ""))
		self.assertEqual(len(base64.b64decode(encrypt)) % 32, 0)  # WeCom pads to 32 bytes
		for bad in ("not base64!", base64.b64encode(b"x" * 15).decode(), encrypt[:-8] + "AAAAAAA="):
			with self.subTest(bad=bad[:20]), self.assertRaises(ValueError):
				im_intake.wecom_decrypt(SAMPLE_KEY, bad)
		for key in ("short", SAMPLE_KEY + "A", "!" * 43):
			with self.subTest(key=key), self.assertRaises(ValueError):
				im_intake.wecom_key(key)

	def test_dingtalk_sign_matches_the_robot_sender(self):
		"""DingTalk signs callbacks as it asks senders to sign webhook calls: the same function of timestamp
		and secret as the (separately written) outgoing robot's URL signature."""
		timestamp = 1700000000000
		url = notifier.signed_url(
			"DingTalk", "https://oapi.dingtalk.com/robot/send?a=1", "this is secret", timestamp
		)
		sent = requests.utils.unquote(url.split("&sign=")[1])
		self.assertEqual(im_intake.dingtalk_sign(str(timestamp), "this is secret"), sent)
		self.assertNotEqual(im_intake.dingtalk_sign(str(timestamp + 1), "this is secret"), sent)


class TestIMIntake(TSSLATestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		set_system_time_zone(cls.TIME_ZONE)
		settings = frappe.get_single("TS SLA Settings")
		cls.saved = {f: settings.get(f) for f in SETTINGS}
		settings.update(
			{
				"dingtalk_intake_enabled": 1,
				"dingtalk_app_secret": DINGTALK_SECRET,
				"wecom_intake_enabled": 1,
				"wecom_token": WECOM_TOKEN,
				"wecom_encoding_aes_key": WECOM_KEY,
				"im_intake_user": INTAKE_USER,
			}
		)
		settings.set(
			"im_reporters", [{"platform": "DingTalk", "im_user_id": DINGTALK_STAFF, "user": REPORTER}]
		)
		settings.save()
		frappe.db.commit()
		cls.server = LiveServer().start()
		cls.refs = []

	@classmethod
	def tearDownClass(cls):
		cls.server.stop()
		frappe.db.rollback()
		for name in frappe.get_all(
			"Support Ticket", {"external_ref": ("in", cls.refs or ["-"])}, pluck="name"
		):
			frappe.delete_doc("Support Ticket", name, force=True, ignore_permissions=True)
		settings = frappe.get_single("TS SLA Settings")
		settings.update({**cls.saved, "dingtalk_app_secret": None, "wecom_token": None})
		settings.update({"wecom_encoding_aes_key": None})
		settings.set("im_reporters", [])
		settings.save()
		frappe.db.commit()
		super().tearDownClass()

	def new_ref(self) -> str:
		ref = f"ts-sla-test-{uuid.uuid4().hex[:16]}"
		type(self).refs.append(ref)
		return ref

	def tickets(self, ref: str) -> list[dict]:
		frappe.db.rollback()  # see what the server committed
		return frappe.get_all(
			"Support Ticket",
			{"external_ref": ref},
			[
				"name",
				"channel",
				"subject",
				"description",
				"reporter_user",
				"reporter_name",
				"contact_method",
				"contact_detail",
				"received_at",
				"owner",
				"response_due",
				"resolution_due",
			],
		)

	# -- DingTalk ----------------------------------------------------------------------------------------

	def dingtalk_call(self, body: dict, timestamp: int | None = None, sign: str | None = None):
		timestamp = timestamp or int(time.time() * 1000)
		headers = {
			"Content-Type": "application/json; charset=utf-8",
			"timestamp": str(timestamp),
			"sign": sign if sign is not None else im_intake.dingtalk_sign(str(timestamp), DINGTALK_SECRET),
		}
		return self.post_dingtalk(json.dumps(body, ensure_ascii=False).encode(), headers)

	def post_dingtalk(self, data: bytes, headers: dict):
		return requests.post(
			f"{self.server.url}/api/method/ts_sla.api.im.dingtalk", data=data, headers=headers, timeout=60
		)

	def dingtalk_body(self, ref: str, content: str, **kw) -> dict:
		"""A text message as DingTalk's robot documents it (HTTP mode)."""
		now = int(time.time() * 1000)
		return {
			"conversationId": "cidts-sla-test==",
			"atUsers": [{"dingtalkId": "$:LWCP_v1:$robot"}],
			"chatbotCorpId": "dingts-sla-test",
			"chatbotUserId": "$:LWCP_v1:$robot",
			"msgId": ref,
			"senderNick": "张三",
			"isAdmin": False,
			"senderStaffId": DINGTALK_STAFF,
			"sessionWebhookExpiredTime": now + 5_400_000,
			"createAt": now - 3000,
			"senderCorpId": "dingts-sla-test",
			"conversationType": "2",
			"senderId": "$:LWCP_v1:$sender==",
			"conversationTitle": "IT 支持群",
			"isInAtList": True,
			"sessionWebhook": "https://oapi.dingtalk.com/robot/sendBySession?session=test",
			"text": {"content": content},
			"robotCode": "normal",
			"msgtype": "text",
			**kw,
		}

	def test_dingtalk_message_becomes_a_ticket_answered_in_the_group(self):
		ref = self.new_ref()
		body = self.dingtalk_body(ref, " ERP 无法提交报销单\n点击提交后一直转圈，已持续 20 分钟")
		timestamp = int(time.time() * 1000)
		response = self.dingtalk_call(body, timestamp)
		self.assertEqual(response.status_code, 200, response.text[:500])
		answer = response.json()
		self.assertEqual(answer["msgtype"], "text")
		[ticket] = self.tickets(ref)
		self.assertIn(ticket.name, answer["text"]["content"])
		self.assertIn(f"{ticket.response_due:%Y-%m-%d %H:%M}", answer["text"]["content"])
		self.assertIn(f"{ticket.resolution_due:%Y-%m-%d %H:%M}", answer["text"]["content"])
		self.assertEqual(ticket.channel, "DingTalk")
		self.assertEqual(ticket.subject, "ERP 无法提交报销单")
		self.assertIn("点击提交后一直转圈", ticket.description)
		self.assertEqual((ticket.reporter_user, ticket.contact_method), (REPORTER, "DingTalk"))
		self.assertEqual(ticket.contact_detail, DINGTALK_STAFF)
		self.assertEqual(ticket.owner, INTAKE_USER)  # registered as the configured intake user
		sent = convert_utc_to_system_timezone(
			dt.datetime.fromtimestamp(body["createAt"] / 1000, dt.timezone.utc).replace(tzinfo=None)
		)
		self.assertEqual(get_datetime(ticket.received_at), sent.replace(tzinfo=None, microsecond=0))

		# the same signed request again is a replay: 403, nothing new
		again = self.post_dingtalk(
			json.dumps(body, ensure_ascii=False).encode(),
			{
				"Content-Type": "application/json",
				"timestamp": str(timestamp),
				"sign": im_intake.dingtalk_sign(str(timestamp), DINGTALK_SECRET),
			},
		)
		self.assertEqual(again.status_code, 403, again.text[:300])
		# the message delivered again (a fresh signature, the same msgId) is answered with its ticket
		redelivered = self.dingtalk_call(body, timestamp + 7)
		self.assertEqual(redelivered.status_code, 200, redelivered.text[:300])
		self.assertIn(ticket.name, redelivered.json()["text"]["content"])
		self.assertEqual(len(self.tickets(ref)), 1)

	def test_an_unmapped_dingtalk_sender_is_recorded_by_name_and_account(self):
		ref = self.new_ref()
		body = self.dingtalk_body(ref, "打印机卡纸", senderStaffId="ts-sla-unknown-7", senderNick="李四")
		response = self.dingtalk_call(body)
		self.assertEqual(response.status_code, 200, response.text[:300])
		[ticket] = self.tickets(ref)
		self.assertEqual(
			(ticket.reporter_user, ticket.reporter_name, ticket.contact_detail),
			(None, "李四", "ts-sla-unknown-7"),
		)

	def test_dingtalk_refusals_create_nothing(self):
		ref = self.new_ref()
		body = self.dingtalk_body(ref, "网络中断")
		old = int(time.time() * 1000) - 3_601_000
		cases = {
			"bad signature": dict(sign=im_intake.dingtalk_sign(str(int(time.time() * 1000)), "SECwrong")),
			"no signature": dict(sign=""),
			"non-ASCII signature": dict(sign="\u00e9" * 44),
			"old timestamp": dict(timestamp=old),  # signed correctly, but more than an hour old
			"future timestamp": dict(timestamp=int(time.time() * 1000) + 3_700_000),
		}
		for case, kw in cases.items():
			with self.subTest(case=case):
				response = self.dingtalk_call(body, **kw)
				self.assertEqual(response.status_code, 403, response.text[:300])
				self.assertEqual(self.tickets(ref), [])
		tampered = self.post_dingtalk(json.dumps(body).encode(), {"timestamp": "abc", "sign": "abc"})
		self.assertEqual(tampered.status_code, 403, tampered.text[:300])
		self.assertEqual(self.tickets(ref), [])

	def test_only_text_with_content_opens_a_ticket(self):
		for case, body in {
			"picture": self.dingtalk_body(self.new_ref(), "", msgtype="picture", text=None),
			"blank text": self.dingtalk_body(self.new_ref(), "  \n "),
		}.items():
			with self.subTest(case=case):
				response = self.dingtalk_call(body)
				self.assertEqual(response.status_code, 200, response.text[:300])
				self.assertIn("describe the problem", response.json()["text"]["content"])
				self.assertEqual(self.tickets(body["msgId"]), [])

	# -- WeCom -------------------------------------------------------------------------------------------

	def wecom_url(self) -> str:
		return f"{self.server.url}/api/method/ts_sla.api.im.wecom"

	def wecom_message(self, ref: str, content: str, user: str = "zhangsan", name: str = "张三") -> str:
		"""A group robot's text message, as WeCom's callback documents it (before encryption)."""
		return (
			"<xml><WebhookUrl><![CDATA[https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=ts-sla-test]]>"
			"</WebhookUrl><ChatId><![CDATA[wrkSFfCgAAts-sla-test]]></ChatId>"
			"<GetChatInfoUrl><![CDATA[https://qyapi.weixin.qq.com/cgi-bin/webhook/get_chat_info?code=x]]>"
			f"</GetChatInfoUrl><From><UserId>{user}</UserId><Name><![CDATA[{name}]]></Name>"
			"<Alias><![CDATA[zs]]></Alias></From><MsgType>text</MsgType>"
			f"<Text><Content><![CDATA[{content}]]></Content></Text><MsgId>{ref}</MsgId>"
			"<ChatType>group</ChatType></xml>"
		)

	def wecom_post(
		self, plain: str, timestamp: int | None = None, nonce: str | None = None, token=WECOM_TOKEN
	):
		timestamp = str(timestamp or int(time.time()))
		nonce = nonce or uuid.uuid4().hex[:10]
		encrypt = im_intake.wecom_encrypt(WECOM_KEY, plain)
		params = {
			"msg_signature": im_intake.wecom_signature(token, timestamp, nonce, encrypt),
			"timestamp": timestamp,
			"nonce": nonce,
		}
		body = f"<xml><ToUserName><![CDATA[]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
		return self.wecom_send(params, body)

	def wecom_send(self, params: dict, body: str):
		return requests.post(
			self.wecom_url(),
			params=params,
			data=body.encode(),
			headers={"Content-Type": "text/xml; charset=utf-8"},
			timeout=60,
		)

	def read_reply(self, response) -> str:
		"""Open WeCom's passive reply as WeCom would: check its signature, decrypt, read the text."""
		xml = ET.fromstring(response.content)
		encrypt = xml.findtext("Encrypt")
		self.assertEqual(
			xml.findtext("MsgSignature"),
			im_intake.wecom_signature(WECOM_TOKEN, xml.findtext("TimeStamp"), xml.findtext("Nonce"), encrypt),
		)
		message, receive_id = im_intake.wecom_decrypt(WECOM_KEY, encrypt)
		self.assertEqual(receive_id, "")
		reply = ET.fromstring(message)
		self.assertEqual(reply.findtext("MsgType"), "text")
		return reply.findtext("Text/Content")

	def test_wecom_url_verification(self):
		timestamp, nonce = str(int(time.time())), "1372623149"
		echostr = im_intake.wecom_encrypt(WECOM_KEY, "ts-sla-echo-42")
		params = {
			"msg_signature": im_intake.wecom_signature(WECOM_TOKEN, timestamp, nonce, echostr),
			"timestamp": timestamp,
			"nonce": nonce,
			"echostr": echostr,
		}
		response = requests.get(self.wecom_url(), params=params, timeout=60)
		self.assertEqual((response.status_code, response.text), (200, "ts-sla-echo-42"))
		forged = requests.get(self.wecom_url(), params={**params, "msg_signature": "0" * 40}, timeout=60)
		self.assertEqual(forged.status_code, 403, forged.text[:300])

	def test_wecom_message_becomes_a_ticket_answered_in_the_group(self):
		ref = self.new_ref()
		timestamp, nonce = int(time.time()) - 2, "58231"
		plain = self.wecom_message(ref, "@技术支持 VPN 连不上\n上海办公室全部同事")
		response = self.wecom_post(plain, timestamp, nonce)
		self.assertEqual(response.status_code, 200, response.text[:500])
		[ticket] = self.tickets(ref)
		content = self.read_reply(response)
		self.assertIn(ticket.name, content)
		self.assertIn(f"{ticket.response_due:%Y-%m-%d %H:%M}", content)
		self.assertEqual((ticket.channel, ticket.subject), ("WeCom", "VPN 连不上"))
		self.assertEqual(
			(ticket.reporter_user, ticket.reporter_name, ticket.contact_method, ticket.contact_detail),
			(None, "张三", "WeCom", "zhangsan"),
		)
		sent = convert_utc_to_system_timezone(
			dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).replace(tzinfo=None)
		)
		self.assertEqual(get_datetime(ticket.received_at), sent.replace(tzinfo=None, microsecond=0))

		# delivered again (a new nonce and signature, the same MsgId): answered with the same ticket
		redelivered = self.wecom_post(plain)
		self.assertEqual(redelivered.status_code, 200, redelivered.text[:300])
		self.assertIn(ticket.name, self.read_reply(redelivered))
		self.assertEqual(len(self.tickets(ref)), 1)

	def test_wecom_refusals_create_nothing(self):
		ref = self.new_ref()
		plain = self.wecom_message(ref, "@技术支持 邮箱无法登录")
		timestamp, nonce = str(int(time.time())), "904412"
		encrypt = im_intake.wecom_encrypt(WECOM_KEY, plain)
		params = {
			"msg_signature": im_intake.wecom_signature(WECOM_TOKEN, timestamp, nonce, encrypt),
			"timestamp": timestamp,
			"nonce": nonce,
		}
		body = f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
		tampered = encrypt[:40] + ("A" if encrypt[40] != "A" else "B") + encrypt[41:]
		cases = {
			"bad signature": (self.wecom_post, dict(plain=plain, token="wrong-token")),
			"old timestamp": (self.wecom_post, dict(plain=plain, timestamp=int(time.time()) - 3700)),
			"tampered message": (
				self.wecom_send,
				dict(params=params, body=f"<xml><Encrypt><![CDATA[{tampered}]]></Encrypt></xml>"),
			),
			"no signature": (self.wecom_send, dict(params={**params, "msg_signature": ""}, body=body)),
			"a DTD": (
				self.wecom_send,
				dict(params=params, body='<!DOCTYPE x [<!ENTITY a "b">]><xml><Encrypt>&a;</Encrypt></xml>'),
			),
		}
		for case, (send, kw) in cases.items():
			with self.subTest(case=case):
				response = send(**kw)
				self.assertEqual(response.status_code, 403, response.text[:300])
				self.assertEqual(self.tickets(ref), [])
		first = self.wecom_send(params, body)
		self.assertEqual(first.status_code, 200, first.text[:300])
		replay = self.wecom_send(params, body)
		self.assertEqual(replay.status_code, 403, replay.text[:300])
		self.assertEqual(len(self.tickets(ref)), 1)

	# -- off unless configured ---------------------------------------------------------------------------

	def test_a_disabled_platform_creates_nothing(self):
		frappe.db.rollback()  # nothing of setUp's is committed with the switch
		for flag in ("dingtalk_intake_enabled", "wecom_intake_enabled"):
			frappe.db.set_single_value("TS SLA Settings", flag, 0)
		frappe.db.commit()
		try:
			ref = self.new_ref()
			response = self.dingtalk_call(self.dingtalk_body(ref, "磁盘满了"))
			self.assertEqual(response.status_code, 404, response.text[:300])
			self.assertIn("not enabled", response.text)
			response = self.wecom_post(self.wecom_message(ref, "@技术支持 磁盘满了"))
			self.assertEqual(response.status_code, 404, response.text[:300])
			self.assertEqual(self.tickets(ref), [])
		finally:
			for flag in ("dingtalk_intake_enabled", "wecom_intake_enabled"):
				frappe.db.set_single_value("TS SLA Settings", flag, 1)
			frappe.db.commit()

	def test_settings_refuse_a_bad_key_and_a_doubly_mapped_account(self):
		settings = frappe.get_single("TS SLA Settings")
		settings.wecom_encoding_aes_key = "too-short"
		self.assertRaises(frappe.ValidationError, settings.save)
		settings = frappe.get_single("TS SLA Settings")
		settings.append(
			"im_reporters", {"platform": "DingTalk", "im_user_id": f" {DINGTALK_STAFF} ", "user": INTAKE_USER}
		)
		self.assertRaises(frappe.ValidationError, settings.save)
		settings = frappe.get_single("TS SLA Settings")
		# the same id on the other platform is another account
		settings.append(
			"im_reporters", {"platform": "WeCom", "im_user_id": DINGTALK_STAFF, "user": INTAKE_USER}
		)
		settings.save()
