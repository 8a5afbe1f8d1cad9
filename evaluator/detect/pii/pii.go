package pii

import (
	"encoding/binary"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/sluicehq/sluice/evaluator/detect"
	"github.com/sluicehq/sluice/evaluator/interaction"
)

// Config selects what the detector looks for.
type Config struct {
	// Entities lists the entity names to enable ("credit_card", or with the
	// family prefix, "pii.credit_card"). Empty means DefaultEntities.
	Entities []string
	// IPAddresses also enables ip_address, which is off by default: IP
	// addresses are everywhere in logs and configs that agents handle, and
	// are personal data only in some settings.
	IPAddresses bool
	// ContextWords adds words or phrases, per entity name, that count as
	// context for that entity: they raise a finding's confidence and let
	// ambiguous formats (a bare nine-digit SIN) be reported at all. Matching
	// is by whole words, ignoring ASCII case; a phrase's words may be
	// separated by spaces, hyphens or dots in the text.
	ContextWords map[string][]string
}

// Detector finds personal data. It is immutable after New and safe for
// concurrent use.
type Detector struct {
	enabled [numEntities]bool
	// any* say whether any entity of a trigger class is on, so the scanner
	// skips whole branches.
	anyLetterStart bool
	ctx            *ctxIndex
}

// New builds a detector. It fails on an unknown entity name, naming the
// valid ones.
func New(cfg Config) (*Detector, error) {
	d := &Detector{}
	if len(cfg.Entities) == 0 {
		for i := range entities {
			d.enabled[i] = entities[i].def
		}
	} else {
		for _, name := range cfg.Entities {
			id, ok := lookupEntity(name)
			if !ok {
				return nil, fmt.Errorf("pii: unknown entity %q (want one of %s)", name, strings.Join(entityNames(), ", "))
			}
			d.enabled[id] = true
		}
	}
	if cfg.IPAddresses {
		d.enabled[entIPAddress] = true
	}
	extra := make([][]string, numEntities)
	names := make([]string, 0, len(cfg.ContextWords))
	for name := range cfg.ContextWords {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		id, ok := lookupEntity(name)
		if !ok {
			return nil, fmt.Errorf("pii: context words for unknown entity %q (want one of %s)", name, strings.Join(entityNames(), ", "))
		}
		for _, w := range cfg.ContextWords[name] {
			if strings.TrimSpace(w) == "" {
				return nil, fmt.Errorf("pii: empty context word for entity %q", name)
			}
			if !utf8.ValidString(w) {
				return nil, fmt.Errorf("pii: context word for entity %q is not valid UTF-8", name)
			}
		}
		extra[id] = cfg.ContextWords[name]
	}
	d.ctx = buildContext(extra)
	for _, id := range []entityID{entIBAN, entUKNINO, entESNIE, entITFiscalCode, entSGNRIC, entIPAddress} {
		if d.enabled[id] {
			d.anyLetterStart = true
		}
	}
	return d, nil
}

// Name is the family name.
func (d *Detector) Name() string { return "pii" }

// EnabledEntities returns the names of the entities this detector looks for,
// in the order of Entities().
func (d *Detector) EnabledEntities() []string {
	var out []string
	for i := range entities {
		if d.enabled[i] {
			out = append(out, entities[i].name)
		}
	}
	return out
}

// SegmentLocal marks the family segment-local (detect.SegmentLocal): a
// value is found in the text it is in, whoever wrote it.
func (d *Detector) SegmentLocal() {}

// Detect scans every segment's text, the system prompt and tool
// descriptions included, and appends one finding per value. The base64
// payload of a data: URL in a media segment is not scanned; the rest of a
// media URL is (an email address in a link is reported).
func (d *Detector) Detect(in *detect.Input, out []detect.Finding) []detect.Finding {
	if in == nil || in.IX == nil {
		return out
	}
	for i := range in.IX.Segments {
		if in.Skipped(i) {
			continue
		}
		seg := &in.IX.Segments[i]
		text := seg.Text
		if seg.Kind == interaction.KindMedia {
			text = mediaScanText(text)
		}
		worth, nonASCII := worthScanning(text)
		if !worth {
			continue
		}
		out = d.scanSegment(in, i, text, nonASCII, out)
	}
	return out
}

// mediaScanText cuts the base64 payload off a data: URL: it is image or
// audio bytes, and random base64 holds digit runs that only cost time.
func mediaScanText(s string) string {
	if len(s) >= 5 && strings.EqualFold(s[:5], "data:") {
		if c := strings.IndexByte(s, ','); c >= 0 {
			return s[:c]
		}
	}
	return s
}

// worthScanning is the prefilter: every entity has a digit except email
// addresses, which have an '@'. Text with neither (most prose) is skipped
// after one cheap pass, unless it has non-ASCII bytes, which may be digits
// of another script or full-width forms; it reports those too, so that the
// folded view is only built when it can matter.
func worthScanning(s string) (worth, nonASCII bool) {
	nonASCII = hasNonASCII(s)
	if nonASCII {
		return true, true
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c >= '0' && c <= '9') || c == '@' {
			return true, false
		}
	}
	return false, false
}

// hasNonASCII reports whether s has a byte >= 0x80, eight bytes at a time.
func hasNonASCII(s string) bool {
	b := unsafe.Slice(unsafe.StringData(s), len(s)) // read-only view, no copy
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if binary.LittleEndian.Uint64(b[i:])&0x8080808080808080 != 0 {
			return true
		}
	}
	for ; i < len(b); i++ {
		if b[i] >= 0x80 {
			return true
		}
	}
	return false
}
