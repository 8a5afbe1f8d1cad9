package kibana

import (
	"bufio"
	"bytes"
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/telemetry/sink/es"
)

type object struct {
	Type       string         `json:"type"`
	ID         string         `json:"id"`
	Attributes map[string]any `json:"attributes"`
	References []struct {
		Name string `json:"name"`
		Type string `json:"type"`
		ID   string `json:"id"`
	} `json:"references"`
	CoreMigrationVersion string `json:"coreMigrationVersion"`
	TypeMigrationVersion string `json:"typeMigrationVersion"`
	Managed              bool   `json:"managed"`
}

func objects(t *testing.T) []object {
	t.Helper()
	var out []object
	sc := bufio.NewScanner(bytes.NewReader(SavedObjects))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		var o object
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&o); err != nil {
			t.Fatalf("line %d: %v", n, err)
		}
		if o.Type == "" || o.ID == "" || o.Attributes == nil || o.CoreMigrationVersion == "" || o.TypeMigrationVersion == "" {
			t.Fatalf("line %d lacks type, id, attributes or migration versions", n)
		}
		out = append(out, o)
	}
	return out
}

// kqlField matches the field of a KQL clause ("field : value").
var kqlField = regexp.MustCompile(`([A-Za-z_@][A-Za-z0-9_.@]*)\s*:`)

func queryFields(t *testing.T, kql string) []string {
	var out []string
	for _, m := range kqlField.FindAllStringSubmatch(kql, -1) {
		out = append(out, m[1])
	}
	return out
}

// fieldsOf returns every field an object uses, with where it uses it.
func fieldsOf(t *testing.T, o object) map[string]string {
	t.Helper()
	used := map[string]string{}
	str := func(k string) string { s, _ := o.Attributes[k].(string); return s }
	searchSource := func(raw string) {
		var ss struct {
			Query struct {
				Query    string `json:"query"`
				Language string `json:"language"`
			} `json:"query"`
		}
		if err := json.Unmarshal([]byte(raw), &ss); err != nil {
			t.Fatalf("%s: searchSourceJSON: %v", o.ID, err)
		}
		if ss.Query.Language != "kuery" {
			t.Fatalf("%s: query language %q", o.ID, ss.Query.Language)
		}
		for _, f := range queryFields(t, ss.Query.Query) {
			used[f] = "query"
		}
	}
	meta, _ := o.Attributes["kibanaSavedObjectMeta"].(map[string]any)
	switch o.Type {
	case "index-pattern":
		used[str("timeFieldName")] = "timeFieldName"
		var formats map[string]any
		if err := json.Unmarshal([]byte(str("fieldFormatMap")), &formats); err != nil {
			t.Fatalf("%s: fieldFormatMap: %v", o.ID, err)
		}
		for f := range formats {
			used[f] = "fieldFormatMap"
		}
	case "search":
		for _, c := range o.Attributes["columns"].([]any) {
			used[c.(string)] = "columns"
		}
		for _, s := range o.Attributes["sort"].([]any) {
			used[s.([]any)[0].(string)] = "sort"
		}
		searchSource(meta["searchSourceJSON"].(string))
	case "lens":
		state := o.Attributes["state"].(map[string]any)
		q := state["query"].(map[string]any)
		for _, f := range queryFields(t, q["query"].(string)) {
			used[f] = "query"
		}
		layers := state["datasourceStates"].(map[string]any)["formBased"].(map[string]any)["layers"].(map[string]any)
		for _, l := range layers {
			for id, c := range l.(map[string]any)["columns"].(map[string]any) {
				if f, _ := c.(map[string]any)["sourceField"].(string); f != "" && f != "___records___" {
					used[f] = "column " + id
				}
			}
		}
	case "dashboard":
		var panels []map[string]any
		if err := json.Unmarshal([]byte(str("panelsJSON")), &panels); err != nil {
			t.Fatalf("%s: panelsJSON: %v", o.ID, err)
		}
		if len(panels) == 0 {
			t.Fatalf("%s: no panels", o.ID)
		}
		searchSource(meta["searchSourceJSON"].(string))
	default:
		t.Fatalf("unexpected object type %q", o.Type)
	}
	return used
}

func TestSavedObjects(t *testing.T) {
	objs := objects(t)
	mapped := es.MappedFields()
	byID := map[string]object{}
	count := map[string]int{}
	for i, o := range objs {
		byID[o.Type+"/"+o.ID] = o
		count[o.Type]++
		// References point at objects defined earlier in the file, so an
		// import never meets a dangling one.
		for _, r := range o.References {
			if _, ok := byID[r.Type+"/"+r.ID]; !ok {
				t.Errorf("%s/%s (line %d) references %s/%s, not defined before it", o.Type, o.ID, i+1, r.Type, r.ID)
			}
		}
		used := fieldsOf(t, o)
		var names []string
		for f := range used {
			names = append(names, f)
		}
		sort.Strings(names)
		for _, f := range names {
			typ, ok := mapped[f]
			switch {
			case !ok:
				t.Errorf("%s/%s uses field %q (%s), which the mapping does not define", o.Type, o.ID, f, used[f])
			case typ == "object":
				t.Errorf("%s/%s uses %q (%s), an object, not a field", o.Type, o.ID, f, used[f])
			case strings.HasPrefix(used[f], "column") && typ == "match_only_text":
				t.Errorf("%s/%s aggregates on %q, a text field", o.Type, o.ID, f)
			}
		}
	}
	for typ, want := range map[string]int{"index-pattern": 1, "search": 4, "lens": 7, "dashboard": 1} {
		if count[typ] != want {
			t.Errorf("%d objects of type %s, want %d", count[typ], typ, want)
		}
	}
	dv := byID["index-pattern/"+DataViewID]
	if dv.Attributes["title"] != "logs-sluice.decisions-*" {
		t.Errorf("data view pattern %v does not match the data stream %s", dv.Attributes["title"], es.DefaultDataStream)
	}

	// Every dashboard panel has its reference.
	d := byID["dashboard/sluice-overview"]
	var panels []map[string]any
	json.Unmarshal([]byte(d.Attributes["panelsJSON"].(string)), &panels)
	refs := map[string]bool{}
	for _, r := range d.References {
		refs[r.Name] = true
	}
	for _, p := range panels {
		name := p["panelIndex"].(string) + ":" + p["panelRefName"].(string)
		if !refs[name] {
			t.Errorf("dashboard panel %s has no reference %s", p["panelIndex"], name)
		}
	}
}

func TestQueryFields(t *testing.T) {
	got := queryFields(t, `event.kind : "alert" and not sluice.effect : ("a" or "b") and @timestamp >= now-1d and user.id:*`)
	want := []string{"event.kind", "sluice.effect", "user.id"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("queryFields = %v, want %v", got, want)
	}
}
