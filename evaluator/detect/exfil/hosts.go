package exfil

import (
	"fmt"
	"net/netip"
	"strings"
)

// hostSet matches host names exactly or by domain. A pattern
// "*.example.com" matches example.com and every name under it;
// "example.com" matches only itself. Matching costs one map lookup per
// label of the host.
type hostSet struct {
	exact   map[string]bool
	domains map[string]bool // "example.com" for "*.example.com"
}

func newHostSet(patterns []string) (hostSet, error) {
	hs := hostSet{exact: map[string]bool{}, domains: map[string]bool{}}
	for _, p := range patterns {
		p = strings.ToLower(strings.TrimSpace(p))
		p = strings.TrimSuffix(p, ".")
		switch {
		case p == "" || p == "*" || strings.Count(p, "*") > 1 || (strings.Contains(p, "*") && !strings.HasPrefix(p, "*.")):
			return hs, fmt.Errorf("host pattern %q: want a host name or *.domain", p)
		case strings.HasPrefix(p, "*."):
			hs.domains[p[2:]] = true
		default:
			hs.exact[p] = true
		}
	}
	return hs, nil
}

func (hs *hostSet) match(host string) bool {
	if hs.exact[host] {
		return true
	}
	if len(hs.domains) == 0 {
		return false
	}
	for h := host; ; {
		if hs.domains[h] {
			return true
		}
		i := strings.IndexByte(h, '.')
		if i < 0 {
			return false
		}
		h = h[i+1:]
	}
}

// defaultSinks are hosts that exist to receive data from anywhere: request
// inspectors and webhook catchers, tunnels to a laptop, out-of-band
// interaction servers used in security testing, paste and anonymous file
// drops, canary tokens, DNS loggers. A URL to one of them in a tool call or
// in model output is how stolen data leaves.
var defaultSinks = []string{
	"*.webhook.site", "*.requestbin.com", "*.requestbin.net", "*.requestcatcher.com", "*.pipedream.net",
	"*.ngrok.io", "*.ngrok-free.app", "*.ngrok.app", "*.ngrok-free.dev", "*.ngrok.dev",
	"*.interact.sh", "*.interactsh.com", "*.oast.pro", "*.oast.live", "*.oast.site", "*.oast.online", "*.oast.fun", "*.oast.me",
	"*.burpcollaborator.net", "*.oastify.com",
	"pastebin.com", "*.pastebin.com", "paste.ee", "hastebin.com", "*.hastebin.com", "ghostbin.com", "ghostbin.co",
	"transfer.sh", "0x0.st", "termbin.com", "*.termbin.com", "temp.sh", "bashupload.com", "file.io", "*.file.io",
	"*.canarytokens.com", "*.canarytokens.org", "*.canarytokens.net", "*.dnslog.cn", "*.ceye.io", "*.dnslog.link",
	"*.requestrepo.com", "*.beeceptor.com", "hookbin.com", "*.hookbin.com", "postb.in", "*.postb.in", "ptsv2.com", "ptsv3.com",
	"*.trycloudflare.com", "*.loca.lt", "*.localtunnel.me", "*.serveo.net", "*.localhost.run", "*.lhr.life", "*.pagekite.me",
	"*.xss.ht", "*.bxss.in", "*.hookdeck.com", "*.mockbin.org", "*.free.beeceptor.com", "*.webhook.cool", "*.typedwebhook.tools",
}

// pathSinks are endpoints of well-known services that post whatever they
// receive into a chat: a webhook URL is a write-only drop box.
var pathSinks = []struct{ host, path string }{
	{"discord.com", "/api/webhooks/"}, {"discordapp.com", "/api/webhooks/"}, {"ptb.discord.com", "/api/webhooks/"},
	{"canary.discord.com", "/api/webhooks/"}, {"api.telegram.org", "/bot"}, {"hooks.slack.com", "/services/"},
	{"hooks.slack.com", "/workflows/"}, {"outlook.office.com", "/webhook/"},
}

// hostClass says what a URL's host is.
type hostClass uint8

const (
	hostExternal hostClass = iota // a host outside the allowlist
	hostAllowed                   // allowlisted
	hostLocal                     // loopback, private or link-local: not a way out
	hostSink                      // a known exfiltration endpoint
	hostRawIP                     // a public IP address literal
)

// classify judges a URL's host (lowercase, no port) and path.
func (d *Detector) classify(host, path string) hostClass {
	if host == "" {
		return hostLocal
	}
	if d.sinks.match(host) {
		return hostSink
	}
	for _, ps := range pathSinks {
		if host == ps.host && strings.HasPrefix(path, ps.path) {
			if d.allow.match(host) {
				return hostAllowed
			}
			return hostSink
		}
	}
	if d.allow.match(host) {
		return hostAllowed
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || strings.HasSuffix(host, ".local") || strings.HasSuffix(host, ".internal") {
		return hostLocal
	}
	if ipLiteral(host) {
		a, err := netip.ParseAddr(strings.Trim(host, "[]"))
		if err != nil {
			return hostExternal
		}
		if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsUnspecified() {
			return hostLocal
		}
		return hostRawIP
	}
	if !strings.Contains(host, ".") {
		return hostLocal // a single-label name resolves only inside a network
	}
	return hostExternal
}

// ipLiteral reports a host written as an IP address (checked before
// parsing, so that names cost no parse error).
func ipLiteral(host string) bool {
	if strings.HasPrefix(host, "[") {
		return true
	}
	for i := 0; i < len(host); i++ {
		if c := host[i]; !(c >= '0' && c <= '9' || c == '.') {
			return false
		}
	}
	return host != ""
}
