#!/bin/sh
# Install otsensor as a systemd service (see deploy/README.md).
#
#   sudo deploy/install.sh [BINARY]              install or upgrade (default BINARY: ./otsensor)
#   sudo deploy/install.sh --uninstall           remove the service and binary; keep config, data, user
#   sudo deploy/install.sh --uninstall --purge   remove config, data, logs and the otsensor user too
#
# Idempotent: running it again upgrades the binary and the unit, and never
# touches an existing /etc/otsensor/otsensor.yaml.
set -eu

BIN_DIR=/usr/local/bin
SHARE_DIR=/usr/local/share/otsensor
DOC_DIR=/usr/local/share/doc/otsensor
CONF_DIR=/etc/otsensor
UNIT=/etc/systemd/system/otsensor.service
STATE_DIR=/var/lib/otsensor
LOG_DIR=/var/log/otsensor
RUN_DIR=/run/otsensor
USER_NAME=otsensor

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)

usage() {
	sed -n '2,9s/^# \{0,1\}//p' "$0"
}

say() { printf '%s\n' "$*"; }
die() {
	printf 'install.sh: %s\n' "$*" >&2
	exit 1
}

# systemd is the init system (not merely installed, as in a container).
systemd_running() { [ -d /run/systemd/system ]; }

add_user() {
	if ! getent group "$USER_NAME" >/dev/null; then
		groupadd --system "$USER_NAME"
		say "created group $USER_NAME"
	fi
	if ! getent passwd "$USER_NAME" >/dev/null; then
		nologin=/usr/sbin/nologin
		[ -x "$nologin" ] || nologin=/sbin/nologin
		useradd --system --gid "$USER_NAME" --home-dir "$STATE_DIR" --no-create-home \
			--shell "$nologin" --comment "otsensor network sensor" "$USER_NAME"
		say "created user $USER_NAME"
	fi
}

install_files() {
	bin=$1
	case $bin in */*) ;; *) bin=./$bin ;; esac # not looked up in PATH
	[ -f "$bin" ] || die "$bin: no such file (build it with: make build, then pass bin/otsensor)"
	# A binary for another architecture or a truncated copy fails here,
	# before anything is replaced.
	"$bin" version >/dev/null 2>&1 || die "$bin does not run on this machine ($bin version failed)"
	for f in otsensor.service otsensor.example.yaml README.md; do
		[ -f "$here/$f" ] || die "$here/$f is missing: run the script from the source tree's deploy/"
	done

	add_user

	install -d -m 0755 "$BIN_DIR" "$SHARE_DIR" "$DOC_DIR"
	install -m 0755 "$bin" "$BIN_DIR/otsensor"
	say "installed $BIN_DIR/otsensor"
	install -m 0644 "$here/otsensor.example.yaml" "$SHARE_DIR/otsensor.example.yaml"
	install -m 0644 "$here/README.md" "$DOC_DIR/README.md"

	install -d -m 0750 -o root -g "$USER_NAME" "$CONF_DIR"
	# rules: in the example config; SIGHUP reloads what is put there.
	[ -d "$CONF_DIR/rules" ] || install -d -m 0750 -o root -g "$USER_NAME" "$CONF_DIR/rules"
	if [ -e "$CONF_DIR/otsensor.yaml" ]; then
		say "kept $CONF_DIR/otsensor.yaml (the new example is $SHARE_DIR/otsensor.example.yaml)"
	else
		install -m 0640 -o root -g "$USER_NAME" "$here/otsensor.example.yaml" "$CONF_DIR/otsensor.yaml"
		say "created $CONF_DIR/otsensor.yaml from the example"
	fi

	install -d -m 0755 "$(dirname "$UNIT")"
	install -m 0644 "$here/otsensor.service" "$UNIT"
	say "installed $UNIT"
	if systemd_running; then
		systemctl daemon-reload
		if systemctl is-active --quiet otsensor; then
			say "otsensor is running the previous binary: systemctl restart otsensor"
		fi
	else
		say "systemd is not running here: no daemon-reload"
	fi

	cat <<EOF

Next steps:
  1. Edit $CONF_DIR/otsensor.yaml: the capture interfaces, sensor_id and sinks
     (the example lists every key; remove the sinks you do not use).
  2. Secrets: {env: NAME} values go in $CONF_DIR/secrets.env (NAME=value lines,
     root:root mode 0600); {file: PATH} files must be readable by group
     $USER_NAME (root:$USER_NAME mode 0640).
  3. Prepare the capture ports: link up, no address, offloads off
     ($DOC_DIR/README.md, "Preparing the capture interfaces").
  4. systemctl enable --now otsensor
     journalctl -u otsensor -f
     otsensor status      (as root or a member of group $USER_NAME)
EOF
}

uninstall() {
	purge=$1
	if systemd_running && [ -e "$UNIT" ]; then
		systemctl disable --now otsensor || true
	fi
	rm -f "$UNIT" "$BIN_DIR/otsensor"
	rm -rf "$SHARE_DIR" "$DOC_DIR"
	if systemd_running; then
		systemctl daemon-reload
	fi
	say "removed the service and $BIN_DIR/otsensor"
	if [ "$purge" = no ]; then
		say "kept $CONF_DIR, $STATE_DIR, $LOG_DIR and the user $USER_NAME (--purge removes them)"
		return
	fi
	rm -rf "$CONF_DIR" "$STATE_DIR" "$LOG_DIR" "$RUN_DIR"
	if getent passwd "$USER_NAME" >/dev/null; then
		userdel "$USER_NAME"
	fi
	if getent group "$USER_NAME" >/dev/null; then
		groupdel "$USER_NAME"
	fi
	say "removed $CONF_DIR, $STATE_DIR, $LOG_DIR and the user $USER_NAME"
}

mode=install
purge=no
bin=./otsensor
nargs=0
for arg in "$@"; do
	case $arg in
	--uninstall) mode=uninstall ;;
	--purge) purge=yes ;;
	-h | --help)
		usage
		exit 0
		;;
	-*) die "unknown option $arg (see --help)" ;;
	*)
		bin=$arg
		nargs=$((nargs + 1))
		;;
	esac
done
[ "$nargs" -le 1 ] || die "one binary at most (see --help)"
[ "$purge" = no ] || [ "$mode" = uninstall ] || die "--purge goes with --uninstall"
[ "$(id -u)" -eq 0 ] || die "run as root"

if [ "$mode" = uninstall ]; then
	uninstall "$purge"
else
	install_files "$bin"
fi
