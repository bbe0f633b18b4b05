/* The log's reason word for each AUTH_E* code (apart, so src/eap needs only this). */
#include "poort/auth.h"

const char *
auth_reason(int code)
{
	switch (code) {
	case 0:
		return "-";
	case AUTH_EUNKNOWN:
		return "unknown-user";
	case AUTH_EDISABLED:
		return "account-disabled";
	case AUTH_EEXPIRED:
		return "account-expired";
	case AUTH_EPASSWORD:
		return "wrong-password";
	case AUTH_ENONTHASH:
		return "no-nt-hash";
	case AUTH_ESTORE:
		return "store-error";
	case AUTH_EHASH:
		return "bad-stored-hash";
	case AUTH_ECRYPTO:
		return "auth-crypto-failed";
	case AUTH_EBUSY:
		return "server-busy";
	case AUTH_EDEVICE:
		return "unknown-device";
	case AUTH_EREVOKED:
		return "device-revoked";
	default:
		return "password-check-failed";
	}
}
