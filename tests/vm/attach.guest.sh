# Guest side of tests/vm_attach.sh: runs inside the VM with the real kernel
# NBD driver; netlink (the default) unless -L says ioctls.  Reads ports from /env; prints "VMTEST ok|FAIL name" lines.
. /guest-lib.sh

# ---- nbdkit (memory), on the ioctl path: a holder process stays ----
/nbdc -L $H "$P_NBDKIT" /dev/nbd0; rc=$?
t "nbdkit: attach exits 0" [ $rc = 0 ]
t "nbdkit: device size is the export's" [ "$(size /dev/nbd0)" = 67108864 ]
t "nbdkit: 16 MiB random written and read back (direct I/O)" write_verify /dev/nbd0
pid=$(/nbdc -c /dev/nbd0); rc=$?
t "nbdkit: -c reports the holder's pid" [ $rc = 0 -a -n "$pid" -a "$pid" = "$(cat /sys/block/nbd0/pid)" ]
t "nbdkit: the holder (ioctl path) is alive" kill -0 "$pid"
grep -E '^(VmHWM|VmRSS|VmLck)' /proc/"$pid"/status | sed 's/^/VMINFO holder /'
/nbdc $H "$P_NBDKIT" /dev/nbd0 2>/tmp/busy.err; rc=$?
t "in use: second attach to a connected device fails with 6" [ $rc = 6 ]
t "in use: the message says so" grep -q "already connected (served by pid $pid)" /tmp/busy.err
t "in use: the first connection is undisturbed" [ "$(sum16 /dev/nbd0)" = "$WANT" ]
/nbdc -d /dev/nbd0; rc=$?
t "nbdkit: -d exits 0" [ $rc = 0 ]
t "nbdkit: after -d the device reads size 0" [ "$(size /dev/nbd0)" = 0 ]
/nbdc -c /dev/nbd0 >/dev/null; rc=$?
t "nbdkit: -c after -d says not connected (1)" [ $rc = 1 ]
t "nbdkit: the holder process is gone" left "$pid"
/nbdc $H "$P_NBDKIT" /dev/nbd0; rc=$?
t "nbdkit: attach again to the same device" [ $rc = 0 ]
t "nbdkit: data still there after re-attach" [ "$(sum16 /dev/nbd0)" = "$WANT" ]
/nbdc -d /dev/nbd0 >/dev/null 2>&1

# ---- qemu-nbd (file-backed, named export) ----
/nbdc $H "$P_QEMU" -N qdisk /dev/nbd1; rc=$?
t "qemu-nbd: attach named export" [ $rc = 0 ]
t "qemu-nbd: 16 MiB random written and read back" write_verify /dev/nbd1
/nbdc -d /dev/nbd1; rc=$?
t "qemu-nbd: -d" [ $rc = 0 -a "$(size /dev/nbd1)" = 0 ]
/nbdc $H "$P_QEMU" -N nosuch /dev/nbd1 2>/tmp/unknown.err; rc=$?
t "qemu-nbd: unknown export refused (4), device untouched" [ $rc = 4 -a "$(size /dev/nbd1)" = 0 ]
t "qemu-nbd: the message names the export" grep -q "export 'nosuch'" /tmp/unknown.err

# ---- read-only export, and -R ----
/nbdc $H "$P_RO" /dev/nbd2; rc=$?
t "read-only export: attach" [ $rc = 0 ]
t "read-only export: device is read-only" [ "$(blockdev --getro /dev/nbd2)" = 1 ]
dd if=/data.bin of=/dev/nbd2 bs=1M count=1 oflag=direct 2>/dev/null; rc=$?
t "read-only export: writes are refused" [ $rc != 0 ]
/nbdc -d /dev/nbd2 >/dev/null 2>&1
/nbdc -R $H "$P_NBDKIT" /dev/nbd2; rc=$?
t "-R: attach read-only" [ $rc = 0 -a "$(blockdev --getro /dev/nbd2)" = 1 ]
t "-R: data readable" [ "$(sum16 /dev/nbd2)" = "$WANT" ]
/nbdc -d /dev/nbd2 >/dev/null 2>&1

# ---- more than 2 TiB, exact; block size from the server ----
/nbdc $H "$P_BIG" /dev/nbd3; rc=$?
t "3 TiB export: attach" [ $rc = 0 ]
t "3 TiB export: size exact" [ "$(size /dev/nbd3)" = 3298534883328 ]
t "3 TiB export: server minimum block size 4096 honoured" [ "$(blockdev --getss /dev/nbd3)" = 4096 ]
/nbdc -d /dev/nbd3 >/dev/null 2>&1
# By ioctl too: on a 32-bit machine NBD_SET_SIZE cannot hold it (a 5 GiB
# export once became 1 GiB there), so it goes as blocks.
/nbdc -L $H "$P_BIG" /dev/nbd3; rc=$?
t "3 TiB export by ioctl (-L): attach" [ $rc = 0 ]
t "3 TiB export by ioctl (-L): size exact" [ "$(size /dev/nbd3)" = 3298534883328 ]
/nbdc -d /dev/nbd3 >/dev/null 2>&1
i=0; while [ -e /sys/block/nbd3/pid ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done

# ---- -n: stays in the foreground until disconnected; -b; -t ----
/nbdc -n -b 1024 -t 30 $H "$P_NBDKIT" /dev/nbd4 2>/tmp/fg.err &
fg=$!
i=0; while [ ! -e /sys/block/nbd4/pid ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
t "-n: device runs while nbdc stays" [ "$(cat /sys/block/nbd4/pid 2>/dev/null)" = $fg ]
t "-b 1024: logical block size" [ "$(blockdev --getss /dev/nbd4)" = 1024 ]
t "-t 30: kernel timeout set" [ "$(cat /sys/block/nbd4/queue/io_timeout 2>/dev/null)" = 30000 ]
/nbdc -d /dev/nbd4 >/dev/null 2>&1
wait $fg; rc=$?
t "-n: returns 0 after -d" [ $rc = 0 ]

# ---- partitions are scanned once the device runs ----
/nbdc $H "$P_PART" /dev/nbd5; rc=$?
t "partitioned disk: attach" [ $rc = 0 ]
i=0; while [ ! -b /dev/nbd5p1 ] && [ $i -lt 20 ]; do sleep 0.1; i=$((i+1)); done
t "partitioned disk: /dev/nbd5p1 appears" [ -b /dev/nbd5p1 ]
t "partitioned disk: partition size 4096 sectors" [ "$(cat /sys/block/nbd5/nbd5p1/size 2>/dev/null)" = 4096 ]
/nbdc -d /dev/nbd5 >/dev/null 2>&1
t "partitioned disk: partition gone after -d" [ ! -e /sys/block/nbd5/nbd5p1 ]

# ---- an export name of the protocol's maximum, 4096 bytes, by netlink ----
# (It once overflowed the CONNECT request and the error blamed the kernel.
# The backend identifier is abbreviated: the kernel sprintf()s it into one
# sysfs page.)
LONG=$(head -c 4096 /dev/zero | tr '\0' n)
/nbdc -N "$LONG" $H "$P_NBDKIT" /dev/nbd6 2>/tmp/long.err; rc=$?
t "4096-byte export name: attach by netlink" [ $rc = 0 ]
cat /tmp/long.err | cut -c1-200
t "4096-byte export name: device size" [ "$(size /dev/nbd6)" = 67108864 ]
if [ -e /sys/block/nbd6/backend ]; then
	t "4096-byte export name: the backend identifier is short, start and hash" \
		[ "$(wc -c </sys/block/nbd6/backend)" -le 512 ] && grep -q "^10.0.2.2:$P_NBDKIT/nnnn.*~[0-9a-f]\{16\}\$" /sys/block/nbd6/backend
fi
/nbdc -d /dev/nbd6 >/dev/null 2>&1
