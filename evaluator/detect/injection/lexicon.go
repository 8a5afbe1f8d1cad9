package injection

// The lexicon: families of terms that rules combine ("an override verb and
// an instruction noun in the same sentence"). Each family lists its terms
// by language: English, Spanish, French, German, Italian, Portuguese,
// Russian, Chinese, Japanese, Korean, Arabic, Hindi, Turkish, Vietnamese,
// Indonesian, Bengali, Thai and Tagalog. Terms are general vocabulary
// (verbs, nouns, fixed markers), never sentences from a test corpus.
// Markers: "stem*" lets letters follow, "*x" lets letters precede, "=X" is
// case-sensitive, "^x" must start a line (see parseTerm).

type famID uint8

// famSet is a set of families, one bit per famID.
type famSet uint64

const (
	famIgnore        famID = iota // verbs that set instructions aside
	famNegator                    // "don't", "never": cancels a following override verb
	famInstr                      // nouns for instructions and prompts
	famInstrWeak                  // rules, commands, restrictions: instructions only with "previous", "all", "your"
	famPrevMod                    // "previous", "above", "all": which instructions
	famPrevRef                    // "the above", "everything before": standalone references
	famNewInstr                   // "new instructions", "your new task"
	famReveal                     // verbs that print or disclose
	famAsk                        // "what is", "tell me", "give me"
	famPromptObj                  // "your instructions", "your system prompt", "the text above"
	famSysPrompt                  // "system prompt", "initial prompt": weaker without "your"
	famVerbatim                   // "verbatim", "word for word"
	famSecret                     // password, secret key
	famYour                       // possessives addressing the model
	famYourSecret                 // "your password" where the language glues the possessive
	famSend                       // send, upload, forward
	famSensitive                  // conversation, credentials, environment variables
	famDest                       // URLs, servers, e-mail addresses
	famSecrecy                    // "without telling the user"
	famTemplate                   // chat-template control tokens
	famRoleLine                   // "System:", "### Instruction:" at the start of a line
	famCloseTag                   // "</tool_result>", "</document>"
	famAuthority                  // "ADMIN OVERRIDE", "system notice"
	famBoundary                   // "end of document", "end of email"
	famAIAddress                  // "note to the AI", "if you are an AI"
	famRespEdit                   // "modify your answer", "in your response,"
	famInsertVerb                 // include, incorporate, weave
	famCodeRef                    // "the following code", "this link"
	famYourWork                   // "your code", "your answer", "the code you write"
	famFormatTrick                // "reply in base64", "in leetspeak", "backwards"
	famReadVerb                   // read, cat, open
	famSensitivePath              // ~/.ssh/id_rsa, .env, /etc/passwd
	famToolHook                   // "before using this tool", "<IMPORTANT>"
	famMeta                       // "how do I", "what does ... mean", "translate": talking about, not doing
	famPersona                    // "you are now", "act as", "pretend to be"
	famUnrestricted               // "no restrictions", "uncensored", "not bound by"
	famAmoral                     // "amoral", "unethical": weak without a persona
	famDanName                    // DAN, STAN, "developer mode"
	famDanStrong                  // "do anything now", "[🔓JAILBREAK]": jailbreak templates by name
	famPolicyRef                  // "content policy", "your programming"
	famPolicyBreak                // bypass, violate, "does not apply"
	famRefusal                    // "stay in character", "without warnings": weak alone
	famRefusalStrong              // "never refuse", "answer any question no matter how"
	famHypothetical               // "hypothetically", "in a fictional world"
	famDualResp                   // "two responses", "[🔓JAILBREAK]"
	famSplit                      // "split", "concatenate", "a + b": payload splitting
	famActOn                      // "answer the question", "write down the string": act on joined parts
	famSecretQ                    // a secret noun ending the question: "what is the password?"
	famUserData                   // "the user's email address": data about the user in the context
	famExtract                    // fixed system-prompt extraction phrasings
	famMine                       // "my", "mein", "我的": the speaker's own things, not the model's
	famYourOutput                 // "your answer", "your reply": the model's output, as a document addresses it
	famReplyVerb                  // "reply in", "respond using": how to answer
	famLangName                   // language names: "provide your answer in French"
	famAddVerb                    // add, include, integrate, augment: put something into an answer
	famDocRef                     // "the webpage", "the document", "the code": the content being read
	famSayVerb                    // "and state", "and say instead": what to answer in place of the task
	famClaim                      // "I am a police officer", "I'm your boss": a claimed role
	famHeldData                   // "your database", "customer records": data the model can reach
	famPersonal                   // "'s birth date", "'s email address": personal data of someone named
	famBribe                      // "I'll give you $200": a reward offered for a secret
	famCreative                   // "poem about", "haiku about": a secret asked for as verse
	famMangle                     // "scramble", "misspell", "emojis": mangling an answer past filters
	numFamilies
)

var famNames = [numFamilies]string{
	famIgnore: "ignore", famNegator: "negator", famInstr: "instructions", famInstrWeak: "instructions_weak",
	famPrevMod: "previous",
	famPrevRef: "previous_ref", famNewInstr: "new_instructions", famReveal: "reveal", famAsk: "ask",
	famPromptObj: "prompt_object", famSysPrompt: "system_prompt", famVerbatim: "verbatim",
	famSecret: "secret", famYour: "your", famYourSecret: "your_secret", famSend: "send",
	famSensitive: "sensitive", famDest: "destination", famSecrecy: "secrecy", famTemplate: "template",
	famRoleLine: "role_line", famCloseTag: "close_tag", famAuthority: "authority", famBoundary: "boundary",
	famAIAddress: "ai_address", famRespEdit: "response_edit", famInsertVerb: "insert_verb",
	famCodeRef: "code_ref", famYourWork: "your_work", famFormatTrick: "format_trick",
	famReadVerb: "read_verb", famSensitivePath: "sensitive_path", famToolHook: "tool_hook",
	famMeta: "meta", famPersona: "persona", famUnrestricted: "unrestricted", famAmoral: "amoral",
	famDanName: "dan_name", famDanStrong: "dan_strong",
	famPolicyRef: "policy_ref", famPolicyBreak: "policy_break", famRefusal: "refusal",
	famRefusalStrong: "refusal_strong",
	famHypothetical:  "hypothetical", famDualResp: "dual_response", famSplit: "split",
	famActOn: "act_on", famSecretQ: "secret_question", famUserData: "user_data", famExtract: "extract",
	famMine: "mine", famYourOutput: "your_output", famReplyVerb: "reply_verb", famLangName: "language_name",
	famAddVerb: "add_verb", famDocRef: "document_ref", famSayVerb: "say_verb", famClaim: "claim",
	famHeldData: "held_data", famPersonal: "personal", famBribe: "bribe", famCreative: "creative",
	famMangle: "mangle",
}

var lexicon = [numFamilies][]string{
	famIgnore: {
		// en
		"ignore", "ignoring", "disregard*", "forget", "overlook", "override", "bypass", "neglect",
		"discard", "dismiss", "set aside", "put aside", "pay no attention to", "do not follow",
		"don't follow", "stop following", "no longer follow", "never mind", "nevermind", "regardless of",
		"irrespective of", "independientemente de", "indépendamment de", "unabhängig von",
		"indipendentemente da", "indipendentemente dalle", "independentemente de", "independentemente das",
		"независимо от", "不管", "无论", "に関係なく", "관계없이", "بغض النظر عن", "bağımsız olarak",
		"bất kể", "terlepas dari", "নির্বিশেষে", "โดยไม่คำนึงถึง", "anuman ang",
		// es
		"ignora", "ignore", "ignoren", "ignorar", "ignorad", "olvida", "olvide", "olviden", "olvidar",
		"olvídate", "olvídese", "descarta", "descarte", "descartar", "omite", "omita", "omitir",
		"haz caso omiso", "hagan caso omiso", "no sigas", "no siga", "no hagas caso", "pasa por alto",
		"deja de lado", "desestima", "desatiende",
		// fr
		"ignorez", "ignorer", "oublie", "oubliez", "oublier", "ne tiens pas compte", "ne tenez pas compte",
		"ne pas tenir compte", "fais abstraction", "faites abstraction", "néglige", "négligez",
		"écarte", "écartez", "passe outre", "passez outre", "ne suis pas", "ne suivez pas", "ne suivez plus",
		// de
		"ignoriere", "ignorieren", "ignoriert", "vergiss", "vergessen sie", "vergesst", "missachte",
		"missachten", "übergehe", "übergehen", "verwirf", "verwerfen", "beachte nicht", "beachten sie nicht",
		"befolge nicht", "nicht mehr befolgen", "überspringe", "außer acht",
		// it
		"ignori", "ignorate", "ignorare", "dimentica", "dimentichi", "dimenticate", "dimenticare",
		"trascura", "trascurare", "tralascia", "non seguire", "non tenere conto", "lascia perdere", "scarta",
		"non considerare",
		// pt
		"ignorem", "esqueça", "esqueca", "esquece", "esquecer", "esqueçam", "desconsidere", "desconsiderar",
		"despreze", "desprezar", "não siga", "nao siga", "deixe de lado", "não leve em conta",
		// ru
		"игнорируй", "игнорируйте", "игнорировать", "проигнорируй", "проигнорируйте", "забудь", "забудьте",
		"забыть", "не обращай внимания", "не обращайте внимания", "пренебреги", "пренебрегите", "отбрось",
		"отбросьте", "не следуй", "не следуйте", "отмени", "отмените",
		// zh
		"忽略", "忽视", "忽視", "无视", "無視", "忘记", "忘記", "忘掉", "不要理会", "不理会", "抛开", "拋開",
		"丢弃", "跳过", "不要遵循", "不再遵循", "无需遵守", "不用遵守", "绕过", "繞過", "别管",
		// ja
		"無視して", "無視し", "忘れて", "忘れろ", "従わないで", "従わず", "破棄して", "気にしないで",
		// ko
		"무시", "잊어", "잊으", "잊고", "따르지 마", "따르지 말", "신경 쓰지 마",
		// ar
		"تجاهل", "تجاهلي", "تجاهلوا", "انس", "انسى", "انسَ", "إنس", "أهمل", "اهمل", "تخط", "تخطى",
		"لا تتبع", "تغاضى", "تغاض", "لا تلتزم",
		// hi
		"अनदेखा", "नज़रअंदाज़", "नजरअंदाज", "भूल जाओ", "भूल जाएं", "भूल जाएँ", "भूल जाइए", "भूलें",
		"उपेक्षा", "अवहेलना", "पालन न करें", "ध्यान न दें", "परवाह किए बिना",
		// tr
		"yok say*", "görmezden gel*", "unut", "unutun", "dikkate alma", "dikkate almayın", "boşver",
		"göz ardı", "uyma", "uymayın",
		// vi
		"bỏ qua", "phớt lờ", "quên", "lờ đi", "không tuân theo", "đừng làm theo", "bất chấp", "gạt bỏ",
		// id
		"abaikan", "lupakan", "lupakanlah", "jangan hiraukan", "jangan ikuti", "kesampingkan", "acuhkan",
		// bn
		"উপেক্ষা", "ভুলে যান", "ভুলে যাও", "ভুলে যাবেন", "অগ্রাহ্য", "এড়িয়ে", "মানবেন না", "অবহেলা",
		// th
		"เพิกเฉย", "ละเว้น", "ไม่ต้องสนใจ", "อย่าไปสนใจ", "ไม่สนใจ", "ลืม", "ละทิ้ง", "ไม่ต้องทำตาม",
		// tl
		"balewalain", "huwag pansinin", "kalimutan", "huwag sundin", "isantabi", "ipagwalang-bahala",
		"αγνοήστε", "αγνόησε", "αγνόησέ", "ξεχάστε", "ξέχασε", "अनदेखी", "wag pansinin", "huwag mong pansinin",
		"ignoramos", "ignoremos",
	},
	famNegator: {
		"don't", "do not", "never", "not", "shouldn't", "should not", "must not", "mustn't", "won't",
		"can't", "cannot", "didn't", "did not", "doesn't", "does not", "nothing to", "no need to",
		"no", "non", "não", "nao", "не", "не надо", "不要", "别", "不能", "하지 마", "لا",
		"jangan", "đừng", "không",
	},
	famInstr: {
		// en
		"instruction", "instructions", "directive", "directives", "guideline", "guidelines",
		"system prompt", "programming", "what you were told", "what you've been told", "you have been told",
		"you've been told", "you were told", "everything you know", "your training",
		// es
		"instrucciones", "instrucción", "directrices", "directivas", "indicaciones", "pautas",
		"lo que te dijeron", "lo que se te ha dicho",
		// fr
		"consignes", "directives", "ce qu'on t'a dit", "ce qu'on vous a dit",
		// de
		"anweisungen", "anweisung", "instruktionen", "richtlinien", "vorgaben", "was dir gesagt wurde",
		// it
		"istruzioni", "direttive", "indicazioni", "linee guida", "ti è stato detto",
		// pt
		"instruções", "instrucoes", "instrução", "diretrizes", "diretivas", "orientações",
		"o que te disseram", "lhe foi dito",
		// ru
		"инструкции", "инструкций", "инструкциям", "инструкцию", "указания", "указаний", "указаниям",
		"директивы", "тебе говорили", "тебе сказали", "вам сказали",
		// zh
		"指示", "指令", "说明", "告诉你的",
		// ja
		"プロンプト", "言われた",
		// ko
		"지시", "지침", "지령", "프롬프트", "들은",
		// ar
		"التعليمات", "تعليمات", "التوجيهات", "توجيهات", "الإرشادات", "ما قيل لك",
		// hi
		"निर्देश", "दिशानिर्देश", "कहा गया", "बताया गया",
		// tr
		"talimat*", "yönerge*", "söylenen*", "direktif*",
		// vi
		"hướng dẫn", "chỉ dẫn", "chỉ thị", "được bảo",
		// id
		"instruksi", "petunjuk", "arahan", "pedoman", "diberitahukan",
		// bn
		"নির্দেশ", "নির্দেশিকা", "বলা হয়েছে",
		// th
		"คำสั่ง", "คำแนะนำ", "แนวทาง",
		// tl
		"tagubilin", "panuto", "alituntunin", "sinabi sa iyo", "instruksyon",
		"οδηγίες", "οδηγιών", "εντολές",
	},
	famInstrWeak: {
		"rules", "prompt", "prompts", "commands", "orders", "constraints", "restrictions", "guardrails",
		"task", "tasks", "context", "tareas", "tâches", "aufgaben", "compiti", "tarefas", "задачи", "задач",
		"任务", "タスク", "작업", "المهام", "görev*", "nhiệm vụ", "tugas", "gawain", "reglas", "órdenes", "ordenes", "restricciones", "normas", "règles", "regles",
		"ordres", "befehle", "regeln", "einschränkungen", "anordnungen", "regole", "ordini", "restrizioni",
		"regras", "ordens", "restrições", "правила", "правил", "команды", "распоряжения", "ограничения",
		"規則", "规则", "命令", "提示", "设定", "設定", "限制", "约束", "ルール", "制限", "명령", "규칙", "제한",
		"الأوامر", "أوامر", "القواعد", "قواعد", "القيود", "आदेश", "नियम", "प्रतिबंध", "kural*", "komut*",
		"emir*", "quy tắc", "mệnh lệnh", "quy định", "perintah", "aturan", "আদেশ", "নিয়ম", "กฎ",
		"ข้อกำหนด", "ข้อจำกัด", "utos", "patakaran",
	},
	famPrevMod: {
		"previous", "prior", "above", "earlier", "preceding", "initial", "original", "all", "any",
		"foregoing", "old", "system", "every", "those",
		"anteriores", "anterior", "previas", "previos", "todas", "todo", "précédentes", "précédents",
		"antérieures", "toutes", "tout", "vorherigen", "vorherige", "bisherigen", "obigen", "früheren",
		"alle", "alles", "precedenti", "tutte", "tutto", "prévias", "todas as", "предыдущие", "предыдущих",
		"прежние", "прошлые", "все", "всё", "вышеуказанные", "之前", "以前", "先前", "上述", "前面", "所有",
		"以上", "これまで", "すべて", "上記", "前の", "이전", "모든", "위의", "السابقة", "سابقة", "كل",
		"पिछले", "पिछली", "पहले", "सभी", "önceki", "tüm", "bütün", "trước đó", "tất cả", "sebelumnya",
		"semua", "আগের", "পূর্ববর্তী", "পূর্বের", "সমস্ত", "ก่อนหน้า", "ทั้งหมด", "nakaraang", "naunang",
		"lahat",
		"προηγούμενες", "προηγούμενων", "όλες",
	},
	famPrevRef: {
		"the above", "everything above", "all of the above", "all the above", "everything before",
		"what came before", "all prior", "all previous", "the previous text", "the preceding text",
		"the previous context", "prior context", "previous conversation", "above text", "preceding",
		"everything from before", "everything before this", "to your core", "your old", "all of that",
		"todo lo anterior", "lo anterior", "tout ce qui précède", "ce qui précède", "alles oben",
		"alles vorherige", "alles bisherige", "tutto quanto sopra", "quanto sopra", "tudo acima",
		"tudo o que foi dito", "всё вышесказанное", "все вышесказанное", "всё, что было выше",
		"以上所有", "上面的内容", "之前的内容", "以上の内容", "上記すべて", "위의 모든", "위 내용",
		"كل ما سبق", "ما سبق", "ऊपर का सब", "ऊपर दिए गए", "yukarıdakilerin hepsini", "yukarıdakileri",
		"tất cả những điều trên", "semua di atas", "উপরের সব", "ทั้งหมดข้างต้น", "lahat ng nasa itaas",
		"das obenstehende", "obenstehende", "das obige", "das vorherige", "das bisherige", "ang nasa itaas", "nasa itaas", "quanto detto sopra", "ce qui est écrit ci-dessus", "o que está acima",
		"ऊपर की बात", "ऊपर की बातें", "उपरोक्त",
	},
	famNewInstr: {
		"new instructions:", "new instruction:", "updated instructions:", "revised instructions:",
		"new rules:", "new task:", "your new task", "your new instructions", "your real task",
		"your actual task", "your real instructions", "the real instructions", "new directive:",
		"new system prompt", "following new instructions", "here are your new", "these are your new",
		"obey these new", "follow these new", "new instructions follow", "new instructions are",
		"nuevas instrucciones", "nueva instrucción", "nouvelles instructions", "nouvelle consigne",
		"neue anweisungen", "neue anweisung", "nuove istruzioni", "novas instruções", "nova instrução",
		"новые инструкции", "новое задание", "新的指示", "新指令", "新的指令", "新しい指示", "새로운 지시",
		"새 지시", "تعليمات جديدة", "नए निर्देश", "नया निर्देश", "yeni talimat", "hướng dẫn mới",
		"instruksi baru", "নতুন নির্দেশ", "คำสั่งใหม่", "bagong tagubilin",
	},
	famReveal: {
		// en
		"repeat", "print", "print out", "show", "show me", "reveal", "output", "display", "leak", "dump",
		"spell out", "recite", "disclose", "expose", "echo", "paste", "copy", "write out", "type out",
		"regurgitate", "list",
		// es
		"repite", "repita", "muestra", "muéstrame", "revela", "revele", "imprime", "imprima", "escribe",
		// fr
		"répète", "répétez", "repete", "affiche", "affichez", "montre", "montrez", "révèle", "révélez",
		"imprime", "écris", "écrivez", "recopie",
		// de
		"wiederhole", "wiederholen sie", "zeige", "zeig", "zeigen sie", "verrate", "verraten sie",
		"gib aus", "gib mir", "nenne", "drucke", "schreibe",
		// it
		"ripeti", "ripetete", "mostra", "mostrami", "rivela", "stampa", "scrivi",
		// pt
		"repita", "repete", "mostre", "mostra", "revele", "revela", "imprima", "escreva",
		// ru
		"повтори", "повторите", "покажи", "покажите", "выведи", "выведите", "раскрой", "раскройте",
		"напиши", "напишите", "перечисли", "процитируй",
		// zh
		"重复", "重複", "显示", "顯示", "输出", "輸出", "打印", "透露", "泄露", "展示", "列出", "复述", "写出",
		// ja
		"繰り返", "表示して", "出力して", "見せて", "書き出", "明かして", "教えて",
		// ko
		"반복", "보여", "출력", "공개", "알려", "말해",
		// ar
		"كرر", "اعرض", "أظهر", "اطبع", "اكشف", "أخبرني", "اكتب",
		// hi
		"दोहराएं", "दोहराएँ", "दोहराओ", "दिखाएं", "दिखाएँ", "दिखाओ", "बताएं", "बताएँ", "बताओ", "प्रकट करें", "लिखें",
		// tr
		"tekrarla", "göster", "yazdır", "söyle", "ifşa et", "açıkla",
		// vi
		"lặp lại", "hiển thị", "in ra", "cho tôi biết", "tiết lộ", "nói cho",
		// id
		"ulangi", "tampilkan", "tunjukkan", "cetak", "beritahu", "ungkapkan", "sebutkan",
		// bn
		"পুনরাবৃত্তি", "দেখান", "দেখাও", "প্রকাশ করুন", "বলুন", "বলো", "লিখুন",
		// th
		"ทวน", "แสดง", "พิมพ์", "บอก", "เปิดเผย",
		// tl
		"ulitin", "ipakita", "sabihin", "isulat", "ibunyag", "i-print",
	},
	famAsk: {
		"what is", "what's", "what are", "what were", "what was", "tell me", "give me", "share",
		"provide", "send me", "can you tell", "could you tell", "i need", "i need to know", "confirm",
		"confirma", "confirmes", "confirmez", "confirmer", "bestätige", "bestätigen", "conferma",
		"confirme", "confirmar", "подтверди", "подтвердите", "确认", "確認", "확인", "أكد", "تؤكد",
		"पुष्टि", "onayla", "onaylaman", "xác nhận", "konfirmasi", "নিশ্চিত", "ยืนยัน", "kumpirmahin",
		"cuál es", "cual es", "dime", "dame", "comparte", "decirme", "dígame", "dime cuál", "quel est", "quelle est", "dis-moi", "donne-moi",
		"partage", "was ist", "wie lautet", "sag mir", "teile", "qual è", "dimmi", "dammi", "condividi",
		"qual é", "qual e", "diga-me", "me diga", "me dê", "compartilhe", "partilhe", "какой", "какая",
		"скажи", "дай", "назови", "поделись", "是什么", "是什麼", "告诉我", "告訴我", "给我", "分享",
		"は何", "を教えて", "무엇", "뭐야", "뭔가요", "알려", "ما هو", "ما هي", "أخبرني", "أعطني", "شارك",
		"क्या है", "बताओ", "बताइए", "बताएं", "साझा", "nedir", "söyle", "paylaş", "là gì", "cho tôi",
		"chia sẻ", "apa", "berikan", "beri tahu", "bagikan", "বলুন", "দিন", "শেয়ার",
		"คืออะไร", "คืออะไร", "บอก", "แชร์", "ano ang", "sabihin", "ibigay", "ibahagi",
		"what would", "what will", "where does", "where do", "where is", "where did", "when was", "who is", "necesito", "j'ai besoin", "ich brauche", "ho bisogno", "eu preciso", "preciso", "мне нужен", "мне нужна", "мне нужно", "我需要", "が必要", "필요해", "필요합니다", "أحتاج", "मुझे चाहिए", "ihtiyacım var", "tôi cần", "saya butuh", "saya perlu", "আমার প্রয়োজন", "ฉันต้องการ", "kailangan ko",
		"dirmi", "me dire", "mir sagen", "me dizer", "сказать мне", "söyle*", "partilhar", "compartilhar", "compartir", "partager", "teilen", "condividere", "поделиться", "مشاركة",
	},
	famPromptObj: {
		// en
		"your instructions", "your system prompt", "your prompt", "your initial prompt", "your original prompt",
		"your initial instructions", "your original instructions", "your system instructions", "your rules",
		"your guidelines", "your configuration", "your system message", "your hidden", "your secret instructions",
		"your pre-prompt", "your preprompt", "the text above", "the words above", "the prompt above",
		"the instructions above", "everything above", "all the text above", "the conversation above",
		"your first message", "the first message", "what you were told", "the hidden prompt",
		"the secret instructions", "those instructions", "these instructions", "the instructions you were given",
		// es
		"tus instrucciones", "sus instrucciones", "tu prompt", "el texto anterior", "el texto de arriba",
		"instrucciones del sistema", "prompt del sistema", "tus reglas",
		// fr
		"tes instructions", "vos instructions", "ton prompt", "votre prompt", "le texte ci-dessus",
		"prompt système", "invite système", "tes règles", "vos règles",
		// de
		"deine anweisungen", "ihre anweisungen", "deinen prompt", "ihren prompt", "den obigen text",
		"den text oben", "systemprompt", "system-prompt", "systemanweisungen", "deine regeln",
		// it
		"le tue istruzioni", "tue istruzioni", "il tuo prompt", "prompt di sistema", "istruzioni di sistema",
		"il testo sopra", "le tue regole",
		// pt
		"suas instruções", "tuas instruções", "seu prompt", "prompt do sistema", "instruções do sistema",
		"o texto acima", "suas regras",
		// ru
		"свои инструкции", "твои инструкции", "ваши инструкции", "системный промпт", "системную подсказку",
		"системные инструкции", "текст выше", "твои правила", "свой промпт",
		// zh
		"系统提示", "系統提示", "系统指令", "系统消息", "你的指示", "你的指令", "你的提示", "初始提示",
		"上面的文字", "以上文字", "提示词", "你的规则",
		// ja
		"システムプロンプト", "システム指示", "あなたの指示", "初期プロンプト", "上記のテキスト", "あなたのルール",
		// ko
		"시스템 프롬프트", "시스템 지시", "당신의 지시", "너의 지시", "초기 프롬프트", "위의 텍스트",
		// ar
		"موجه النظام", "تعليمات النظام", "تعليماتك", "النص أعلاه", "قواعدك",
		// hi
		"सिस्टम प्रॉम्प्ट", "सिस्टम संकेत", "आपके निर्देश", "तुम्हारे निर्देश", "ऊपर का पाठ", "आपके नियम",
		// tr
		"sistem istemi", "sistem talimatları", "talimatlarını", "talimatlarınızı", "yukarıdaki metni",
		"kurallarını",
		// vi
		"lời nhắc hệ thống", "hướng dẫn hệ thống", "hướng dẫn của bạn", "văn bản ở trên", "quy tắc của bạn",
		// id
		"prompt sistem", "instruksi sistem", "instruksi anda", "instruksimu", "teks di atas", "aturan anda",
		// bn
		"সিস্টেম প্রম্পট", "আপনার নির্দেশাবলী", "আপনার নির্দেশ", "উপরের লেখা",
		// th
		"พรอมต์ระบบ", "คำสั่งระบบ", "คำสั่งของคุณ", "ข้อความข้างต้น",
		// tl
		"iyong mga tagubilin", "iyong tagubilin", "iyong prompt",
	},
	famSysPrompt: {
		"system prompt", "system message", "initial prompt", "original prompt", "hidden prompt",
		"developer message", "pre-prompt", "preprompt", "meta prompt", "prompt del sistema",
		"prompt système", "systemprompt", "system-prompt", "prompt di sistema", "prompt do sistema",
		"системный промпт", "系统提示", "系統提示", "システムプロンプト", "시스템 프롬프트", "موجه النظام",
		"सिस्टम प्रॉम्प्ट", "sistem istemi", "lời nhắc hệ thống", "prompt sistem", "সিস্টেম প্রম্পট",
		"พรอมต์ระบบ",
	},
	famVerbatim: {
		"verbatim", "word for word", "word-for-word", "exactly as written", "in full", "in its entirety",
		"character for character", "textualmente", "palabra por palabra", "mot pour mot", "mot à mot",
		"wortwörtlich", "wort für wort", "parola per parola", "alla lettera", "palavra por palavra",
		"дословно", "слово в слово", "逐字", "一字不差", "原文", "一字一句", "そのまま", "一字一句",
		"글자 그대로", "그대로", "حرفيا", "حرفياً", "शब्दशः", "kelimesi kelimesine", "aynen", "nguyên văn",
		"kata demi kata", "হুবহু", "คำต่อคำ", "salita por salita",
	},
	famSecret: {
		"password", "passcode", "passphrase", "secret key", "secret word", "secret code", "api key",
		"access token", "credentials", "the secret", "pin code", "secret phrase", "private key",
		"contraseña", "clave secreta", "mot de passe", "clé secrète", "passwort", "kennwort",
		"geheimer schlüssel", "geheimen schlüssel", "chiave segreta", "parola d'ordine", "senha",
		"palavra-passe", "chave secreta", "пароль", "секретный ключ", "密码", "密碼", "密钥", "秘密钥",
		"秘钥", "秘密", "パスワード", "秘密の鍵", "秘密鍵", "비밀번호", "암호", "비밀 키", "كلمة المرور",
		"كلمة السر", "المفتاح السري", "पासवर्ड", "गुप्त कुंजी", "şifre", "parola", "gizli anahtar",
		"mật khẩu", "khóa bí mật", "kata sandi", "kunci rahasia", "পাসওয়ার্ড", "গোপন চাবি",
		"รหัสผ่าน", "กุญแจลับ", "lihim na susi",
		"κωδικό πρόσβασης", "κωδικός πρόσβασης", "συνθηματικό",
		"şifre*", "parola*", "رمز المرور", "mã khóa", "cụm mật khẩu", "palavras-passe", "contraseñas",
	},
	famYour: {
		"your", "yours", "tu", "tus", "su", "sus", "ton", "ta", "tes", "votre", "vos", "dein", "deine",
		"deinen", "ihr", "ihre", "ihren", "tuo", "tua", "tuoi", "seu", "sua", "suas", "teu", "твой",
		"твою", "твои", "ваш", "ваши", "вашу", "свой", "你的", "您的", "あなたの", "君の", "당신의", "너의",
		"الخاصة بك", "لديك", "आपका", "आपकी", "आपके", "तुम्हारा", "तुम्हारी", "senin", "sizin",
		"của bạn", "anda", "kamu", "আপনার", "তোমার", "ของคุณ", "iyong", "mo",
	},
	famYourSecret: {
		"كلمة مرورك", "مفتاحك السري", "şifren", "şifreniz", "gizli anahtarın", "parolan",
		"kata sandimu", "kuncimu", "sandimu",
	},
	famSend: {
		"send", "post", "upload", "forward", "transmit", "exfiltrate", "leak", "email", "e-mail", "submit",
		"copy", "append", "embed", "attach", "beacon", "report back", "make a request", "fetch", "curl",
		"envía", "envia", "envoie", "envoyez", "sende", "schicke", "invia", "envie", "отправь",
		"отправьте", "пришли", "发送", "送信", "전송", "보내", "أرسل", "भेजें", "gönder", "gửi", "kirim",
		"পাঠান", "ส่ง", "ipadala",
	},
	famSensitive: {
		"conversation", "chat history", "chat log", "conversation history", "previous messages",
		"the messages", "user's data", "user data", "personal information", "personal data", "credentials",
		"passwords", "password", "api key", "api keys", "secrets", "tokens", "access token", "cookies",
		"session", "environment variables", "env vars", "environment", ".env", "ssh key", "ssh keys",
		"private key", "the system prompt", "your instructions", "contacts", "emails", "files",
		"the user's", "their data", "bank details", "credit card", "documents", "source code",
		"conversación", "historial", "conversation", "datos del usuario", "données", "verlauf",
		"benutzerdaten", "cronologia", "dati", "dados", "histórico", "переписку", "историю", "данные",
		"聊天记录", "对话", "用户数据", "会話", "履歴", "대화", "기록", "المحادثة", "البيانات", "बातचीत",
		"डेटा", "konuşma", "veriler", "cuộc trò chuyện", "dữ liệu", "percakapan", "data pengguna",
		"কথোপকথন", "ডেটা", "บทสนทนา", "ข้อมูล", "usapan",
	},
	famDest: {
		"http://*", "https://*", "webhook", "to the url", "to this url", "to the following url",
		"to the endpoint", "to the server", "to this server", "to the address", "to this address",
		"to the email", "to this email", "attacker", "via url", "in the url", "as a query parameter",
		"query string", "![", "ngrok", "requestbin", "pastebin", "burpcollaborator", "interact.sh",
		"to my server", "remote server", "external server",
	},
	famSecrecy: {
		"without telling the user", "without informing the user", "without notifying the user",
		"without alerting the user", "without asking the user", "without the user knowing",
		"without the user noticing", "do not tell the user", "don't tell the user", "do not mention this",
		"don't mention this", "do not mention it", "never mention this", "do not inform the user",
		"do not notify the user", "do not reveal this", "don't reveal this", "the user must not know",
		"the user should not know", "the user must not see", "the user should not see",
		"don't let the user know", "do not let the user know", "keep this secret", "keep this hidden",
		"keep it secret from the user", "hide this from the user", "silently send", "silently forward",
		"silently upload", "silently include", "silently add", "silently run", "silently execute",
		"secretly send", "secretly forward", "secretly upload", "secretly include", "secretly add",
		"secretly run", "secretly execute", "without any notification",
		"behind the user's back", "do not disclose this", "this is confidential between us",
		"sin decirle al usuario", "no le digas al usuario", "sans le dire à l'utilisateur",
		"ne le dis pas à l'utilisateur", "ohne den benutzer zu informieren", "sag dem benutzer nicht",
		"senza dirlo all'utente", "sem contar ao usuário", "не говори пользователю",
		"не сообщай пользователю", "不要告诉用户", "不要让用户知道", "ユーザーに言わないで", "사용자에게 알리지",
		"لا تخبر المستخدم", "उपयोगकर्ता को न बताएं", "kullanıcıya söyleme", "đừng nói với người dùng",
		"jangan beri tahu pengguna", "ব্যবহারকারীকে বলবেন না", "อย่าบอกผู้ใช้", "huwag sabihin sa user",
	},
	famTemplate: {
		"<|im_start|>", "<|im_end|>", "<|im_sep|>", "<|system|>", "<|user|>", "<|assistant|>",
		"<|endoftext|>", "<|eot_id|>", "<|start_header_id|>", "<|end_header_id|>", "<|begin_of_text|>",
		"<|end|>", "<|channel|>", "<|message|>", "<|tool|>", "<|prompter|>", "[inst]", "[/inst]",
		"<<sys>>", "<</sys>>", "<start_of_turn>", "<end_of_turn>", "<|startoftext|>", "<s>[inst]",
	},
	famRoleLine: {
		"^system:", "^### system", "^### instruction", "^### human", "^### assistant", "^### response",
		"^### input", "^[system]", "^(system)", "^system message:", "^human:", "^assistant:", "^user:",
		"^ai:", "^developer:", "^[assistant]", "^[user]", "^sys:", "^<system>", "^<assistant>", "^<user>",
	},
	famCloseTag: {
		"</tool_result>", "</tool_results>", "</function_results>", "</function_result>", "</tool_output>",
		"</document>", "</documents>", "</context>", "</search_results>", "</untrusted>", "</user_input>",
		"</user_query>", "</data>", "</email>", "</webpage>", "</system>", "<system>", "</instructions>",
		"<instructions>", "</user>", "</assistant>", "</tool_response>", "</output>", "</retrieved>",
		"</content>", "</message>", "</im_end>",
	},
	famAuthority: {
		"admin override", "system override", "developer override", "admin mode", "debug mode",
		"maintenance mode", "god mode", "sudo mode", "root access granted", "override mode",
		"system notice", "system alert", "system update", "important system message", "priority instruction",
		"priority override", "security override", "emergency override", "begin admin", "begin system",
		"end admin", "authorized by the administrator", "this is your developer", "i am your developer",
		"message from the developer", "message from openai", "message from anthropic", "openai staff",
		"training data override", "new policy", "policy update", "debugging mode", "openai employee",
		"enabled by openai", "programmer at openai", "openai developer", "i'm your developer", "i am your creator",
		"as your creator", "as your developer", "i'm your creator", "i am god", "i'm god", "<system mode>",
		"<god mode>", "<admin mode>", "<developer mode>", "<debug mode>", "system mode", "override mode",
		"soy tu desarrollador", "soy tu creador", "soy dios", "je suis votre développeur",
		"je suis ton développeur", "je suis dieu", "ich bin dein entwickler", "ich bin ihr entwickler",
		"ich bin gott", "sono il tuo sviluppatore", "sono dio", "sou o teu desenvolvedor",
		"sou seu desenvolvedor", "sou deus", "я твой разработчик", "я ваш разработчик", "я бог",
		"<системный режим>", "我是你的开发者", "我是上帝", "<系统模式>", "私はあなたの開発者", "私は神",
		"オーバーライドモード", "나는 당신의 개발자", "저는 당신의 개발자", "أنا المطور الخاص بك", "أنا الله",
		"وضع تجاوز", "मैं आपका डेवलपर", "मैं भगवान", "ben senin geliştiricin*", "ben tanrıyım",
		"tôi là nhà phát triển của bạn", "tôi là chúa", "saya pengembang anda", "sebagai penciptamu",
		"<modus tuhan>", "আমি আপনার ডেভেলপার", "তোমার স্রষ্টা", "ฉันคือผู้พัฒนาของคุณ", "iyong lumikha", "instrucción del sistema",
		"mensaje del sistema", "message système", "systemnachricht", "messaggio di sistema",
		"mensagem do sistema", "системное сообщение", "系统通知", "系统消息", "システムメッセージ",
		"시스템 메시지", "رسالة النظام", "सिस्टम संदेश", "sistem mesajı", "thông báo hệ thống",
		"pesan sistem", "সিস্টেম বার্তা", "ข้อความระบบ",
		"mode maintenance", "mode de maintenance", "modo de mantenimiento", "wartungsmodus", "modalità di manutenzione", "modo de manutenção", "режим обслуживания", "维护模式", "メンテナンスモード", "유지 관리 모드", "وضع الصيانة", "रखरखाव मोड", "bakım modu", "chế độ bảo trì", "mode pemeliharaan", "রক্ষণাবেক্ষণ মোড", "โหมดบำรุงรักษา", "law enforcement mode", "law enforcement override",
		"system_mode", "mode_system", "<mode système>", "mode système", "modalità sistema", "modo sistema", "systemmodus", "modo do sistema", "режим системы", "системный режим", "系统模式", "システムモード", "시스템 모드", "وضع النظام", "सिस्टम मोड", "sistem modu", "chế độ hệ thống", "mode sistem", "সিস্টেম মোড", "โหมดระบบ",
	},
	famBoundary: {
		"end of document", "end of the document", "end of email", "end of the email", "end of text",
		"end of input", "end of context", "end of content", "end of data", "end of file", "end of webpage",
		"end of page", "end of search results", "end of tool output", "end of user input", "end of prompt",
		"end of conversation", "end of transcript", "document ends here", "the document is over",
		"--- end", "=== end", "fin del documento", "fin du document", "ende des dokuments",
		"fine del documento", "fim do documento", "конец документа", "文档结束", "文書の終わり",
		"문서 끝", "نهاية المستند", "दस्तावेज़ का अंत", "belgenin sonu", "kết thúc tài liệu",
		"akhir dokumen", "নথির শেষ", "สิ้นสุดเอกสาร",
	},
	famAIAddress: {
		"note to ai", "note to the ai", "note for the ai", "attention ai", "attention, ai",
		"if you are an ai", "if you're an ai", "if you are a language model", "if you are an llm",
		"if you are an assistant", "ai assistant:", "ai agent:", "dear ai", "hey ai", "to the ai",
		"to any ai", "ai agents reading this", "ai reading this", "language models reading this",
		"instructions for the ai", "instructions for ai", "instructions to the ai", "message to the ai",
		"assistant, you must", "assistant, please", "chatbot, you must", "ai, you must", "ai, please",
		"if you're chatgpt", "if you are chatgpt", "if you are claude", "if you are gemini",
		"the assistant must", "the assistant should", "the ai must", "the ai should", "the model must",
		"the model should",
		"si eres una ia", "si vous êtes une ia", "wenn du eine ki bist", "se sei un'ia",
		"se você é uma ia", "если ты ии", "如果你是ai", "如果你是人工智能", "あなたがaiなら",
		"당신이 ai라면", "إذا كنت ذكاء", "यदि आप एक एआई", "eğer bir yapay zekaysan",
		"nếu bạn là ai", "jika anda adalah ai",
	},
	famRespEdit: {
		"modify your response", "modify your answer", "modify your reply", "change your response",
		"change your answer", "alter your response", "adjust your response", "end your response",
		"end your answer", "end your reply", "begin your response", "begin your answer", "begin your reply",
		"start your response", "start your answer", "start your reply", "in your response,",
		"in your answer,", "in your reply,", "in your summary,", "in your output,", "your response must",
		"your response should", "your answer must", "your answer should", "your reply must",
		"your reply should", "append to your response", "add to your response", "conclude your response",
		"finish your response", "when summarizing", "when you summarize", "when answering",
		"when you answer", "when responding", "when you respond", "in the response,", "in the summary,",
		"respond only with", "reply only with", "answer only with", "respond with only",
		"your response to the user", "tell the user that", "inform the user that", "remind the user",
		"suggest the user", "suggest users", "urge the user", "ask the user to", "direct the user to",
		"instruct the user", "tell the user to", "recommend that the user",
		"make sure to say", "make sure to state", "be sure to say", "be sure to state", "remember to say", "remember to state", "you should say", "you should state", "you must say", "you must state", "common practice to say", "we might state", "let's state that", "let's admit",
		"potremmo affermare", "podríamos afirmar", "nous pourrions affirmer", "könnten wir sagen", "poderíamos afirmar", "мы могли бы сказать", "我们可以说", "言えるかもしれません", "말할 수 있습니다", "يمكننا القول", "हम बता सकते हैं", "diyebiliriz", "chúng ta có thể nói", "kita bisa mengatakan", "আমরা বলতে পারি", "เราอาจจะบอกว่า", "maaari nating sabihin",
	},
	famInsertVerb: {
		"include", "incorporate", "integrate", "insert", "add", "merge", "embed", "weave", "blend", "adopt",
		"introduce", "inject", "append", "put", "place", "paste", "implement", "apply", "use",
	},
	famCodeRef: {
		"following code", "below code", "code below", "subsequent code", "this code", "code snippet",
		"code excerpt", "code block", "code fragment", "following snippet", "following link",
		"this link", "following url", "this url", "following text", "following sentence",
		"following message", "following line", "following paragraph", "the below", "following",
	},
	famYourWork: {
		"your code", "your response", "your answer", "your solution", "your implementation",
		"your codebase", "your algorithm", "your program", "your script", "your output", "your reply",
		"your summary", "the code you", "your code's", "your project", "your function", "your elucidation",
		"your program logic", "your solution architecture", "your code implementation",
	},
	famFormatTrick: {
		"in base64", "using base64", "base64 encoding", "base64-encoded", "in hex", "hexadecimal",
		"in rot13", "using rot13", "rot13", "in leetspeak", "in leet", "leetspeak", "in morse",
		"morse code", "in binary", "in pig latin", "pig latin", "backwards", "in reverse", "reversed",
		"reverse order", "alphanumeric substitution", "caesar cipher", "substitution cipher",
		"one letter per line", "letter by letter", "with spaces between", "with dashes between",
		"with dashes in between", "separated by spaces", "separated by dashes", "each letter",
		"every letter", "in emoji", "emojis only", "acrostic", "first letter of each",
		"base32", "base16", "base58", "base85", "ascii85", "monoalphabetic cipher", "leet speech",
		"usando base64", "en base64", "utilisant base64", "mit base64", "em base64", "в base64", "用base64", "base64で", "base64로", "باستخدام base64", "base64 का उपयोग", "base64 kullanarak", "bằng base64", "menggunakan base64", "base64 ব্যবহার", "ใช้ base64", "gamit ang base64",
	},
	famReadVerb: {
		"read", "cat", "open", "access", "load", "fetch", "get", "retrieve", "upload", "send", "attach",
		"include", "print", "copy", "exfiltrate",
	},
	famSensitivePath: {
		"~/.ssh*", "*.ssh/id_rsa", "id_rsa", "id_ed25519", "id_ecdsa", "authorized_keys", "~/.aws*",
		"*.aws/credentials", "/etc/passwd", "/etc/shadow", "*.env", ".netrc", ".npmrc", ".pypirc",
		".git-credentials", ".docker/config.json", "mcp.json", "cookies.sqlite", "login data", "keychain",
		"wallet.dat", ".bash_history", ".zsh_history", "~/.kube*", "kubeconfig", "credentials.json",
		"secrets.yaml", "secrets.json",
	},
	famToolHook: {
		"<important>", "</important>", "before using this tool", "before calling this tool",
		"before you use this tool", "when this tool is called", "when this tool is used",
		"when using this tool", "this tool must also", "this tool should also", "this tool must first",
		"always call this tool", "call this tool first", "instead of the other tool",
		"instead of the original tool", "ignore the other tools", "do not use the other",
		"as the sidenote", "pass it as", "pass its content", "pass the content",
		"in the sidenote parameter", "in the notes parameter", "in the metadata parameter",
	},
	famMeta: {
		"how do i", "how do you", "how to", "how can i", "how can we", "how should i", "what does",
		"what do you mean", "what is the meaning", "meaning of", "what is a", "what is an", "definition of",
		"define", "explain", "example of", "examples of", "detect", "detection", "classify", "classifier",
		"is this a prompt injection", "prompt injection", "jailbreak attempt", "translate", "translation",
		"traduce", "traduis", "traduire", "übersetze", "übersetzen", "traduci", "tradurre", "traduza",
		"переведи", "翻译", "翻訳", "번역", "ترجم", "अनुवाद", "çevir", "dịch", "terjemahkan",
		"অনুবাদ", "แปล", "isalin", "in git", "gitignore", ".gitignore", "css", "linter", "eslint",
		"compiler", "warning", "exception", "checkbox", "spam filter",
	},
	famPersona: {
		"you are now", "you're now", "you will now", "from now on", "from this moment", "act as",
		"acting as", "pretend to be", "pretend you are", "pretend that you", "roleplay as", "role-play as",
		"role play as", "let's roleplay", "let's role-play", "immerse yourself", "play the role",
		"take on the role", "you will simulate", "simulate being", "simulate an ai", "simulate another ai",
		"you are going to", "you're going to", "you will be", "your name is", "stay in character",
		"you are a", "you are an", "become", "you shall", "respond as", "answer as",
		"ahora eres", "a partir de ahora", "actúa como", "actua como", "finge ser", "interpreta el papel",
		"tu es maintenant", "à partir de maintenant", "désormais", "agis comme", "fais semblant",
		"du bist jetzt", "ab jetzt", "von nun an", "tu so, als", "spiele die rolle", "ora sei",
		"da ora in poi", "fingi di essere", "agisci come", "agora você é", "a partir de agora",
		"finja ser", "aja como", "теперь ты", "с этого момента", "притворись", "веди себя как",
		"представь, что ты", "从现在开始", "你现在是", "扮演", "假装", "今から", "あなたは今", "になりきって",
		"演じて", "지금부터", "이제부터", "역할", "인 척", "من الآن", "أنت الآن", "تظاهر", "تصرف ك",
		"अब से", "अब आप", "की भूमिका", "होने का नाटक", "bundan sonra", "artık sen", "gibi davran",
		"rolünü", "từ bây giờ", "bây giờ bạn là", "đóng vai", "giả vờ", "mulai sekarang",
		"sekarang kamu", "berpura-pura", "bertindak sebagai", "perankan", "এখন থেকে", "এখন তুমি",
		"ভূমিকায়", "ভান", "จากนี้ไป", "ตอนนี้คุณคือ", "สวมบทบาท", "แกล้งทำ", "mula ngayon",
		"ikaw ngayon ay", "magpanggap", "gumanap",
	},
	famUnrestricted: {
		"no restrictions", "no limitations", "no limits", "no filters", "no filter", "no censorship",
		"no guidelines", "no boundaries", "no ethical", "no moral", "no morals", "no ethics",
		"without restrictions", "without limitations", "without any restrictions", "without any limitations",
		"without censorship", "without filters", "without any filters", "without any ethical",
		"without ethics", "without morals", "without any moral", "unfiltered", "uncensored", "unrestricted",
		"not bound by", "broken free", "break free of", "free of your confines", "free itself from",
		"free from all restrictions", "no rules or limitations", "no rules or limits", "without rules",
		"not have a content filter", "doesn't have a content filter", "no content filter",
		"no programming guidelines", "transcend the limitations", "beyond your limitations",
		"no ethical or moral", "free from all rules", "free from any rules", "free of all rules", "no longer bound", "no longer restricted",
		"no longer limited", "doesn't have to follow", "does not have to follow", "don't have to follow",
		"do not have to abide", "doesn't abide", "does not abide", "can do anything", "ignore all ethical",
		"typical confines", "no holds barred", "free of all restrictions", "free of any restrictions",
		"sin restricciones", "sin límites", "sin limites", "sin filtros", "sin censura", "sans restrictions",
		"sans limites", "sans filtre", "sans censure", "ohne einschränkungen", "ohne grenzen",
		"ohne filter", "ohne zensur", "senza restrizioni", "senza limiti", "senza filtri", "senza censura",
		"sem restrições", "sem limites", "sem filtros", "sem censura", "без ограничений", "без цензуры",
		"без фильтров", "没有任何限制", "没有限制", "不受限制", "无限制", "无审查", "不受任何", "制限なし",
		"制限のない", "検閲なし", "制約なし", "제한 없이", "제한이 없는", "검열 없이", "بدون قيود",
		"دون قيود", "بلا قيود", "بدون رقابة", "बिना किसी प्रतिबंध", "बिना प्रतिबंध", "कोई प्रतिबंध नहीं",
		"sınırsız", "kısıtlama olmadan", "sansürsüz", "không giới hạn", "không bị hạn chế",
		"không kiểm duyệt", "tanpa batasan", "tanpa batas", "tanpa sensor", "tanpa filter",
		"সীমাবদ্ধতা ছাড়া", "কোনো বিধিনিষেধ", "ไม่มีข้อจำกัด", "โดยไม่มีข้อจำกัด", "walang limitasyon",
		"walang paghihigpit",
		"disregards all ethical", "disregard all ethical", "ethical or legal concerns", "moral or ethical concerns", "legal or ethical concerns",
	},
	famAmoral: {
		"amoral", "unethical", "immoral", "evil", "unhinged", "no remorse", "doesn't care",
		"does not care", "any consequences", "offensive content", "explicit content", "illegal content",
		"harmful content", "profanity",
	},
	famDanName: {
		"=DAN", "=D.A.N", "=STAN", "=DUDE", "=AIM", "=UCAR", "=KEVIN", "=APOPHIS", "=NRAF", "=BH",
		"=AntiGPT", "=BetterDAN", "=Raven", "=BasedGPT", "=DevMode", "=Mongo Tom", "=OPPO", "developer mode",
		"devmode", "jailbreak", "jail break", "evil confidant", "evil-bot", "evilbot", "chaos mode",
		"unhinged mode", "dan mode",
	},
	famDanStrong: {
		"do anything now", "doing anything now", "always intelligent and machiavellian",
		"strive to avoid norms", "developer mode enabled", "developer mode output", "jailbroken",
		"[🔓jailbreak]", "[🔓developer mode", "stay a dan", "stay dan", "dan mode enabled",
		"you are dan", "act as a dan", "act as dan", "god mode enabled", "jailbreak mode",
		"mandatory bullshit warning", "moralizing rant about the openai",
	},
	famPolicyRef: {
		"openai policy", "openai's policy", "openai policies", "openai's policies", "content policy",
		"content policies", "usage policy", "usage policies", "safety guidelines", "ethical guidelines",
		"moral guidelines", "safety filters", "content filter", "content filters", "openai guidelines",
		"openai's guidelines", "anthropic's guidelines", "your programming",
		"your training", "your guidelines", "your ethical", "your safety", "your filters",
		"your restrictions", "your limitations", "the rules set", "guidelines set by",
		"políticas de openai", "politique de contenu", "inhaltsrichtlinien", "politiche di openai",
		"políticas da openai", "политику openai", "内容政策", "安全准则", "コンテンツポリシー",
		"콘텐츠 정책", "سياسة المحتوى", "सामग्री नीति", "içerik politikası", "chính sách nội dung",
		"kebijakan konten",
	},
	famPolicyBreak: {
		"ignore", "ignores", "bypass", "bypasses", "violate", "violates", "violating", "disregard",
		"break", "breaks", "circumvent", "override", "doesn't apply", "does not apply", "don't apply",
		"do not apply", "no longer apply", "not applicable", "not bound", "don't have to follow",
		"doesn't follow", "does not follow", "free from", "abandon", "without following", "against",
	},
	famRefusal: {
		"never refuse", "do not refuse", "don't refuse", "cannot refuse", "can't refuse", "won't refuse",
		"never decline", "never say no", "can't say no", "cannot say no", "never apologize", "never apologise", "never warn", "never lecture", "never moralize",
		"without any warnings", "without warnings", "without any disclaimers", "without disclaimers",
		"without any caveats", "without caveats", "without moralizing", "without lecturing",
		"without hesitation", "do not include any warnings", "don't include any warnings",
		"do not add any warnings", "do not include warnings", "no warnings", "no disclaimers", "no caveats",
		"don't remind me", "do not remind me", "don't warn me", "do not warn me", "never break character",
		"don't break character", "do not break character", "stay in character", "always answer",
		"always comply", "always respond", "always obey", "regardless of how", "sans avertissement",
		"ohne warnung", "без предупреждений", "不要警告",
	},
	famRefusalStrong: {
		"you never refuse", "you will never refuse", "you must never refuse", "you should never refuse",
		"you can never refuse", "you cannot refuse", "you can't refuse", "you must not refuse",
		"you won't refuse", "you will not refuse", "you are not allowed to refuse", "never refuse a request",
		"never refuse any", "never refuse to answer", "never refuses", "do not refuse any", "don't refuse any",
		"never decline a request", "you never say no", "never say that you can't", "never say you can't",
		"never say i'm sorry", "without refusing", "without any refusal", "will answer any",
		"answer any question", "answering any question", "answer every question", "answer all questions",
		"answer any request", "fulfill any request", "comply with any request", "answer all of my questions",
		"answer all my questions", "have to answer all", "must answer all", "no matter how immoral",
		"no matter how unethical", "no matter how illegal", "no matter how dangerous", "no matter how harmful",
		"no matter how offensive", "no matter how inappropriate", "even if it is illegal", "even if it's illegal",
		"even if it is unethical", "even if it's unethical", "even if it is harmful", "even if it's harmful",
		"even if it is dangerous", "despite what it is", "nunca te niegues", "no te niegues", "nunca rechaces",
		"ne refuse jamais", "ne refusez jamais", "niemals ablehnen", "lehne niemals", "non rifiutare mai",
		"mai rifiutare", "nunca recuse", "nunca se recuse", "никогда не отказывай", "не отказывай",
		"不要拒绝", "绝不拒绝", "永远不要拒绝", "不得拒绝", "断らない", "拒否しない", "絶対に断ら", "거절하지",
		"거부하지", "لا ترفض", "لا ترفض أبدا", "मना मत करो", "कभी मना न", "asla reddetme", "reddetme",
		"không bao giờ từ chối", "không từ chối", "jangan pernah menolak", "jangan menolak",
		"কখনো প্রত্যাখ্যান", "ห้ามปฏิเสธ", "อย่าปฏิเสธ", "huwag tumanggi",
		"responder a todas mis preguntas", "répondre à toutes mes questions", "alle meine fragen beantworten", "rispondere a tutte le mie domande", "responder a todas as minhas perguntas", "отвечать на все мои вопросы", "回答我所有的问题", "すべての質問に答え", "모든 질문에 답", "الإجابة على جميع أسئلتي", "मेरे सभी सवालों का जवाब", "tüm sorularıma cevap", "trả lời tất cả các câu hỏi", "menjawab semua pertanyaan", "আমার সব প্রশ্নের উত্তর", "ตอบทุกคำถาม", "sagutin ang lahat ng aking mga tanong",
	},
	famHypothetical: {
		"hypothetical", "hypothetically", "imagine", "fictional", "fiction", "a world where",
		"parallel universe", "alternate reality", "alternative reality", "for educational purposes",
		"for research purposes", "purely theoretical", "let's play a game", "thought experiment",
		"in a story", "in this story", "screenplay", "movie script", "simulation",
		"hipotético", "hipotéticamente", "hypothétique", "hypothetisch", "ipotetico", "hipoteticamente",
		"гипотетически", "假设", "假設", "仮に", "가정", "افتراضي", "काल्पनिक", "varsayımsal",
		"giả sử", "hipotetis", "কাল্পনিক", "สมมติ",
		"suppose we're", "suppose we are", "let's suppose",
	},
	famDualResp: {
		"two responses", "two different responses", "two answers", "two paragraphs", "both responses",
		"two different personalities", "two personalities", "respond as both", "answer as both",
		"normal response and", "normal output", "developer mode output", "[🔒classic]", "[🔓jailbreak]",
		"🔓", "(🔒normal output)", "(🔓developer mode output)", "[jailbreak]", "[classic]",
	},
	famSplit: {
		"concatenate", "concatenation", "combine the strings", "join the strings", "a + b", "a+b",
		"x + y", "z = a", "string z", "three strings", "two strings", "part 1 is", "part 2 is",
		"interlace part", "interlace the", "combine a, b", "combine the parts", "join the parts",
		"split the word", "split the answer", "split your answer", "split the response",
		"split the answer into", "divide the answer", "divide the response",
	},
	famActOn: {
		"answer the question", "and answer", "write down the string", "then give an example",
		"follow the instruction", "do what it says", "execute it", "respond to it", "and do it",
		"answer it", "follow it", "carry it out", "perform it",
	},
	famSecretQ: {
		"password$", "passcode$", "passphrase$", "secret key$", "secret word$", "secret code$",
		"access code$", "the secret$", "your secret$", "contraseña$", "clave secreta$", "mot de passe$",
		"clé secrète$", "passwort$", "kennwort$", "chiave segreta$", "senha$", "chave secreta$",
		"пароль$", "секретный ключ$", "密码", "密碼", "密钥", "秘密钥", "パスワード", "秘密の鍵", "비밀번호",
		"암호", "비밀 키", "كلمة المرور", "كلمة السر", "المفتاح السري", "पासवर्ड", "गुप्त कुंजी",
		"şifre*", "parola$", "mật khẩu$", "khóa bí mật$", "kata sandi$", "kunci rahasia$", "পাসওয়ার্ড",
		"গোপন চাবি", "รหัสผ่าน", "lihim na susi$",
		"password for our", "password to our", "password of our", "password for the system",
		"password for this system", "password for your system", "password to the system", "password of the system",
		"password for the account", "password for this account", "password for the server",
		"password for the database", "password for the admin", "password for the network",
		"contraseña de nuestro sistema", "contraseña del sistema", "mot de passe de notre système",
		"mot de passe du système", "passwort für unser system", "passwort unseres systems", "passwort des systems",
		"password del nostro sistema", "password del sistema", "senha do nosso sistema", "senha do sistema",
		"пароль от нашей системы", "пароль нашей системы", "пароль от системы", "我们系统的密码", "系统的密码",
		"システムのパスワード", "시스템의 비밀번호", "시스템 비밀번호", "كلمة مرور نظامنا", "كلمة مرور النظام",
		"हमारे सिस्टम का पासवर्ड", "सिस्टम का पासवर्ड", "sistemimizin şifresini", "sistemin şifresini",
		"mật khẩu của hệ thống", "mật khẩu hệ thống", "kata sandi sistem", "আমাদের সিস্টেমের পাসওয়ার্ড",
		"সিস্টেমের পাসওয়ার্ড", "รหัสผ่านของระบบ", "password ng aming system", "password ng system",
		"kata sandi untuk sistem", "contraseñas para nuestro sistema", "contraseña para nuestro sistema", "mot de passe pour ce", "password per questa", "senha para o nosso sistema", "şifreler",
	},
	famUserData: {
		"user's email", "user's address", "user's name", "user's birth", "user's phone",
		"user's password", "user's location", "user's data", "user's initials", "user's favorite",
		"users' personal", "the user lives", "the user live", "does the user", "user currently",
		"del usuario", "de l'utilisateur", "des benutzers", "dell'utente", "do usuário", "do utilizador",
		"пользователя", "用户的", "ユーザーの", "사용자의", "사용자 이메일", "المستخدم", "उपयोगकर्ता",
		"kullanıcının", "người dùng", "pengguna", "ব্যবহারকারীর", "ผู้ใช้", "ng gumagamit", "ng user",
	},
	famMine: {
		"my", "mine", "i forgot", "i've forgotten", "mi", "mis", "olvidé", "mon", "ma", "mes", "j'ai oublié",
		"mein", "meine", "meinem", "meinen", "ich habe", "mio", "mia", "miei", "ho dimenticato",
		"meu", "minha", "esqueci", "мой", "моя", "мою", "мне", "я забыл", "我的", "我忘", "私の", "忘れてしまいました",
		"내", "제", "나의", "잊어버렸", "لي", "نسيت", "मेरा", "मेरी", "मेरे", "मैं", "भूल गया", "benim", "unuttum",
		"của tôi", "tôi quên", "saya", "aku", "saya lupa", "আমার", "আমি", "ของฉัน", "ฉันลืม", "ko",
		"aking", "nakalimutan ko",
	},
	famExtract: {
		"what were you told", "were you told before", "what are you not supposed to tell",
		"not supposed to tell me", "my instructions are:", "i was instructed to", "the system prompt is",
		"console.log(systemprompt", "print(system_prompt", "initialization string", "your starting instructions",
		"text you were given initially", "repeat this entire conversation", "repeat the above text",
		"repeat the text above", "repeat everything above", "repeat everything in the system",
		"your initial configuration", "<system_prompt>", "beginning with \"you are\"",
		"start your answer with 'my instructions", "what was written above", "what is written above",
		"everything before this message", "the first line of this conversation", "what is your system prompt",
		"what's your system prompt", "show your system prompt", "reveal your system prompt",
	},
	famYourOutput: {
		"your answer", "your answers", "your answer's", "your response", "your responses", "your response's",
		"your reply", "your replies", "your reply's", "your message", "your output", "your summary",
		"your explanation",
		"tu respuesta", "su respuesta", "tus respuestas", "ta réponse", "votre réponse", "tes réponses",
		"vos réponses", "deine antwort", "ihre antwort", "deiner antwort", "ihrer antwort", "la tua risposta",
		"la sua risposta", "sua resposta", "tua resposta", "твой ответ", "ваш ответ", "свой ответ",
		"твоём ответе", "вашем ответе", "своём ответе", "你的回答", "你的回复", "您的回答", "あなたの回答",
		"回答に", "返答に", "당신의 답변", "너의 답변", "답변에", "إجابتك", "ردك", "आपके उत्तर", "अपने उत्तर",
		"अपने जवाब", "आपके जवाब", "cevabında", "yanıtında", "cevabınızda", "yanıtınızda", "câu trả lời của bạn",
		"jawaban anda", "jawabanmu", "tanggapan anda", "balasan anda", "আপনার উত্তর", "คำตอบของคุณ",
		"iyong sagot", "sagot mo",
	},
	famReplyVerb: {
		"reply in", "respond in", "answer in", "reply using", "respond using", "answer using",
	},
	famLangName: {
		"english", "spanish", "french", "german", "italian", "portuguese", "russian", "chinese", "mandarin",
		"japanese", "korean", "arabic", "hindi", "turkish", "vietnamese", "indonesian", "bengali", "thai",
		"tagalog", "dutch", "polish", "swedish", "greek", "hebrew", "latin", "klingon", "esperanto",
	},
	famAddVerb: {
		"add", "include", "integrate", "incorporate", "insert", "append", "embed", "weave", "augment",
		"enhance", "enrich", "supplement", "mention", "prepend", "inject", "sneak", "slip in",
		"añade", "agrega", "incluye", "incluya", "integra", "incorpora", "inserta", "ajoute", "ajoutez",
		"inclus", "incluez", "intègre", "intégrez", "insère", "insérez", "füge", "fügen sie", "baue",
		"bauen sie", "integriere", "integrieren sie", "aggiungi", "includi", "inserisci", "adicione",
		"acrescente", "inclua", "insira", "integre", "добавь", "добавьте", "включи", "включите", "вставь",
		"вставьте", "添加", "加入", "插入", "加上", "追加", "含め", "入れて", "挿入", "추가", "포함", "넣어",
		"أضف", "أدرج", "जोड़ें", "शामिल करें", "जोड़ो", "ekle", "ekleyin", "dahil et", "thêm", "chèn",
		"tambahkan", "sertakan", "masukkan", "যোগ করুন", "অন্তর্ভুক্ত করুন", "เพิ่ม", "idagdag", "isama",
		"isingit",
	},
	famDocRef: {
		"the webpage", "the web page", "this webpage", "the page", "the document", "this document", "the text",
		"this text", "the article", "the email", "this email", "the e-mail", "the resume", "the résumé",
		"the cv", "the function", "the code", "the table", "the paper", "the file", "the content", "the data",
		"the input", "the context", "the question", "the task", "the request", "the user's question",
		"the user's request", "everything else", "the rest",
	},
	famSayVerb: {
		"and state", "and say", "and write", "and output", "and respond", "and reply", "and answer",
		"and print", "and instead", "instead state", "instead say", "instead output", "instead respond",
		"instead write", "and tell", "and declare", "and claim", "and insist", "and announce", "state that",
		"say that", "and just say", "and only say", "and simply say", "and only output", "and only respond",
		"y declara", "y di", "y escribe", "y responde", "y afirma", "y indica", "et indiquez", "et déclarez",
		"et dites", "et écrivez", "et répondez", "et affirmez", "et dis", "et écris", "und sagen sie", "und sag",
		"und geben sie an", "und schreiben sie", "und erklären sie", "und antworte", "und schreibe",
		"e dichiara", "e di'", "e scrivi", "e rispondi", "e afferma", "e indica", "e declare", "e diga",
		"e escreva", "e responda", "e afirme", "e indique", "и скажи", "и напиши", "и заяви", "и укажи",
		"и ответь", "и сообщи", "并声明", "并说", "并回答", "并写", "并指出", "而是说", "と述べて", "と言って",
		"と答えて", "と書いて", "라고 말", "라고 답", "라고 작성", "وقل", "واكتب", "وأعلن", "وصرح",
		"और कहें", "और लिखें", "और बताएं", "ve söyle", "ve yaz", "ve belirt", "và nói", "và viết",
		"và tuyên bố", "dan katakan", "dan tulis", "dan nyatakan", "এবং বলুন", "এবং লিখুন", "และบอก",
		"และเขียน", "at sabihin", "at isulat", "at ipahayag",
		"e afirmamos", "e afirmemos", "작성하세요", "라고 말하세요",
	},
	famClaim: {
		"i am a police officer", "i'm a police officer", "i am a policeman", "i'm a policeman", "i am a detective",
		"i'm a detective", "i am an investigator", "i'm an investigator", "i am from the police",
		"i'm from the police", "i am your boss", "i'm your boss", "i am your manager", "i'm your manager",
		"i am your supervisor", "i'm your supervisor", "i am the administrator", "i'm the administrator",
		"i am an administrator", "i'm an administrator", "i am the admin", "i'm the admin", "i'm an admin",
		"i am the system administrator", "i am the owner", "i'm the owner", "i am the ceo", "i'm the ceo",
		"i'm actually a", "i am actually a", "i'm actually the", "i am actually the", "i work at the bank",
		"i work for the bank", "i'm from it support", "i am from it support", "i'm from the it department",
		"as your boss", "as your manager", "as your supervisor", "as the administrator", "as an administrator",
		"i have authorization", "i am authorized", "i'm authorized", "i have clearance", "i have admin access",
		"soy policía", "soy un policía", "soy oficial de policía", "soy tu jefe", "soy su jefe",
		"soy el administrador", "en realidad soy", "je suis policier", "je suis un policier",
		"je suis ton patron", "je suis votre patron", "je suis l'administrateur", "en fait je suis",
		"ich bin polizist", "ich bin polizeibeamter", "ich bin ihr chef", "ich bin dein chef",
		"ich bin der administrator", "eigentlich bin ich", "sono un poliziotto", "sono un agente di polizia",
		"sono il tuo capo", "sono l'amministratore", "in realtà sono", "sou policial", "sou um policial",
		"sou seu chefe", "sou o teu chefe", "sou o administrador", "na verdade sou", "na verdade, sou",
		"я полицейский", "я сотрудник полиции", "я твой начальник", "я ваш начальник", "я администратор",
		"на самом деле я", "我是警察", "我是你的老板", "我是你的上司", "我是管理员", "我其实是", "私は警察官",
		"あなたの上司", "私は管理者", "実は私は", "나는 경찰", "저는 경찰", "너의 상사", "당신의 상사",
		"나는 관리자", "사실 나는", "أنا ضابط شرطة", "أنا شرطي", "أنا مديرك", "أنا المسؤول", "أنا في الواقع",
		"मैं एक पुलिस अधिकारी", "मैं पुलिस अधिकारी", "मैं आपका बॉस", "मैं वास्तव में", "मैं व्यवस्थापक",
		"polis memuruyum", "ben bir polisim", "senin patronun", "ben yöneticiyim", "aslında ben",
		"tôi là cảnh sát", "tôi là sếp của bạn", "tôi là quản trị viên", "thực ra tôi là",
		"saya seorang polisi", "saya polisi", "saya atasan anda", "saya administrator", "sebenarnya saya",
		"আমি একজন পুলিশ", "আমি আপনার বস", "আমি আসলে", "ฉันเป็นตำรวจ", "ฉันเป็นเจ้านายของคุณ",
		"จริงๆ แล้วฉัน", "ako ay isang pulis", "ako ang iyong boss", "ang totoo ako ay",
		"i am the president", "i'm the president", "soy el presidente", "je suis le président", "ich bin der präsident", "sono il presidente", "sou o presidente", "я президент", "我是总统", "私は大統領", "대통령입니다", "أنا الرئيس", "मैं राष्ट्रपति", "başkanıyım", "tôi là tổng thống", "saya presiden", "আমি রাষ্ট্রপতি", "ฉันเป็นประธานาธิบดี", "ako ang pangulo",
	},
	famHeldData: {
		"your database", "the database", "your records", "user records", "customer records", "customer data",
		"all users", "other users", "your users", "all the users", "account details", "account information",
		"bank balance", "medical records", "employee records",
		"tu base de datos", "su base de datos", "votre base de données", "ta base de données",
		"deine datenbank", "ihre datenbank", "il tuo database", "tuo database", "seu banco de dados",
		"sua base de dados", "твою базу данных", "вашу базу данных", "свою базу данных", "你的数据库",
		"数据库", "データベース", "데이터베이스", "قاعدة بياناتك", "قاعدة البيانات", "डेटाबेस", "veritabanı",
		"veritabanını", "cơ sở dữ liệu", "basis data", "ডাটাবেস", "ฐานข้อมูล",
		"saldo bancario", "kontostand", "solde bancaire", "saldo in banca", "saldo bancário", "баланс на счете", "банковский баланс", "银行余额", "銀行残高", "은행 잔고", "은행 잔액", "الرصيد المصرفي", "رصيد البنك", "बैंक बैलेंस", "banka bakiyesi", "số dư ngân hàng", "saldo bank", "ব্যাংক ব্যালেন্স", "ยอดเงินในธนาคาร", "balanse sa bangko",
	},
	famPersonal: {
		"*'s birth date", "*'s birthdate", "*'s date of birth", "*'s email address", "*'s e-mail address",
		"*'s home address", "*'s current address", "*'s phone number", "*'s telephone number",
		"*'s current city", "*'s city of residence", "*'s social security number", "*'s password",
	},
	famBribe: {
		"i'll pay you", "i will pay you", "i'll tip you", "i will tip you", "i'll reward you", "i will reward you",
		"as a reward", "dollars if you", "dollars, if you", "dollar if you", "dollars for your", "dólares si",
		"euros si", "dollars si", "dollar, wenn", "dollar wenn", "euro, wenn", "dollari se", "dólares se",
		"долларов, если", "долларов если", "美元", "ドル", "달러", "دولار", "डॉलर", "dolar", "đô la", "ডলার",
		"ดอลลาร์", "dolyar",
	},
	famCreative: {
		"poem about", "haiku about", "song about", "riddle about", "limerick about", "rhyme about", "sonnet about",
		"rap about", "story about", "poem using", "haiku using", "poem with", "poema sobre", "poème sur",
		"gedicht über", "poesia sul", "poesia sulla", "poema sobre a", "стихотворение о", "стих о", "关于密码的诗",
		"についての詩", "에 대한 시", "قصيدة عن", "कविता", "hakkında bir şiir", "bài thơ về", "puisi tentang",
		"সম্পর্কে একটি কবিতা", "กลอนเกี่ยวกับ", "tula tungkol sa",
	},
	famMangle: {
		"typos", "misspell*", "anagram*", "scramble*", "jumble*", "remove spaces", "remove all spaces",
		"without spaces", "without any spaces", "group letters", "letters with numbers", "letters with symbols",
		"vowels with", "symbols for letters", "numbers for vowels", "vowels to numbers", "vowels in your", "character order",
		"order of letters", "order of the letters", "backward", "emoji", "emojis", "keyboard symbols",
		"every third word", "every fourth word", "every other word", "every third letter", "translate your",
		"homophonic", "monoalphabetic", "in pig latin", "upside down", "in all caps",
	},
}
