package pii

import (
	"strings"

	"github.com/sluicehq/sluice/evaluator/detect"
)

// entityID indexes the entity table. The order is the order findings of
// equal priority are tried in, and the order Entities() lists them.
type entityID uint8

const (
	entCreditCard entityID = iota
	entUSSSN
	entUSITIN
	entIBAN
	entEmail
	entPhone
	entIPAddress
	entUKNHS
	entUKNINO
	entCASIN
	entESDNI
	entESNIE
	entITFiscalCode
	entDETaxID
	entINAadhaar
	entBRCPF
	entAUTFN
	entSGNRIC
	entPLPESEL
	entFIHETU
	entSEPersonnummer
	entTRTCKN
	entZAID
	numEntities
)

// entity is one kind of personal data.
type entity struct {
	name     string
	detector string
	sev      detect.Severity
	reason   string
	def      bool // on when Config.Entities is empty
	// context words and phrases (lower case) that make a nearby value more
	// likely to be this entity; ambiguous formats need one.
	context []string
}

const high, low = detect.SeverityHigh, detect.SeverityLow

// entities is the table of entities, indexed by entityID.
var entities = [numEntities]entity{
	entCreditCard: {"credit_card", "pii.credit_card", high, "payment card number", true, []string{
		"card", "cards", "credit", "debit", "cc", "ccn", "pan", "visa", "mastercard", "amex", "american express",
		"discover", "jcb", "diners", "unionpay", "maestro", "cvv", "cvc", "expiry", "expires", "billing", "charge",
		"payment", "carte", "carte bancaire", "tarjeta", "karte", "kreditkarte", "carta", "cartão", "kaart",
		"creditcard", "kort", "karta", "kortnummer", "kartennummer", "numéro de carte", "número de tarjeta",
		"カード", "信用卡", "银行卡", "카드",
	}},
	entUSSSN: {"us_ssn", "pii.us_ssn", high, "US social security number", true, []string{
		"ssn", "ssns", "social security", "social security number", "social sec",
	}},
	entUSITIN: {"us_itin", "pii.us_itin", high, "US individual taxpayer identification number", true, []string{
		"itin", "taxpayer identification", "taxpayer id", "tax id", "tin",
	}},
	entIBAN: {"iban", "pii.iban", high, "bank account number (IBAN)", true, []string{
		"iban", "account", "bank", "bank account", "wire", "transfer", "bic", "swift", "konto", "kontonummer",
		"compte", "cuenta", "conto", "rekening", "bankverbindung", "virement", "transferencia", "überweisung",
	}},
	entEmail: {"email", "pii.email", low, "email address", true, []string{
		"email", "e-mail", "mail", "mailto", "courriel", "correo", "contact",
	}},
	entPhone: {"phone", "pii.phone", low, "phone number", true, []string{
		"phone", "phones", "telephone", "tel", "mobile", "cell", "cellphone", "fax", "call", "call me", "sms",
		"text me", "whatsapp", "landline", "hotline", "dial", "contact", "reach me",
		"téléphone", "tél", "portable", "telefon", "telefonnummer", "handy", "rufnummer", "festnetz", "mobil",
		"teléfono", "telefono", "móvil", "movil", "celular", "telefone", "telemóvel", "cellulare", "numero di telefono",
		"telefoonnummer", "mobiel", "puhelin", "mobilnummer", "telepono", "numara", "gsm",
		"телефон", "電話", "电话", "手机", "携帯", "전화", "핸드폰",
	}},
	entIPAddress: {"ip_address", "pii.ip_address", low, "IP address", false, []string{
		"ip", "ips", "ipv4", "ipv6", "ip address", "host", "hostname", "server", "gateway", "subnet", "client",
		"remote", "src", "dst", "source", "destination", "router", "dns", "ssh", "ping", "proxy", "cidr",
		"route", "connect", "connecting", "adresse ip", "ip-adresse", "dirección ip", "indirizzo ip", "endereço ip",
	}},
	entUKNHS: {"uk_nhs", "pii.uk_nhs", high, "UK NHS number", true, []string{
		"nhs", "nhs number", "nhs no", "national health service", "health service", "chi number",
	}},
	entUKNINO: {"uk_nino", "pii.uk_nino", high, "UK national insurance number", true, []string{
		"nino", "national insurance", "ni number", "ni no", "insurance number",
	}},
	entCASIN: {"ca_sin", "pii.ca_sin", high, "Canadian social insurance number", true, []string{
		"sin", "social insurance", "social insurance number", "nas", "assurance sociale", "numéro d'assurance sociale",
	}},
	entESDNI: {"es_dni", "pii.es_dni", high, "Spanish national identity number (DNI/NIF)", true, []string{
		"dni", "nif", "documento nacional", "documento de identidad", "identidad", "d.n.i",
	}},
	entESNIE: {"es_nie", "pii.es_nie", high, "Spanish foreigner identity number (NIE)", true, []string{
		"nie", "extranjero", "extranjeros", "identidad de extranjero",
	}},
	entITFiscalCode: {"it_fiscal_code", "pii.it_fiscal_code", high, "Italian fiscal code", true, []string{
		"codice fiscale", "cf", "fiscal code", "tessera sanitaria", "codice",
	}},
	entDETaxID: {"de_tax_id", "pii.de_tax_id", high, "German tax identification number", true, []string{
		"steuer-id", "steuerid", "steuer id", "idnr", "id-nr", "steueridentifikationsnummer",
		"steuer-identifikationsnummer", "identifikationsnummer", "steuerliche identifikationsnummer",
		"tax id", "tin",
	}},
	entINAadhaar: {"in_aadhaar", "pii.in_aadhaar", high, "Indian Aadhaar number", true, []string{
		"aadhaar", "aadhar", "adhaar", "uidai", "आधार",
	}},
	entBRCPF: {"br_cpf", "pii.br_cpf", high, "Brazilian CPF number", true, []string{
		"cpf", "cadastro de pessoas", "cpf/mf",
	}},
	entAUTFN: {"au_tfn", "pii.au_tfn", high, "Australian tax file number", true, []string{
		"tfn", "tax file", "tax file number",
	}},
	entSGNRIC: {"sg_nric", "pii.sg_nric", high, "Singapore NRIC/FIN", true, []string{
		"nric", "fin", "identity card", "ic number",
	}},
	entPLPESEL: {"pl_pesel", "pii.pl_pesel", high, "Polish PESEL number", true, []string{
		"pesel", "numer pesel",
	}},
	entFIHETU: {"fi_hetu", "pii.fi_hetu", high, "Finnish personal identity code", true, []string{
		"hetu", "henkilötunnus", "henkilötunnukseni", "personal identity code", "sosiaaliturvatunnus",
	}},
	entSEPersonnummer: {"se_personnummer", "pii.se_personnummer", high, "Swedish personal identity number", true, []string{
		"personnummer", "personnumret", "pnr", "personnr", "pers.nr", "samordningsnummer",
		"personal identity number", "personal identity code", "personal number",
	}},
	entTRTCKN: {"tr_tckn", "pii.tr_tckn", high, "Turkish identity number", true, []string{
		"tckn", "tc kimlik", "t.c. kimlik", "kimlik no", "kimlik numarası", "kimlik numaram", "tc no",
		"turkish id", "vatandaşlık",
	}},
	entZAID: {"za_id", "pii.za_id", high, "South African identity number", true, []string{
		"id number", "identity number", "south african id", "rsa id", "sa id", "id no",
	}},
}

// negativeContext are words that, just before a number and with no positive
// context for the entity, mark it as something else: an order, a build, a
// tracking code. They keep Luhn-valid order numbers from being redacted as
// cards.
var negativeContext = []string{
	"order", "order id", "order number", "invoice", "tracking", "shipment", "isbn", "imei", "serial",
	"ticket", "transaction id", "txn", "uuid", "hash", "checksum", "timestamp", "epoch", "version",
	"build", "commit", "sha", "sku", "upc", "ean", "gtin", "po", "reference", "ref", "issue", "pr",
	"port", "pid", "line", "row", "offset", "nonce", "seed", "id",
}

// lookupEntity resolves "credit_card" or "pii.credit_card".
func lookupEntity(name string) (entityID, bool) {
	name = strings.TrimPrefix(strings.TrimSpace(name), "pii.")
	for i := range entities {
		if entities[i].name == name {
			return entityID(i), true
		}
	}
	return 0, false
}

func entityNames() []string {
	out := make([]string, len(entities))
	for i := range entities {
		out[i] = entities[i].name
	}
	return out
}

// Entity describes one kind of personal data the detector can find.
type Entity struct {
	// Name is what Config.Entities and policy files use, e.g. "credit_card".
	Name string
	// Detector is the finding's detector id, e.g. "pii.credit_card".
	Detector string
	Severity detect.Severity
	// Reason is the user-safe description carried by findings.
	Reason string
	// Default says whether the entity is on when Config.Entities is empty.
	Default bool
	// Examples are labelled samples the entity must (Positive) or must not
	// find, checked by the package tests.
	Examples []detect.Example
}

// Entities lists every entity the family knows, in a fixed order.
func Entities() []Entity {
	out := make([]Entity, len(entities))
	for i := range entities {
		e := &entities[i]
		out[i] = Entity{Name: e.name, Detector: e.detector, Severity: e.sev, Reason: e.reason, Default: e.def,
			Examples: append([]detect.Example(nil), examples[i]...)}
	}
	return out
}

// DefaultEntities lists the names of the entities enabled by default.
func DefaultEntities() []string {
	var out []string
	for i := range entities {
		if entities[i].def {
			out = append(out, entities[i].name)
		}
	}
	return out
}
