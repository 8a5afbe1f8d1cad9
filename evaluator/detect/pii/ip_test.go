package pii

import (
	"net/netip"
	"testing"
)

// TestParseIP compares the allocation-free parsers with net/netip.
func TestParseIP(t *testing.T) {
	for _, s := range []string{
		"0.0.0.0", "1.2.3.4", "255.255.255.255", "81.2.69.160", "256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4.5",
		"1..2.3", "1.2.3.", ".1.2.3", "1.2.3.04",
	} {
		want, err := netip.ParseAddr(s)
		got, ok := parseIPv4(s)
		if ok != (err == nil && want.Is4()) || ok && got != want {
			t.Errorf("parseIPv4(%q) = %v, %v; netip: %v, %v", s, got, ok, want, err)
		}
	}
	for _, s := range []string{
		"::", "::1", "1::", "fe80::1", "2001:db8::1", "2001:db8:0:0:0:0:192.168.1.1", "::ffff:10.0.0.1",
		"64:ff9b::192.0.2.1", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "1::2::3",
		"12345::1", "2001:db8::256.1.1.1", "::ffff:192.168.1", "2a03:2880:f12f:83:face:b00c:0:25de",
		"1:2:3:4:5:6:7::", "::1:2:3:4:5:6:7", "1:2:3:4:5:6::7:8", ":1::2", "1:", "1:2", "A099::09C0:876A:130B",
		"1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4", "::1.2.3.4", "g::1",
	} {
		want, err := netip.ParseAddr(s)
		got, ok := parseIPv6(s)
		if ok != (err == nil && want.Is6()) || ok && got != want {
			t.Errorf("parseIPv6(%q) = %v, %v; netip: %v, %v", s, got, ok, want, err)
		}
	}
}
