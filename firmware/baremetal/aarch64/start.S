/* Entry of the bare-metal boot stage on aarch64.
 *
 * qemu -kernel enters at EL1 (or EL2 with virtualization=on) with the MMU
 * off; a real board's ROM/TF-A hands over at EL2 or EL1 as well. We drop to
 * EL1, park secondary cores (the boot stage is single-threaded by design),
 * set the stack, clear .bss, enable FP/SIMD (the compiler may use it for
 * block copies), install the exception vectors and call bm_main().
 *
 * Entered at EL2, we leave a two-instruction hypervisor behind (VBAR_EL2 =
 * bm_el2_vectors) whose only service is the hand-over: an HVC from EL1
 * with x0 = entry and x1 = device tree enters the kernel at EL2, MMU and
 * caches off, so Linux gets EL2 (and KVM) as the arm64 boot protocol
 * allows. bm_boot_el records which EL we were entered at. */
	.section .text.start, "ax"
	.global _start
_start:
	mrs	x0, mpidr_el1
	and	x0, x0, #0xff
	cbnz	x0, park

	mrs	x0, CurrentEL
	lsr	x0, x0, #2
	mov	x21, x0			/* kept across eret: the entry EL */
	cmp	x0, #2
	b.ne	at_el1
	ldr	x0, =bm_el2_vectors
	msr	vbar_el2, x0
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
	ldr	x0, =bm_boot_el
	str	w21, [x0]
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

/* bm_linux_enter(entry, dtb, el): the last steps of the hand-over, with no
 * memory access after the MMU goes off (the caller cleaned the kernel,
 * initrd and device tree to the point of coherency). Interrupts masked,
 * MMU, D-cache and I-cache off at EL1, I-cache and TLB invalidated; then
 * the kernel at EL1, or through bm_el2_vectors at EL2. */
	.section .text, "ax"
	.global	bm_linux_enter
bm_linux_enter:
	msr	daifset, #0xf
	mov	x19, x0
	mov	x20, x1
	mov	x21, x2
	mrs	x3, sctlr_el1
	bic	x3, x3, #(1 << 0)	/* M */
	bic	x3, x3, #(1 << 2)	/* C */
	bic	x3, x3, #(1 << 12)	/* I */
	dsb	sy
	msr	sctlr_el1, x3
	isb
	ic	iallu
	tlbi	vmalle1
	dsb	sy
	isb
	cmp	x21, #2
	b.eq	1f
	mov	x0, x20
	mov	x1, xzr
	mov	x2, xzr
	mov	x3, xzr
	br	x19
1:	mov	x0, x19
	mov	x1, x20
	hvc	#0
	b	.

/* EL2 vectors: the one service is the hand-over HVC from EL1 (lower EL,
 * AArch64, synchronous, EC 0x16); anything else stops the CPU. */
	.macro	el2_hang
	.balign	0x80
	wfe
	b	.
	.endm

	.section .text.vectors, "ax"
	.balign	0x800
	.global	bm_el2_vectors
bm_el2_vectors:
	el2_hang			/* current EL, SP0 */
	el2_hang
	el2_hang
	el2_hang
	el2_hang			/* current EL, SPx */
	el2_hang
	el2_hang
	el2_hang
	.balign	0x80			/* lower EL, AArch64, synchronous */
	mrs	x2, esr_el2
	lsr	x2, x2, #26
	cmp	x2, #0x16
	b.ne	.
	msr	elr_el2, x0
	mov	x2, #0x3c9		/* EL2h, DAIF masked */
	msr	spsr_el2, x2
	ldr	x2, =0x30c50830		/* SCTLR_EL2 RES1 bits: MMU, caches off */
	msr	sctlr_el2, x2
	isb
	ic	iallu
	dsb	sy
	isb
	mov	x0, x1
	mov	x1, xzr
	mov	x2, xzr
	mov	x3, xzr
	eret
	el2_hang
	el2_hang
	el2_hang
	el2_hang			/* lower EL, AArch32 */
	el2_hang
	el2_hang
	el2_hang
