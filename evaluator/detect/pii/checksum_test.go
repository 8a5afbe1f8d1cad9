package pii

import "testing"

// Check-digit algorithms against the worked examples their issuers and
// standards publish (the NHS's 943 476 5919, the DVV's 131052-308T, the
// ECBS IBAN GB82 WEST…, the BZSt Steuer-ID 86095742719, …) and against
// one-digit alterations of them.
func TestChecksums(t *testing.T) {
	tests := []struct {
		name  string
		check func([]byte) bool
		valid []string
		// weak: a one-digit change can keep the check valid (CPF folds
		// remainder 10 to 0; the Steuer-ID check digit is MOD 11,10 over a
		// structure rule).
		weak bool
	}{
		{"luhn", luhn, []string{"79927398713", "4532015112830366", "046454286", "8001015009087", "8112189876"}, false},
		{"mod97", mod97, []string{"GB82WEST12345698765432", "DE81370400440532013047", "nl44rabo0123456789"}, false},
		{"verhoeff", verhoeff, []string{"2363", "498361527094", "581739246018"}, false},
		{"nhs", nhsValid, []string{"9434765919", "4857773457"}, false},
		{"tfn", tfnValid, []string{"123456782", "459182737"}, false},
		{"cpf", cpfValid, []string{"52998224725", "39053344705"}, true},
		{"pesel", peselChecksum, []string{"44051401458", "85072314529", "02251703181"}, false},
		{"tckn", tcknValid, []string{"10000000146", "38274615040"}, false},
		{"steuer-id", steuerIDValid, []string{"86095742719", "46972083585", "59183274557"}, true},
		{"personnummer", personnummerValid, []string{"8112189876", "8507091232", "198507091232"}, false},
		{"za id", zaIDValid, []string{"8001015009087", "8507125112082"}, false},
		{"aadhaar", aadhaarValid, []string{"498361527094", "581739246018"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, v := range tt.valid {
				if !tt.check([]byte(v)) {
					t.Errorf("%s: want valid", v)
				}
				// Changing any one digit must break the check.
				for k := 0; k < len(v) && !tt.weak; k++ {
					b := []byte(v)
					if b[k] < '0' || b[k] > '9' {
						continue
					}
					b[k] = '0' + (b[k]-'0'+1)%10
					if tt.check(b) {
						t.Errorf("%s: altered to %s still valid", v, b)
					}
				}
			}
		})
	}
}

func TestLetterChecks(t *testing.T) {
	tests := []struct {
		name      string
		got, want byte
	}{
		{"dni 12345678", dniLetter([]byte("12345678")), 'Z'},
		{"nie X1234567", dniLetter([]byte("01234567")), 'L'},
		{"hetu 131052-308", hetuCheck([]byte("131052308")), 'T'},
		{"nric S1234567", nricCheck('S', []byte("1234567")), 'D'},
		{"nric T0219386", nricCheck('T', []byte("0219386")), 'D'},
		{"nric M5128374", nricCheck('M', []byte("5128374")), 'T'},
		{"nric unknown prefix", nricCheck('A', []byte("1234567")), 0},
		{"codice fiscale RSSMRA85T10A562", cfCheck([]byte("RSSMRA85T10A562S")), 'S'},
		{"steuer-id check digit", iso7064Mod1110([]byte("8609574271")), 9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestSteuerIDStructure(t *testing.T) {
	tests := []struct {
		d    string
		want bool
	}{
		{"8609574271", true},  // 7 twice
		{"5918327455", true},  // 5 three times, not all adjacent
		{"1234567890", false}, // no digit repeated
		{"1112345678", false}, // three in a row
		{"1111234567", false}, // four times
		{"1122345678", false}, // two digits repeated
	}
	for _, tt := range tests {
		if got := steuerIDStructure([]byte(tt.d)); got != tt.want {
			t.Errorf("steuerIDStructure(%s) = %v, want %v", tt.d, got, tt.want)
		}
	}
}

func TestDates(t *testing.T) {
	tests := []struct {
		y, m, d int
		want    bool
	}{
		{2024, 2, 29, true}, {2023, 2, 29, false}, {1900, 2, 29, false}, {2000, 2, 29, true},
		{2024, 4, 31, false}, {2024, 13, 1, false}, {2024, 0, 1, false}, {2024, 1, 0, false},
	}
	for _, tt := range tests {
		if got := validDate(tt.y, tt.m, tt.d); got != tt.want {
			t.Errorf("validDate(%d,%d,%d) = %v", tt.y, tt.m, tt.d, got)
		}
	}
	if !validYYMMDD(0, 2, 29) || validYYMMDD(99, 2, 29) {
		t.Error("validYYMMDD leap handling")
	}
}

func TestTestLookingNumber(t *testing.T) {
	for _, d := range []string{"4111111111111111", "4242424242424242", "5105105105105100", "4000000000000002",
		"4123456789012345", "3528000700000000"} {
		if !testLookingNumber([]byte(d)) {
			t.Errorf("%s should look like a test number", d)
		}
	}
	for _, d := range []string{"4532015112830366", "378282246310005", "6011643800291750"} {
		if testLookingNumber([]byte(d)) {
			t.Errorf("%s should not look like a test number", d)
		}
	}
}
