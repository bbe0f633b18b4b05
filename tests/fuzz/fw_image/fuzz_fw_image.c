/* Image header and component table parsers and the streaming verifier,
 * fed any bytes as an image, in two splits; the arm64 Image header parser;
 * plus the state record decoder on the first 32. */
#include <poort/board.h>
#include <poort/fw/err.h>
#include <poort/fw/image.h>
#include <poort/fw/state.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Any key will do: what matters is that nothing reads out of bounds. */
const struct fw_pubkey fw_boot_pubkey = {{0x04}};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fw_image_verify v;
	struct fw_image_hdr h;
	struct fw_state st;
	size_t split = size ? data[0] % (size + 1) : 0;

	if (fw_image_hdr_parse(data, size, &h) == 0) {
		uint8_t again[FW_IMAGE_HDR_SIZE];
		struct fw_image_hdr h2;

		/* what parses, encodes back to the same bytes */
		fw_image_hdr_encode(&h, again);
		if (fw_image_hdr_parse(again, sizeof(again), &h2) != 0 ||
		    __builtin_memcmp(again, data, FW_IMAGE_HDR_SIZE) != 0)
			__builtin_trap();
	}
	if (fw_image_hdr_parse(data, size, &h) == 0 &&
	    size - FW_IMAGE_HDR_SIZE >= fw_image_table_size(&h)) {
		uint8_t again[FW_IMAGE_MAX_COMPS * FW_IMAGE_COMP_ENTRY];
		uint32_t ts = fw_image_table_size(&h);

		/* what parses, encodes back to the same bytes */
		if (fw_image_table_parse(data + FW_IMAGE_HDR_SIZE, ts, &h) == 0) {
			fw_image_table_encode(&h, again);
			if (__builtin_memcmp(again, data + FW_IMAGE_HDR_SIZE, ts) != 0)
				__builtin_trap();
		}
	}
	{
		struct fw_arm64_image ai;

		(void)fw_arm64_image_parse(data, size, &ai);
	}
	fw_image_verify_init(&v);
	if (fw_image_verify_update(&v, data, split) == 0)
		fw_image_verify_update(&v, data + split, size - split);
	(void)fw_image_verify_finish(&v, &fw_boot_pubkey, BOARD_ID_SIM, 0, &h);
	fw_image_verify_free(&v);
	if (size >= FW_STATE_REC_SIZE)
		(void)fw_state_decode(data, &st);
	return 0;
}
