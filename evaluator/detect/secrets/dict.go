package secrets

import "strings"

// words is a small hand-written dictionary of common English words and the
// vocabulary of code and configuration. It drives tokenEfficiency: a value
// that splits into these words is an identifier or prose, not a key. It
// only needs to cover what shows up as values and key names; it is not a
// spelling dictionary.
const words = `
able about above access account accounts action active actor add added address admin after again
agent alert algorithm alias all allow alpha also always amazon analytics and android anon any
apache app application apply approval archive area array asset assets async attr attribute audio
audit auth author authority auto available back backend backup bad balance bank bar base basic batch
bearer before begin being beta between big bill billing binary bind bit black blob block blog blue
board body book boot bot bottom box branch break bridge browser bucket buffer bug build builder
bundle business button buy byte bytes cache call callback camera can cancel card care case cash
catalog category cell center certificate chain change channel char character chart chat check
checkout child chrome city class clean clear click client clock close cloud cluster code collection
color column command comment commit common community company compare compile complete component
compute config configuration confirm connect connection console constant consumer contact container
content context contract control controller cookie copy core cost count counter country course
cover create created credential credentials credit cron crypto css current custom customer cycle
daemon daily dark dashboard data database date day debug decimal decode default define delete
delivery demo deploy deployment desc description design desktop detail details dev develop developer
device dialog dict digest direct directory disable disabled discount disk display distance doc docker
document documents domain done door double down download draft drive driver drop dummy dynamic each
early east edge edit editor effect element email empty enable enabled encode encrypt encrypted
encryption end endpoint engine enter entity entry env environment error errors event events every
example exception exchange exec execute exist exists exit expire expired expires export extension
external extra factory fail failed false family feature feed field file files filter final find
first fix flag float flow folder font foo footer force form format forward frame free friend from
front full function game gate gateway general generate generic get git given global good google
grant graph green grid group guard guest hand handle handler hash have head header health hello
help helper hidden high history hold home hook host hour html http https icon identity image
images import index info init inner input insert install instance integer interface internal into
invalid invoice issue issuer item items job join json just keep kernel key keys kind label lambda
language large last latest launch layer layout lead left legacy length level library license life
light like limit line link linux list listen little live load loader local locale location lock
log logger login logo long lookup loop low machine mail main make manager map mark market master
match max media medium member memory menu merge message meta metadata method metric middle min
minute mobile mock mode model module money monitor month more mount move multi name native nav
network new news next node none normal not note notice null number object off offer office old
only open operator option options order org origin other out output owner package page panel
param parent parse part partner party pass password passwords patch path pay payment peer pending
people per permission person phone pick pipe pipeline place plan platform play player plugin
point policy pool pop port portal post power prefix preview price primary print priority private
process product production profile program project prompt proper property protocol provider proxy
public publish pull push query queue quick random range rate read reader ready real reason receive
record red redirect reference refresh region register registry release remote remove render repo
report request require required reset resolve resource response rest result results return review
right role root route router row rule run runner runtime safe sale sales sample save scale schema
scope score screen script search second secret secrets section secure security select self send
sender sequence serial server service services session set setting settings setup share shared
shell shift ship shop short show side sign signal signature simple single site size skip slack
slot small snapshot social socket sort source space spec special split stack stage standard start
state static status step stop storage store stream string style sub submit success summary super
support switch sync system tab table tag target task team temp template tenant term test text
theme thread time timeout timer title today token tool top topic total trace track traffic
transfer tree trigger true trust type unique unit update upload url usage use used user users util
valid validate validation value values variable vault vector vendor version video view virtual
visible wait wallet warning watch web webhook week west what when where white widget width window
with word work worker workflow write writer year yes zone zero one two three four five six seven
eight nine ten hundred thousand monday tuesday march april june july august january february
october november december sunday friday picture pictures results results regulatory mapping time
zone standard turkey europe istanbul vector mesh meshing keying keyword keyframe keystore keytab
keypair keysize pubkey pressed selector return elimination executed monkeys audio schema doc
entry tag identifier security strict encode uri resolution checksum language node version lib
salesforce snowflake github gitlab amazon azure google microsoft stripe openai anthropic
communication snapshot message bus api rc eventbus integration fake mock stub test tests testing
abc xyz foo bar baz qux synthetic fixture fallback refusal credit claim prefill stop reason
complete completion completions chunk delta choice choices assistant system developer function
tool tools call calls input output reasoning thinking summary encrypted image audio file search
web fetch code interpreter shell local apply patch custom approval server mcp model models
temperature stream usage cache creation read write block blocks citation citations document
`

// trie is a compact lowercase trie over dict words.
type trie struct {
	next [][26]uint16
	word []bool
}

func buildTrie(ws string) *trie {
	t := &trie{next: make([][26]uint16, 1), word: make([]bool, 1)}
	for _, w := range strings.Fields(ws) {
		n := 0
		ok := true
		for i := 0; i < len(w); i++ {
			if !isLower(w[i]) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		for i := 0; i < len(w); i++ {
			c := w[i] - 'a'
			if t.next[n][c] == 0 {
				t.next = append(t.next, [26]uint16{})
				t.word = append(t.word, false)
				t.next[n][c] = uint16(len(t.next) - 1)
			}
			n = int(t.next[n][c])
		}
		t.word[n] = true
	}
	return t
}

// longest returns the length of the longest dictionary word that s starts
// with (ASCII case-insensitive), or 0.
func (t *trie) longest(s string) int {
	n, best := 0, 0
	for i := 0; i < len(s); i++ {
		c := toLower(s[i])
		if !isLower(c) {
			break
		}
		n = int(t.next[n][c-'a'])
		if n == 0 {
			break
		}
		if t.word[n] {
			best = i + 1
		}
	}
	return best
}

var dict = buildTrie(words)
