/* Reports the hand-over on the PL011 of qemu virt: exception level, x0,
 * whether x0 points at a device tree, the MMU and cache bits, and the
 * /chosen properties the boot stage set. Runs with the MMU off (device
 * memory): byte accesses only, no library calls. */
#include <stdint.h>

#define UART ((volatile uint32_t *)0x09000000u)

void stub_main(uint64_t x0, uint64_t x123);

static void
putc_(char c)
{
	while (UART[0x18 / 4] & (1u << 5))
		;
	UART[0] = (uint8_t)c;
}

static void
puts_(const char *s)
{
	while (*s)
		putc_(*s++);
}

static void
puthex(uint64_t v)
{
	puts_("0x");
	for (int i = 60; i >= 0; i -= 4)
		putc_("0123456789abcdef"[(v >> i) & 0xf]);
}

static uint32_t
be32(const volatile uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int
streq(const volatile uint8_t *a, const char *b)
{
	while (*b && *a == (uint8_t)*b) {
		a++;
		b++;
	}
	return *b == 0 && *a == 0;
}

static int
prefix(const volatile uint8_t *a, const char *b)
{
	while (*b && *a == (uint8_t)*b) {
		a++;
		b++;
	}
	return *b == 0;
}

/* Walks the structure block and prints /chosen's poort,* and initrd
 * properties as name=value (strings as text, cells as hex). */
static void
chosen(const volatile uint8_t *fdt)
{
	const volatile uint8_t *st = fdt + be32(fdt + 8), *str = fdt + be32(fdt + 12);
	uint32_t off = 0, depth = 0, in_chosen = 0;

	for (int guard = 0; guard < 100000; guard++) {
		uint32_t tok = be32(st + off);

		off += 4;
		if (tok == 1) { /* BEGIN_NODE */
			const volatile uint8_t *name = st + off;
			uint32_t n = 0;

			depth++;
			if (depth == 2 && streq(name, "chosen"))
				in_chosen = 1;
			while (name[n])
				n++;
			off += (n + 4) & ~3u;
		} else if (tok == 2) { /* END_NODE */
			if (depth == 2)
				in_chosen = 0;
			depth--;
		} else if (tok == 3) { /* PROP */
			uint32_t len = be32(st + off), nameoff = be32(st + off + 4);
			const volatile uint8_t *nm = str + nameoff, *val = st + off + 8;

			if (in_chosen && (prefix(nm, "poort,") || prefix(nm, "linux,initrd"))) {
				puts_("stub kernel: chosen ");
				while (*nm)
					putc_((char)*nm++);
				putc_('=');
				if (prefix(str + nameoff, "poort,slot") ||
				    prefix(str + nameoff, "poort,version") ||
				    prefix(str + nameoff, "poort,board")) {
					for (uint32_t i = 0; i + 1 < len; i++)
						putc_((char)val[i]);
				} else if (len == 8) {
					puthex((uint64_t)be32(val) << 32 | be32(val + 4));
				} else if (len == 4) {
					puthex(be32(val));
				}
				puts_("\r\n");
			}
			off += 8 + ((len + 3) & ~3u);
		} else if (tok == 4) { /* NOP */
		} else {
			break; /* END or garbage */
		}
	}
}

void
stub_main(uint64_t x0, uint64_t x123)
{
	uint64_t el, sctlr;

	__asm__ volatile("mrs %0, CurrentEL" : "=r"(el));
	el >>= 2;
	if (el == 2)
		__asm__ volatile("mrs %0, sctlr_el2" : "=r"(sctlr));
	else
		__asm__ volatile("mrs %0, sctlr_el1" : "=r"(sctlr));
	puts_("\r\nstub kernel: el=");
	putc_((char)('0' + el));
	puts_(" x0=");
	puthex(x0);
	puts_(be32((const volatile uint8_t *)x0) == 0xd00dfeedu ? " dtb=ok" : " dtb=bad");
	puts_(sctlr & 1 ? " mmu=on" : " mmu=off");
	puts_(sctlr & 4 ? " dcache=on" : " dcache=off");
	puts_(sctlr & (1u << 12) ? " icache=on" : " icache=off");
	puts_(x123 ? " x1-x3=nonzero" : " x1-x3=0");
	puts_("\r\n");
	if (be32((const volatile uint8_t *)x0) == 0xd00dfeedu)
		chosen((const volatile uint8_t *)x0);
	puts_("stub kernel: done\r\n");
}
