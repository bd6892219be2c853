# chroot_in DIR CMD...: run CMD in DIR with /proc, /sys and /dev mounted,
# as update-initramfs and dracut need; unmounted afterwards whatever CMD did.
chroot_in() {
	_d=$1
	shift
	mount -t proc proc "$_d/proc" && mount --rbind /sys "$_d/sys" &&
		mount --rbind /dev "$_d/dev" || return 1
	_rc=0
	chroot "$_d" "$@" || _rc=$?
	umount -R "$_d/dev" "$_d/sys" "$_d/proc" 2>/dev/null ||
		umount -lR "$_d/dev" "$_d/sys" "$_d/proc"
	return $_rc
}
