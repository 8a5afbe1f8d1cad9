package normalize

import "golang.org/x/text/unicode/norm"

// nfkc applies NFKC to t, which folds full-width forms (ｉｇｎｏｒｅ),
// mathematical alphanumerics (𝐢𝐠𝐧𝐨𝐫𝐞), circled and parenthesized letters,
// ligatures and other compatibility characters to the plain letters a model
// reads them as. It works chunk by chunk between normalization boundaries
// so that the stage's span map stays exact.
func (r *Result) nfkc(t string) string {
	n := norm.NFKC.QuickSpanString(t)
	if n == len(t) {
		return t
	}
	out := make([]byte, 0, len(t)+8)
	var m spanMap
	var it norm.Iter
	for i := 0; i < len(t); {
		// Copy what is already normal, then normalize one segment.
		n := norm.NFKC.QuickSpanString(t[i:])
		out = append(out, t[i:i+n]...)
		i += n
		if i >= len(t) {
			break
		}
		k := norm.NFKC.NextBoundaryInString(t[i:], true)
		if k <= 0 {
			k = len(t) - i
		}
		to := len(out)
		it.InitString(norm.NFKC, t[i:i+k])
		for !it.Done() {
			out = append(out, it.Next()...)
		}
		m.add(to, len(out), i, i+k)
		i += k
	}
	if len(m) > 0 {
		r.maps = append(r.maps, m)
	}
	return string(out)
}
