// The support portal's forms (/support/new and /support/<ticket>): each posts to a whitelisted method with
// the session's CSRF token and shows the server's message on the page when it refuses.
(function () {
	function show_error(root, error) {
		const box = root.querySelector(".ts-error");
		if (!box) return;
		let text = "";
		try {
			const messages = JSON.parse((error && error._server_messages) || "[]");
			text = messages.map((m) => JSON.parse(m).message).join(" ");
		} catch (e) {
			text = "";
		}
		box.textContent = text || __("Something went wrong; please try again.");
		box.classList.remove("d-none");
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
							show_error(root, data);
							throw new Error(response.status);
						}
						return data.message;
					})
			)
			.finally(() => {
				if (button) button.disabled = false;
			});
	}

	frappe.ready(() => {
		const root = document.querySelector(".ts-support");
		if (!root) return;
		const ticket = root.dataset.ticket;

		const create = document.getElementById("ts-new-ticket");
		if (create) {
			create.addEventListener("submit", (event) => {
				event.preventDefault();
				const form = new FormData(create);
				read_files(document.getElementById("ts-files")).then((files) => {
					const args = Object.fromEntries(form.entries());
					args.files = JSON.stringify(files);
					call(root, "ts_sla.api.portal.create_ticket", args, create.querySelector("button[type=submit]")).then(
						(r) => r && (window.location.href = r.route)
					);
				});
			});
		}

		const reply = document.getElementById("ts-reply");
		if (reply) {
			reply.addEventListener("submit", (event) => {
				event.preventDefault();
				read_files(document.getElementById("ts-reply-files")).then((files) => {
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
			reject.addEventListener("submit", (event) => {
				event.preventDefault();
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
					show_error(root, { _server_messages: JSON.stringify([JSON.stringify({ message: rate.dataset.missing })]) });
					return;
				}
				const args = { ticket: ticket, satisfaction: score ? score.value : "", comment: document.getElementById("ts-rate-comment").value };
				call(root, "ts_sla.api.ticket.rate", args, rate.querySelector("button")).then(reload, refused);
			});
		}
	});
})();
