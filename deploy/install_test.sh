#!/bin/sh
# Checks deploy/install.sh for real, as root, without changing this machine:
# it re-runs itself in a private mount namespace where /etc, /usr/local and
# /var are overlays on a scratch directory and /run is empty, with a fake
# systemctl that logs its arguments. Run by deploy_test.go (go test
# ./deploy), or by hand:
#
#   sudo deploy/install_test.sh BINARY     (BINARY: a built otsensor)
set -eu

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
bin=${1:?usage: install_test.sh BINARY}
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac

if [ "${OTSENSOR_INSTALL_TEST_NS:-}" != 1 ]; then
	[ "$(id -u)" -eq 0 ] || {
		echo "install_test.sh: needs root (user creation, overlay mounts)" >&2
		exit 1
	}
	scratch=$(mktemp -d)
	trap 'rm -rf "$scratch"' EXIT
	OTSENSOR_INSTALL_TEST_NS=1 OTSENSOR_INSTALL_TEST_SCRATCH=$scratch unshare --mount --propagation private sh "$0" "$bin"
	exit $?
fi

# In the private namespace from here on.
SCRATCH=${OTSENSOR_INSTALL_TEST_SCRATCH:?}
for d in etc usr/local var; do
	n=$(printf %s "$d" | tr / _)
	mkdir -p "$SCRATCH/$n.up" "$SCRATCH/$n.work"
	mount -t overlay overlay -o "lowerdir=/$d,upperdir=$SCRATCH/$n.up,workdir=$SCRATCH/$n.work" "/$d"
done
mount -t tmpfs tmpfs /run
mkdir -p /run/systemd/system "$SCRATCH/fakebin"
cat >"$SCRATCH/fakebin/systemctl" <<EOF
#!/bin/sh
echo "\$*" >>"$SCRATCH/systemctl.log"
case "\$1" in is-active) exit 3 ;; esac
EOF
chmod 0755 "$SCRATCH/fakebin/systemctl"
PATH=$SCRATCH/fakebin:$PATH
export PATH
: >"$SCRATCH/systemctl.log"

failures=0
fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}
# check DESCRIPTION COMMAND...: the command must succeed.
check() {
	what=$1
	shift
	"$@" || fail "$what"
}
# perms PATH MODE OWNER:GROUP
perms() {
	got=$(stat -c '%a %U:%G' "$1" 2>/dev/null) || {
		fail "$1 is missing"
		return
	}
	[ "$got" = "$2 $3" ] || fail "$1 is $got, want $2 $3"
}
# log_has LINE: the fake systemctl was called with exactly LINE.
log_has() { grep -qx "$1" "$SCRATCH/systemctl.log" || fail "systemctl $1 was not called"; }
absent() { [ ! -e "$1" ] || fail "$1 still exists"; }
# run DESCRIPTION COMMAND...: the command must succeed; its output goes to
# $out, and is shown when it fails.
run() {
	what=$1
	shift
	if ! "$@" >"$out" 2>&1; then
		cat "$out" >&2
		fail "$what"
	fi
}
installer=$here/install.sh
out=$SCRATCH/out

echo "== refused: not run, nothing installed"
for args in "--purge" "--bogus" "a b" "$SCRATCH/nonexistent"; do
	# shellcheck disable=SC2086 # split on purpose
	if sh "$installer" $args >"$out" 2>&1; then fail "install.sh $args succeeded"; fi
done
if setpriv --reuid nobody --regid nogroup --clear-groups sh "$installer" "$bin" >"$out" 2>&1; then fail "ran as nobody"; fi
grep -q 'run as root' "$out" || fail "no reason given to nobody: $(cat "$out")"
printf '#!/bin/sh\nexit 1\n' >"$SCRATCH/broken"
chmod 0755 "$SCRATCH/broken"
if sh "$installer" "$SCRATCH/broken" >"$out" 2>&1; then fail "a binary that does not run was installed"; fi
grep -q 'does not run' "$out" || fail "no reason given for the broken binary: $(cat "$out")"
absent /usr/local/bin/otsensor
absent /etc/otsensor
getent passwd otsensor >/dev/null && fail "the user was created by a refused run"

echo "== first install (POSIX sh: dash)"
run "first install failed" dash "$installer" "$bin"
cat "$out"
check "no otsensor group" getent group otsensor >/dev/null
pw=$(getent passwd otsensor) || fail "no otsensor user"
uid=$(printf %s "$pw" | cut -d: -f3)
if [ "${uid:-0}" -le 0 ] || [ "${uid:-1000}" -ge 1000 ]; then fail "otsensor uid $uid is not a system uid"; fi
case $(printf %s "$pw" | cut -d: -f7) in */nologin) ;; *) fail "otsensor can log in: $pw" ;; esac
[ "$(id -gn otsensor)" = otsensor ] || fail "otsensor's primary group is $(id -gn otsensor)"
perms /usr/local/bin/otsensor 755 root:root
check "the binary differs" cmp -s "$bin" /usr/local/bin/otsensor
perms /etc/otsensor 750 root:otsensor
perms /etc/otsensor/otsensor.yaml 640 root:otsensor
perms /etc/otsensor/rules 750 root:otsensor
check "otsensor.yaml is not the example" cmp -s "$here/otsensor.example.yaml" /etc/otsensor/otsensor.yaml
perms /etc/systemd/system/otsensor.service 644 root:root
check "the unit differs" cmp -s "$here/otsensor.service" /etc/systemd/system/otsensor.service
check "no example in /usr/local/share" cmp -s "$here/otsensor.example.yaml" /usr/local/share/otsensor/otsensor.example.yaml
check "no README in /usr/local/share/doc" test -f /usr/local/share/doc/otsensor/README.md
log_has daemon-reload
grep -q 'systemctl enable --now otsensor' "$out" || fail "next steps not printed"
# The service user can read its configuration, and only it.
check "otsensor cannot read its config" setpriv --reuid otsensor --regid otsensor --init-groups cat /etc/otsensor/otsensor.yaml >/dev/null
if setpriv --reuid nobody --regid nogroup --clear-groups cat /etc/otsensor/otsensor.yaml >/dev/null 2>&1; then
	fail "nobody can read /etc/otsensor/otsensor.yaml"
fi

echo "== systemd-analyze verify (installed unit, installed binary)"
if command -v systemd-analyze >/dev/null; then
	run "systemd-analyze verify" systemd-analyze verify /etc/systemd/system/otsensor.service
else
	fail "systemd-analyze is missing (apt-get install systemd)"
fi

echo "== second install: idempotent, the config kept"
echo "# edited by the operator" >>/etc/otsensor/otsensor.yaml
cp /etc/otsensor/otsensor.yaml "$SCRATCH/edited.yaml"
before=$(getent passwd otsensor)
run "second install failed" sh "$installer" "$bin"
check "the edited config was overwritten" cmp -s "$SCRATCH/edited.yaml" /etc/otsensor/otsensor.yaml
grep -q 'kept /etc/otsensor/otsensor.yaml' "$out" || fail "does not say the config was kept"
[ "$(getent passwd otsensor)" = "$before" ] || fail "the user changed"
[ "$(grep -c '^otsensor:' /etc/passwd)" = 1 ] || fail "otsensor is in /etc/passwd more than once"
perms /etc/otsensor/otsensor.yaml 640 root:otsensor

echo "== uninstall: config, data, logs and user kept"
mkdir -p /var/lib/otsensor /var/log/otsensor
echo data >/var/lib/otsensor/marker
chown -R otsensor:otsensor /var/lib/otsensor /var/log/otsensor
: >"$SCRATCH/systemctl.log"
run "uninstall failed" sh "$installer" --uninstall
log_has "disable --now otsensor"
log_has daemon-reload
absent /usr/local/bin/otsensor
absent /etc/systemd/system/otsensor.service
absent /usr/local/share/otsensor
check "config removed" cmp -s "$SCRATCH/edited.yaml" /etc/otsensor/otsensor.yaml
check "data removed" test -f /var/lib/otsensor/marker
check "logs removed" test -d /var/log/otsensor
check "user removed" getent passwd otsensor >/dev/null
run "second uninstall failed" sh "$installer" --uninstall

echo "== reinstall over kept data, then purge"
run "reinstall failed" sh "$installer" "$bin"
check "config replaced on reinstall" cmp -s "$SCRATCH/edited.yaml" /etc/otsensor/otsensor.yaml
run "purge failed" sh "$installer" --uninstall --purge
absent /etc/otsensor
absent /var/lib/otsensor
absent /var/log/otsensor
absent /usr/local/bin/otsensor
getent passwd otsensor >/dev/null && fail "user kept by --purge"
getent group otsensor >/dev/null && fail "group kept by --purge"
run "purge after purge failed" sh "$installer" --uninstall --purge

if [ "$failures" -ne 0 ]; then
	echo "install_test.sh: $failures failures" >&2
	exit 1
fi
echo "install_test.sh: ok"
