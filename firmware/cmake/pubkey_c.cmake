# cmake -DKEY=dev-key.pem -DOUT=fw_pubkey.c -P pubkey_c.cmake
# Writes the C definition of fw_boot_pubkey from a P-256 PEM key, with the
# openssl command line only (no host tool needed, so cross builds can run
# it too).
execute_process(COMMAND openssl ec -in ${KEY} -pubout -outform DER -out ${OUT}.der
  RESULT_VARIABLE _rc ERROR_QUIET)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "cannot read public key from ${KEY}")
endif()
file(READ ${OUT}.der _hex HEX)
string(LENGTH "${_hex}" _len)
math(EXPR _start "${_len} - 130")
string(SUBSTRING "${_hex}" ${_start} 130 _pt)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1, " _bytes "${_pt}")
file(WRITE ${OUT}.tmp "/* generated from ${KEY}: do not edit */\n#include <poort/fw/image.h>\n\nconst struct fw_pubkey fw_boot_pubkey = {{ ${_bytes}}};\n")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUT}.tmp ${OUT}.der)
