"""WeCom / DingTalk group robots' callbacks: ``/api/method/ts_sla.api.im.dingtalk`` and
``/api/method/ts_sla.api.im.wecom``.

Open to Guest by design: the platforms cannot log in. Each request proves where it comes from with the
platform's signature instead, checked in ``services.im_intake`` before anything is read or written: not
enabled in TS SLA Settings is HTTP 404; a bad signature, a timestamp more than an hour from now or a replay
is HTTP 403. The answer is what the platform shows in the group, so it is returned as the raw body.
"""

from __future__ import annotations

import json

import frappe
from werkzeug.wrappers import Response

from ts_sla.services import im_intake


@frappe.whitelist(allow_guest=True, methods=["POST"])
def dingtalk() -> Response:
	"""DingTalk's robot callback (HTTP mode): the message as JSON, signed in the timestamp and sign headers;
	the robot's text answer is the response."""
	answer = im_intake.dingtalk(
		timestamp=frappe.get_request_header("timestamp") or "",
		sign=frappe.get_request_header("sign") or "",
		body=frappe.request.get_data(),
	)
	return Response(json.dumps(answer, ensure_ascii=False), content_type="application/json; charset=utf-8")


@frappe.whitelist(allow_guest=True, methods=["GET", "POST"])
def wecom(msg_signature: str = "", timestamp: str = "", nonce: str = "", echostr: str = "") -> Response:
	"""WeCom's group robot callback: GET verifies the URL (the decrypted echostr comes back), POST carries an
	encrypted message; the passive reply (encrypted XML) is the response."""
	if frappe.request.method == "GET":
		text = im_intake.wecom_verify_url(msg_signature, timestamp, nonce, echostr)
		return Response(text, content_type="text/plain; charset=utf-8")
	reply = im_intake.wecom(msg_signature, timestamp, nonce, frappe.request.get_data())
	return Response(reply, content_type="application/xml; charset=utf-8")
