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
reverse lowest highest bits step steps table root discard compound cookie kuromoji tokenizer
about above across action actually added adding address after again against almost alone along
already although always among amount analysis another answer anyone anything appear apply around
article asked average avoid aware away based basis become becomes before began behind believe
below best better beyond billion board body both bring brought build built business cannot
capital cause central certain chance chapter character charge choose church citizen claim
class clear close coach cold college color come common community company compare computer
concern condition consider contain continue control cost could country couple course court
cover create crime cultural culture current cycle damage dance dead deal death debate decade
decide decision deep defense degree democrat describe design despite detail determine develop
difference different difficult dinner direction director discover discuss disease doctor dog
door down draw dream drive drop drug during each early east easy economic economy edge
education effect effort eight either election else employee energy enjoy enough enter entire
environment especially establish even evening event ever every everybody everyone everything
evidence exactly example executive exist expect experience expert explain face fact factor fail
fall family fast father fear federal feel feeling field fight figure fill film final finally
financial find fine finger finish fire firm first fish five floor focus follow food foot force
foreign forget form former forward four free friend front full fund future garden general
generation girl give glass goal good government great green ground group grow growth guess gun
hair half hand hang happen happy hard have head health hear heart heat heavy help here herself
high himself history hold home hope hospital hotel hour house however huge human hundred
husband idea identify image imagine impact important improve include including increase indeed
indicate individual industry information inside instead institution interest interesting
international interview into investment involve issue itself join just keep kill kind kitchen
know knowledge land language large last late later laugh lawyer lead leader learn least leave
left legal less letter level life light like likely line list listen little live long look
lose loss love machine magazine main maintain major majority make manage management manager
many market marriage material matter maybe mean measure media medical meet meeting member
memory mention message method middle might military million mind minute miss mission modern
moment money month more morning most mother mouth move movement movie much music must myself
name nation national natural nature near nearly necessary need network never news newspaper
next nice night none north note nothing notice number occur offer office officer official often
once only onto open operation opportunity option order organization other others outside over
owner page pain painting paper parent part participant particular particularly partner party
pass past patient pattern peace people perform performance perhaps period person personal
phone physical pick picture piece place plan plant play player point police policy political
poor popular population position positive possible power practice prepare present president
pressure pretty prevent price private probably problem process produce product production
professional professor program project property protect prove provide public pull purpose push
quality question quickly quite race radio raise range rate rather reach read ready real reality
realize really reason receive recent recently recognize record reduce reflect region relate
relationship religious remain remember remove report represent require research resource
respond response rest result return reveal rich right rise risk road rock role room rule safe
same save scene school science scientist score season seat second section security seek seem
sell send senior sense series serious serve service seven several shake share shoot short shot
should shoulder show side sign significant similar simple simply since sing single sister site
situation size skill skin small smile social society soldier some somebody someone something
sometimes song soon sort sound source south southern space speak special specific speech spend
sport spring staff stage stand standard star start state statement station stay still stock
stop story strategy street strong structure student study stuff style subject success
successful such suddenly suffer suggest summer support sure surface system table take talk task
teach teacher team technology television tell tend term test than thank that their them
themselves then theory there these they thing think third this those though thought thousand
threat three through throughout throw thus time today together tonight total tough toward town
trade traditional training travel treat treatment tree trial trip trouble true truth turn
type under understand unit until upon used user usually value various very victim view violence
visit voice vote wait walk wall want watch water weapon wear week weight well west western what
whatever when where whether which while white whole whom whose wide wife will wind window wish
with within without woman wonder word work worker world worry would write writer wrong yard yeah
year young yourself wrap agree trans export import crypt content encrypt smart card associated
migration priv val blob msg dll gen minor major interval handler parser scanner encoder decoder reader writer buffer pointer
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
