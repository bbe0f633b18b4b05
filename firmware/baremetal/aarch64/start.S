/* Entry of the bare-metal boot stage on aarch64.
 *
 * qemu -kernel enters at EL1 (or EL2 with virtualization=on) with the MMU
 * off; a real board's ROM/TF-A hands over at EL2 or EL1 as well. We drop to
 * EL1, park secondary cores (the boot stage is single-threaded by design),
 * set the stack, clear .bss, enable FP/SIMD (the compiler may use it for
 * block copies), install the exception vectors and call bm_main(). */
	.section .text.start, "ax"
	.global _start
_start:
	mrs	x0, mpidr_el1
	and	x0, x0, #0xff
	cbnz	x0, park

	mrs	x0, CurrentEL
	lsr	x0, x0, #2
	cmp	x0, #2
	b.ne	at_el1
	/* EL2 -> EL1: AArch64 at EL1, no traps of timers/counters, mask DAIF. */
	mov	x0, #(1 << 31)
	msr	hcr_el2, x0
	mov	x0, #3
	msr	cnthctl_el2, x0
	msr	cntvoff_el2, xzr
	mov	x0, #0x3c5		/* EL1h, DAIF masked */
	msr	spsr_el2, x0
	adr	x0, at_el1
	msr	elr_el2, x0
	eret

at_el1:
	ldr	x0, =__stack_top
	mov	sp, x0

	ldr	x0, =__bss_start
	ldr	x1, =__bss_end
1:	cmp	x0, x1
	b.hs	2f
	str	xzr, [x0], #8
	b	1b
2:
	mov	x0, #(3 << 20)		/* CPACR_EL1.FPEN: no FP/SIMD traps */
	msr	cpacr_el1, x0
	isb

	ldr	x0, =bm_vectors
	msr	vbar_el1, x0
	isb

	bl	bm_main
	/* bm_main does not return; if it does, stop here. */
park:
	wfe
	b	park

/* Exception vectors: every entry saves nothing worth resuming and reports
 * through bm_exception(kind); the boot stage never takes interrupts, so any
 * exception is a bug and we stop with a readable line on the UART. */
	.macro	vec kind
	.balign	0x80
	mov	x0, #\kind
	mrs	x1, esr_el1
	mrs	x2, elr_el1
	mrs	x3, far_el1
	b	bm_exception
	.endm

	.section .text.vectors, "ax"
	.balign	0x800
	.global	bm_vectors
bm_vectors:
	vec 0
	vec 1
	vec 2
	vec 3
	vec 4
	vec 5
	vec 6
	vec 7
	vec 8
	vec 9
	vec 10
	vec 11
	vec 12
	vec 13
	vec 14
	vec 15
