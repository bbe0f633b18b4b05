/*
 * An empty ICU data library for the box's root file system.
 *
 * Debian's libxml2 links libicuuc, and libicuuc links libicudata: 30.5 MiB
 * of converter tables, locales and break rules, nearly all of the image.
 * poortd's XML (SAML) is UTF-8, which libxml2 decodes itself; ICU is asked
 * only for an encoding neither libxml2 nor iconv knows. This library gives
 * libicuuc the one symbol it needs, icudtNN_dat, as a valid ICU "common
 * data" package with no entries: ICU then finds no data and reports
 * U_FILE_ACCESS_ERROR or U_MISSING_RESOURCE_ERROR to its caller, which for
 * libxml2 means "unsupported encoding" — the same answer as for any unknown
 * encoding. Built by image/CMakeLists.txt with the sysroot's ICU version.
 *
 * Layout (ICU's udata.h, "CmnD" common data, format 1): a DataHeader
 * (headerSize, magic 0xda 0x27, UDataInfo), padded to 16 bytes, then the
 * table of contents: a uint32 count, here 0.
 */
#include <stdint.h>

#ifndef ICUDT_SYMBOL
#error "ICUDT_SYMBOL (icudtNN_dat) must be defined"
#endif

struct icu_common_data {
	uint16_t header_size;
	uint8_t magic1, magic2;
	/* UDataInfo */
	uint16_t info_size;
	uint16_t reserved_word;
	uint8_t is_big_endian;
	uint8_t charset_family;
	uint8_t sizeof_uchar;
	uint8_t reserved_byte;
	uint8_t data_format[4];
	uint8_t format_version[4];
	uint8_t data_version[4];
	uint8_t pad[8]; /* header to 32 bytes */
	uint32_t toc_count;
	uint32_t toc_pad[3];
};

extern const struct icu_common_data ICUDT_SYMBOL;
__attribute__((visibility("default"), aligned(16))) const struct icu_common_data ICUDT_SYMBOL = {
	.header_size = 32,
	.magic1 = 0xda,
	.magic2 = 0x27,
	.info_size = 20,
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	.is_big_endian = 1,
#endif
	.charset_family = 0, /* ASCII */
	.sizeof_uchar = 2,
	.data_format = {'C', 'm', 'n', 'D'},
	.format_version = {1, 0, 0, 0},
	.toc_count = 0,
};
