// The support portal's forms (/support/new and /support/<ticket>): each checks its required fields in the
// browser, then posts to a whitelisted method with the session's CSRF token; a refusal is shown on the page in
// words for a customer (what to do next), never as a raw error.
(function () {
	function say(root, text, link) {
		const box = root.querySelector(".ts-error");
		if (!box) return;
		box.textContent = text;
		if (link) {
			const a = document.createElement("a");
			a.href = link.href;
			a.className = "ml-1 alert-link";
			a.textContent = link.text;
			box.append(" ", a);
		}
		box.classList.remove("d-none");
		box.scrollIntoView({ block: "nearest" });
	}

	function hide(root) {
		const box = root.querySelector(".ts-error");
		if (box) box.classList.add("d-none");
	}

	function server_text(data) {
		try {
			const messages = JSON.parse((data && data._server_messages) || "[]");
			const text = messages.map((m) => JSON.parse(m).message).join(" ");
			const plain = new DOMParser().parseFromString(text, "text/html").body.textContent || "";
			return plain.trim();
		} catch (e) {
			return "";
		}
	}

	const login = () => ({
		href: `/login?redirect-to=${encodeURIComponent(window.location.pathname)}`,
		text: __("Log in again"),
	});

	// what a refusal means for the customer: the server's own words when it gave them (they name the field or
	// the rule), else what to do about the kind of failure
	function refusal(root, status, data) {
		const text = server_text(data);
		if (data && data.exc_type === "CSRFTokenError") {
			return say(root, __("This page has expired. Reload it and try again; nothing was sent."));
		}
		if (status === 401 || status === 403) {
			// Frappe's cookie names the session's user: none, or Guest, once the session ended
			const user = decodeURIComponent((document.cookie.match(/(?:^|; )user_id=([^;]*)/) || [])[1] || "Guest");
			if (user === "Guest") return say(root, __("You are no longer logged in. Log in again to continue."), login());
			return say(root, text || __("You may not do this on this ticket."));
		}
		if (status === 413) {
			return say(root, __("The attachments are too large to send. Attach smaller or fewer files."));
		}
		if (status === 429) return say(root, __("Too many requests. Wait a minute, then try again."));
		if (status >= 500 || !text) {
			return say(root, __("Something went wrong on our side and nothing was saved. Please try again in a few minutes."));
		}
		return say(root, text);
	}

	function label_of(form, input) {
		const label = form.querySelector(`label[for="${input.id}"]`);
		return ((label && label.textContent) || input.name || "").replace(/\s*\*\s*$/, "").trim();
	}

	// the required fields of a form, in the browser: an empty one is marked and named, and nothing is sent
	function complete(root, form) {
		const missing = Array.from(form.querySelectorAll("[required]")).filter((input) => !String(input.value || "").trim());
		form.querySelectorAll("[required]").forEach((input) => {
			const empty = missing.includes(input);
			input.classList.toggle("is-invalid", empty);
			input.setAttribute("aria-invalid", empty ? "true" : "false");
		});
		if (!missing.length) return true;
		say(root, __("Please fill in: {0}", [missing.map((input) => label_of(form, input)).join(", ")]));
		missing[0].focus();
		return false;
	}

	// attachments over the server's limit are refused before they are read and sent
	function files_fit(root, input) {
		const limit = Number((input && input.dataset.maxMb) || 0);
		const large = Array.from((input && input.files) || []).filter((f) => limit && f.size > limit * 1048576);
		if (!large.length) return true;
		say(root, __("{0} is larger than {1} MB: attach a smaller file.", [large.map((f) => f.name).join(", "), limit]));
		return false;
	}

	function watch(form) {
		form.querySelectorAll("[required]").forEach((input) =>
			input.addEventListener("input", () => {
				if (String(input.value || "").trim()) {
					input.classList.remove("is-invalid");
					input.setAttribute("aria-invalid", "false");
				}
			})
		);
	}

	function read_files(input) {
		const files = Array.from((input && input.files) || []);
		return Promise.all(
			files.map(
				(file) =>
					new Promise((resolve, reject) => {
						const reader = new FileReader();
						reader.onload = () => resolve({ filename: file.name, content: String(reader.result).split(",")[1] || "" });
						reader.onerror = reject;
						reader.readAsDataURL(file);
					})
			)
		);
	}

	// after an accepted answer the page shows the ticket anew; a refusal is already shown on the page by
	// call(), so the rejected promise is handled here (no uncaught rejection in the console)
	const reload = () => window.location.reload();
	const refused = () => {};

	function call(root, method, args, button) {
		// a plain POST with the session's CSRF token: the server's refusal is shown on the page, nothing else
		if (button) button.disabled = true;
		hide(root);
		return fetch(`/api/method/${method}`, {
			method: "POST",
			headers: {
				"Content-Type": "application/json",
				Accept: "application/json",
				"X-Frappe-CSRF-Token": frappe.csrf_token,
			},
			body: JSON.stringify(args),
		})
			.then((response) =>
				response
					.json()
					.catch(() => ({}))
					.then((data) => {
						if (!response.ok) {
							refusal(root, response.status, data);
							throw new Error(response.status);
						}
						return data.message;
					}),
				(error) => {
					// no answer at all: offline, or the site is down
					say(root, __("The support site could not be reached. Check your connection and try again; nothing was sent."));
					throw error;
				}
			)
			.finally(() => {
				if (button) button.disabled = false;
			});
	}

	frappe.ready(() => {
		const root = document.querySelector(".ts-support");
		if (!root) return;
		try {
			// this script's messages in the reader's language, from the page (support.script_messages)
			frappe._messages = Object.assign(frappe._messages || {}, JSON.parse(root.dataset.messages || "{}"));
		} catch (e) {
			// shown in English
		}
		const ticket = root.dataset.ticket;

		const create = document.getElementById("ts-new-ticket");
		if (create) {
			watch(create);
			create.addEventListener("submit", (event) => {
				event.preventDefault();
				const input = document.getElementById("ts-files");
				if (!complete(root, create) || !files_fit(root, input)) return;
				const form = new FormData(create);
				read_files(input).then((files) => {
					const args = Object.fromEntries(form.entries());
					args.files = JSON.stringify(files);
					call(root, "ts_sla.api.portal.create_ticket", args, create.querySelector("button[type=submit]")).then(
						(r) => r && (window.location.href = r.route),
						refused
					);
				});
			});
		}

		const reply = document.getElementById("ts-reply");
		if (reply) {
			watch(reply);
			reply.addEventListener("submit", (event) => {
				event.preventDefault();
				const input = document.getElementById("ts-reply-files");
				if (!complete(root, reply) || !files_fit(root, input)) return;
				read_files(input).then((files) => {
					const args = { ticket: ticket, message: document.getElementById("ts-reply-text").value, files: JSON.stringify(files) };
					call(root, "ts_sla.api.portal.reply", args, reply.querySelector("button")).then(reload, refused);
				});
			});
		}

		root.querySelectorAll("[data-action=confirm]").forEach((button) =>
			button.addEventListener("click", () =>
				call(root, "ts_sla.api.ticket.confirm", { ticket: ticket }, button).then(reload, refused)
			)
		);

		const reject = document.getElementById("ts-reject");
		if (reject) {
			watch(reject);
			reject.addEventListener("submit", (event) => {
				event.preventDefault();
				if (!complete(root, reject)) return;
				const args = { ticket: ticket, reason: document.getElementById("ts-reject-reason").value };
				call(root, "ts_sla.api.ticket.reject_resolution", args, reject.querySelector("button")).then(reload, refused);
			});
		}

		const rate = document.getElementById("ts-rate");
		if (rate) {
			rate.addEventListener("submit", (event) => {
				event.preventDefault();
				const score = rate.querySelector("input[name=satisfaction]:checked");
				if (!score) {
					say(root, rate.dataset.missing);
					return;
				}
				const args = { ticket: ticket, satisfaction: score ? score.value : "", comment: document.getElementById("ts-rate-comment").value };
				call(root, "ts_sla.api.ticket.rate", args, rate.querySelector("button")).then(reload, refused);
			});
		}
	});
})();
