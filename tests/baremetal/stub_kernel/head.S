/* A stand-in for a Linux Image in the bare-metal tests: the 64-byte arm64
 * Image header (Documentation/arm64/booting.rst), then code that reports
 * what the boot stage handed over. image_size 2 MiB; its stack lives in
 * that reserved space. */
	.section .text.head, "ax"
	.global	_start
_start:
	b	1f			/* code0 */
	.long	0			/* code1 */
	.quad	0			/* text_offset */
	.quad	0x200000		/* image_size */
	.quad	0xa			/* flags: LE, 4 KiB pages, anywhere */
	.quad	0, 0, 0
	.ascii	"ARM\x64"
	.long	0
1:	mov	x19, x0
	orr	x20, x1, x2		/* nonzero if x1..x3 were not zero */
	orr	x20, x20, x3
	adr	x2, _start
	add	x2, x2, #0x100000
	mov	sp, x2
	mov	x0, x19
	mov	x1, x20
	bl	stub_main
2:	wfe
	b	2b
