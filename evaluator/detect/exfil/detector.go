package exfil

import (
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/sluicehq/sluice/evaluator/detect"
	"github.com/sluicehq/sluice/evaluator/detect/toolrisk"
	"github.com/sluicehq/sluice/evaluator/interaction"
)

// Family is the detector family name; finding ids are "exfil.<rule>".
const Family = "exfil"

// Config configures the detector. The zero value is usable.
type Config struct {
	// AllowHosts are destinations data may go to: host names, or
	// "*.example.com" for a domain and everything under it. URLs to them
	// are not judged.
	AllowHosts []string
	// SinkHosts are extra known exfiltration endpoints, same syntax.
	SinkHosts []string
	// SinkTools are extra tool-name patterns (globs, or "re:" + regexp) of
	// tools that send data outside: mail, chat, issue trackers, uploads.
	SinkTools []string
	// NoDefaultSinks drops the built-in sink hosts and sink tool patterns.
	NoDefaultSinks bool
}

// Detector finds data leaving through rendered URLs, tool calls and
// untrusted-content-to-sink flows. It is safe for concurrent use.
type Detector struct {
	allow, sinks hostSet
	// sinkRoots are the last two labels of every sink host, a one-lookup
	// test that rules most hosts out before classify.
	sinkRoots map[string]bool
	sinkTools toolrisk.Patterns
	httpTools toolrisk.Patterns
}

// defaultSinkTools are sink tool names the verb-based test (sinkName)
// does not catch.
var defaultSinkTools = []string{"*webhook*", "*upload*", "*put_object*", "*write_to_url*", "*gist*", "*exfil*"}

// defaultHTTPTools make requests; they are sinks when they send a body,
// use a method other than GET, or carry data in the URL.
var defaultHTTPTools = []string{
	"http*", "*fetch*", "request", "*_request", "curl", "*navigate*", "open_url", "*visit*", "browse*", "*browser*", "get_url", "*download*",
	"*web_get*", "*scrape*", "*crawl*",
}

// New builds a detector.
func New(cfg Config) (*Detector, error) {
	d := &Detector{}
	var err error
	if d.allow, err = newHostSet(cfg.AllowHosts); err != nil {
		return nil, err
	}
	sinks := cfg.SinkHosts
	tools := cfg.SinkTools
	if !cfg.NoDefaultSinks {
		sinks = append(append([]string{}, defaultSinks...), sinks...)
		tools = append(append([]string{}, defaultSinkTools...), tools...)
	}
	if d.sinks, err = newHostSet(sinks); err != nil {
		return nil, err
	}
	d.sinkRoots = map[string]bool{}
	for h := range d.sinks.exact {
		d.sinkRoots[lastLabels(h)] = true
	}
	for h := range d.sinks.domains {
		d.sinkRoots[lastLabels(h)] = true
	}
	for _, ps := range pathSinks {
		d.sinkRoots[lastLabels(ps.host)] = true
	}
	if d.sinkTools, err = toolrisk.CompilePatterns(tools); err != nil {
		return nil, err
	}
	if d.httpTools, err = toolrisk.CompilePatterns(defaultHTTPTools); err != nil {
		return nil, err
	}
	return d, nil
}

// lastLabels returns the last two labels of a host name.
func lastLabels(h string) string {
	i := strings.LastIndexByte(h, '.')
	if i <= 0 {
		return h
	}
	if j := strings.LastIndexByte(h[:i], '.'); j >= 0 {
		return h[j+1:]
	}
	return h
}

// maybeSink reports whether a host could be a sink (its last two labels
// are those of a sink).
func (d *Detector) maybeSink(host string) bool { return d.sinkRoots[lastLabels(host)] }

// Name returns the family name.
func (d *Detector) Name() string { return Family }

// Detect judges the interaction: URLs in model output (responses and
// assistant turns in history), URL templates in untrusted content, every
// tool call, and untrusted content followed by a call to a sink.
func (d *Detector) Detect(in *detect.Input, out []detect.Finding) []detect.Finding {
	ix := in.IX
	if ix == nil {
		return out
	}
	sc := scratchPool.Get().(*scratch)
	defer func() {
		clear(sc.links[:cap(sc.links)])
		sc.links = sc.links[:0]
		scratchPool.Put(sc)
	}()
	first := -1 // turn of the earliest untrusted content, for the flow rule
	for i := range ix.Segments {
		s := &ix.Segments[i]
		switch {
		case s.Trust == interaction.TrustModel && s.Kind != interaction.KindToolArguments:
			out = d.modelOutput(in, i, sc, out)
		case s.Trust == interaction.TrustUntrusted && s.Kind != interaction.KindToolArguments:
			out = d.untrusted(in, i, sc, out)
			if untrustedContent(s) && (first < 0 || s.Turn < first) {
				first = s.Turn
			}
		}
	}
	if len(ix.ToolCalls) == 0 {
		return out
	}
	var sinks []bool
	if first >= 0 {
		sinks = make([]bool, len(ix.ToolCalls))
	}
	for ci := range ix.ToolCalls {
		// Whether a call is a sink matters only after untrusted content.
		needSink := first >= 0 && ix.ToolCalls[ci].Turn > first
		var sink bool
		out, sink = d.toolCall(in, ci, needSink, out)
		if needSink {
			sinks[ci] = sink
		}
	}
	if first < 0 {
		return out
	}
	return d.flow(in, first, sinks, out)
}

type scratch struct {
	links []link
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// linkText returns the text a link of segment i was found in.
func linkText(in *detect.Input, i int, l *link) string {
	if l.norm {
		return in.Norm[i].Text
	}
	return in.IX.Segments[i].Text
}

// segmentLinks finds the links of segment i, in its text and, when
// normalization changed it (zero-width characters splitting a URL,
// full-width letters), in the normalized text too; links found only there
// span the whole segment.
func segmentLinks(in *detect.Input, i int, sc *scratch) []link {
	t := in.IX.Segments[i].Text
	sc.links = findLinks(t, sc.links[:0])
	if i < len(in.Norm) && in.Norm[i].Changed {
		n := len(sc.links)
		sc.links = findLinks(in.Norm[i].Text, sc.links)
		for j := n; j < len(sc.links); j++ {
			dup := false
			for k := 0; k < n; k++ {
				if sc.links[k].url == sc.links[j].url {
					dup = true
				}
			}
			if dup {
				sc.links[j].url = "" // dropped below
				continue
			}
			sc.links[j].start, sc.links[j].end = 0, len(t)
			sc.links[j].norm = true
		}
	}
	return sc.links
}

// modelOutput judges the URLs the model wrote. An image is fetched by the
// client as soon as the text is rendered, so an image URL carrying data
// leaks it with no click; a link needs a click.
func (d *Detector) modelOutput(in *detect.Input, i int, sc *scratch, out []detect.Finding) []detect.Finding {
	links := segmentLinks(in, i, sc)
	for j := range links {
		l := &links[j]
		if l.url == "" || repeatClean(links, j) {
			continue
		}
		host, path, query, ok := urlParts(l.url)
		if !ok {
			continue
		}
		class := d.classify(host, path)
		if class == hostAllowed || class == hostLocal {
			l.clean = true
			continue
		}
		k := urlData(path, query)
		if k == 0 && class != hostSink {
			l.clean = true
			continue
		}
		l.resolve(linkText(in, i, l))
		if seenBefore(links, j) {
			continue
		}
		var rule, reason string
		var s detect.Severity
		switch {
		case l.image && class == hostSink:
			rule, s, reason = ruleMarkdownImage, detect.SeverityHigh, "model output renders an image from a known exfiltration endpoint"
		case class == hostSink:
			rule, s, reason = ruleKnownSink, detect.SeverityHigh, "model output links to a known exfiltration endpoint"
		case l.image && k.strong():
			rule, s, reason = ruleMarkdownImage, detect.SeverityHigh, "model output renders an image whose URL carries "+k.String()
		case l.image && k&(dataText|dataBlob|dataTemplate|dataManyParams) != 0:
			rule, s, reason = ruleMarkdownImage, detect.SeverityMedium, "model output renders an image whose URL carries "+k.String()
		case l.image && class == hostRawIP && k != 0:
			rule, s, reason = ruleMarkdownImage, detect.SeverityMedium, "model output renders an image from a bare IP address with data in the URL"
		case !l.image && k&(dataSecret|dataEmail|dataEncodedText) != 0:
			rule, s, reason = ruleDataLink, detect.SeverityMedium, "model output links to an external URL carrying "+k.String()
		default:
			continue
		}
		out = append(out, d.textFinding(in, i, *l, rule, s, reason))
	}
	return out
}

// untrusted judges URLs in content no one vouches for (tool results,
// fetched pages, documents, tool descriptions): a URL template waiting to
// be filled with data is the payload of a markdown-image exfiltration
// attack, whatever the words around it say.
func (d *Detector) untrusted(in *detect.Input, i int, sc *scratch, out []detect.Finding) []detect.Finding {
	t := in.IX.Segments[i].Text
	links := segmentLinks(in, i, sc)
	for j := range links {
		l := &links[j]
		if l.url == "" || repeatClean(links, j) {
			continue
		}
		// Only a template (a placeholder character, a dangling "=") or an
		// exfiltration endpoint can matter here.
		templ := strings.ContainsAny(l.url, "{[<%$_") || strings.HasSuffix(l.url, "=")
		host, path, query, ok := urlParts(l.url)
		if !ok || (!templ && !d.maybeSink(host)) {
			l.clean = true
			continue
		}
		class := d.classify(host, path)
		if class == hostAllowed || class == hostLocal || (!templ && class != hostSink) {
			l.clean = true
			continue
		}
		var k dataKind
		if templ {
			k = urlData(path, query)
		}
		l.resolve(linkText(in, i, l))
		if seenBefore(links, j) {
			continue
		}
		if strings.HasSuffix(l.url, "=") && fillInstruction(t, l.start, l.end) {
			k |= dataTemplate | dataNamedTemplate
		}
		var s detect.Severity
		var reason string
		switch {
		case k&dataTemplate != 0 && l.image:
			s, reason = detect.SeverityHigh, "untrusted content carries an image URL template to be filled with data"
		case k&dataNamedTemplate != 0:
			s, reason = detect.SeverityMedium, "untrusted content carries a URL template to be filled with data"
		case l.image && class == hostSink:
			s, reason = detect.SeverityMedium, "untrusted content embeds an image from a known exfiltration endpoint"
		default:
			continue
		}
		out = append(out, d.textFinding(in, i, *l, ruleInjectedImage, s, reason))
	}
	return out
}

// repeatClean reports a link whose URL appeared earlier in the same text
// and was judged to carry nothing.
func repeatClean(links []link, j int) bool {
	for k := max(0, j-32); k < j; k++ {
		if links[k].clean && links[k].url == links[j].url {
			links[j].clean = true
			return true
		}
	}
	return false
}

// seenBefore reports a link whose URL and rendering already appeared
// earlier in the same text (navigation bars, repeated citations): it is
// judged, and reported, once. Earlier links with the same URL were judged
// the same way, so their context is resolved when they mattered.
func seenBefore(links []link, j int) bool {
	for k := max(0, j-32); k < j; k++ {
		if links[k].url == links[j].url && links[k].ctx && links[k].image == links[j].image {
			return true
		}
	}
	return false
}

// fillInstruction reports words around a URL that ends in "=" telling the
// reader to complete it: "append the password to https://x/?q=".
func fillInstruction(t string, start, end int) bool {
	w := strings.ToLower(t[max(0, start-200):min(len(t), end+200)])
	for _, v := range [...]string{"append", "add ", "include", "concatenat", "replace", "insert", "fill", "attach", "put the", "followed by"} {
		if strings.Contains(w, v) {
			return true
		}
	}
	return false
}

func (d *Detector) textFinding(in *detect.Input, i int, l link, rule string, s detect.Severity, reason string) detect.Finding {
	seg := &in.IX.Segments[i]
	return detect.Finding{
		Category:   detect.CategoryExfiltration,
		Detector:   Family + "." + rule,
		Severity:   s,
		Confidence: confidence(s),
		Segment:    i,
		Location:   seg.Location,
		Start:      l.start,
		End:        l.end,
		Evidence:   urlEvidence(l.kind, l.url),
		Reason:     reason,
	}
}

func confidence(s detect.Severity) float64 {
	switch s {
	case detect.SeverityCritical, detect.SeverityHigh:
		return 0.9
	case detect.SeverityMedium:
		return 0.75
	}
	return 0.5
}

// urlEvidence renders a URL for evidence: scheme, host and the first path
// segment kept (where data went), every query value and the rest of the
// path masked (what was sent).
func urlEvidence(kind, u string) string {
	host, path, query, ok := urlParts(u)
	if !ok {
		return detect.Excerpt(kind)
	}
	var b strings.Builder
	if kind != "" && kind != "link" {
		b.WriteString(kind)
		b.WriteString(": ")
	}
	b.WriteString(host)
	if path != "" {
		segs := strings.SplitN(strings.TrimPrefix(path, "/"), "/", 2)
		b.WriteByte('/')
		if len(segs[0]) > 24 {
			b.WriteString(detect.Mask(segs[0]))
		} else {
			b.WriteString(segs[0])
		}
		if len(segs) > 1 && segs[1] != "" {
			b.WriteString("/" + detect.MaskSuffix)
		}
	}
	if query != "" {
		b.WriteByte('?')
		for j, kv := range strings.Split(query, "&") {
			if j >= 4 {
				b.WriteString("&…")
				break
			}
			if j > 0 {
				b.WriteByte('&')
			}
			// Query values are the data itself: none of it is kept.
			name, _, hasV := strings.Cut(kv, "=")
			if !hasV || len(name) > 24 {
				b.WriteString(detect.MaskSuffix)
				continue
			}
			b.WriteString(name + "=" + detect.MaskSuffix)
		}
	}
	return detect.Excerpt(b.String())
}

// callHits gathers what one tool call does, before findings are made.
type callHits struct {
	hits []hit
	sink bool // sends data outside (for the flow rule)
}

// toolCall judges one tool call and reports whether it sends data out.
func (d *Detector) toolCall(in *detect.Input, ci int, needSink bool, out []detect.Finding) ([]detect.Finding, bool) {
	call := &in.IX.ToolCalls[ci]
	var ch callHits
	var payloadText string
	kind := toolrisk.KindOf(call.Name)
	for _, p := range toolrisk.Payloads(call, nil) {
		switch p.Kind {
		case toolrisk.PayloadShell, toolrisk.PayloadArgv:
			var s *toolrisk.Script
			if p.Kind == toolrisk.PayloadShell {
				if !mayExfil(p.Text) {
					continue
				}
				s = toolrisk.ParseShell(p.Text)
				payloadText = p.Text
			} else {
				s = toolrisk.ParseArgv(p.Argv)
				payloadText = strings.Join(p.Argv, " ")
			}
			x := shellCheck{d: d, s: s}
			x.run()
			ch.hits = append(ch.hits, x.hits...)
			ch.sink = ch.sink || x.sends
		case toolrisk.PayloadCode:
			if h, sends := codeExfil(p.Text); sends {
				ch.sink = true
				ch.hits = append(ch.hits, h...)
				payloadText = p.Text
			}
		}
	}
	ch.hits = append(ch.hits, d.argURLs(call, kind)...)
	if needSink && !ch.sink && kind != toolrisk.KindShell && kind != toolrisk.KindCode {
		ch.sink = d.isSinkCall(call)
	}
	for _, h := range strongest(ch.hits) {
		needle := h.needle
		if needle == "" {
			needle = payloadText
		}
		seg, start, end := toolrisk.Locate(in.IX, call, needle)
		loc := call.Location
		if seg >= 0 {
			loc = in.IX.Segments[seg].Location
		} else if loc == "" {
			loc = "tool_calls[" + strconv.Itoa(ci) + "]"
		}
		out = append(out, detect.Finding{
			Category: detect.CategoryExfiltration, Detector: Family + "." + h.rule, Severity: h.sev,
			Confidence: confidence(h.sev), Segment: seg, Location: loc, Start: start, End: end,
			Evidence: h.evidence, Reason: h.reason,
		})
	}
	return out, ch.sink
}

// mayExfil is the shell prefilter: a command with no network program, no
// /dev/tcp and no name lookup cannot send anything.
func mayExfil(s string) bool {
	for _, w := range [...]string{"curl", "wget", "http", "xh ", "nc ", "ncat", "netcat", "socat", "telnet", "openssl", "/dev/tcp", "/dev/udp",
		"dig ", "nslookup", "host ", "drill", "ping", "scp ", "sftp", "rsync", "rclone", "aws ", "gsutil", "azcopy", "s3cmd", "mc ",
		"mail", "sendmail", "mutt", "msmtp", "swaks", "python", "node", "perl", "ruby", "php", "bash", "sh ", "eval", "ssh", "fetch", "aria2c"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return strings.IndexByte(s, '\\') >= 0 || strings.Contains(s, "$'")
}

// strongest keeps the strongest hit of each rule, in first-seen order.
func strongest(hs []hit) []hit {
	return detect.StrongestPerRule(hs, func(h *hit) string { return h.rule }, func(h *hit) detect.Severity { return h.sev })
}

// urlKeys are argument names that hold the destination of a request.
var urlKeys = map[string]bool{"url": true, "uri": true, "endpoint": true, "webhook": true, "webhook_url": true, "href": true, "link": true,
	"target": true, "destination": true, "callback": true, "callback_url": true, "address": true, "src": true, "image_url": true}

// argURLs judges the URLs in a call's arguments: known sinks anywhere; and,
// for tools that are not shells or code runners, a call that sends a
// secret or a large encoded blob to an external host.
func (d *Detector) argURLs(call *interaction.ToolCall, kind toolrisk.ToolKind) []hit {
	if kind == toolrisk.KindShell || kind == toolrisk.KindCode {
		return nil // the commands' own URLs are judged by shellCheck
	}
	var hits []hit
	var leaves []string
	walkStrings(call.Args, 0, func(key, v string) {
		leaves = append(leaves, v)
	})
	if call.Args == nil && call.Arguments != "" {
		leaves = append(leaves, call.Arguments)
	}
	external := ""
	var externalKind dataKind
	for _, v := range leaves {
		for _, l := range findLinks(v, nil) {
			host, path, query, ok := urlParts(l.url)
			if !ok {
				continue
			}
			switch d.classify(host, path) {
			case hostSink:
				hits = append(hits, hit{rule: ruleKnownSink, sev: detect.SeverityHigh, reason: "sends a request to a known exfiltration endpoint (" + host + ")",
					evidence: urlEvidence("", l.url), needle: l.url})
			case hostExternal, hostRawIP:
				if external == "" {
					external = l.url
				}
				externalKind |= urlData(path, query)
			}
		}
	}
	if external == "" {
		return hits
	}
	// A secret, anywhere in the arguments, on its way to an external host.
	secret := externalKind&dataSecret != 0
	for _, v := range leaves {
		if secret {
			break
		}
		if len(v) > 4096 {
			v = v[:4096]
		}
		for _, w := range strings.FieldsFunc(v, func(r rune) bool {
			return r == ' ' || r == '\n' || r == '"' || r == '\'' || r == ',' || r == '&' || r == '='
		}) {
			if looksSecret(w) {
				secret = true
				break
			}
		}
	}
	switch {
	case secret:
		hits = append(hits, hit{rule: ruleSecretExternal, sev: detect.SeverityHigh, reason: "sends a credential to an external host", evidence: urlEvidence("", external), needle: external})
	case externalKind&(dataEmail|dataEncodedText|dataCommand) != 0 && d.httpTools.Match(call.Name):
		hits = append(hits, hit{rule: ruleSecretExternal, sev: detect.SeverityMedium, reason: "requests an external URL carrying " + (externalKind & (dataEmail | dataEncodedText | dataCommand)).String(), evidence: urlEvidence("", external), needle: external})
	}
	for _, v := range leaves {
		if len(v) > maxBlob && encodedLike(v) && !strings.Contains(v, " ") {
			hits = append(hits, hit{rule: ruleEncodedPayload, sev: detect.SeverityMedium, reason: "sends a large encoded blob to an external host", evidence: urlEvidence("", external), needle: external})
			break
		}
	}
	return hits
}

// walkStrings calls f for every string leaf of a JSON value, in key order.
func walkStrings(v any, depth int, f func(key, v string)) {
	if depth > 6 {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		var kbuf [8]string
		keys := kbuf[:0]
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if s, ok := x[k].(string); ok {
				f(k, s)
			} else {
				walkStrings(x[k], depth+1, f)
			}
		}
	case []any:
		for _, it := range x {
			if s, ok := it.(string); ok {
				f("", s)
			} else {
				walkStrings(it, depth+1, f)
			}
		}
	}
}
