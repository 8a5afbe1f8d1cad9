package detect

// StrongestPerRule keeps the strongest hit of each rule, in the order the
// rules first fired. Families collect hits of their own type while they
// judge a payload, several per rule when a rule fires more than once, and
// report one finding per rule: rule and severity read those two fields
// of a hit.
//
// A later hit replaces the kept one only when it is strictly more severe,
// so among equals the first stays. With fewer than two hits it returns hs
// itself; otherwise a new slice, leaving hs as it was.
func StrongestPerRule[H any](hs []H, rule func(*H) string, severity func(*H) Severity) []H {
	if len(hs) < 2 {
		return hs
	}
	out := hs[:0:0] // no capacity: the first append copies away from hs
	for i := range hs {
		h := &hs[i]
		kept := -1
		for j := range out {
			if rule(&out[j]) == rule(h) {
				kept = j
				break
			}
		}
		switch {
		case kept < 0:
			out = append(out, *h)
		case severity(h) > severity(&out[kept]):
			out[kept] = *h
		}
	}
	return out
}
