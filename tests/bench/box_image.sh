#!/bin/sh
# The box image's budget figures (issue 10): sizes from tools/image's
# manifest, then one qemu boot (tests/image/qemu_box.py) for the time to
# RADIUS ready, RAM in use after boot and poortd's idle RSS.
#   tools/image && tests/bench/box_image.sh
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=${POORT_ARM64_DIR:-$top/build-arm64}/image
man=$(ls "$dir"/poort-*-qemu-virt.manifest 2>/dev/null | tail -1)
[ -n "$man" ] || { echo "no manifest in $dir: run tools/image" >&2; exit 1; }
awk '
/^kernel /            { k = $3; printf "kernel Image           %6.2f MiB\n", $3 / 1048576 }
/^kernel_xz /         { kx = $2; printf "kernel Image, xz       %6.2f MiB\n", $2 / 1048576 }
/^initramfs /         { i = $3; printf "initramfs, gzip        %6.2f MiB\n", $3 / 1048576 }
/^initramfs_unpacked/ { printf "initramfs unpacked     %6.2f MiB\n", $2 / 1048576 }
END { printf "compressed total       %6.2f MiB (kernel xz + initramfs; budget 16 MiB)\n", (kx + i) / 1048576 }
' "$man"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$top/tests/image/qemu_box.py" --image-dir "$dir" --workdir "$work/box" | grep '^figure:'
