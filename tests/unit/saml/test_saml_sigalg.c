/* The Redirect binding's SigAlg: the parameter itself, percent-decoded in
 * either case, RSA-SHA256 or RSA-SHA512 exactly; anything else refused. */
#include "saml_idp_int.h"
#include "test.h"

#define S256 "http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256"

int
main(void)
{
	CHECK_INT(saml_query_sigalg_ok("SAMLRequest=x&SigAlg=" S256 "&Signature=y"), 1);
	CHECK_INT(saml_query_sigalg_ok("SigAlg=" S256), 1);
	CHECK_INT(saml_query_sigalg_ok(
			  "SAMLRequest=x&SigAlg=http%3a%2f%2fwww.w3.org%2f2001%2f04%2fxmldsig-more%23rsa-sha512"),
		  1);
	CHECK_INT(saml_query_sigalg_ok("SAMLRequest=x&SigAlg=http%3A%2F%2Fwww.w3.org%2F2000%2F09%2F"
				       "xmldsig%23rsa-sha1&Signature=y"),
		  0);
	/* not the parameter, only text in another one's value */
	CHECK_INT(saml_query_sigalg_ok("RelayState=xSigAlg=" S256 "&Signature=y"), 0);
	CHECK_INT(saml_query_sigalg_ok("SigAlg=" S256 "0&Signature=y"), 0);
	CHECK_INT(saml_query_sigalg_ok("SigAlg=" S256 "%"), 0);
	CHECK_INT(saml_query_sigalg_ok("SigAlg=%G1"), 0);
	CHECK_INT(saml_query_sigalg_ok("SAMLRequest=x&Signature=y"), 0);
	CHECK_INT(saml_query_sigalg_ok("SigAlg="), 0);
	TEST_DONE();
}
