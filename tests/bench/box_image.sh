#!/bin/sh
# The box image's budget figures (issue 10): sizes from tools/image's
# manifest, then box_budget.py (signed image per component, RAM, poortd's
# RSS idle and after PEAP logins, qemu start to RADIUS ready, repeated) and,
# with --recovery, box_recovery.py (the signed image through serial and
# TFTP recovery under qemu; ~15 min under TCG).
#   tools/image && cmake --build build --target poort-mkimage poort-flash \
#       poort_baremetal_qemu_virt && tests/bench/box_image.sh [--recovery]
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
arm=${POORT_ARM64_DIR:-$top/build-arm64}
build=${POORT_BUILD:-$top/build}
dir=$arm/image
man=$(ls "$dir"/poort-*-qemu-virt.manifest 2>/dev/null | tail -1)
[ -n "$man" ] || { echo "no manifest in $dir: run tools/image" >&2; exit 1; }
awk '
/^kernel /            { k = $3; printf "kernel Image           %6.2f MiB\n", $3 / 1048576 }
/^kernel_xz /         { kx = $2; printf "kernel Image, xz       %6.2f MiB\n", $2 / 1048576 }
/^initramfs /         { i = $3; printf "initramfs, gzip        %6.2f MiB\n", $3 / 1048576 }
/^initramfs_unpacked/ { printf "initramfs unpacked     %6.2f MiB\n", $2 / 1048576 }
END { printf "kernel xz + initramfs  %6.2f MiB (the signed image, below, is what a slot holds)\n", (kx + i) / 1048576 }
' "$man"
python3 "$top/tests/bench/box_budget.py" --arm64 "$arm" --build "$build"
if [ "${1:-}" = "--recovery" ]; then
	python3 "$top/tests/bench/box_recovery.py" --arm64 "$arm" --build "$build"
fi
