#!/bin/bash
# mmdebstrap customize hook for the guest of scripts/test-pi-vm: $1 is the guest's root folder.
# Makes the tree bootable straight from the kernel (root on /dev/vda, no boot loader), with a
# root account without password for debugging from the serial console, and the test driver.
set -euo pipefail
root="$1"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
printf 'couloir-pi\n' >"$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 couloir-pi\n' >"$root/etc/hosts"
printf '/dev/vda / ext4 rw,errors=remount-ro 0 0\n' >"$root/etc/fstab"
# (Trixie has no passwd command without its package: edit the shadow line itself.)
sed -i 's/^root:[^:]*:/root::/' "$root/etc/shadow"
install -m 0644 "$here/couloir-vmtest.service" "$root/etc/systemd/system/couloir-vmtest.service"
install -m 0755 "$here/couloir-vmtest" "$root/usr/local/sbin/couloir-vmtest"
mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
ln -sf /etc/systemd/system/couloir-vmtest.service \
    "$root/etc/systemd/system/multi-user.target.wants/couloir-vmtest.service"
# Nothing in the guest may reach a network, nor spend the test's time on housekeeping.
for unit in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer man-db.timer; do
    ln -sf /dev/null "$root/etc/systemd/system/$unit"
done
rm -f "$root/etc/apt/apt.conf.d/99mmdebstrap"
