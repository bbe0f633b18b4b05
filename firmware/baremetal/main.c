/* C entry of the bare-metal boot stage: the board brings up its devices,
 * then the portable boot core takes over. */
#include "aarch64/bm.h"

_Noreturn void bm_main(void);

_Noreturn void bm_main(void)
{
	const struct board *b = board_bm_init();

	bm_puts("\r\nPoort boot stage (bare-metal aarch64) board=");
	bm_puts(b->name);
	bm_puts("\r\n");
	for (;;) {
		uint8_t c;

		if (b->console->ops->read(b->console->ctx, &c, 1, 1000) == 1)
			b->console->ops->write(b->console->ctx, &c, 1);
	}
}
