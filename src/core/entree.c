#include "poort/entree.h"

#include <stdio.h>
#include <string.h>

#include "poort/config_saml.h"

const char *const entree_mandatory[] = {
	"uid", "employeeNumber", "givenName", "sn", "eduPersonAffiliation",
	"nlEduPersonHomeOrganizationId", "nlEduPersonHomeOrganization",
};
const size_t entree_nmandatory = sizeof(entree_mandatory) / sizeof(entree_mandatory[0]);
const char *const entree_optional[] = {"nlEduPersonRealId", "nlEduPersonProfileId", "eckId"};
const size_t entree_noptional = sizeof(entree_optional) / sizeof(entree_optional[0]);

int
entree_is_engine(const char *entity_id)
{
	return strcmp(entity_id, ENTREE_ENGINE) == 0 || strcmp(entity_id, ENTREE_ENGINE_STAGING) == 0;
}

static int
entree_digit(char c)
{
	return c >= '0' && c <= '9';
}

int
entree_brin_valid(const char *s)
{
	size_t n = strlen(s);

	if (n != 4 && n != 6)
		return 0;
	if (!entree_digit(s[0]) || !entree_digit(s[1]))
		return 0;
	for (size_t i = 2; i < 4; i++)
		if (!entree_digit(s[i]) && !(s[i] >= 'A' && s[i] <= 'Z'))
			return 0;
	return n == 4 || (entree_digit(s[4]) && entree_digit(s[5]));
}

int
entree_eckid_valid(const char *s)
{
	size_t pl = strlen(ENTREE_ECKID_PREFIX);

	if (strncmp(s, ENTREE_ECKID_PREFIX, pl) != 0 || strlen(s) != pl + 128)
		return 0;
	for (s += pl; *s; s++)
		if (!entree_digit(*s) && !(*s >= 'a' && *s <= 'f') && !(*s >= 'A' && *s <= 'F'))
			return 0;
	return 1;
}

const char *
entree_affiliation(const char *aff)
{
	static const char *const same[] = {"student", "employee", "staff", "affiliate"};

	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++)
		if (strcmp(aff, same[i]) == 0)
			return same[i];
	if (strcmp(aff, "faculty") == 0)
		return "employee";
	return "affiliate";
}

static int
entree_released(const struct config_saml_sp *sp, const char *name)
{
	for (size_t i = 0; i < sp->nrelease; i++)
		if (strcmp(sp->release[i], name) == 0)
			return 1;
	return 0;
}

int
entree_sp_problems(const struct config_saml_sp *sp, char *why, size_t whylen)
{
	size_t n = 0;
	int problems = 0;

	why[0] = '\0';
	for (size_t i = 0; i < entree_nmandatory; i++) {
		if (entree_released(sp, entree_mandatory[i]))
			continue;
		n += (size_t)snprintf(why + n, whylen > n ? whylen - n : 0, "%s%s",
				      problems++ ? ", " : "does not release ", entree_mandatory[i]);
		if (n >= whylen)
			n = whylen - 1;
	}
	if (sp->nameid != CONFIG_NAMEID_UID) {
		n += (size_t)snprintf(why + n, whylen - n, "%snameid is not uid", problems++ ? "; " : "");
		if (n >= whylen)
			n = whylen - 1;
	}
	if (sp->profile != CONFIG_PROFILE_ENTREE)
		snprintf(why + n, whylen - n, "%sprofile is not entree (plain attribute names)",
			 problems++ ? "; " : "");
	return problems;
}
