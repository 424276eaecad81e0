# shellcheck shell=bash
# What a Frappe v15 bench needs from the machine, shared by scripts/setup-dev and .ci/run (sourced, not run):
# Debian/Ubuntu packages, MariaDB configured as Frappe wants it (utf8mb4, root reachable by password),
# Redis, Node 18+ with yarn. Each step does nothing when it is already done, so both callers run it every time.
#
# The caller sets TS_SLA_DB_ROOT_PASSWORD and may define say(); everything here runs as root or through sudo.

command -v say >/dev/null 2>&1 || say() { printf '[ts_sla] %s\n' "$*"; }

ts_sla_sudo() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }

# On anything but Debian/Ubuntu, say what to install by hand and stop.
ts_sla_require_debian() {
	if [ "$(uname -s)" = Darwin ]; then
		cat >&2 <<'MSG'
[ts_sla] macOS: this script installs system packages only on Debian/Ubuntu. Install these first, then run it again:
    brew install mariadb@10.11 redis node@20 pkg-config python@3.11
    brew services start mariadb@10.11 && brew services start redis
    npm install -g yarn && pipx install frappe-bench
    # MariaDB needs utf8mb4 (see scripts/lib/system.sh, ts_sla_configure_mariadb) and a root password:
    mariadb -uroot -e "ALTER USER 'root'@'localhost' IDENTIFIED BY 'admin'"
MSG
		return 1
	fi
	if ! command -v apt-get >/dev/null 2>&1; then
		say "no apt-get: install MariaDB 10.6+, Redis, Node 18+ with yarn, pkg-config and the MariaDB client headers, then run again" >&2
		return 1
	fi
}

# ts_sla_apt_install PACKAGE... : install the Debian packages not yet installed (one apt-get run)
ts_sla_apt_install() {
	local missing=() pkg
	for pkg in "$@"; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	say "installing ${missing[*]}"
	ts_sla_sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	ts_sla_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# The packages a bench's services and its Python build need (mysqlclient: libmariadb-dev + pkg-config).
TS_SLA_SERVER_PACKAGES=(mariadb-server mariadb-client redis-server libmariadb-dev pkg-config)
# What `bench init` needs on top: a compiler, Python headers and venv, git, cron-less Node with npm.
TS_SLA_BUILD_PACKAGES=(git build-essential python3-dev python3-venv python3-pip pipx curl ca-certificates)

# utf8mb4 everywhere, as Frappe requires; InnoDB room for the benchmarks. Written once, then left alone.
ts_sla_configure_mariadb() {
	local cnf=/etc/mysql/mariadb.conf.d/99-frappe.cnf
	[ -f "$cnf" ] && return 0
	say "configuring MariaDB for Frappe ($cnf)"
	ts_sla_sudo mkdir -p "$(dirname "$cnf")"
	ts_sla_sudo tee "$cnf" >/dev/null <<'CNF'
[mysqld]
character-set-client-handshake = FALSE
character_set_server = utf8mb4
collation_server = utf8mb4_unicode_ci
# Frappe's production guidance: give InnoDB room (the 1M-ticket report benchmark reads ~10k rows a week)
innodb_buffer_pool_size = 1G

[mysql]
default-character-set = utf8mb4
CNF
	# a running server reads the file only when restarted
	if mysqladmin ping --silent >/dev/null 2>&1; then ts_sla_sudo service mariadb restart >/dev/null; fi
}

# MariaDB running, and root reachable over TCP with TS_SLA_DB_ROOT_PASSWORD (Frappe's new-site needs it).
ts_sla_start_mariadb() {
	local password=${TS_SLA_DB_ROOT_PASSWORD:-admin}
	if ! mysqladmin ping --silent >/dev/null 2>&1; then
		say "starting MariaDB"
		ts_sla_sudo service mariadb start >/dev/null
		for _ in $(seq 30); do mysqladmin ping --silent >/dev/null 2>&1 && break; sleep 1; done
	fi
	mysqladmin ping --silent >/dev/null 2>&1 || { say "MariaDB did not start" >&2; return 1; }
	if ! mysql -uroot -p"$password" -h127.0.0.1 -e 'select 1' >/dev/null 2>&1; then
		say "setting the MariaDB root password"
		ts_sla_sudo mysql -uroot -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('$password') OR unix_socket; FLUSH PRIVILEGES;"
	fi
}

ts_sla_start_redis() {
	if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
		say "starting Redis"
		# the init script's `ulimit` warning in containers is harmless; the ping below decides
		ts_sla_sudo service redis-server start >/dev/null 2>&1 || true
		for _ in $(seq 20); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 0.5; done
	fi
	redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || { say "Redis did not start" >&2; return 1; }
}

# Node 18+ (Debian's nodejs when there is none or it is older) and yarn 1 (from the npm registry).
ts_sla_need_node() {
	local major=0
	command -v node >/dev/null 2>&1 && major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
	if [ "$major" -lt 18 ]; then
		ts_sla_apt_install nodejs npm
		major=$(node -p 'process.versions.node.split(".")[0]')
		[ "$major" -ge 18 ] || { say "Node $major is too old for Frappe v15: install Node 18 or newer" >&2; return 1; }
	fi
	if ! command -v yarn >/dev/null 2>&1; then
		command -v npm >/dev/null 2>&1 || ts_sla_apt_install npm
		say "installing yarn (npm install -g yarn)"
		ts_sla_sudo npm install -g --silent yarn >/dev/null
	fi
}

# Everything the services need, configured and running: the part .ci/run and setup-dev share.
ts_sla_services_up() {
	ts_sla_require_debian
	ts_sla_apt_install "${TS_SLA_SERVER_PACKAGES[@]}"
	ts_sla_configure_mariadb
	ts_sla_start_mariadb
	ts_sla_start_redis
}
