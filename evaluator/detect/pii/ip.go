package pii

import (
	"net/netip"
	"strings"
)

// IP addresses (off by default). Candidates are cut at token boundaries and
// parsed with net/netip, which rejects octets over 255, leading zeros,
// malformed compression and everything else that only looks like an
// address. Private, loopback, link-local, multicast and documentation
// addresses, and dotted quads of single digits (section numbers such as
// 1.2.3.4), name no one on the internet: they are reported only next to a
// word about networking.

// ip matches an IPv4 or IPv6 address that starts with a digit.
func (s *scanner) ip(i int, tk *numTok) int {
	t := s.t
	if w := skipAlnum(t, i); w < len(t) && t[w] == ':' && w-i <= 4 && isHexRun(t[i:w]) {
		if end := s.ipv6(i); end > 0 {
			return end
		}
	}
	if tk.n < 4 || tk.sep[0] != '.' || tk.sep[1] != '.' || tk.sep[2] != '.' || tk.n > 4 && tk.sep[3] == '.' {
		return -1
	}
	weak := true
	for k := 0; k < 4; k++ {
		if tk.glen(k) > 3 {
			return -1
		}
		if tk.glen(k) > 1 {
			weak = false
		}
	}
	end := tk.ge[3]
	addr, err := netip.ParseAddr(t[i:end])
	if err != nil {
		return -1
	}
	end = prefixLen(t, end, 32)
	if !ipRightOK(t, end) {
		return -1
	}
	return s.emitIP(i, end, addr, weak)
}

// ipv6 matches an IPv6 address starting at i (a hex digit or "::").
func (s *scanner) ipv6(i int) int {
	t := s.t
	if i > 0 && (isAlnum(t[i-1]) || t[i-1] == ':' || t[i-1] == '.') {
		return -1 // the tail of a longer token: "2001::db8::1", "text::1"
	}
	j := i
	colons, hexDigits, digits := 0, 0, 0
	for j < len(t) && j-i < 64 {
		c := t[j]
		switch {
		case c == ':':
			colons++
		case isDigit(c):
			digits++
			hexDigits++
		case isHex(c):
			hexDigits++
		case c == '.':
		default:
			goto done
		}
		j++
	}
done:
	for j > i && t[j-1] == '.' {
		j--
	}
	if j-i >= 2 && t[j-1] == ':' && t[j-2] != ':' {
		j--
		colons--
	}
	if colons < 2 || digits == 0 {
		return -1
	}
	addr, err := netip.ParseAddr(t[i:j])
	if err != nil || !addr.Is6() {
		return -1
	}
	end := j
	if end+1 < len(t) && t[end] == '%' && isAlnum(t[end+1]) {
		end = skipAlnum(t, end+1)
	}
	end = prefixLen(t, end, 128)
	if !ipRightOK(t, end) {
		return -1
	}
	return s.emitIP(i, end, addr, hexDigits < 4)
}

// prefixLen extends an address over a "/nn" prefix length no larger than
// max.
func prefixLen(t string, end, max int) int {
	if end+1 >= len(t) || t[end] != '/' || !isDigit(t[end+1]) {
		return end
	}
	k, v := end+1, 0
	for k < len(t) && isDigit(t[k]) && k-end <= 3 {
		v = v*10 + int(t[k]-'0')
		k++
	}
	if v > max || k < len(t) && isDigit(t[k]) {
		return end
	}
	return k
}

// ipRightOK is rightOK that also lets a port follow (10.1.2.3:8080).
func ipRightOK(t string, end int) bool {
	if end+1 < len(t) && t[end] == ':' && isDigit(t[end+1]) {
		k := end + 1
		for k < len(t) && isDigit(t[k]) {
			k++
		}
		return rightOK(t, k)
	}
	return rightOK(t, end)
}

func (s *scanner) emitIP(i, end int, addr netip.Addr, weak bool) int {
	special := ipSpecial(addr)
	c := s.context(i, end)
	pos := c.pos(entIPAddress)
	if !pos && (special || weak || c.neg) {
		return -1
	}
	conf := 0.9
	switch {
	case special:
		conf = 0.7
	case pos:
		conf = 1
	}
	s.emit(entIPAddress, i, end, conf)
	return end
}

// specialPrefixes are non-global ranges net/netip has no predicate for.
var specialPrefixes = func() []netip.Prefix {
	var out []netip.Prefix
	for _, p := range strings.Fields(`0.0.0.0/8 100.64.0.0/10 192.0.0.0/24 192.0.2.0/24 198.18.0.0/15
		198.51.100.0/24 203.0.113.0/24 240.0.0.0/4 2001:db8::/32 100::/64 2001:2::/48`) {
		out = append(out, netip.MustParsePrefix(p))
	}
	return out
}()

var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// ipSpecial reports whether an address is not a global unicast address of
// some host on the internet.
func ipSpecial(a netip.Addr) bool {
	if a.Is4In6() {
		a = a.Unmap()
	}
	if nat64.Contains(a) {
		b := a.As16()
		a = netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
	}
	if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsMulticast() || a.IsUnspecified() ||
		a.IsInterfaceLocalMulticast() || a.IsLinkLocalMulticast() {
		return true
	}
	for _, p := range specialPrefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
