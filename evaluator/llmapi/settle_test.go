package llmapi

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
	"unsafe"

	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/evaluator/llmapi/jsontree"
	"github.com/sluicehq/sluice/internal/corpus"
)

// parseRequestRef is ParseRequest as it was before pooling and settling:
// the body converted to a string once, strings substrings of it, Args
// built during the walk, locations from one conversion of the arena. It is
// the oracle the settled path must match exactly.
func parseRequestRef(path string, body []byte) (*interaction.Interaction, error) {
	api, model, stream := Recognize(path)
	t, err := jsontree.Parse(body)
	if err != nil {
		return nil, fmt.Errorf("llmapi: request: %w: %w", ErrNotJSON, err)
	}
	if api == APIUnknown {
		api = sniffRequest(t)
	}
	ix := &interaction.Interaction{
		API: api, Provider: provider(api, path), Phase: interaction.PhaseRequest,
		Path: stripQuery(path), Model: model, Stream: stream, Raw: body,
		Segments: []interaction.Segment{},
	}
	b := &builder{ix: ix, t: t, lastCode: -1}
	b.request(api)
	b.finishRef()
	return ix, nil
}

// parseResponseRef is ParseResponse for one JSON body as it was; other
// bodies take the stream path, which settling does not touch.
func parseResponseRef(api string, body []byte, contentType string) (*interaction.Interaction, error) {
	if api == "" {
		api = APIUnknown
	}
	t, err := jsontree.Parse(body)
	if framingFor(contentType, body) != framingNone || err != nil ||
		t.Kind(0) == jsontree.Array && (api == APIGeminiGenerate || api == APIUnknown) {
		return ParseResponse(api, body, contentType)
	}
	if api == APIUnknown {
		api = sniffResponse(t)
	}
	ix := &interaction.Interaction{API: api, Provider: provider(api, ""), Phase: interaction.PhaseResponse, Raw: body, Segments: []interaction.Segment{}}
	b := &builder{ix: ix, t: t, lastCode: -1}
	b.response(api)
	b.finishRef()
	return ix, nil
}

// finishRef is the first version of builder.finish.
func (b *builder) finishRef() {
	b.linkAll()
	ix := b.ix
	arena := string(b.locs)
	for i := range b.segLocs {
		ix.Segments[i].Location = arena[b.segLocs[i].start:b.segLocs[i].end]
	}
	for i := range b.callLocs {
		ix.ToolCalls[i].Location = arena[b.callLocs[i].start:b.callLocs[i].end]
	}
	for i := range b.toolLocs {
		ix.Tools[i].Location = arena[b.toolLocs[i].start:b.toolLocs[i].end]
	}
}

// checkSettled parses body (a request to path, or a response of api with
// contentType when path is "") and requires: the same Interaction as the
// reference path, no string in it that points into the body, and the same
// Interaction still after the body is overwritten and the pool has served
// other bodies.
func checkSettled(t *testing.T, path, api string, body []byte, contentType string) {
	t.Helper()
	strictSettle.Store(true)
	misses := relocMisses.Load()
	parse := func(b []byte) (*interaction.Interaction, error) {
		if path != "" {
			return ParseRequest(path, b)
		}
		return ParseResponse(api, b, contentType)
	}
	parseRef := func(b []byte) (*interaction.Interaction, error) {
		if path != "" {
			return parseRequestRef(path, b)
		}
		return parseResponseRef(api, b, contentType)
	}
	own := bytes.Clone(body)
	want, werr := parseRef(bytes.Clone(body))
	got, gerr := parse(own)
	if (werr == nil) != (gerr == nil) || werr != nil && werr.Error() != gerr.Error() {
		t.Fatalf("reference error %v, got %v", werr, gerr)
	}
	if werr != nil {
		return
	}
	sameInteraction(t, "", want, got)
	if p := pointsInto(reflect.ValueOf(got).Elem(), own, "ix"); p != "" {
		t.Fatalf("%s points into the body", p)
	}
	for i := range own {
		own[i] = 'x'
	}
	for _, tc := range transcripts[:3] {
		other, err := os.ReadFile(filepath.Join("testdata", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseRequest(tc.path, other); err != nil {
			t.Fatal(err)
		}
	}
	got.Raw = want.Raw
	sameInteraction(t, "after the body was overwritten: ", want, got)
	if n := relocMisses.Load() - misses; n != 0 {
		t.Fatalf("%d kept strings were not registered before settling", n)
	}
}

func sameInteraction(t *testing.T, when string, want, got *interaction.Interaction) {
	t.Helper()
	if reflect.DeepEqual(want, got) {
		return
	}
	w, g := marshalGolden(want), marshalGolden(got)
	if !bytes.Equal(w, g) {
		t.Fatalf("%sInteraction differs from the reference: %s", when, firstDiff(g, w))
	}
	for i := range want.ToolCalls {
		if !reflect.DeepEqual(want.ToolCalls[i], got.ToolCalls[i]) {
			t.Fatalf("%scall %d differs from the reference:\n got %#v\nwant %#v", when, i, got.ToolCalls[i], want.ToolCalls[i])
		}
	}
	t.Fatalf("%sInteraction differs from the reference:\n got %#v\nwant %#v", when, got, want)
}

// pointsInto returns the path of a string under v whose bytes lie in body,
// or "". Raw is the body itself and is skipped.
func pointsInto(v reflect.Value, body []byte, path string) string {
	if len(body) == 0 {
		return ""
	}
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(body)))
	hi := lo + uintptr(len(body))
	var walk func(v reflect.Value, path string) string
	walk = func(v reflect.Value, path string) string {
		switch v.Kind() {
		case reflect.String:
			if s := v.String(); s != "" {
				if p := uintptr(unsafe.Pointer(unsafe.StringData(s))); p >= lo && p < hi {
					return path
				}
			}
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				if f := v.Type().Field(i); f.Name != "Raw" {
					if p := walk(v.Field(i), path+"."+f.Name); p != "" {
						return p
					}
				}
			}
		case reflect.Slice:
			for i := 0; i < v.Len(); i++ {
				if p := walk(v.Index(i), fmt.Sprintf("%s[%d]", path, i)); p != "" {
					return p
				}
			}
		case reflect.Map:
			for it := v.MapRange(); it.Next(); {
				if p := walk(it.Key(), path+"{key}"); p != "" {
					return p
				}
				if p := walk(it.Value(), path+"["+it.Key().String()+"]"); p != "" {
					return p
				}
			}
		case reflect.Interface, reflect.Pointer:
			if !v.IsNil() {
				return walk(v.Elem(), path)
			}
		}
		return ""
	}
	return walk(v, path)
}

// TestSettledTranscripts checks the hand-written transcripts and their
// grown benchmark forms against the reference path.
func TestSettledTranscripts(t *testing.T) {
	for _, tc := range transcripts {
		t.Run(tc.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			checkSettled(t, tc.path, "", body, "")
			checkSettled(t, tc.path, "", benchRequest(&testing.B{}, tc.file, 16<<10), "")
			for _, p := range fuzzPaths {
				checkSettled(t, p, "", body, "")
			}
		})
	}
}

// TestSettledCorpus checks every wire sample: requests, and responses
// whether JSON bodies (settled) or streams (unchanged path).
func TestSettledCorpus(t *testing.T) {
	for i, w := range loadIndex(t) {
		if raceEnabled && i%4 != 0 {
			continue
		}
		body, err := os.ReadFile(corpus.WirePath(w.File))
		if err != nil {
			t.Fatal(err)
		}
		if w.Kind == "request" {
			checkSettled(t, w.path(), "", body, "")
		} else {
			checkSettled(t, "", corpusAPI[w.API], body, w.contentType())
		}
	}
}

// TestSettledHandWritten covers what the corpus rarely holds: escaped and
// invalid strings inside arguments, duplicate keys inside JSON-string
// arguments, results linked through the id index, empty bodies.
func TestSettledHandWritten(t *testing.T) {
	var many bytes.Buffer
	many.WriteString(`{"messages":[`)
	for i := 0; i < 40; i++ {
		if i > 0 {
			many.WriteByte(',')
		}
		fmt.Fprintf(&many, `{"role":"assistant","content":[{"type":"tool_use","id":"t%d","name":"Bash","input":{"command":"echo %d\n\u00e9","n":%d,"ok":true,"l":["a\"",null,{"k\u0041":"v"}]}}]},`, i%30, i, i)
		fmt.Fprintf(&many, `{"role":"user","content":[{"type":"tool_result","tool_use_id":"t%d","content":"out %d \ud83d\ude00"}]}`, i%30, i)
	}
	many.WriteString(`]}`)
	for _, tc := range []struct{ path, body string }{
		{"/v1/messages", many.String()},
		{"/v1/chat/completions", `{"model":"m","messages":[{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"a\":\"x\\ny\",\"a\":2,\"A\":\"\\u00e9\",\"b\":[1,\"\\\"q\\\"\"]}"}},{"id":"c2","type":"function","function":{"name":"g","arguments":"not json"}}]},{"role":"tool","tool_call_id":"c1","content":"r\u00e9sultat"}]}`},
		{"/v1/responses", `{"model":"m","input":[{"type":"function_call","call_id":"c","name":"f","arguments":"{\"a\":1,\"a\":2}"},{"type":"web_search_call","action":{"type":"search","query":"q\u00e9","sources":[{"url":"u"}]}},{"type":"function_call_output","call_id":"c","output":"o"}]}`},
		{"/v1beta/models/gemini:generateContent", `{"contents":[{"role":"model","parts":[{"functionCall":{"name":"f","args":{"a":"\u00e9\n","b":{"c":[1,2]}}}}]},{"role":"user","parts":[{"functionResponse":{"name":"f","response":{"r":"x"}}}]}]}`},
		{"/model/m/converse", `{"messages":[{"role":"assistant","content":[{"toolUse":{"toolUseId":"u","name":"n","input":{"q":"\"x\""}}}]},{"role":"user","content":[{"toolResult":{"toolUseId":"u","content":[{"text":"t"}]}}]}]}`},
		{"/unknown", `{"a":"\u00e9","a":"b","B":["\ud800",1.5e3]}`},
		{"/v1/messages", `"just a string"`},
		{"/v1/messages", `[]`},
		{"/v1/messages", `{"messages":[{"role":"user","content":"\xff\xfe invalid"}]}`},
		{"/v1/messages", ``},
		{"/v1/messages", `{"messages":[`},
	} {
		checkSettled(t, tc.path, "", []byte(tc.body), "")
	}
}

// TestSettledConcurrent parses different bodies from many goroutines, so
// that pooled states pass between them, and checks every result.
func TestSettledConcurrent(t *testing.T) {
	strictSettle.Store(true)
	bodies := make([][]byte, len(transcripts))
	wants := make([]*interaction.Interaction, len(transcripts))
	for i, tc := range transcripts {
		b, err := os.ReadFile(filepath.Join("testdata", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		bodies[i] = b
		if wants[i], err = parseRequestRef(tc.path, bytes.Clone(b)); err != nil {
			t.Fatal(err)
		}
	}
	rounds := 20
	if raceEnabled {
		rounds = 4
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8*len(transcripts))
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				for k := range transcripts {
					i := (k + g) % len(transcripts)
					got, err := ParseRequest(transcripts[i].path, bodies[i])
					if err != nil {
						errs <- err.Error()
						return
					}
					if !bytes.Equal(marshalGolden(got), marshalGolden(wants[i])) || !reflect.DeepEqual(got, wants[i]) {
						errs <- transcripts[i].file + " differs"
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestCoverAndRank checks the kept-byte bitmap against a byte map: after
// registering random ranges, in any order and overlapping, the arena holds
// exactly the covered bytes in body order and every offset's rank is the
// number of covered bytes before it.
func TestCoverAndRank(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 300; round++ {
		n := 1 + rng.IntN(700)
		src := make([]byte, n)
		for i := range src {
			src[i] = byte('a' + rng.IntN(26))
		}
		var ps parseState
		ps.src = string(src)
		ps.builder(&interaction.Interaction{})
		want := make([]bool, n)
		for k := rng.IntN(12); k > 0; k-- {
			from := rng.IntN(n)
			to := from + 1 + rng.IntN(min(n-from, 150))
			ps.retain(ps.src[from:to])
			for i := from; i < to; i++ {
				want[i] = true
			}
		}
		ps.layout(nil, 0)
		var kept []byte
		for o := 0; o <= n; o++ {
			if got := ps.rank(o); got != len(kept) {
				t.Fatalf("round %d: rank(%d) = %d, want %d", round, o, got, len(kept))
			}
			if o < n && want[o] {
				kept = append(kept, src[o])
			}
		}
		if ps.arena != string(kept) {
			t.Fatalf("round %d: arena %q, want %q", round, ps.arena, kept)
		}
	}
}

// TestLinkFirstCall checks that results are linked to the first call with
// their id, with few calls (searched in place) and many (sorted index),
// when ids repeat and when some match no call.
func TestLinkFirstCall(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for round := 0; round < 200; round++ {
		nCalls, nResults := 1+rng.IntN(40), 1+rng.IntN(40)
		ids := 1 + rng.IntN(nCalls+3)
		ix := &interaction.Interaction{}
		for i := 0; i < nCalls; i++ {
			id := ""
			if rng.IntN(10) > 0 {
				id = fmt.Sprintf("call_%d", rng.IntN(ids))
			}
			ix.ToolCalls = append(ix.ToolCalls, interaction.ToolCall{ID: id})
		}
		b := &builder{ix: ix}
		want := make([][]int, nCalls)
		for s := 0; s < nResults; s++ {
			id := fmt.Sprintf("call_%d", rng.IntN(ids+2))
			ix.Segments = append(ix.Segments, interaction.Segment{ToolCallID: id})
			b.results = append(b.results, s)
			for ci := range ix.ToolCalls {
				if ix.ToolCalls[ci].ID == id {
					want[ci] = append(want[ci], s)
					break
				}
			}
		}
		b.link()
		for ci := range ix.ToolCalls {
			if got := ix.ToolCalls[ci].ResultSegments; !slices.Equal(got, want[ci]) {
				t.Fatalf("round %d (%d calls, %d results): call %d got results %v, want %v", round, nCalls, nResults, ci, got, want[ci])
			}
		}
	}
}

// TestLinkByName checks name linking against its definition: the k-th
// result for a name answers the k-th call of that name not already
// answered by id.
func TestLinkByName(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	names := []string{"read", "write", "bash", "grep"}
	for round := 0; round < 300; round++ {
		ix := &interaction.Interaction{}
		nCalls := 1 + rng.IntN(30)
		for i := 0; i < nCalls; i++ {
			c := interaction.ToolCall{Name: names[rng.IntN(len(names))]}
			if rng.IntN(4) == 0 {
				c.ResultSegments = []int{1000 + i} // answered by id
			}
			ix.ToolCalls = append(ix.ToolCalls, c)
		}
		want := make([][]int, nCalls)
		used := make([]bool, nCalls)
		for i := range ix.ToolCalls {
			want[i] = slices.Clone(ix.ToolCalls[i].ResultSegments)
		}
		b := &builder{ix: ix}
		seg := 0
		for k := rng.IntN(30); k > 0; k-- {
			r := nameResult{name: names[rng.IntN(len(names))], first: seg, end: seg + 1 + rng.IntN(3)}
			seg = r.end
			b.nameResults = append(b.nameResults, r)
			for ci := range ix.ToolCalls {
				if used[ci] || ix.ToolCalls[ci].Name != r.name || len(want[ci]) > 0 {
					continue
				}
				used[ci] = true
				for s := r.first; s < r.end; s++ {
					want[ci] = append(want[ci], s)
				}
				break
			}
		}
		b.link()
		for ci := range ix.ToolCalls {
			if got := ix.ToolCalls[ci].ResultSegments; !slices.Equal(got, want[ci]) {
				t.Fatalf("round %d: call %d (%s) got %v, want %v", round, ci, ix.ToolCalls[ci].Name, got, want[ci])
			}
		}
	}
}
