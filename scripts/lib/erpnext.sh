# shellcheck shell=bash
# The ERPNext test site, shared by scripts/run-tests and scripts/check-install-cycle (sourced, not run).

# ts_sla_erpnext_setup_args: the arguments of ERPNext's setup wizard (`setup_complete`, as ERPNext's own
# before_tests calls it) for the test company: TS SLA Demo Co (TSD), China, CNY, Asia/Shanghai, English.
ts_sla_erpnext_setup_args() {
	local year
	year=$(date +%Y)
	printf '{"args": {"language": "English", "country": "China", "timezone": "Asia/Shanghai", "currency": "CNY",
"full_name": "Administrator", "company_name": "TS SLA Demo Co", "company_abbr": "TSD",
"chart_of_accounts": "Standard", "fy_start_date": "%s-01-01", "fy_end_date": "%s-12-31"}}' "$year" "$year"
}

# ts_sla_new_erpnext_site SITE DB_ROOT_PASSWORD LOG: a new site with ERPNext installed and its setup wizard
# completed. Runs `bench` in the current folder (the bench), as the bench's user; the output goes to LOG.
ts_sla_new_erpnext_site() {
	local site=$1 pw=$2 log=$3
	bench new-site "$site" --db-root-password "$pw" --admin-password admin --no-mariadb-socket \
		--install-app erpnext </dev/null >"$log" 2>&1 || return 1
	bench --site "$site" execute frappe.desk.page.setup_wizard.setup_wizard.setup_complete \
		--kwargs "$(ts_sla_erpnext_setup_args)" </dev/null >>"$log" 2>&1 || return 1
	tail -n 1 "$log" | grep -q '"status": "ok"'  # setup_complete reports a failed stage instead of raising
}
