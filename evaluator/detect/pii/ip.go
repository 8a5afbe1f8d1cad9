package pii

import (
	"net/netip"
	"strings"
)

// IP addresses (off by default). Candidates are cut at token boundaries and
// parsed with net/netip, which rejects octets over 255, leading zeros,
// malformed compression and everything else that only looks like an
// address. Private, loopback, link-local, multicast and documentation
// addresses name no one on the internet, and dotted quads of mostly single
// digits are usually section numbers (4.2.1.10): both are reported only
// next to a word about networking.

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
	// Three or more one-digit octets read as a section number (RFC 5280
	// 4.2.1.10) or a version; such addresses need a networking word.
	small := 0
	for k := 0; k < 4; k++ {
		if tk.glen(k) > 3 {
			return -1
		}
		if tk.glen(k) == 1 {
			small++
		}
	}
	weak := small >= 3
	end := tk.ge[3]
	addr, ok := parseIPv4(t[i:end])
	if !ok {
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
	addr, ok := parseIPv6(t[i:j])
	if !ok {
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

// parseIPv4 parses a dotted quad strictly: four decimal octets up to 255,
// no leading zeros. (net/netip would do, but its errors allocate, and most
// candidates fail.)
func parseIPv4(s string) (netip.Addr, bool) {
	var b [4]byte
	k, v, n := 0, 0, 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			if n == 0 || k == 4 || n > 1 && s[i-n] == '0' {
				return netip.Addr{}, false
			}
			b[k] = byte(v)
			k, v, n = k+1, 0, 0
			continue
		}
		if !isDigit(s[i]) {
			return netip.Addr{}, false
		}
		v = v*10 + int(s[i]-'0')
		n++
		if v > 255 {
			return netip.Addr{}, false
		}
	}
	if k != 4 {
		return netip.Addr{}, false
	}
	return netip.AddrFrom4(b), true
}

// parseIPv6 parses an IPv6 address without zone: up to eight groups of one
// to four hex digits, at most one "::", optionally ending in a dotted quad.
func parseIPv6(s string) (netip.Addr, bool) {
	var b [16]byte
	ellipsis := -1 // byte index in b where "::" stood
	k := 0
	i := 0
	if len(s) >= 2 && s[0] == ':' && s[1] == ':' {
		ellipsis = 0
		i = 2
		if i == len(s) {
			return netip.AddrFrom16(b), true
		}
	}
	for i < len(s) && k < 16 {
		// A trailing dotted quad fills the last four bytes.
		j := i
		for j < len(s) && isHex(s[j]) {
			j++
		}
		if j < len(s) && s[j] == '.' {
			if k > 12 {
				return netip.Addr{}, false
			}
			v4, ok := parseIPv4(s[i:])
			if !ok {
				return netip.Addr{}, false
			}
			a := v4.As4()
			copy(b[k:], a[:])
			k += 4
			i = len(s)
			break
		}
		if j == i || j-i > 4 {
			return netip.Addr{}, false
		}
		v := 0
		for _, c := range []byte(s[i:j]) {
			v = v<<4 | hexVal(c)
		}
		b[k], b[k+1] = byte(v>>8), byte(v)
		k += 2
		i = j
		if i == len(s) {
			break
		}
		if s[i] != ':' || i+1 == len(s) {
			return netip.Addr{}, false
		}
		i++
		if s[i] == ':' {
			if ellipsis >= 0 {
				return netip.Addr{}, false
			}
			ellipsis = k
			i++
			if i == len(s) {
				break
			}
		}
	}
	if i != len(s) {
		return netip.Addr{}, false
	}
	if ellipsis < 0 {
		if k != 16 {
			return netip.Addr{}, false
		}
		return netip.AddrFrom16(b), true
	}
	if k == 16 {
		return netip.Addr{}, false // "::" must stand for at least one group
	}
	n := k - ellipsis
	copy(b[16-n:], b[ellipsis:k])
	for x := ellipsis; x < 16-n; x++ {
		b[x] = 0
	}
	return netip.AddrFrom16(b), true
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return 0
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
