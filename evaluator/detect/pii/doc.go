// Package pii finds personal data in LLM traffic: payment card numbers,
// national identity and tax numbers, bank accounts (IBAN), email addresses,
// phone numbers and, when asked for, IP addresses.
//
// A high-severity finding is redacted from the request by the default
// policy, so precision comes first, in the manner of Microsoft Presidio's
// recognizers with validators:
//
//   - every entity that carries a check digit is validated (Luhn, ISO 7064
//     mod 97 and mod 11,10, Verhoeff, weighted mod 11, letter tables) along
//     with its issuer ranges, lengths and embedded dates;
//   - formats that are ambiguous on their own (a bare nine-digit number could
//     be a Canadian SIN, an Australian TFN, an ABA routing number or an order
//     id) are only reported next to a context word ("SIN", "NHS",
//     "Steuer-ID", "pesel", ...), in several languages;
//   - numbers that are part of a larger token (UUIDs, hashes, version strings,
//     URL paths, decimals, dates) are never taken apart, and test-looking
//     repeats (4111 1111 1111 1111, 123-45-6789) are not personal data.
//
// The whole family is one hand-written byte scanner rather than a regular
// expression per entity: a segment is walked once, stopping only at digits
// and at '+', '(', '@' and ':', and the validators run on the few bytes of
// each candidate; context words are looked up only once a candidate has
// passed its checks. A request with no personal data costs one pass over
// its text and no allocations.
//
// Numbers written with full-width or other-script digits, no-break spaces,
// Unicode dashes or invisible characters inside them are found through a
// folded ASCII view of the segment whose spans map back exactly to the
// original bytes, so the evaluator's redaction replaces what was there.
//
// # Entities
//
// Detector ids are "pii.<name>". "Context" means a word naming the entity
// within 64 bytes before or 24 after the value (32 before, for phones); it
// also raises confidence. A negative word right before the value ("order",
// "invoice", "id", "version", "serial", …) without a positive one
// suppresses the formats that need no context.
//
//	name             severity  reported when
//	credit_card      high      12-19 digits (compact, 4-4-4-4…, 4-6-5, 4-6-4) with an issuer prefix of that
//	                           length (Visa, Mastercard incl. 2-series, Amex, Discover, JCB, Diners, UnionPay,
//	                           Maestro, Mir) and Luhn; 12-13 and 17-19 digits need context
//	us_ssn           high      3-2-4 dashed or spaced, issuable area/group/serial; dotted or compact with context
//	us_itin          high      as us_ssn with a 9xx area and an IRS group range
//	iban             high      country length (every registry country), mod 97, compact or in fours
//	email            low       local@domain.tld; not git remotes, URL credentials, package@version, file@2x.png
//	phone            low       +CC with a plausible national length; (NXX) NXX-XXXX, NXX-NXX-XXXX; national
//	                           layouts in groups with context; never a plain digit run, date or operand
//	ip_address       low       off by default; public IPv4/IPv6; private, loopback, documentation with context
//	uk_nhs           high      mod 11, with context
//	uk_nino          high      HMRC prefix rules, spaced upper case; compact or lower case with context
//	ca_sin           high      Luhn, first digit not 0 or 8, with context
//	es_dni, es_nie   high      mod 23 letter; lower-case letter with context
//	it_fiscal_code   high      full structure (month letter, day, omocodia) and check letter
//	de_tax_id        high      digit-repetition rule and ISO 7064 mod 11,10, with context
//	in_aadhaar       high      Verhoeff, first digit 2-9; 4-4-4 grouped, or compact with context
//	br_cpf           high      two check digits; 123.456.789-09, or compact with context
//	au_tfn           high      weighted mod 11, with context
//	sg_nric          high      S/T/F/G/M series check letter
//	pl_pesel         high      birth date (century in the month) and check digit, with context
//	fi_hetu          high      birth date, century sign, mod 31 character; all-digit forms with context
//	se_personnummer  high      birth date (or +60 coordination day) and Luhn, with context
//	tr_tckn          high      two check digits, with context
//	za_id            high      birth date, citizenship digit, Luhn
//
// Every entity's true and false positives are in examples.go, checked by
// the tests; scores on the labelled corpora are pinned in corpus_test.go.
package pii
