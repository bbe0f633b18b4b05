/* Human messages for FW_E* codes; poort-flash prints these. */
#include <poort/fw/err.h>

const char *
fw_strerror(int code)
{
	switch (code) {
	case FW_OK:
		return "ok";
	case FW_EINVAL:
		return "invalid request";
	case FW_EFORMAT:
		return "not a Poort image (bad header)";
	case FW_EVERSION:
		return "image format version not supported by this boot stage";
	case FW_EBOARD:
		return "image is for another board";
	case FW_ESIG:
		return "bad signature (wrong key or tampered image)";
	case FW_EHASH:
		return "image payload corrupt (hash mismatch)";
	case FW_EROLLBACK:
		return "image is older than the installed minimum (rollback refused)";
	case FW_ESIZE:
		return "image too large for the slot";
	case FW_EFLASH:
		return "flash error on the device";
	case FW_EDECOMP:
		return "compressed payload is malformed";
	case FW_ETRUNC:
		return "image truncated";
	case FW_ENOSLOT:
		return "no bootable slot";
	case FW_ESEQ:
		return "chunk out of order";
	case FW_ESTATE:
		return "command not valid in this state";
	case FW_ECRC:
		return "frame CRC mismatch";
	case FW_EFRAME:
		return "malformed frame";
	case FW_ECMD:
		return "unknown command";
	case FW_ETIMEOUT:
		return "timeout";
	case FW_EPOWER:
		return "power cut (simulator)";
	case FW_EKERNEL:
		return "kernel is not an arm64 Linux Image or does not fit in RAM";
	case FW_EDTB:
		return "no usable device tree for the kernel";
	case FW_ELOAD:
		return "image too large for the board's load area (the RAM it is unpacked into)";
	case FW_ERESUME:
		return "the partial upload on the box is of another image (dropped; send the image "
		       "again)";
	default:
		return "unknown error";
	}
}
