/*
 * Entree's rules (src/core/entree.c) and proxy mode's user mapping: a user
 * id from the upstream IdP is ours only with exactly the configured scope
 * (security defect 7: jan@other-domain became our jan).
 */
#include <string.h>

#include "poort/config_saml.h"
#include "poort/entree.h"
#include "saml_idp_int.h"
#include "test.h"

int
main(void)
{
	char u[80], why[512];
	struct config_saml_sp sp;
	char *rel[] = {"uid", "employeeNumber", "givenName", "sn", "eduPersonAffiliation",
		       "nlEduPersonHomeOrganizationId", "nlEduPersonHomeOrganization"};

	CHECK_INT(saml_proxy_user_map("jan@ad.school.nl", "ad.school.nl", u, sizeof(u)), 0);
	CHECK_INT(strcmp(u, "jan"), 0);
	CHECK_INT(saml_proxy_user_map("Jan@AD.School.nl", "ad.school.nl", u, sizeof(u)), 0);
	CHECK_INT(strcmp(u, "jan"), 0);
	CHECK_INT(saml_proxy_user_map("jan@other.nl", "ad.school.nl", u, sizeof(u)), SAML_ESCOPE);
	CHECK_INT(saml_proxy_user_map("jan", "ad.school.nl", u, sizeof(u)), SAML_ESCOPE);
	CHECK_INT(saml_proxy_user_map("jan@ad.school.nl.evil", "ad.school.nl", u, sizeof(u)),
		  SAML_ESCOPE);
	CHECK_INT(saml_proxy_user_map("jan@evil@ad.school.nl", "ad.school.nl", u, sizeof(u)),
		  SAML_EMALFORMED);
	CHECK_INT(saml_proxy_user_map("@ad.school.nl", "ad.school.nl", u, sizeof(u)),
		  SAML_EMALFORMED);
	CHECK_INT(saml_proxy_user_map("jan@ad.school.nl", "ad.school.nl", u, 3), SAML_EMALFORMED);

	CHECK_INT(entree_brin_valid("12AB"), 1);
	CHECK_INT(entree_brin_valid("00XY01"), 1);
	CHECK_INT(entree_brin_valid("0012"), 1);
	CHECK_INT(entree_brin_valid("12ab"), 0);
	CHECK_INT(entree_brin_valid("1AB2"), 0);
	CHECK_INT(entree_brin_valid("12AB0"), 0);
	CHECK_INT(entree_brin_valid("12AB0X"), 0);
	CHECK_INT(entree_brin_valid(""), 0);

	char eck[200] = ENTREE_ECKID_PREFIX;
	for (int i = 0; i < 128; i++)
		eck[strlen(ENTREE_ECKID_PREFIX) + (size_t)i] = "0123456789abcdef"[i % 16];
	eck[strlen(ENTREE_ECKID_PREFIX) + 128] = '\0';
	CHECK_INT(entree_eckid_valid(eck), 1);
	eck[40] = 'g';
	CHECK_INT(entree_eckid_valid(eck), 0);
	eck[40] = 'a';
	eck[strlen(eck) - 1] = '\0';
	CHECK_INT(entree_eckid_valid(eck), 0);
	CHECK_INT(entree_eckid_valid("http://ketenid.nl/201703/ab"), 0);

	CHECK_INT(strcmp(entree_affiliation("student"), "student"), 0);
	CHECK_INT(strcmp(entree_affiliation("faculty"), "employee"), 0);
	CHECK_INT(strcmp(entree_affiliation("member"), "affiliate"), 0);
	CHECK_INT(strcmp(entree_affiliation("alum"), "affiliate"), 0);

	CHECK_INT(entree_is_engine(ENTREE_ENGINE), 1);
	CHECK_INT(entree_is_engine("https://engine.entree.kennisnet.nl/"), 0);

	memset(&sp, 0, sizeof(sp));
	sp.release = rel;
	sp.nrelease = sizeof(rel) / sizeof(rel[0]);
	sp.nameid = CONFIG_NAMEID_UID;
	sp.profile = CONFIG_PROFILE_ENTREE;
	CHECK_INT(entree_sp_problems(&sp, why, sizeof(why)), 0);
	sp.nrelease = 3; /* no sn, ... */
	sp.nameid = CONFIG_NAMEID_TRANSIENT;
	CHECK_INT(entree_sp_problems(&sp, why, sizeof(why)), 5); /* 4 missing, nameid */
	CHECK_INT(strstr(why, "sn") != NULL && strstr(why, "nameid is not uid") != NULL, 1);
	TEST_DONE();
}
