/*
 * The one table of "why" texts: each reason's stable id, who can fix it,
 * and its title, explanation and action in English and Dutch; and the map
 * from the auth log's reason words to reasons (see poort/why.h).
 *
 * For the web front's gettext catalogue: msgctxt "why:<id>:<field>", msgid
 * the English text, msgstr the Dutch one. Add reasons at the end only.
 */
#include "poort/why.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

struct why_entry {
	const char *id;
	enum why_actor actor;
	struct why_text text[2]; /* WHY_LANG_EN, WHY_LANG_NL */
};

static const struct why_entry why_table[WHY_REASON_COUNT] = {
    [WHY_UNKNOWN] = {"unknown", WHY_ACTOR_ADMIN,
	{{"Unrecognised outcome",
	  "The server logged a reason this version does not explain.",
	  "Look up the reason word in the log line; report it to the box's maintainer."},
	 {"Onbekende uitkomst",
	  "De server logde een reden die deze versie niet kan uitleggen.",
	  "Zoek het reden-woord in de logregel op en meld het bij de beheerder van de box."}}},
    [WHY_OK] = {"ok", WHY_ACTOR_NONE,
	{{"Logged in",
	  "The login succeeded.",
	  "Nothing to do. If there is still no network, look at the access point and DHCP."},
	 {"Ingelogd",
	  "Het inloggen is gelukt.",
	  "Niets te doen. Is er toch geen netwerk, kijk dan naar het access point en DHCP."}}},
    [WHY_OK_HOME] = {"ok-home", WHY_ACTOR_NONE,
	{{"Logged in (visitor)",
	  "A visitor's home institution accepted the login through eduroam.",
	  "Nothing to do here."},
	 {"Ingelogd (bezoeker)",
	  "De eigen instelling van de bezoeker heeft het inloggen via eduroam goedgekeurd.",
	  "Hier niets te doen."}}},
    [WHY_WRONG_PASSWORD] = {"wrong-password", WHY_ACTOR_USER,
	{{"Wrong password",
	  "The account exists and may log in, but the password did not match. Devices often "
	  "keep an old password after it was changed.",
	  "Have the person type the password again, or forget the network on the device and "
	  "reconnect. Reset the password if they no longer know it."},
	 {"Verkeerd wachtwoord",
	  "Het account bestaat en mag inloggen, maar het wachtwoord klopte niet. Apparaten "
	  "onthouden vaak een oud wachtwoord nadat het is gewijzigd.",
	  "Laat het wachtwoord opnieuw intypen, of laat het apparaat het netwerk vergeten en "
	  "opnieuw verbinden. Stel een nieuw wachtwoord in als de persoon het niet meer weet."}}},
    [WHY_UNKNOWN_ACCOUNT] = {"unknown-account", WHY_ACTOR_HELPDESK,
	{{"Unknown account",
	  "There is no account with this name on the box (never was, deleted, or mistyped).",
	  "Check the spelling of the user name (before the @). Add the account if it should "
	  "exist."},
	 {"Onbekend account",
	  "Er is geen account met deze naam op de box (nooit geweest, verwijderd of verkeerd "
	  "getypt).",
	  "Controleer de spelling van de gebruikersnaam (voor de @). Maak het account aan als "
	  "het zou moeten bestaan."}}},
    [WHY_ACCOUNT_DISABLED] = {"account-disabled", WHY_ACTOR_HELPDESK,
	{{"Account disabled",
	  "The account exists but is switched off, so every login is refused.",
	  "Enable the account if the person should have access again."},
	 {"Account uitgeschakeld",
	  "Het account bestaat maar staat uit; elke inlogpoging wordt geweigerd.",
	  "Schakel het account in als de persoon weer toegang moet hebben."}}},
    [WHY_ACCOUNT_EXPIRED] = {"account-expired", WHY_ACTOR_HELPDESK,
	{{"Account expired",
	  "The account's end date has passed (guest accounts end by themselves).",
	  "Move the expiry date forward, or give a guest a new voucher."},
	 {"Account verlopen",
	  "De einddatum van het account is voorbij (gastaccounts verlopen vanzelf).",
	  "Zet de einddatum later, of geef een gast een nieuwe voucher."}}},
    [WHY_NO_NT_HASH] = {"no-mschapv2-hash", WHY_ACTOR_HELPDESK,
	{{"Password not usable for PEAP",
	  "The device uses PEAP-MSCHAPv2, which needs a form of the password the box does not "
	  "keep for this account (it was imported as a hash only).",
	  "Set a new password for the account, or configure the device for TTLS-PAP."},
	 {"Wachtwoord niet bruikbaar voor PEAP",
	  "Het apparaat gebruikt PEAP-MSCHAPv2; daarvoor is een vorm van het wachtwoord nodig "
	  "die de box voor dit account niet heeft (alleen als hash geïmporteerd).",
	  "Stel een nieuw wachtwoord in, of stel het apparaat in op TTLS-PAP."}}},
    [WHY_DEVICE_REVOKED] = {"device-revoked", WHY_ACTOR_HELPDESK,
	{{"Device certificate revoked",
	  "The device logged in with a certificate that was revoked (by the helpdesk, or "
	  "because the account was disabled or deleted).",
	  "If the device should have access, let the person onboard it again for a new "
	  "certificate."},
	 {"Apparaatcertificaat ingetrokken",
	  "Het apparaat logde in met een certificaat dat is ingetrokken (door de helpdesk, of "
	  "omdat het account is uitgeschakeld of verwijderd).",
	  "Moet het apparaat toegang hebben, laat het dan opnieuw onboarden voor een nieuw "
	  "certificaat."}}},
    [WHY_DEVICE_UNKNOWN] = {"device-unknown", WHY_ACTOR_HELPDESK,
	{{"Unknown device certificate",
	  "The device's certificate was not issued by this box, or not for this name.",
	  "Remove the old eduroam profile from the device and onboard it again."},
	 {"Onbekend apparaatcertificaat",
	  "Het certificaat van het apparaat is niet door deze box uitgegeven, of niet voor "
	  "deze naam.",
	  "Verwijder het oude eduroam-profiel van het apparaat en onboard het opnieuw."}}},
    [WHY_DEVICE_EXPIRED] = {"device-expired", WHY_ACTOR_USER,
	{{"Device certificate expired",
	  "The device's certificate is past its end date (or not valid yet: check the "
	  "device's clock).",
	  "Onboard the device again for a new certificate; check the date and time on the "
	  "device."},
	 {"Apparaatcertificaat verlopen",
	  "Het certificaat van het apparaat is verlopen (of nog niet geldig: controleer de "
	  "klok van het apparaat).",
	  "Onboard het apparaat opnieuw voor een nieuw certificaat; controleer datum en tijd "
	  "op het apparaat."}}},
    [WHY_DEVICE_NO_CERT] = {"device-no-certificate", WHY_ACTOR_USER,
	{{"No device certificate",
	  "The device chose certificate login (EAP-TLS) but sent no certificate.",
	  "Install the eduroam profile from the onboarding page again, or use a password "
	  "login."},
	 {"Geen apparaatcertificaat",
	  "Het apparaat koos inloggen met certificaat (EAP-TLS) maar stuurde geen certificaat.",
	  "Installeer het eduroam-profiel opnieuw via de onboardingpagina, of log in met "
	  "wachtwoord."}}},
    [WHY_CRL_PROBLEM] = {"crl-problem", WHY_ACTOR_ADMIN,
	{{"Revocation list out of date",
	  "The box could not check the device certificate against a current revocation list.",
	  "Rewrite the revocation list (poortctl device crl) and check the box's clock."},
	 {"Intrekkingslijst verouderd",
	  "De box kon het apparaatcertificaat niet toetsen aan een actuele intrekkingslijst.",
	  "Schrijf de intrekkingslijst opnieuw (poortctl device crl) en controleer de klok van "
	  "de box."}}},
    [WHY_REALM_TYPO] = {"realm-typo", WHY_ACTOR_USER,
	{{"School domain misspelled",
	  "The part after the @ looks like this school's domain but is spelled differently, "
	  "so the login was not handled as one of ours.",
	  "Correct the user name on the device: name@ followed by exactly the school's domain "
	  "(also in the anonymous identity)."},
	 {"Schooldomein verkeerd gespeld",
	  "Het deel na de @ lijkt op het domein van deze school maar is anders gespeld; "
	  "daardoor is de login niet als een van ons behandeld.",
	  "Verbeter de gebruikersnaam op het apparaat: naam@ gevolgd door precies het domein "
	  "van de school (ook in de anonieme identiteit)."}}},
    [WHY_REALM_MALFORMED] = {"realm-malformed", WHY_ACTOR_USER,
	{{"User name not in eduroam form",
	  "eduroam needs name@domain: this one has no @, more than one, spaces, or a domain "
	  "that cannot exist.",
	  "Set the user name (and anonymous identity) on the device to name@ the school's "
	  "domain."},
	 {"Gebruikersnaam niet in eduroam-vorm",
	  "eduroam vraagt naam@domein: deze heeft geen @, meer dan één, spaties, of een "
	  "domein dat niet kan bestaan.",
	  "Zet de gebruikersnaam (en de anonieme identiteit) op het apparaat op naam@ het "
	  "domein van de school."}}},
    [WHY_REALM_UNKNOWN] = {"realm-unknown", WHY_ACTOR_USER,
	{{"Domain not served here",
	  "The domain after the @ is not this school's, and this box does not forward it to "
	  "eduroam.",
	  "Check the domain after the @. Visitors need eduroam forwarding on the box (ask the "
	  "administrator)."},
	 {"Domein wordt hier niet bediend",
	  "Het domein na de @ is niet van deze school, en deze box stuurt het niet door naar "
	  "eduroam.",
	  "Controleer het domein na de @. Voor bezoekers moet doorsturen naar eduroam aan "
	  "staan (vraag de beheerder)."}}},
    [WHY_MOBILE_REALM] = {"mobile-realm", WHY_ACTOR_USER,
	{{"Phone tried a SIM login",
	  "The phone offered its mobile network identity (3gppnetwork.org) instead of an "
	  "eduroam account. This is normal background noise from phones.",
	  "Nothing to do unless the person cannot connect: then set up eduroam on the phone "
	  "with their school account."},
	 {"Telefoon probeerde SIM-login",
	  "De telefoon bood zijn mobiele-netwerkidentiteit aan (3gppnetwork.org) in plaats van "
	  "een eduroam-account. Dit is normale ruis van telefoons.",
	  "Niets te doen, tenzij de persoon niet kan verbinden: stel dan eduroam in op de "
	  "telefoon met het schoolaccount."}}},
    [WHY_INNER_REALM_MISMATCH] = {"inner-outer-mismatch", WHY_ACTOR_USER,
	{{"Anonymous identity does not match",
	  "The anonymous (outer) identity names another domain than the real user name "
	  "inside, or the user name inside has no domain.",
	  "On the device, set the anonymous identity to anonymous@ the school's domain and the "
	  "user name to name@ the same domain."},
	 {"Anonieme identiteit klopt niet",
	  "De anonieme (buitenste) identiteit noemt een ander domein dan de echte "
	  "gebruikersnaam binnenin, of die gebruikersnaam heeft geen domein.",
	  "Zet op het apparaat de anonieme identiteit op anonymous@ het schooldomein en de "
	  "gebruikersnaam op naam@ hetzelfde domein."}}},
    [WHY_UPSTREAM_UNREACHABLE] = {"upstream-unreachable", WHY_ACTOR_ADMIN,
	{{"eduroam federation unreachable",
	  "The login belongs to another institution, but no national eduroam server answered "
	  "in time.",
	  "Check the box's internet connection and the upstream servers on the dashboard; "
	  "try again later."},
	 {"eduroam-federatie onbereikbaar",
	  "De login hoort bij een andere instelling, maar geen landelijke eduroam-server "
	  "antwoordde op tijd.",
	  "Controleer de internetverbinding van de box en de upstream-servers op het "
	  "dashboard; probeer het later opnieuw."}}},
    [WHY_UPSTREAM_REJECT] = {"upstream-reject", WHY_ACTOR_REMOTE,
	{{"Refused by the home institution",
	  "A visitor's login was sent through eduroam and refused there: a wrong password at "
	  "their home institution, or a domain eduroam does not know.",
	  "The visitor checks the domain after the @ and their password with their own "
	  "institution's helpdesk."},
	 {"Geweigerd door de eigen instelling",
	  "De login van een bezoeker is via eduroam doorgestuurd en daar geweigerd: een "
	  "verkeerd wachtwoord bij de eigen instelling, of een domein dat eduroam niet kent.",
	  "De bezoeker controleert het domein na de @ en het wachtwoord bij de helpdesk van "
	  "de eigen instelling."}}},
    [WHY_UPSTREAM_BUSY] = {"upstream-busy", WHY_ACTOR_ADMIN,
	{{"Too many visitor logins at once",
	  "The box had too many logins waiting for the eduroam federation and refused this "
	  "one.",
	  "Usually passes by itself; if it repeats, raise proxy.max_inflight or check the "
	  "upstream servers."},
	 {"Te veel bezoekerslogins tegelijk",
	  "Er wachtten te veel logins op de eduroam-federatie; deze is geweigerd.",
	  "Gaat meestal vanzelf over; gebeurt het vaker, verhoog proxy.max_inflight of "
	  "controleer de upstream-servers."}}},
    [WHY_EAP_METHOD] = {"eap-method-not-allowed", WHY_ACTOR_USER,
	{{"Login method not offered",
	  "The device asked for a login method (EAP type or inner method) that this box does "
	  "not allow or has not configured.",
	  "Set the device to PEAP with MSCHAPv2, or TTLS with PAP (or use the onboarding "
	  "profile)."},
	 {"Inlogmethode niet aangeboden",
	  "Het apparaat vroeg een inlogmethode (EAP-type of binnenmethode) die deze box niet "
	  "toestaat of niet heeft ingesteld.",
	  "Stel het apparaat in op PEAP met MSCHAPv2, of TTLS met PAP (of gebruik het "
	  "onboardingprofiel)."}}},
    [WHY_SERVER_CERT_REJECTED] = {"server-cert-rejected", WHY_ACTOR_USER,
	{{"Device does not trust the server",
	  "The device broke off the secure connection: it does not trust the box's "
	  "certificate (wrong CA selected, wrong server name, or the certificate changed).",
	  "On the device, pick the school's CA certificate and the right server name, or "
	  "install the onboarding profile that sets both."},
	 {"Apparaat vertrouwt de server niet",
	  "Het apparaat brak de beveiligde verbinding af: het vertrouwt het certificaat van "
	  "de box niet (verkeerde CA gekozen, verkeerde servernaam, of het certificaat is "
	  "vervangen).",
	  "Kies op het apparaat het CA-certificaat van de school en de juiste servernaam, of "
	  "installeer het onboardingprofiel dat beide instelt."}}},
    [WHY_TLS_TOO_OLD] = {"tls-too-old", WHY_ACTOR_USER,
	{{"Device's security too old",
	  "The device and the box share no TLS version or cipher.",
	  "Update the device's software. The administrator can check eap.tls_min_version."},
	 {"Beveiliging van apparaat te oud",
	  "Het apparaat en de box hebben geen gemeenschappelijke TLS-versie of versleuteling.",
	  "Werk de software van het apparaat bij. De beheerder kan eap.tls_min_version "
	  "controleren."}}},
    [WHY_EAP_ABANDONED_TLS] = {"eap-abandoned-tls", WHY_ACTOR_USER,
	{{"Device gave up during the secure handshake",
	  "The device stopped answering while setting up the secure connection. Most often it "
	  "does not accept the server's certificate or name and gives up silently.",
	  "On the device, check the CA certificate and the server name (domain) in the eduroam "
	  "settings, or install the onboarding profile."},
	 {"Apparaat gaf het op tijdens de beveiligde verbinding",
	  "Het apparaat stopte met antwoorden tijdens het opzetten van de beveiligde "
	  "verbinding. Meestal accepteert het het certificaat of de naam van de server niet en "
	  "geeft het stil op.",
	  "Controleer op het apparaat het CA-certificaat en de servernaam (domein) in de "
	  "eduroam-instellingen, of installeer het onboardingprofiel."}}},
    [WHY_EAP_ABANDONED] = {"eap-abandoned", WHY_ACTOR_USER,
	{{"Device stopped answering",
	  "The device started a login and then stopped answering (moved away, cancelled the "
	  "password prompt, or switched networks).",
	  "Try again close to an access point; if it repeats, forget the network on the device "
	  "and set it up again."},
	 {"Apparaat stopte met antwoorden",
	  "Het apparaat begon met inloggen en stopte daarna met antwoorden (buiten bereik, "
	  "wachtwoordvraag geannuleerd, of ander netwerk gekozen).",
	  "Probeer het opnieuw dicht bij een access point; gebeurt het vaker, laat het apparaat "
	  "het netwerk vergeten en stel het opnieuw in."}}},
    [WHY_EAP_STATE] = {"eap-state-lost", WHY_ACTOR_NONE,
	{{"Login step arrived too late",
	  "A step of a login arrived for a conversation the box had already ended (timed out, "
	  "or from another access point).",
	  "Usually harmless: the device starts over. If it repeats, check the access point's "
	  "RADIUS timeout."},
	 {"Inlogstap kwam te laat",
	  "Een stap van een login kwam binnen voor een gesprek dat de box al had beëindigd "
	  "(verlopen, of van een ander access point).",
	  "Meestal onschuldig: het apparaat begint opnieuw. Gebeurt het vaker, controleer de "
	  "RADIUS-timeout van het access point."}}},
    [WHY_PROTOCOL] = {"protocol-error", WHY_ACTOR_ADMIN,
	{{"Unusable login message",
	  "The device or the access point sent a message the box could not use (malformed, "
	  "too large, or out of order).",
	  "Update the device's or access point's software; if one device keeps doing it, set "
	  "up its eduroam profile again."},
	 {"Onbruikbaar inlogbericht",
	  "Het apparaat of het access point stuurde een bericht dat de box niet kon gebruiken "
	  "(onjuist, te groot of in de verkeerde volgorde).",
	  "Werk de software van het apparaat of access point bij; doet één apparaat het steeds, "
	  "stel dan het eduroam-profiel opnieuw in."}}},
    [WHY_SERVER_BUSY] = {"server-busy", WHY_ACTOR_ADMIN,
	{{"Box too busy",
	  "The box was at one of its limits (password checks or logins in progress) and "
	  "refused this login.",
	  "Usually passes by itself; if it repeats, look at the dashboard and the limits in "
	  "the configuration."},
	 {"Box te druk",
	  "De box zat aan een van zijn grenzen (wachtwoordcontroles of logins tegelijk) en "
	  "weigerde deze login.",
	  "Gaat meestal vanzelf over; gebeurt het vaker, kijk naar het dashboard en de "
	  "limieten in de configuratie."}}},
    [WHY_SERVER_ERROR] = {"server-error", WHY_ACTOR_ADMIN,
	{{"Fault on the box",
	  "Something failed on the box itself (store, memory, cryptography, or an unusable "
	  "stored password).",
	  "Reset the account's password; if it happens for others too, check the box's log "
	  "and contact the maintainer."},
	 {"Fout op de box",
	  "Er ging iets mis op de box zelf (opslag, geheugen, cryptografie, of een onbruikbaar "
	  "opgeslagen wachtwoord).",
	  "Stel een nieuw wachtwoord in voor het account; gebeurt het ook bij anderen, bekijk "
	  "dan het log van de box en neem contact op met de beheerder."}}},
    [WHY_CLIENT_UNKNOWN] = {"ap-unknown", WHY_ACTOR_ADMIN,
	{{"Access point not known",
	  "RADIUS came from an address that is not one of the box's access points (RADIUS "
	  "clients), so it was ignored.",
	  "Add the access point (its address and a secret) on the access points page."},
	 {"Access point onbekend",
	  "RADIUS kwam van een adres dat geen access point (RADIUS-client) van de box is en "
	  "is genegeerd.",
	  "Voeg het access point toe (adres en geheim) op de pagina access points."}}},
    [WHY_CLIENT_SECRET] = {"ap-secret", WHY_ACTOR_ADMIN,
	{{"Access point's secret wrong",
	  "The access point is known, but its messages do not carry a valid signature: the "
	  "shared secret on the access point differs from the box's, or it sends no "
	  "Message-Authenticator.",
	  "Set a new secret for the access point on the box and enter the same one on the "
	  "access point (or its controller)."},
	 {"Geheim van access point klopt niet",
	  "Het access point is bekend, maar zijn berichten zijn niet geldig ondertekend: het "
	  "gedeelde geheim op het access point verschilt van dat op de box, of het stuurt "
	  "geen Message-Authenticator.",
	  "Stel op de box een nieuw geheim in voor het access point en vul hetzelfde in op "
	  "het access point (of de controller)."}}},
    [WHY_TEST_NO_ANSWER] = {"no-answer", WHY_ACTOR_ADMIN,
	{{"No answer from the server",
	  "The test login got no answer from the RADIUS server on this box.",
	  "Check that poortd runs and that 127.0.0.1 is a RADIUS client with the secret used "
	  "(see poortctl client list)."},
	 {"Geen antwoord van de server",
	  "De testlogin kreeg geen antwoord van de RADIUS-server op deze box.",
	  "Controleer dat poortd draait en dat 127.0.0.1 een RADIUS-client is met het "
	  "gebruikte geheim (zie poortctl client list)."}}},
};

/* The auth log's reason words (and the drop reasons of the syslog). */
static const struct {
	const char *word;
	enum why_reason reason;
} why_words[] = {
    /* src/auth (auth_reason) */
    {"-", WHY_OK},
    {"unknown-user", WHY_UNKNOWN_ACCOUNT},
    {"account-disabled", WHY_ACCOUNT_DISABLED},
    {"account-expired", WHY_ACCOUNT_EXPIRED},
    {"wrong-password", WHY_WRONG_PASSWORD},
    {"no-nt-hash", WHY_NO_NT_HASH},
    {"store-error", WHY_SERVER_ERROR},
    {"bad-stored-hash", WHY_SERVER_ERROR},
    {"auth-crypto-failed", WHY_SERVER_ERROR},
    {"password-check-failed", WHY_SERVER_ERROR},
    {"server-busy", WHY_SERVER_BUSY},
    {"unknown-device", WHY_DEVICE_UNKNOWN},
    {"device-revoked", WHY_DEVICE_REVOKED},
    /* src/radius: names and realms */
    {"no-user-name", WHY_REALM_MALFORMED},
    {"no-realm", WHY_REALM_MALFORMED},
    {"space-or-control-character", WHY_REALM_MALFORMED},
    {"two-at-signs", WHY_REALM_MALFORMED},
    {"empty-realm", WHY_REALM_MALFORMED},
    {"realm-without-dot", WHY_REALM_MALFORMED},
    {"realm-dot-at-end", WHY_REALM_MALFORMED},
    {"realm-double-dot", WHY_REALM_MALFORMED},
    {"bad-identity", WHY_REALM_MALFORMED},
    {"3gpp-realm", WHY_MOBILE_REALM},
    {"own-realm-misspelled", WHY_REALM_TYPO},
    {"realm-not-local", WHY_REALM_UNKNOWN},
    {"foreign-realm-from-federation", WHY_REALM_UNKNOWN},
    {"inner-realm-mismatch", WHY_INNER_REALM_MISMATCH},
    {"inner-identity-without-realm", WHY_INNER_REALM_MISMATCH},
    {"bad-inner-identity", WHY_INNER_REALM_MISMATCH},
    {"no-inner-user-name", WHY_INNER_REALM_MISMATCH},
    /* src/radius: the proxy */
    {"no-upstream", WHY_UPSTREAM_UNREACHABLE},
    {"proxy-overload", WHY_UPSTREAM_BUSY},
    /* methods */
    {"chap-not-supported", WHY_EAP_METHOD},
    {"eap-not-enabled", WHY_EAP_METHOD},
    {"no-eap-methods", WHY_EAP_METHOD},
    {"no-common-method", WHY_EAP_METHOD},
    {"method-unavailable", WHY_EAP_METHOD},
    {"method-not-configured", WHY_EAP_METHOD},
    {"inner-method-refused", WHY_EAP_METHOD},
    {"unsupported-inner-method", WHY_EAP_METHOD},
    /* device certificates (EAP-TLS) */
    {"client-cert-revoked", WHY_DEVICE_REVOKED},
    {"client-cert-expired", WHY_DEVICE_EXPIRED},
    {"client-cert-not-yet-valid", WHY_DEVICE_EXPIRED},
    {"client-cert-untrusted", WHY_DEVICE_UNKNOWN},
    {"client-cert-wrong-usage", WHY_DEVICE_UNKNOWN},
    {"client-cert-without-cn", WHY_DEVICE_UNKNOWN},
    {"client-cert-several-cn", WHY_DEVICE_UNKNOWN},
    {"client-cert-missing", WHY_DEVICE_NO_CERT},
    {"no-client-certificate", WHY_DEVICE_NO_CERT},
    {"client-cert-no-crl", WHY_CRL_PROBLEM},
    {"crl-expired", WHY_CRL_PROBLEM},
    /* the device and the server certificate */
    {"tls-alert-from-peer", WHY_SERVER_CERT_REJECTED},
    {"tls-closed-by-peer", WHY_SERVER_CERT_REJECTED},
    {"mschapv2-peer-failure", WHY_PROTOCOL}, /* the device refused our MS-CHAPv2 answer */
    {"tls-version-refused", WHY_TLS_TOO_OLD},
    {"tls-no-shared-cipher", WHY_TLS_TOO_OLD},
    /* conversations that ended without an answer (store rows of radius_eap.c) */
    {"eap-abandoned-tls", WHY_EAP_ABANDONED_TLS},
    {"eap-abandoned", WHY_EAP_ABANDONED},
    {"unknown-or-expired-state", WHY_EAP_STATE},
    {"state-from-other-client", WHY_EAP_STATE},
    {"conversation-timed-out", WHY_SERVER_BUSY},
    /* limits and faults on the box */
    {"too-many-conversations", WHY_SERVER_BUSY},
    {"too-many-connections", WHY_SERVER_BUSY},
    {"out-of-memory", WHY_SERVER_ERROR},
    {"key-derivation-failed", WHY_SERVER_ERROR},
    {"method-start-failed", WHY_SERVER_ERROR},
    {"tls-write-failed", WHY_SERVER_ERROR},
    {"tls-stalled", WHY_SERVER_ERROR},
    /* access points (RADIUS clients): mostly dropped, in the syslog */
    {"unknown-client", WHY_CLIENT_UNKNOWN},
    {"bad-message-authenticator", WHY_CLIENT_SECRET},
    {"bad-request-authenticator", WHY_CLIENT_SECRET},
    {"missing-message-authenticator", WHY_CLIENT_SECRET},
    {"bad-message-authenticator-length", WHY_PROTOCOL},
    {"no-password", WHY_PROTOCOL},
    /* malformed or unexpected messages */
    {"eap-failure", WHY_PROTOCOL},
    {"bad-length", WHY_PROTOCOL},
    {"header-overflow", WHY_PROTOCOL},
    {"unknown-code", WHY_PROTOCOL},
    {"too-many-attributes", WHY_PROTOCOL},
    {"malformed-attributes", WHY_PROTOCOL},
    {"undecodable", WHY_PROTOCOL},
    {"malformed-eap", WHY_PROTOCOL},
    {"oversize-eap-message", WHY_PROTOCOL},
    {"request-too-large", WHY_PROTOCOL},
    {"expected-identity", WHY_PROTOCOL},
    {"unexpected-nak", WHY_PROTOCOL},
    {"unexpected-eap-type", WHY_PROTOCOL},
    {"malformed-peap-result", WHY_PROTOCOL},
    {"peap-result-failure", WHY_PROTOCOL},
    {"malformed-inner-eap", WHY_PROTOCOL},
    {"expected-inner-identity", WHY_PROTOCOL},
    {"unexpected-inner-type", WHY_PROTOCOL},
    {"missing-inner-response", WHY_PROTOCOL},
    {"inner-request-too-large", WHY_PROTOCOL},
    {"oversize-inner-eap", WHY_PROTOCOL},
    {"unexpected-application-data", WHY_PROTOCOL},
    {"malformed-mschapv2", WHY_PROTOCOL},
    {"mschapv2-success-not-acknowledged", WHY_PROTOCOL},
    {"mschapv2-challenge-mismatch", WHY_PROTOCOL},
    {"unexpected-mschapv2-opcode", WHY_PROTOCOL},
    {"malformed-avp", WHY_PROTOCOL},
    {"unexpected-avps", WHY_PROTOCOL},
    {"unsupported-mandatory-avp", WHY_PROTOCOL},
    {"malformed-tls-data", WHY_PROTOCOL},
    {"malformed-tls-flags", WHY_PROTOCOL},
    {"malformed-tls-length", WHY_PROTOCOL},
    {"oversize-tls-message", WHY_PROTOCOL},
    {"oversize-tunnel-data", WHY_PROTOCOL},
    {"truncated-tls-message", WHY_PROTOCOL},
    {"tls-length-changed", WHY_PROTOCOL},
    {"empty-fragment", WHY_PROTOCOL},
    {"data-instead-of-fragment-ack", WHY_PROTOCOL},
    {"tls-handshake-failed", WHY_PROTOCOL},
};

const char *
why_reason_id(enum why_reason r)
{
	if ((unsigned)r >= WHY_REASON_COUNT)
		r = WHY_UNKNOWN;
	return why_table[r].id;
}

enum why_reason
why_reason_by_id(const char *id)
{
	for (unsigned i = 0; i < WHY_REASON_COUNT; i++)
		if (strcmp(why_table[i].id, id) == 0)
			return (enum why_reason)i;
	return WHY_UNKNOWN;
}

const struct why_text *
why_reason_text(enum why_reason r, enum why_lang lang)
{
	if ((unsigned)r >= WHY_REASON_COUNT)
		r = WHY_UNKNOWN;
	return &why_table[r].text[lang == WHY_LANG_NL ? 1 : 0];
}

enum why_actor
why_reason_actor(enum why_reason r)
{
	if ((unsigned)r >= WHY_REASON_COUNT)
		r = WHY_UNKNOWN;
	return why_table[r].actor;
}

enum why_lang
why_lang_parse(const char *s)
{
	return s != NULL && strncasecmp(s, "nl", 2) == 0 && (s[2] == '\0' || s[2] == '_' ||
							      s[2] == '-' || s[2] == '.')
		       ? WHY_LANG_NL
		       : WHY_LANG_EN;
}

enum why_reason
why_reason_from_word(const char *word)
{
	for (size_t i = 0; i < sizeof(why_words) / sizeof(why_words[0]); i++)
		if (strcmp(why_words[i].word, word) == 0)
			return why_words[i].reason;
	return WHY_UNKNOWN;
}

static void
why_po_string(FILE *f, const char *key, const char *s)
{
	fprintf(f, "%s \"", key);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputs("\"\n", f);
}

int
why_catalogue_write(FILE *f)
{
	static const char *const field[] = {"title", "explain", "action"};

	fputs("# \"Why can't X log in?\" texts, from src/why/why_reason.c (poortctl"
	      " why-catalogue).\nmsgid \"\"\nmsgstr \"\"\n"
	      "\"Project-Id-Version: poort-why\\n\"\n\"MIME-Version: 1.0\\n\"\n"
	      "\"Content-Type: text/plain; charset=UTF-8\\n\"\n"
	      "\"Content-Transfer-Encoding: 8bit\\n\"\n\"Language: nl\\n\"\n",
	      f);
	for (unsigned r = 0; r < WHY_REASON_COUNT; r++) {
		const struct why_text *t = why_table[r].text;
		for (unsigned i = 0; i < 3; i++) {
			const char *en = i == 0 ? t[0].title : i == 1 ? t[0].explain : t[0].action;
			const char *nl = i == 0 ? t[1].title : i == 1 ? t[1].explain : t[1].action;
			char ctx[64];
			snprintf(ctx, sizeof(ctx), "why:%s:%s", why_table[r].id, field[i]);
			fputc('\n', f);
			why_po_string(f, "msgctxt", ctx);
			why_po_string(f, "msgid", en);
			why_po_string(f, "msgstr", nl);
		}
	}
	return ferror(f) ? -1 : 0;
}
