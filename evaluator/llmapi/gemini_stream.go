package llmapi

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/evaluator/llmapi/jsontree"
)

// gemPartial assembles function-call arguments that Gemini (on Vertex)
// streams as partialArgs: a JSON path and a value, string values arriving
// in pieces.
type gemPartial struct {
	leaves []*gemLeaf
	by     map[string]*gemLeaf
	whole  string // args sent whole alongside, if any
}

type gemLeaf struct {
	path   string
	blk    *block // string value, growing
	scalar string // raw JSON of a number, bool or null
}

func (g *gemPartial) leaf(path string) *gemLeaf {
	if l, ok := g.by[path]; ok {
		return l
	}
	if g.by == nil {
		g.by = make(map[string]*gemLeaf)
	}
	l := &gemLeaf{path: strings.Clone(path)}
	g.by[l.path] = l
	g.leaves = append(g.leaves, l)
	return l
}

// value builds the arguments object from the leaves.
func (g *gemPartial) value() map[string]any {
	if g.whole != "" {
		if t, err := jsontree.ParseString(g.whole); err == nil {
			if m, ok := toAny(t, 0, false).(map[string]any); ok {
				return m
			}
		}
	}
	var root any = map[string]any{}
	for _, l := range g.leaves {
		var v any
		switch {
		case l.blk != nil:
			v = l.blk.String()
		case l.scalar == "true":
			v = true
		case l.scalar == "false":
			v = false
		case l.scalar == "null" || l.scalar == "":
			v = nil
		default:
			f, _ := strconv.ParseFloat(l.scalar, 64)
			v = f
		}
		root = setPath(root, parsePath(l.path), v)
	}
	m, _ := root.(map[string]any)
	return m
}

// json renders the arguments as JSON text.
func (g *gemPartial) json() string {
	if g.whole != "" {
		return g.whole
	}
	if len(g.leaves) == 0 {
		return ""
	}
	b, err := json.Marshal(g.value())
	if err != nil {
		return ""
	}
	return string(b)
}

// pathStep is one step of a JSON path: a key, or an index when key is "".
type pathStep struct {
	key   string
	index int
}

// maxPathIndex bounds array indexes taken from a stream, so that a hostile
// path cannot make sluice allocate a huge array.
const maxPathIndex = 4096

// parsePath parses `$.a.b[2]['c d']`.
func parsePath(p string) []pathStep {
	p = strings.TrimPrefix(p, "$")
	var out []pathStep
	for len(p) > 0 {
		switch p[0] {
		case '.':
			p = p[1:]
			i := strings.IndexAny(p, ".[")
			if i < 0 {
				i = len(p)
			}
			out = append(out, pathStep{key: p[:i], index: -1})
			p = p[i:]
		case '[':
			j := strings.IndexByte(p, ']')
			if j < 0 {
				out = append(out, pathStep{key: p[1:], index: -1})
				return out
			}
			inner := p[1:j]
			p = p[j+1:]
			if n, err := strconv.Atoi(inner); err == nil && n >= 0 && n <= maxPathIndex {
				out = append(out, pathStep{index: n})
			} else {
				out = append(out, pathStep{key: strings.Trim(inner, `'"`), index: -1})
			}
		default:
			i := strings.IndexAny(p, ".[")
			if i < 0 {
				i = len(p)
			}
			out = append(out, pathStep{key: p[:i], index: -1})
			p = p[i:]
		}
	}
	return out
}

func setPath(cur any, steps []pathStep, v any) any {
	if len(steps) == 0 {
		return v
	}
	s := steps[0]
	if s.index < 0 {
		m, ok := cur.(map[string]any)
		if !ok {
			m = map[string]any{}
		}
		m[s.key] = setPath(m[s.key], steps[1:], v)
		return m
	}
	arr, _ := cur.([]any)
	for len(arr) <= s.index {
		arr = append(arr, nil)
	}
	arr[s.index] = setPath(arr[s.index], steps[1:], v)
	return arr
}
