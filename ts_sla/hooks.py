app_name = "ts_sla"
app_title = "TS SLA"
app_publisher = "ts_sla maintainers"
app_description = "Technical-support response-time control (SLA) for Frappe / ERPNext"
app_email = "maintainers@ts-sla.invalid"
app_license = "MIT"

# Installation
# ------------
after_install = "ts_sla.install.after_install"
before_uninstall = "ts_sla.install.before_uninstall"
before_tests = "ts_sla.install.before_tests"

# Fixtures: only our own records, filtered narrowly
# -------------------------------------------------
fixtures = [
	{
		"dt": "Role",
		"filters": [
			["name", "in", ["Support Agent", "Support Engineer", "Support Supervisor", "Support Manager"]]
		],
	},
]
