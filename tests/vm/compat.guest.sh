# Guest side of tests/vm_compat.sh: nbdc installed as /sbin/nbd-client under
# Debian's own initramfs script and the nbdtab form systemd's nbd@ uses.
. /guest-lib.sh
mkdir -p /sbin /scripts /conf /etc /mnt
cp /nbdc /sbin/nbd-client
cp /functions.stub /scripts/functions
# Debian's local-top/nbd, unmodified; it reads nbdroot= and root= from
# the kernel command line and calls
#   nbd-client SERVER -N NAME PORT /dev/nbd0 -swap -persist -systemd-mark
sh /debian-local-top-nbd 2>&1 | sed 's/^/  | /'
t "Debian local-top/nbd: /dev/nbd0 attached" [ "$(size /dev/nbd0)" = 16777216 ]
mount -o ro /dev/nbd0 /mnt 2>/dev/null
t "Debian local-top/nbd: the root filesystem mounts" grep -q "lives on the NBD root" /mnt/etc/nbdroot-marker
umount /mnt 2>/dev/null
pid=$(cat /sys/block/nbd0/pid 2>/dev/null)
t "Debian local-top/nbd: the holder is marked '@' (-systemd-mark)" \
	eval 'tr "\0" " " </proc/$pid/cmdline | grep -q "^@"'
nbd-client -c /dev/nbd0 >/dev/null; t "nbd-client -c: connected is 0" [ $? = 0 ]
nbd-client -d /dev/nbd0; t "nbd-client -d /dev/nbd0" [ "$(size /dev/nbd0)" = 0 ]
nbd-client -c /dev/nbd0 >/dev/null; t "nbd-client -c: not connected is 1" [ $? = 1 ]
nbd-client -c /dev/null >/dev/null 2>&1; t "nbd-client -c: error is 2" [ $? = 2 ]
# nbdtab(5), as systemd's nbd@.service runs it: ExecStart=nbd-client %i
echo "nbd1 10.0.2.2 root port=$P_ROOT,bs=1024,timeout=20,_netdev" >/etc/nbdtab
nbd-client nbd1; rc=$?
t "nbd-client nbd1 from /etc/nbdtab" [ $rc = 0 -a "$(size /dev/nbd1)" = 16777216 ]
t "nbdtab options applied (bs=1024)" [ "$(blockdev --getss /dev/nbd1)" = 1024 ]
nbd-client -d /dev/nbd1; t "ExecStop: nbd-client -d /dev/nbd1" [ "$(size /dev/nbd1)" = 0 ]

# dracut's nbd module (95nbd from dracut-network), unmodified: the cmdline
# hook parses root=nbd:SERVER:PORT:FSTYPE:FLAGS, then nbdroot.sh calls
#   nbd-client -p -systemd-mark SERVER PORT /dev/nbd0
mkdir -p /lib /tmp/hooks/mount /tmp/hooks/initqueue/finished /etc/udev/rules.d
cp /dracut-lib.stub /lib/dracut-lib.sh
cp /dracut-lib.stub /lib/fs-lib.sh
( . /lib/dracut-lib.sh; hookdir=/tmp/hooks; . /dracut-parse-nbdroot.sh
  echo "netroot=$netroot" >/tmp/dracut.env; echo "root=$root" >>/tmp/dracut.env ) 2>&1 | sed 's/^/  | /'
. /tmp/dracut.env
t "dracut parse-nbdroot.sh: claims root=nbd:" [ "$netroot" = "nbd:10.0.2.2:$P_ANY:ext4:ro" ]
( export root hookdir=/tmp/hooks; sh /dracut-nbdroot.sh eth0 "$netroot" /sysroot ) 2>&1 | sed 's/^/  | /'
t "dracut nbdroot.sh: /dev/nbd0 attached" [ "$(size /dev/nbd0)" = 16777216 ]
mount -o ro /dev/nbd0 /mnt 2>/dev/null
t "dracut nbdroot.sh: the root filesystem mounts" grep -q "lives on the NBD root" /mnt/etc/nbdroot-marker
umount /mnt 2>/dev/null
sh /tmp/hooks/initqueue/finished/nbdroot.sh
t "dracut's finished hook (nbd-client -check) sees it connected" [ $? = 0 ]
nbd-client -d /dev/nbd0 >/dev/null 2>&1
