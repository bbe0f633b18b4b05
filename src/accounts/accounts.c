/* Account rules shared by poortctl and the admin UI: see poort/accounts.h. */
#include "poort/accounts.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static const struct {
	int code;
	const char *key;
} accounts_keys[] = {
	{ACCOUNTS_OK, "account.ok"},
	{ACCOUNTS_EPW_SHORT, "account.password.short"},
	{ACCOUNTS_EPW_LONG, "account.password.long"},
	{ACCOUNTS_EPW_UTF8, "account.password.utf8"},
	{ACCOUNTS_EUSERNAME, "account.username.invalid"},
	{ACCOUNTS_EAFFILIATION, "account.affiliation.unknown"},
	{ACCOUNTS_EDATE, "account.date.invalid"},
	{ACCOUNTS_EFIELDS, "import.fields.count"},
	{ACCOUNTS_ECONTROL, "import.field.control"},
	{ACCOUNTS_ENAME_EMPTY, "account.name.empty"},
	{ACCOUNTS_ENAME_LONG, "account.name.long"},
	{ACCOUNTS_ENUMBER_LONG, "account.number.long"},
	{ACCOUNTS_EEXISTS, "account.exists"},
	{ACCOUNTS_EDUPLICATE, "import.username.duplicate"},
	{ACCOUNTS_ECSV, "import.csv.malformed"},
	{ACCOUNTS_EEMPTY, "import.empty"},
	{ACCOUNTS_ETOOBIG, "import.too_big"},
	{ACCOUNTS_ESTORE, "store.error"},
	{ACCOUNTS_EHASH, "account.password.hash_failed"},
	{ACCOUNTS_ENOMEM, "system.out_of_memory"},
	{ACCOUNTS_ECOUNT, "guest.count.range"},
	{ACCOUNTS_EEXPIRY, "guest.expiry.invalid"},
};

const char *
accounts_error_key(int code)
{
	for (size_t i = 0; i < sizeof(accounts_keys) / sizeof(accounts_keys[0]); i++)
		if (accounts_keys[i].code == code)
			return accounts_keys[i].key;
	return "error.unknown";
}

const char *
accounts_error_text(const struct accounts_error *e, char *buf, size_t buflen)
{
	const char *d = e->detail;

	switch (e->code) {
	case ACCOUNTS_EPW_SHORT:
		snprintf(buf, buflen, "password is shorter than %d characters", ACCOUNTS_PW_MIN);
		break;
	case ACCOUNTS_EPW_LONG:
		snprintf(buf, buflen, "password is longer than %d bytes", PASSWORD_MAX);
		break;
	case ACCOUNTS_EPW_UTF8:
		snprintf(buf, buflen, "password is not valid UTF-8");
		break;
	case ACCOUNTS_EUSERNAME:
		snprintf(buf, buflen,
			 "user name \"%.64s\" is not valid (a-z, 0-9, . _ -, starting with a"
			 " letter or digit, at most %d)",
			 d, STORE_USERNAME_MAX);
		break;
	case ACCOUNTS_EAFFILIATION:
		snprintf(buf, buflen,
			 "affiliation \"%.32s\" is not one of student, employee, staff, faculty,"
			 " member, affiliate",
			 d);
		break;
	case ACCOUNTS_EDATE:
		snprintf(buf, buflen, "\"%.64s\" is not YYYY-MM-DD", d);
		break;
	case ACCOUNTS_EFIELDS:
		snprintf(buf, buflen,
			 "expected 6 fields (username, given name, surname, student number,"
			 " affiliation, password), found %s",
			 d);
		break;
	case ACCOUNTS_ECONTROL:
		snprintf(buf, buflen, "a field contains a control character");
		break;
	case ACCOUNTS_ENAME_EMPTY:
		snprintf(buf, buflen, "given name and surname must not be empty");
		break;
	case ACCOUNTS_ENAME_LONG:
		snprintf(buf, buflen, "given name or surname is longer than %d characters",
			 STORE_NAME_MAX);
		break;
	case ACCOUNTS_ENUMBER_LONG:
		snprintf(buf, buflen, "student number is longer than 32 characters");
		break;
	case ACCOUNTS_EEXISTS:
		snprintf(buf, buflen, "account \"%s\" already exists", d);
		break;
	case ACCOUNTS_EDUPLICATE:
		snprintf(buf, buflen, "user name \"%s\" also on line %d", d, e->other_line);
		break;
	case ACCOUNTS_EEMPTY:
		snprintf(buf, buflen, "no accounts");
		break;
	case ACCOUNTS_ETOOBIG:
		snprintf(buf, buflen, "larger than %u bytes", ACCOUNTS_IMPORT_MAX_BYTES);
		break;
	case ACCOUNTS_EHASH:
		snprintf(buf, buflen, "cannot hash the password");
		break;
	case ACCOUNTS_ENOMEM:
		snprintf(buf, buflen, "out of memory");
		break;
	case ACCOUNTS_ECOUNT:
		snprintf(buf, buflen, "the number of guest accounts must be 1 to %d",
			 ACCOUNTS_GUEST_MAX);
		break;
	case ACCOUNTS_EEXPIRY:
		snprintf(buf, buflen, "guest accounts need an expiry in the future");
		break;
	default: /* ECSV, ESTORE: the detail says it */
		snprintf(buf, buflen, "%s", d);
		break;
	}
	return buf;
}

int
accounts_password_check(const char *pw)
{
	uint8_t nt[16];
	size_t len = strlen(pw);
	int rc = 0;

	if (len < ACCOUNTS_PW_MIN)
		return ACCOUNTS_EPW_SHORT;
	if (len > PASSWORD_MAX)
		return ACCOUNTS_EPW_LONG;
	if (password_nthash(pw, len, nt) < 0)
		rc = ACCOUNTS_EPW_UTF8;
	explicit_bzero(nt, sizeof(nt));
	return rc;
}

int
accounts_password_generate(char *out)
{
	return password_generate(out, ACCOUNTS_GENERATED_LEN) < 0 ? ACCOUNTS_EHASH : 0;
}

int
accounts_password_hash(const char *pw, unsigned cost, char hash[PASSWORD_HASH_MAX],
		       uint8_t nthash[16])
{
	if (password_hash(pw, cost, hash) < 0 || password_nthash(pw, strlen(pw), nthash) < 0)
		return ACCOUNTS_EHASH;
	return 0;
}

int
accounts_date_parse(const char *s, int64_t *out)
{
	struct tm tm;
	char *end;

	if (strcmp(s, "never") == 0) {
		*out = 0;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%d", &tm);
	if (end == NULL || *end != '\0')
		return ACCOUNTS_EDATE;
	tm.tm_hour = 23;
	tm.tm_min = 59;
	tm.tm_sec = 59;
	*out = (int64_t)timegm(&tm);
	return 0;
}

static int
accounts_has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

int
accounts_details_check(const char *given, const char *surname, const char *number,
		       const char *affiliation, int *field)
{
	const char *f[] = {given, surname, number, affiliation};

	for (int i = 0; i < 4; i++)
		if (accounts_has_control(f[i])) {
			*field = ACCOUNTS_F_GIVEN + i;
			return ACCOUNTS_ECONTROL;
		}
	*field = given[0] == '\0' ? ACCOUNTS_F_GIVEN : ACCOUNTS_F_SURNAME;
	if (given[0] == '\0' || surname[0] == '\0')
		return ACCOUNTS_ENAME_EMPTY;
	*field = strlen(given) > STORE_NAME_MAX ? ACCOUNTS_F_GIVEN : ACCOUNTS_F_SURNAME;
	if (strlen(given) > STORE_NAME_MAX || strlen(surname) > STORE_NAME_MAX)
		return ACCOUNTS_ENAME_LONG;
	*field = ACCOUNTS_F_NUMBER;
	if (strlen(number) > 32)
		return ACCOUNTS_ENUMBER_LONG;
	*field = ACCOUNTS_F_AFFILIATION;
	if (!store_affiliation_valid(affiliation))
		return ACCOUNTS_EAFFILIATION;
	*field = ACCOUNTS_F_NONE;
	return 0;
}
