package es

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicehq/sluice/telemetry/audit"
	"github.com/sluicehq/sluice/telemetry/internal/sample"
	"github.com/sluicehq/sluice/telemetry/sink/es/esfake"
)

// logBuf collects log lines from the sink's goroutines.
type logBuf struct {
	mu    sync.Mutex
	lines []string
}

func (l *logBuf) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

func testOptions(t testing.TB, url string, logs *logBuf) Options {
	return Options{
		Addresses:     []string{url},
		SpoolDir:      filepath.Join(t.TempDir(), "spool"),
		FlushInterval: 5 * time.Millisecond,
		BatchSize:     50,
		RetryBackoff:  2 * time.Millisecond,
		MaxBackoff:    20 * time.Millisecond,
		MaxRetries:    2,
		Logf:          logs.logf,
	}
}

func entries(from, to int, capture bool) []*audit.Entry {
	var out []*audit.Entry
	for i := from; i < to; i++ {
		o := audit.Options{Evaluated: true, TraceID: "4bf92f3577b34da6a3ce929d0e0e4736", SpanID: "00f067aa0ba902b7"}
		if capture {
			o.Capture = audit.CaptureRedacted
		}
		out = append(out, audit.NewEntry(audit.FromDecision(sample.Decision(i, i%2 == 0), o)))
	}
	return out
}

func ids(es []*audit.Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Record.Sluice.DecisionID)
	}
	return out
}

func open(t testing.TB, o Options) *Sink {
	t.Helper()
	s, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Close(ctx)
	})
	return s
}

func waitIndexed(t testing.TB, s *Sink) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Drain(ctx); err != nil {
		t.Fatalf("drain: %v (stats %+v)", err, s.Stats())
	}
}

func TestInstall(t *testing.T) {
	fake := esfake.New()
	defer fake.Close()
	// An operator's own retention must survive sluice restarts.
	custom := json.RawMessage(`{"phases":{"hot":{"actions":{}},"delete":{"min_age":"400d","actions":{"delete":{}}}}}`)
	logs := &logBuf{}
	for run := 0; run < 2; run++ {
		s := open(t, testOptions(t, fake.URL, logs))
		s.Enqueue(entries(0, 1, false)[0])
		waitIndexed(t, s)
		s.Close(context.Background())
		if run == 0 {
			fake.SetILMPolicy(DefaultILMPolicy, custom)
		}
	}
	if got := fake.ILMPolicy(DefaultILMPolicy); !bytes.Equal(got, custom) {
		t.Fatalf("the ILM policy was overwritten: %s", got)
	}
	if n := fake.Requests("ilm_put"); n != 1 {
		t.Fatalf("ILM policy written %d times, want once", n)
	}
	if n := fake.Requests("data_stream_put"); n != 1 {
		t.Fatalf("data stream created %d times, want once", n)
	}
	if got := fake.DataStreams(); !slices.Equal(got, []string{DefaultDataStream}) {
		t.Fatalf("data streams %v", got)
	}
	var tmpl struct {
		IndexPatterns []string  `json:"index_patterns"`
		ComposedOf    []string  `json:"composed_of"`
		DataStream    *struct{} `json:"data_stream"`
		Priority      int       `json:"priority"`
	}
	if err := json.Unmarshal(fake.IndexTemplate("logs-sluice.decisions"), &tmpl); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tmpl.IndexPatterns, []string{"logs-sluice.decisions-*"}) || tmpl.DataStream == nil || tmpl.Priority <= 100 ||
		!slices.Equal(tmpl.ComposedOf, []string{"logs-sluice.decisions@mappings", "logs-sluice.decisions@settings"}) {
		t.Fatalf("index template %+v", tmpl)
	}
	if !bytes.Contains(fake.ComponentTemplate("logs-sluice.decisions@settings"), []byte(`"index.lifecycle.name": "sluice-decisions"`)) {
		t.Fatalf("settings template: %s", fake.ComponentTemplate("logs-sluice.decisions@settings"))
	}
	if n := len(fake.IDs(DefaultDataStream)); n != 1 {
		t.Fatalf("%d documents after two runs of one record each, want 1 (same id)", n)
	}

	t.Run("without_ilm", func(t *testing.T) {
		fake := esfake.New()
		defer fake.Close()
		o := testOptions(t, fake.URL, logs)
		o.DisableILM = true
		o.DataStream = "logs-sluice.decisions-prod"
		s := open(t, o)
		s.Enqueue(entries(0, 1, false)[0])
		waitIndexed(t, s)
		if fake.Requests("ilm_put") != 0 || fake.ComponentTemplate("logs-sluice.decisions@settings") != nil {
			t.Fatal("ILM installed although disabled")
		}
		if got := fake.DataStreams(); !slices.Equal(got, []string{"logs-sluice.decisions-prod"}) {
			t.Fatalf("data streams %v", got)
		}
	})
}

func TestDelivery(t *testing.T) {
	t.Run("every_record_once_in_order_and_mapped", func(t *testing.T) {
		fake := esfake.New()
		defer fake.Close()
		s := open(t, testOptions(t, fake.URL, &logBuf{}))
		es := entries(0, 200, true)
		for _, e := range es {
			s.Enqueue(e)
		}
		waitIndexed(t, s)
		if got := fake.IDs(DefaultDataStream); !slices.Equal(got, ids(es)) {
			t.Fatalf("indexed %d documents, want %d in order", len(got), len(es))
		}
		if u := fake.Unmapped(); len(u) > 0 {
			t.Fatalf("records carry fields the mapping does not define: %v", u)
		}
		if fake.Untemplated() != 0 {
			t.Fatal("documents were written before the templates were installed")
		}
		st := s.Stats()
		if st.Written != 200 || st.Dropped != 0 || st.Rejected != 0 || st.SpooledRecords != 0 {
			t.Fatalf("stats %+v", st)
		}
		// The stored document is the record's JSON.
		want, _ := es[7].JSON()
		if got := fake.Docs(DefaultDataStream)[7]; !bytes.Equal(got, want) {
			t.Fatalf("document differs from the record:\n%s\n%s", got, want)
		}
	})

	t.Run("retries_429_and_5xx", func(t *testing.T) {
		fake := esfake.New()
		defer fake.Close()
		o := testOptions(t, fake.URL, &logBuf{})
		o.MaxRetries = 5
		s := open(t, o)
		fake.FailBulk(429, 503, 429)
		es := entries(0, 30, false)
		for _, e := range es {
			s.Enqueue(e)
		}
		waitIndexed(t, s)
		if got := fake.IDs(DefaultDataStream); !slices.Equal(got, ids(es)) {
			t.Fatalf("indexed %v", got)
		}
		if st := s.Stats(); st.Retries < 3 || st.Dropped != 0 {
			t.Fatalf("stats %+v", st)
		}
	})

	t.Run("partial_failures", func(t *testing.T) {
		fake := esfake.New()
		defer fake.Close()
		es := entries(0, 40, false)
		transient := map[string]bool{es[3].Record.Sluice.DecisionID: true, es[17].Record.Sluice.DecisionID: true}
		broken := es[21].Record.Sluice.DecisionID
		fake.SetItemFault(func(id string, attempt int) int {
			switch {
			case transient[id] && attempt == 1:
				return 429
			case id == broken:
				return 400
			}
			return 0
		})
		logs := &logBuf{}
		s := open(t, testOptions(t, fake.URL, logs))
		for _, e := range es {
			s.Enqueue(e)
		}
		waitIndexed(t, s)
		got := fake.IDs(DefaultDataStream)
		if len(got) != 39 || slices.Contains(got, broken) {
			t.Fatalf("indexed %d documents (broken one included: %v)", len(got), slices.Contains(got, broken))
		}
		for id := range transient {
			if !slices.Contains(got, id) {
				t.Fatalf("document %s that failed once with 429 was not retried", id)
			}
		}
		st := s.Stats()
		if st.Rejected != 1 || st.Dropped != 0 || st.Written != 39 {
			t.Fatalf("stats %+v", st)
		}
		// Only the failed documents were sent again.
		if n := fake.BulkCreates(); n != 42 {
			t.Fatalf("%d create actions for 40 records and 2 retries", n)
		}
		if l := logs.String(); !strings.Contains(l, "400 mapper_parsing_exception") || !strings.Contains(l, "ERROR") {
			t.Fatalf("the rejection was not logged by type:\n%s", l)
		}
	})

	t.Run("conflict_on_replay_is_success", func(t *testing.T) {
		fake := esfake.New()
		defer fake.Close()
		es := entries(0, 10, false)
		s := open(t, testOptions(t, fake.URL, &logBuf{}))
		for _, e := range es {
			s.Enqueue(e)
		}
		for _, e := range es[:5] { // replayed
			s.Enqueue(e)
		}
		waitIndexed(t, s)
		if got := fake.IDs(DefaultDataStream); !slices.Equal(got, ids(es)) {
			t.Fatalf("indexed %v", got)
		}
		if st := s.Stats(); st.Rejected != 0 || st.Written != 10 || s.duplicates.Load() != 5 {
			t.Fatalf("stats %+v duplicates %d", st, s.duplicates.Load())
		}
	})

	t.Run("auth_failure_keeps_records", func(t *testing.T) {
		fake := esfake.New()
		defer fake.Close()
		s := open(t, testOptions(t, fake.URL, &logBuf{}))
		s.Enqueue(entries(0, 1, false)[0])
		waitIndexed(t, s) // installed
		fake.FailBulk(401, 401, 401, 401, 401, 401)
		es := entries(1, 6, false)
		for _, e := range es {
			s.Enqueue(e)
		}
		waitIndexed(t, s)
		if n := len(fake.IDs(DefaultDataStream)); n != 6 {
			t.Fatalf("%d documents, want 6", n)
		}
		if st := s.Stats(); st.Rejected != 0 || st.Dropped != 0 {
			t.Fatalf("stats %+v", st)
		}
	})
}

// TestOutage is the acceptance scenario: the cluster goes away, records
// spool to disk, the cluster returns, and exactly N documents exist for N
// decisions, in order.
func TestOutage(t *testing.T) {
	fake := esfake.New()
	defer fake.Close()
	logs := &logBuf{}
	s := open(t, testOptions(t, fake.URL, logs))
	first := entries(0, 20, false)
	for _, e := range first {
		s.Enqueue(e)
	}
	waitIndexed(t, s)

	fake.SetDown(true)
	during := entries(20, 320, true)
	for _, e := range during {
		s.Enqueue(e)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	if st.SpooledRecords != len(during) || st.SpooledBytes == 0 {
		t.Fatalf("during the outage: %+v, want %d records spooled", st, len(during))
	}
	if !strings.Contains(logs.String(), "unreachable, spooling") {
		t.Fatalf("the outage was not logged:\n%s", logs)
	}
	if err := s.Ready(); err != nil {
		t.Fatalf("an unreachable cluster made the sink unready: %v", err)
	}

	fake.SetDown(false)
	after := entries(320, 340, false)
	for _, e := range after {
		s.Enqueue(e)
	}
	waitIndexed(t, s)
	all := append(append(append([]*audit.Entry{}, first...), during...), after...)
	if got := fake.IDs(DefaultDataStream); !slices.Equal(got, ids(all)) {
		t.Fatalf("after recovery: %d documents, want exactly %d in order", len(got), len(all))
	}
	st = s.Stats()
	if st.Dropped != 0 || st.SpooledRecords != 0 || st.SpooledBytes != 0 || st.Retries == 0 || st.LastError.IsZero() {
		t.Fatalf("after recovery: %+v", st)
	}
	if !strings.Contains(logs.String(), "reachable again") {
		t.Fatalf("the recovery was not logged:\n%s", logs)
	}
}

func TestUnreachableAtStartAndRestart(t *testing.T) {
	fake := esfake.New()
	defer fake.Close()
	fake.SetDown(true)
	o := testOptions(t, fake.URL, &logBuf{})
	s, err := Open(o)
	if err != nil {
		t.Fatalf("an unreachable cluster stopped the sink from starting: %v", err)
	}
	es := entries(0, 60, false)
	for _, e := range es[:40] {
		s.Enqueue(e)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	// A new process with the same spool, the cluster back.
	fake.SetDown(false)
	s = open(t, o)
	for _, e := range es[40:] {
		s.Enqueue(e)
	}
	waitIndexed(t, s)
	if got := fake.IDs(DefaultDataStream); !slices.Equal(got, ids(es)) {
		t.Fatalf("after restart: %d documents, want exactly %d in order", len(got), len(es))
	}
	if fake.Untemplated() != 0 {
		t.Fatal("spooled records were delivered before the templates were installed")
	}
}

func TestSpoolFull(t *testing.T) {
	fake := esfake.New()
	defer fake.Close()
	fake.SetDown(true)
	logs := &logBuf{}
	o := testOptions(t, fake.URL, logs)
	o.SpoolMaxBytes = 16 << 10
	o.SpoolSegmentBytes = 4 << 10
	s := open(t, o)
	for _, e := range entries(0, 100, true) {
		s.Enqueue(e)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.Flush(ctx)
	st := s.Stats()
	if st.Dropped == 0 || st.SpooledBytes > 16<<10 {
		t.Fatalf("stats %+v", st)
	}
	if int(st.Dropped)+st.SpooledRecords != 100 {
		t.Fatalf("dropped %d + spooled %d != 100", st.Dropped, st.SpooledRecords)
	}
	if !strings.Contains(logs.String(), "ERROR: spool full") || !strings.Contains(logs.String(), "DROPPED") {
		t.Fatalf("drops were not logged loudly:\n%s", logs)
	}
	if s.Ready() == nil {
		t.Fatal("a full spool left the sink ready")
	}
}

func TestOptionsValidation(t *testing.T) {
	if _, err := Open(Options{SpoolDir: t.TempDir()}); err == nil {
		t.Fatal("no addresses accepted")
	}
	if _, err := Open(Options{Addresses: []string{"http://127.0.0.1:1"}}); err == nil {
		t.Fatal("no spool dir accepted")
	}
}

func TestMappedFields(t *testing.T) {
	f := MappedFields()
	for name, typ := range map[string]string{
		"@timestamp": "date", "source.ip": "ip", "event.duration": "long", "sluice.decision": "keyword",
		"sluice.findings.evidence": "keyword", "user.name.text": "match_only_text", "gen_ai.request.model": "keyword",
		"data_stream.dataset": "constant_keyword", "sluice.evaluated": "boolean",
	} {
		if f[name] != typ {
			t.Errorf("%s mapped as %q, want %q", name, f[name], typ)
		}
	}
}

func TestEncodeBulk(t *testing.T) {
	e := entries(0, 1, false)[0]
	b, err := EncodeBulk(nil, e)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) != 2 || lines[0] != `{"create":{"_id":"`+e.Record.Sluice.DecisionID+`"}}` {
		t.Fatalf("bulk lines: %q", lines)
	}
	for in, want := range map[string]string{`a"b\c`: `"a\"b\\c"`, "x\ny": `"x\u000ay"`, "é\xff": `"é\ufffd"`} {
		if got := string(appendJSONString(nil, in)); got != want {
			t.Errorf("appendJSONString(%q) = %s, want %s", in, got, want)
		}
		if !json.Valid([]byte(appendJSONString(nil, in))) {
			t.Errorf("invalid JSON for %q", in)
		}
	}
}

// TestRealCluster runs against a real cluster when ELASTICSEARCH_URL is set
// (e.g. http://elastic:changeme@127.0.0.1:9200 from testenv/docker-compose.yaml).
func TestRealCluster(t *testing.T) {
	url := os.Getenv("ELASTICSEARCH_URL")
	if url == "" {
		t.Skip("ELASTICSEARCH_URL is not set: skipping the real-cluster test (start one with testenv/docker-compose.yaml)")
	}
	o := testOptions(t, url, &logBuf{})
	o.Logf = t.Logf
	o.DataStream = fmt.Sprintf("logs-sluice.decisions-test%d", time.Now().UnixNano())
	o.MaxRetries = 5
	o.MaxBackoff = time.Second
	s := open(t, o)
	es := entries(0, 25, true)
	for _, e := range es {
		s.Enqueue(e)
	}
	es = append(es, es[:5]...) // replays must not duplicate
	for _, e := range es[25:] {
		s.Enqueue(e)
	}
	waitIndexed(t, s)
	if st := s.Stats(); st.Written != 25 || st.Rejected != 0 || st.Dropped != 0 {
		t.Fatalf("stats %+v", st)
	}
	// Count what the cluster holds.
	res, err := s.client.Indices.Refresh(s.client.Indices.Refresh.WithIndex(o.DataStream))
	if err != nil {
		t.Fatal(err)
	}
	drain(res)
	res, err = s.client.Count(s.client.Count.WithIndex(o.DataStream))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var c struct{ Count int }
	json.NewDecoder(res.Body).Decode(&c)
	if c.Count != 25 {
		t.Fatalf("the cluster holds %d documents, want 25", c.Count)
	}
	res, err = s.client.Indices.DeleteDataStream([]string{o.DataStream})
	if err == nil {
		drain(res)
	}
}

func BenchmarkEncodeBulk(b *testing.B) {
	recs := make([]*audit.Record, 64)
	for i := range recs {
		recs[i] = audit.FromDecision(sample.Decision(i, true), audit.Options{Evaluated: true, TraceID: "4bf92f3577b34da6a3ce929d0e0e4736"})
	}
	buf := make([]byte, 0, 64<<10)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// A fresh entry each time: the JSON encoding is part of the cost.
		var err error
		buf, err = EncodeBulk(buf[:0], audit.NewEntry(recs[i%len(recs)]))
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
