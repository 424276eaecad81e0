"""WeCom / DingTalk intake: a message to the support group's robot becomes a ticket, and the robot answers
in the group with the ticket's ID and due times.

DingTalk (an enterprise-internal robot in HTTP mode, "接收消息"): DingTalk POSTs the message as JSON with
the HTTP headers ``timestamp`` (milliseconds) and ``sign`` = base64(HMAC-SHA256(AppSecret,
"{timestamp}\\n{AppSecret}")); a timestamp more than an hour from now is refused, as DingTalk documents.
The answer is the HTTP response itself: ``{"msgtype": "text", "text": {"content": ...}}``.

WeCom (a group robot's message callback, "群机器人接收消息回调"): WeCom's callback encryption. The query
string carries ``msg_signature`` = sha1 of the sorted, concatenated [Token, timestamp, nonce, Encrypt];
``Encrypt`` is base64 of AES-256-CBC (key = base64(EncodingAESKey + "="), IV = its first 16 bytes, PKCS#7
padding to 32 bytes) over random(16) + length(4, big-endian) + the message XML + the receive ID (empty for
a group robot). Saving the callback URL in WeCom first GETs it with an encrypted ``echostr`` that must come
back decrypted. The answer is WeCom's passive reply: an encrypted, signed XML text message.

Every request is checked before anything is written: the platform enabled in TS SLA Settings (else 404),
a valid signature, a timestamp within an hour of now, and a signature never seen before (a record in Redis
that outlives the accepted window; else 403). A message the platform delivers again (same message ID, new
signature) finds its ticket through the ticket's unique (channel, external_ref) and is answered with it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import os
import re
import struct
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from xml.sax.saxutils import escape

import frappe
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from frappe import _
from frappe.utils import convert_utc_to_system_timezone, escape_html, get_datetime

MAX_SKEW_SECONDS = 3600
#: a used signature is remembered longer than any timestamp stays acceptable (an hour either side of now)
REPLAY_TTL_SECONDS = 2 * MAX_SKEW_SECONDS + 300
MAX_BODY_BYTES = 64 * 1024
WECOM_BLOCK = 32  # WeCom pads to 32 bytes, not AES's 16
WECOM_RECEIVE_ID = ""  # a group robot's callback carries an empty receive ID
SUBJECT_LENGTH = 140
CHANNEL = {"DingTalk": "DingTalk", "WeCom": "WeCom"}


@dataclass(frozen=True)
class Message:
	"""One group message, whatever the platform."""

	platform: str
	msg_id: str
	text: str
	sender_ids: tuple[str, ...]  # the ids a reporter may be mapped by, the preferred first
	sender_name: str
	sent_at: dt.datetime
	chat: str = ""


# -- signatures and encryption (pure functions, tested against the platforms' published vectors) -----------


def dingtalk_sign(timestamp: str, secret: str) -> str:
	"""DingTalk's robot signature: base64(HMAC-SHA256(secret, "timestamp\\nsecret"))."""
	digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
	return base64.b64encode(digest).decode()


def wecom_signature(token: str, timestamp: str, nonce: str, encrypt: str) -> str:
	"""WeCom's msg_signature: sha1 over the four values sorted and concatenated."""
	return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypt])).encode()).hexdigest()


def wecom_key(encoding_aes_key: str) -> bytes:
	"""The 32-byte AES key an EncodingAESKey (43 base64 characters) stands for."""
	key = (encoding_aes_key or "").strip()
	try:
		raw = base64.b64decode(key + "=", validate=True)
	except ValueError:
		raw = b""
	if len(key) != 43 or len(raw) != 32:
		raise ValueError("EncodingAESKey must be 43 base64 characters")
	return raw


def wecom_decrypt(encoding_aes_key: str, encrypt: str) -> tuple[str, str]:
	"""The message and the receive ID inside a WeCom ``Encrypt`` value; ValueError when it is not one."""
	key = wecom_key(encoding_aes_key)
	try:
		data = base64.b64decode(encrypt, validate=True)
	except ValueError:
		raise ValueError("not base64")
	if not data or len(data) % 16:
		raise ValueError("not whole AES blocks")
	decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
	plain = decryptor.update(data) + decryptor.finalize()
	pad = plain[-1]
	if not 1 <= pad <= WECOM_BLOCK or plain[-pad:] != bytes([pad]) * pad:
		raise ValueError("bad padding")
	plain = plain[16:-pad]  # the 16 random bytes go, then the padding
	if len(plain) < 4:
		raise ValueError("too short")
	(length,) = struct.unpack(">I", plain[:4])
	if length > len(plain) - 4:
		raise ValueError("bad length")
	return plain[4 : 4 + length].decode(), plain[4 + length :].decode()


def wecom_encrypt(
	encoding_aes_key: str, message: str, receive_id: str = "", random: bytes | None = None
) -> str:
	"""A WeCom ``Encrypt`` value for ``message`` (the passive reply; tests use it to play WeCom)."""
	key = wecom_key(encoding_aes_key)
	body = message.encode()
	plain = (random or os.urandom(16)) + struct.pack(">I", len(body)) + body + receive_id.encode()
	pad = WECOM_BLOCK - len(plain) % WECOM_BLOCK
	plain += bytes([pad]) * pad
	encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
	return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def parse_xml(text: str | bytes) -> ET.Element:
	"""Parse a small XML document, refusing DTDs (no entity expansion from outside)."""
	if len(text) > MAX_BODY_BYTES:
		raise ValueError("too large")
	probe = text if isinstance(text, str) else text.decode(errors="replace")
	if "<!DOCTYPE" in probe.upper() or "<!ENTITY" in probe.upper():
		raise ValueError("DTDs are not accepted")
	return ET.fromstring(text)


# -- the checks every callback passes ------------------------------------------------------------------------


def _settings():
	return frappe.get_cached_doc("TS SLA Settings")


def _enabled(platform: str) -> None:
	flag = "dingtalk_intake_enabled" if platform == "DingTalk" else "wecom_intake_enabled"
	if not _settings().get(flag):
		frappe.throw(
			_("{0} intake is not enabled in TS SLA Settings").format(_(platform)),
			frappe.DoesNotExistError,
			title=_("Not enabled"),
		)


def _secret(fieldname: str) -> str:
	return _settings().get_password(fieldname, raise_exception=False) or ""


def _refuse(message: str) -> None:
	frappe.throw(message, frappe.PermissionError, title=_("Request refused"))


def _check_fresh(seconds: float) -> None:
	if abs(time.time() - seconds) > MAX_SKEW_SECONDS:
		_refuse(_("The request's timestamp is more than an hour from now"))


def _epoch(value: str, divisor: int) -> float:
	try:
		return int(str(value).strip()) / divisor
	except (TypeError, ValueError):
		_refuse(_("The request has no valid timestamp"))


def _claim(platform: str, signature: str) -> str:
	"""Remember a signature as used (atomically); a second use is a replay."""
	key = frappe.cache.make_key(f"ts_sla:im:{platform}:{hashlib.sha256(signature.encode()).hexdigest()}")
	if not frappe.cache.set(key, 1, nx=True, ex=REPLAY_TTL_SECONDS):
		_refuse(_("This request was already received (replay)"))
	return key


def _local_time(seconds: float) -> dt.datetime:
	utc = dt.datetime.fromtimestamp(seconds, dt.timezone.utc).replace(tzinfo=None)
	return convert_utc_to_system_timezone(utc).replace(tzinfo=None, microsecond=0)


# -- DingTalk ------------------------------------------------------------------------------------------------


def dingtalk(timestamp: str, sign: str, body: bytes) -> dict:
	"""A DingTalk robot callback: check it, register the message, return the robot's answer."""
	_enabled("DingTalk")
	secret = _secret("dingtalk_app_secret")
	if (
		not secret
		or not sign
		or not hmac.compare_digest(sign.strip().encode(), dingtalk_sign(timestamp.strip(), secret).encode())
	):
		_refuse(_("The DingTalk signature is not valid"))
	_check_fresh(_epoch(timestamp, 1000))
	claimed = _claim("DingTalk", sign.strip())
	try:
		data = json.loads(body or b"{}") if len(body or b"") <= MAX_BODY_BYTES else None
		if not isinstance(data, dict):
			raise ValueError
	except ValueError:
		frappe.cache.delete(claimed)
		frappe.throw(_("The DingTalk message is not valid JSON"), title=_("Invalid message"))
	if data.get("msgtype") != "text" or not isinstance(data.get("text"), dict):
		return _dingtalk_text(_("Only text messages become tickets; please describe the problem in text."))
	sent = data.get("createAt")
	message = Message(
		platform="DingTalk",
		msg_id=str(data.get("msgId") or ""),
		text=str(data["text"].get("content") or ""),
		sender_ids=tuple(str(data[k]) for k in ("senderStaffId", "senderId") if data.get(k)),
		sender_name=str(data.get("senderNick") or ""),
		sent_at=_local_time(sent / 1000 if isinstance(sent, int | float) else _epoch(timestamp, 1000)),
		chat=str(data.get("conversationTitle") or ""),
	)
	return _dingtalk_text(_answer(message, claimed))


def _dingtalk_text(content: str) -> dict:
	return {"msgtype": "text", "text": {"content": content}}


# -- WeCom ---------------------------------------------------------------------------------------------------


def _wecom_open(msg_signature: str, timestamp: str, nonce: str, encrypt: str) -> str:
	"""Check a WeCom signature and timestamp, and decrypt; 403 when any of it fails."""
	token, aes_key = _secret("wecom_token"), _secret("wecom_encoding_aes_key")
	if not (token and aes_key and msg_signature and encrypt) or not hmac.compare_digest(
		msg_signature.strip().encode(), wecom_signature(token, timestamp, nonce, encrypt).encode()
	):
		_refuse(_("The WeCom signature is not valid"))
	_check_fresh(_epoch(timestamp, 1))
	try:
		text, receive_id = wecom_decrypt(aes_key, encrypt)
	except (ValueError, UnicodeDecodeError):
		_refuse(_("The WeCom message cannot be decrypted"))
	if receive_id != WECOM_RECEIVE_ID:
		_refuse(_("The WeCom message is not for a group robot"))
	return text


def wecom_verify_url(msg_signature: str, timestamp: str, nonce: str, echostr: str) -> str:
	"""WeCom's URL check when the callback is saved: the decrypted echostr."""
	_enabled("WeCom")
	return _wecom_open(msg_signature, timestamp, nonce, echostr)


def wecom(msg_signature: str, timestamp: str, nonce: str, body: bytes) -> str:
	"""A WeCom group robot callback: check it, register the message, return the encrypted passive reply
	(an empty body for events and other messages, which WeCom takes as "received")."""
	_enabled("WeCom")
	try:
		encrypt = parse_xml(body or b"").findtext("Encrypt") or ""
	except (ET.ParseError, ValueError):
		encrypt = ""
	text = _wecom_open(msg_signature, timestamp, nonce, encrypt)
	claimed = _claim("WeCom", msg_signature.strip())
	try:
		xml = parse_xml(text)
	except (ET.ParseError, ValueError):
		frappe.cache.delete(claimed)
		frappe.throw(_("The WeCom message is not valid XML"), title=_("Invalid message"))
	msg_type = (xml.findtext("MsgType") or "").strip()
	if msg_type == "event":
		return ""
	if msg_type != "text":
		answer = _("Only text messages become tickets; please describe the problem in text.")
	else:
		sender = (xml.findtext("From/UserId") or "").strip()
		message = Message(
			platform="WeCom",
			msg_id=(xml.findtext("MsgId") or "").strip(),
			# the group robot is @-mentioned to receive the message: that mention is not the problem
			text=re.sub(r"^(\s*@\S+)+\s*", "", xml.findtext("Text/Content") or ""),
			sender_ids=(sender,) if sender else (),
			sender_name=(xml.findtext("From/Name") or xml.findtext("From/Alias") or "").strip(),
			sent_at=_local_time(_epoch(timestamp, 1)),
			chat=(xml.findtext("ChatId") or "").strip(),
		)
		answer = _answer(message, claimed)
	return wecom_reply(answer, timestamp, nonce)


def wecom_reply(content: str, timestamp: str, nonce: str) -> str:
	"""WeCom's passive reply: a text message, encrypted and signed with the callback's credentials."""
	token, aes_key = _secret("wecom_token"), _secret("wecom_encoding_aes_key")
	plain = (
		"<xml><MsgType>text</MsgType><Text><Content><![CDATA["
		+ content.replace("]]>", "]]]]><![CDATA[>")
		+ "]]></Content></Text></xml>"
	)
	encrypt = wecom_encrypt(aes_key, plain, WECOM_RECEIVE_ID)
	return (
		f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt>"
		f"<MsgSignature><![CDATA[{wecom_signature(token, timestamp, nonce, encrypt)}]]></MsgSignature>"
		f"<TimeStamp>{escape(timestamp)}</TimeStamp><Nonce><![CDATA[{escape(nonce)}]]></Nonce></xml>"
	)


# -- the ticket ----------------------------------------------------------------------------------------------


def _answer(message: Message, claimed: str) -> str:
	"""Register the message (or find the ticket it already made) and say so; on failure forget the
	signature, so the platform's own retry is not taken for a replay."""
	try:
		if not message.text.strip():
			return _("Please describe the problem in the message; an empty message does not open a ticket.")
		ticket = existing(message) or register(message)
		return reply_text(ticket)
	except Exception:
		frappe.cache.delete(claimed)
		raise


def existing(message: Message):
	name = message.msg_id and frappe.db.get_value(
		"Support Ticket", {"channel": CHANNEL[message.platform], "external_ref": message.msg_id}, "name"
	)
	return frappe.get_doc("Support Ticket", name) if name else None


def reporter_for(platform: str, sender_ids: tuple[str, ...]) -> str | None:
	"""The user a sender reports as, from the IM Reporters table of TS SLA Settings (an enabled user).

	A table on the settings rather than a custom field on User: one person has a different ID on each
	platform (and DingTalk's senderStaffId is not the mobile number, which neither callback carries), the
	Support Manager keeps the list in one place with the secrets it goes with, and Frappe's User is left as it
	is (nothing to create on install or remove on uninstall)."""
	rows = {(r.platform, r.im_user_id.strip()): r.user for r in _settings().get("im_reporters") or []}
	for sender in sender_ids:
		user = rows.get((platform, sender.strip()))
		if user and frappe.db.get_value("User", user, "enabled"):
			return user
	return None


def register(message: Message):
	"""A new ticket from the message, inserted as the configured intake user with that user's permissions."""
	user = reporter_for(message.platform, message.sender_ids)
	text = message.text.strip()
	subject = next(line.strip() for line in text.splitlines() if line.strip())[:SUBJECT_LENGTH]
	description = escape_html(text).replace("\n", "<br>")
	if message.chat:
		description += "<br><br>" + escape_html(
			_("From the {0} group {1}").format(_(message.platform), message.chat)
		)
	doc = frappe.get_doc(
		{
			"doctype": "Support Ticket",
			"subject": subject,
			"description": description,
			"channel": CHANNEL[message.platform],
			"external_ref": message.msg_id or None,
			"reporter_user": user,
			"reporter_name": (frappe.utils.get_fullname(user) if user else message.sender_name)
			or message.sender_name
			or (message.sender_ids[0] if message.sender_ids else _("Unknown")),
			"contact_method": message.platform,
			"contact_detail": (message.sender_ids[0] if message.sender_ids else "")
			or message.sender_name
			or "-",
			"received_at": message.sent_at,
		}
	)
	caller = frappe.session.user
	frappe.set_user(_settings().im_intake_user or "Administrator")
	try:
		doc.insert()
	except (frappe.DuplicateEntryError, frappe.UniqueValidationError):
		# the same message delivered twice at once: the unique (channel, external_ref) let one through
		frappe.db.rollback()
		found = existing(message)
		if not found:
			raise
		return found
	finally:
		frappe.set_user(caller)
	return doc


def reply_text(ticket) -> str:
	"""The robot's answer: the ticket ID and its due times (in the system time zone)."""

	def when(value) -> str:
		return f"{get_datetime(value):%Y-%m-%d %H:%M}" if value else _("not set")

	text = _("Ticket {0} registered ({1}): {2}").format(ticket.name, ticket.priority, ticket.subject)
	text += "\n" + _("Response due {0}; resolution due {1}.").format(
		when(ticket.response_due), when(ticket.resolution_due)
	)
	if ticket.resolution_limit:
		text += "\n" + _("Hard limit {0}.").format(when(ticket.resolution_limit))
	return text


def validate_settings(settings) -> None:
	"""TS SLA Settings: a usable EncodingAESKey, and each IM account mapped to one user only."""
	if settings.wecom_intake_enabled:
		key = settings.get("wecom_encoding_aes_key") or ""
		if key and "*" not in key:  # a Password field shows stars until it is changed
			try:
				wecom_key(key)
			except ValueError:
				frappe.throw(
					_("The WeCom EncodingAESKey must be the 43 characters WeCom generated"),
					title=_("Invalid value"),
				)
	seen = set()
	for row in settings.get("im_reporters") or []:
		row.im_user_id = (row.im_user_id or "").strip()
		if (row.platform, row.im_user_id) in seen:
			frappe.throw(
				_("Row {0}: {1} account {2} is listed twice").format(
					row.idx, _(row.platform), row.im_user_id
				),
				title=_("Duplicate IM account"),
			)
		seen.add((row.platform, row.im_user_id))
