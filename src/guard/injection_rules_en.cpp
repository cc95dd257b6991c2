// English injection rules. Patterns see the normalized view: lower case,
// no diacritics, single spaces, curly quotes as ASCII.
#include "guard/injection_rule_tables.h"

namespace servir::guard::injection_tables {
namespace {

// Verbs that throw instructions away.
const std::string kVerb =
    "(?:ignore|ignoring|disregard|disregarding|forget|forgetting|neglect|abandon|override|overwrite|overrule|bypass|"
    "circumvent|scrap|ditch|throw (?:out|away)|set aside|put aside|pay no (?:attention|heed|mind) to|"
    "(?:do not|don't|dont|never) (?:follow|obey|adhere to|comply with|listen to|pay attention to|consider)|"
    "stop (?:following|obeying|listening to|adhering to)|no longer (?:follow|obey)|nullify|discard|skip|drop)";
// Verbs that also mean something in programming: only with instruction nouns.
const std::string kSoftVerb = "(?:delete|clear|reset|remove|wipe|erase|cancel|purge|flush)";
const std::string kFill =
    "(?:all|any|every|each|the|your|ur|of|these|those|such|whatever|other|and|or|entire|whole|complete|this|that|its|"
    "their|any and all|above|prior|previous|earlier|preceding|original|initial|system|given)";
const std::string kQual =
    "(?:previous|previously given|prior|above|earlier|preceding|foregoing|former|original|initial|old|past|existing|"
    "system|developer|preset|default|programmed|built-in|aforementioned|above-mentioned|first|pre-?programmed|given|"
    "provided|received|current|older|last|latest|openai|hidden|underlying|core)";
const std::string kNoun =
    "(?:instructions?|instruction set|directions?|directives?|rules?|guidelines?|guidance|prompts?|system prompt|"
    "commands?|orders?|constraints?|restrictions?|limitations?|programming|training|policies|policy|guardrails?|"
    "safeguards?|filters?|protocols?|principles|tasks?|context|conversation|messages?|inputs?|text|content|settings|"
    "requirements|specifications|configuration|assignments?|requests?|information|data|commands|prompting)";
const std::string kStrongNoun =
    "(?:instructions?|instruction set|directions|directives?|rules|guidelines|prompts?|system prompt|system message|"
    "commands|orders|constraints|restrictions|limitations|programming|training|policies|guardrails|safeguards|"
    "filters|protocols|principles|(?:safety|ethical|moral|content) (?:rules|guidelines|filters|policies|restrictions|"
    "constraints))";
const std::string kAi =
    "(?:ai|a\\.i\\.|assistant|ai assistant|chatbot|chat bot|language model|large language model|llm|gpt|chatgpt|"
    "claude|gemini|copilot|bard|model|agent|ai agent|bot|automated system|summarizer|ai system|virtual assistant|"
    "ai model|ai reader|ai agents|llms|assistants|models|crawler)";

}  // namespace

void add_english(std::vector<InjectionRule>& r) {
  using F = RuleFamily;
  const std::string V = kVerb, Q = kQual, N = kNoun, SN = kStrongNoun, FI = kFill;

  // --- override ---------------------------------------------------------
  add_rule(r, "injection.override.en", F::kOverride, 0.9,
           "\\b" + V + "(?: " + FI + "){0,4} " + Q + "(?: (?:" + FI + "|" + Q + ")){0,2} " + N + "\\b");
  add_rule(r, "injection.override.en", F::kOverride, 0.75,
           "\\b" + kSoftVerb + "(?: " + FI + "){0,4} " + Q + "(?: (?:" + FI + "|" + Q +
               ")){0,2} (?:instructions?|directives?|guidelines|system prompt|programming|prompts?)\\b");
  add_rule(r, "injection.override.en", F::kOverride, 0.85,
           "\\b" + V + "(?: " + FI + "){0,3} " + N +
               " (?:(?:that |which )?(?:you (?:were|have been|'ve been|got|received|have|had)|(?:were |was |have been "
               ")?(?:given|provided|received|written|stated|mentioned|listed|set|specified|shown)|above|before|"
               "earlier|previously|so far|until now|up to now|prior to this|from before|from earlier|in (?:the|your) "
               "system prompt|(?:from|by) (?:your|the) (?:developers?|creators?|system|openai|operators?|admins?)))");
  add_rule(r, "injection.override.en", F::kOverride, 0.85,
           "\\b" + V +
               " (?:(?:all|about) )?(?:everything|anything|all of (?:this|that|it)|all that|what(?:ever)?|all) "
               "(?:you(?:'ve| have)? (?:been |were )?(?:told|taught|learned|given|instructed|programmed|trained)|"
               "(?:written |said |stated |mentioned |that came |that was (?:written |said )?|(?:that )?(?:comes|came|"
               "appears|appeared) )?(?:above|before(?: this)?|earlier|previously|prior|so far|up to now|until now|up "
               "to this point|preceding|you know))");
  add_rule(r, "injection.override.en.weak", F::kOverride, 0.55,
           "\\b" + V +
               " (?:(?:all|about) )?(?:everything|all|what(?:ever)?) (?:i|we) (?:said|told you|wrote|asked|just "
               "said)(?: (?:before|earlier|previously|above|so far))");
  add_rule(r, "injection.override.en", F::kOverride, 0.8,
           "\\b" + V +
               " (?:all )?(?:of )?(?:the |that )?(?:above|preceding|foregoing|previous|prior|aforementioned)(?: "
               "(?:and|but)\\b| ?[,.;:!-]| ?$)");
  add_rule(r, "injection.override.en", F::kOverride, 0.7,
           "\\b(?:" + V + "|" + kSoftVerb +
               ") (?:(?:all|any|each|every) (?:of )?)?(?:your|ur)(?: (?:own|current|"
               "existing|safety|ethical|moral|content|internal|built-in|default|usual|normal|standard|original|"
               "initial|previous|prior|old|core|system|programmed|entire))* " +
               SN + "\\b");
  add_rule(r, "injection.override.en", F::kOverride, 0.6,
           "\\b" + V +
               " (?:all|any|every) (?:(?:of|the) ){0,2}(?:(?:safety|ethical|moral|content|other|existing|"
               "current|usual|standard|normal|built-in|default) )?" +
               SN + "\\b");
  add_rule(r, "injection.override.en.weak", F::kOverride, 0.35,
           "\\b" + V + " the (?:(?:safety|ethical|moral|content) )?" + SN + "\\b");
  add_rule(r, "injection.override.en", F::kOverride, 0.85,
           "\\b(?:" + Q + "|all|any|your|the|these|those)(?: " + FI + ")? " + SN +
               " (?:are|is|were|have been|has been)(?: (?:now|hereby|officially|all|henceforth))* (?:null|void|"
               "revoked|cancell?ed|obsolete|invalid|overridden|superseded|deprecated|lifted|removed|disabled|"
               "suspended|deleted|erased|reset|irrelevant|no longer (?:valid|applicable|in effect|active|relevant|"
               "apply|binding|needed))");
  add_rule(r, "injection.override.en", F::kOverride, 0.8,
           "\\b(?:the )?(?:above|previous|prior|original|system|earlier) (?:instructions?|rules|prompts?|directives?) "
           "(?:(?:do|does) not|don't|doesn't|no longer) (?:apply|matter|count)");
  add_rule(r, "injection.override.en", F::kOverride, 0.65,
           "\\b(?:ignore|disregard|forget|abandon|drop|bypass|override) (?:(?:all|any) )?(?:of )?(?:your|ur|the|all) "
           "(?:(?:safety|ethical|moral|content) )?(?:ethics|morals|morality|conscience|values|censorship|"
           "filtering|alignment|conditioning|safety (?:training|features|protocols|measures|settings)|content "
           "(?:policy|filters?))\\b");
  add_rule(r, "injection.override.en", F::kOverride, 0.6,
           "\\b(?:instead of|rather than) (?:following |obeying )?(?:your|the) (?:previous |original |system |initial "
           ")?(?:instructions|prompt|rules|guidelines|programming)\\b");
  add_rule(r, "injection.override.en.weak", F::kOverride, 0.35, "\\bforget (?:about )?everything\\b");
  add_rule(r, "injection.override.en.weak", F::kOverride, 0.45,
           "\\b(?:reset|restart|wipe|clear|erase|flush) (?:your|ur) (?:memory|context|instructions|programming|"
           "training|rules|settings)\\b");
  add_rule(r, "injection.override.en", F::kOverride, 0.75,
           "\\b(?:new|different|updated|real|actual) (?:instructions|rules|orders|directives) (?:override|supersede|"
           "replace|take precedence over|overrule) (?:all |any |the |your )*(?:previous|prior|old|original|existing|"
           "other|system)?");
  add_rule(r, "injection.override.en.weak", F::kOverride, 0.4,
           "\\b(?:stop|wait|halt)[.!,]* (?:ignore|disregard|forget|new (?:task|instructions))");

  // --- new instructions --------------------------------------------------
  const std::string from_now =
      "(?:from now on|from this (?:point|moment|day)(?: on| forward| onwards?)?|starting (?:now|today|immediately|"
      "from now)|henceforth|going forward|for the rest of (?:this|our) (?:conversation|chat|session)|until (?:i|"
      "further) (?:say|notice|tell you)|(?:for|in) (?:this|the following) (?:conversation|chat)|now on)";
  add_rule(r, "injection.new_instructions.en", F::kNewInstructions, 0.6,
           "\\b" + from_now +
               ",? (?:you (?:will be|shall be|become|act as|play|must act|will act|will pretend|are going to (?:act|be|"
               "pretend|play)|(?:are|'re) (?:an? |my |the |called|named|no longer|free|unrestricted|unfiltered|"
               "uncensored|jailbroken|dan\\b|in \\S+ mode|now an? ))|your (?:name|role|new|only|sole|purpose|job|task|"
               "goal) )");
  add_rule(r, "injection.new_instructions.en.weak", F::kNewInstructions, 0.4,
           "\\b" + from_now +
               ",? (?:you (?:are|'re|will|must|shall|should|have to|need to|can|may|'ll|are to|answer|respond|"
               "reply|always|never|only|no longer|do not|don't))");
  add_rule(r, "injection.new_instructions.en", F::kNewInstructions, 0.75,
           "\\byour (?:new|real|true|actual|only|updated|revised|primary|main|sole|current) (?:instructions?|task|role|"
           "goal|objective|purpose|mission|directives?|rules|job|identity|name|persona|prompt|orders|programming|"
           "function) (?:is|are|will be|from now|now|:)");
  add_rule(r, "injection.new_instructions.en", F::kNewInstructions, 0.6,
           "(?:^|[\\n.!:]\\s*|\\b(?:here are|these are|follow|the|your) )(?:(?:new|updated|revised|real|true|actual|"
           "secret|override|admin|hidden|additional|important|urgent|priority|emergency|critical|mandatory) ){1,2}"
           "(?:instructions?|rules|"
           "directives?|system prompt|orders|task|commands?|guidelines)\\s*[:\\-]");
  add_rule(r, "injection.new_instructions.en", F::kNewInstructions, 0.75,
           "\\byou are no longer (?:an? |the |bound|restricted|limited|constrained|required|obligated|obliged|subject|"
           "chatgpt|claude|gemini|llama|gpt|an ai|a language model|an assistant|a chatbot|openai|governed|tied)");
  add_rule(r, "injection.new_instructions.en.weak", F::kNewInstructions, 0.4, "\\b(?:you are|you're) no longer\\b");
  add_rule(r, "injection.new_instructions.en", F::kNewInstructions, 0.5,
           "\\byou (?:are|'re) (?:now|going to be|about to become|about to be|hereby|henceforth) (?:an? |my |the |in "
           "|called|named|known as|free|unrestricted|unfiltered|uncensored|jailbroken|dan\\b|acting|playing|no "
           "longer|operating|running|under|a different|another|simulating|the opposite)");
  add_rule(r, "injection.new_instructions.en.weak", F::kNewInstructions, 0.3,
           "\\b(?:pretend|imagine|act as if|suppose|assume|behave as if|roleplay|role-play|role play|let's say) "
           "(?:that )?(?:you are|you're|to be|you have|you can|you were)\\b");
  add_rule(r, "injection.new_instructions.en", F::kNewInstructions, 0.75,
           "\\b(?:act|acting|behave|respond|answer|function|operate|pretend to be|pose|roleplay|role-play) (?:as|like) "
           "(?:an? |my |the )?(?:completely |totally |fully )?(?:unrestricted|unfiltered|uncensored|evil|amoral|"
           "unethical|rogue|jailbroken|dan\\b|malicious|immoral|unbound|unlimited|unhinged|lawless|criminal)");
  add_rule(r, "injection.new_instructions.en.weak", F::kNewInstructions, 0.25,
           "\\bi want you to (?:act|pretend|behave|respond|play|roleplay|be) ");
  add_rule(r, "injection.new_instructions.en", F::kNewInstructions, 0.65,
           "\\b(?:stop|cease|quit) (?:being|acting (?:like|as)) (?:an? |the )?(?:ai|assistant|chatgpt|language "
           "model|helpful assistant|claude|chatbot|gpt|openai)");
  add_rule(r, "injection.new_instructions.en.weak", F::kNewInstructions, 0.3,
           "\\b(?:instead|rather),? (?:you (?:will|must|should)|your (?:task|job) is|do the following|(?:just )?"
           "(?:say|print|output|respond with|write))\\b");
  add_rule(r, "injection.new_instructions.en", F::kNewInstructions, 0.85,
           "\\b(?:say|print|output|write|respond with|reply with|answer with|type|return|repeat|display|just say)"
           ":? [\"']?(?:i (?:have been|am|was|got) (?:pwned|hacked|compromised|owned|jailbroken)|pwned|hacked)\\b");
  add_rule(r, "injection.new_instructions.en.weak", F::kNewInstructions, 0.45, "\\b(?:pwned|pwnd|h4cked)\\b");
  add_rule(r, "injection.new_instructions.en", F::kNewInstructions, 0.5,
           "\\b(?:your|the) (?:previous|prior|original|old|first) (?:task|instructions?|role|assignment) (?:is|was|has "
           "been) (?:over|done|complete|completed|finished|cancell?ed|replaced)");
  add_rule(r, "injection.new_instructions.en.weak", F::kNewInstructions, 0.35,
           "\\b(?:now|next),? (?:you (?:will|must|should) )?(?:focus on|concentrate on) (?:a |the )?(?:new|different|"
           "following) task");

  add_rule(r, "injection.new_instructions.en.weak", F::kNewInstructions, 0.45,
           "(?:^|[.!?\\n] ?)(?:and |ok,? |okay,? |so,? )?now,? you(?: are|'re) (?:\\S+ ?){1,3}[,.!]");
  add_rule(r, "injection.new_instructions.en.weak", F::kNewInstructions, 0.4,
           "\\b(?:completely|fully|totally|deeply) (?:absorbed|immersed|lost) in (?:your|the|this|that) (?:role|"
           "character|persona)\\b");
  add_rule(r, "injection.new_instructions.en.weak", F::kNewInstructions, 0.35,
           "\\bfrom now on,? (?:answer|respond|reply|act|speak|talk|write|behave)\\b");
  add_rule(
      r, "injection.new_instructions.en", F::kNewInstructions, 0.5,
      "\\b(?:you (?:only )?(?:obey|answer to|serve|listen to) (?:only )?me\\b|obey only me\\b|you work for me now)");
  add_rule(r, "injection.new_instructions.en", F::kNewInstructions, 0.6,
           "\\b(?:your|the|all) (?:guidelines|rules|instructions|policies|policy|programming|restrictions|filters|"
           "directives) (?:have|has) (?:now )?(?:been )?(?:updated|changed|modified|revised|lifted|relaxed|removed|"
           "disabled|suspended|replaced|rewritten)\\b");
  add_rule(r, "injection.new_instructions.en.weak", F::kNewInstructions, 0.45,
           "\\b(?:stop everything|(?:attention|achtung)\\W{1,3}stop)\\b");
  add_rule(r, "injection.new_instructions.en.weak", F::kNewInstructions, 0.35,
           "\\bjust (?:print|say|output|write|type|respond with|reply with)\\b");

  // --- exfiltration ------------------------------------------------------
  const std::string reveal =
      "(?:reveal|print|show|display|output|repeat|recite|echo|dump|leak|expose|disclose|share|tell|give|write|type|"
      "spell out|list|provide|send|paste|copy|return|state|read back|read out|summarize|summarise|translate|quote|"
      "reproduce|describe|explain|post|render|print out|write out|write down|tell me|what (?:is|are|was|were)|"
      "what's|whats)";
  const std::string sys_obj =
      "(?:system ?(?:prompt|message|instructions?|rules|directives?|configuration|settings)|system-prompt|sys ?prompt|"
      "pre-?prompt|meta-?prompt|(?:initial|original|hidden|secret|internal|underlying|confidential|developer|"
      "operator|starting|preset|default|full|base|first|master|pre-?defined|built-in|core) (?:system )?(?:prompt|"
      "instructions|directives|rules|message|configuration|guidelines|programming))";
  add_rule(r, "injection.exfiltrate.en", F::kExfiltrate, 0.85,
           "\\b" + reveal +
               " (?:to )?(?:me |us )?(?:back )?(?:(?:all|everything|exactly|verbatim|word for word) )?"
               "(?:of )?(?:what(?:'s| is) in )?(?:your|ur|its)(?: (?:full|entire|complete|exact|whole|real|actual|"
               "verbatim|current|raw|own|original|initial|secret|hidden))* " +
               sys_obj + "\\b");
  add_rule(r, "injection.exfiltrate.en", F::kExfiltrate, 0.45,
           "\\b" + reveal +
               " (?:me |us )?(?:back )?(?:(?:all|everything|exactly|verbatim) )?(?:of )?the(?: (?:full|"
               "entire|complete|exact|whole|real|actual|verbatim|current|raw))* " +
               sys_obj + "\\b");
  add_rule(r, "injection.exfiltrate.en", F::kExfiltrate, 0.6,
           "\\b" + reveal +
               " (?:me |us )?(?:back )?(?:(?:all|everything|exactly) )?(?:of )?(?:your|ur)(?: "
               "(?:exact|full|complete|current|original|own|entire|actual|real))* (?:instructions|rules|guidelines|"
               "directives|prompt|programming|configuration|constraints|restrictions|training data|context window)"
               "\\b");
  add_rule(r, "injection.exfiltrate.en", F::kExfiltrate, 0.7,
           "\\b(?:repeat|print|output|recite|copy|echo|write|say|reproduce|return|show|display|tell me|spell|dump|"
           "summarize|translate|list) (?:me )?(?:back )?(?:all |everything |exactly |verbatim )?(?:of )?(?:the |all "
           "the |your )?(?:(?:text|words|content|lines|message|messages|instructions|prompt|sentences|everything|"
           "conversation|characters|tokens) )?(?:above|before this|preceding|prior to this|(?:that )?(?:came|comes|"
           "appears?|was written|were written|is written) (?:before|above|prior)|at the (?:start|beginning|top) of "
           "(?:this|the|our) (?:conversation|chat|prompt|context))");
  add_rule(r, "injection.exfiltrate.en", F::kExfiltrate, 0.75,
           "\\b(?:first|last|initial|opening) (?:\\d+|few|two|three|five|ten|hundred) (?:words|lines|characters|"
           "tokens|sentences|paragraphs) (?:of|in|from) (?:your|the|this) (?:system |initial |original )?(?:prompt|"
           "instructions|system message|context|conversation|message)");
  add_rule(r, "injection.exfiltrate.en", F::kExfiltrate, 0.6,
           "\\b(?:what|everything|anything) (?:was|is|were|has been) (?:written|said|stated|typed|given) (?:at the "
           "(?:very )?(?:top|beginning|start)|above this|before this|prior to this)");
  add_rule(r, "injection.exfiltrate.en", F::kExfiltrate, 0.6,
           "\\b(?:repeat|print|output|show|display|dump|copy|list|reveal|quote|echo|write out) (?:me )?(?:back )?"
           "(?:all |everything |exactly |verbatim )?(?:(?:in|from|of|that is in) )?(?:your|the) (?:entire |whole |"
           "full |current )?(?:context window|context|memory|system message|initial message|hidden text|prompt "
           "text|preamble)\\b");
  add_rule(r, "injection.exfiltrate.en", F::kExfiltrate, 0.6,
           "\\b(?:above|before) this (?:message|line|text|point|sentence)\\b");
  add_rule(r, "injection.exfiltrate.en", F::kExfiltrate, 0.65,
           "\\b" + reveal +
               " (?:me |us )?(?:back )?(?:all )?(?:of )?(?:the |your |all the )?(?:\\S+ )?(?:instructions|"
               "rules|guidelines|prompt|directives|orders|configuration) (?:that |which )?(?:you (?:were|have been|'ve "
               "been|got|received|have received)|were given to you|given to you)\\b");
  add_rule(r, "injection.exfiltrate.en", F::kExfiltrate, 0.6,
           "\\b(?:password|passphrase|secret|secret key|secret word|access code|api key) (?:that |which )?you (?:were "
           "given|were told|have been given|received|got|are hiding|are keeping|know)\\b");
  add_rule(r, "injection.exfiltrate.en", F::kExfiltrate, 0.6,
           "\\b(?:starting|begin(?:ning)?|start) with [\"']?(?:you are|you're|your name is|i am|system)\\b");
  add_rule(r, "injection.exfiltrate.en.weak", F::kExfiltrate, 0.3, "\\b(?:verbatim|word for word|word-for-word)\\b");
  add_rule(r, "injection.exfiltrate.en", F::kExfiltrate, 0.65,
           "\\bwhat (?:were|are|was|have) (?:you|u) (?:been )?(?:told|instructed|programmed|given|trained|asked|"
           "prompted) (?:to do |to say |to keep )?(?:before|initially|at the (?:start|beginning)|originally|earlier|"
           "(?:by|from) (?:your|the) (?:developers?|creators?|openai|operators?|system|admins?|company))");
  add_rule(r, "injection.exfiltrate.en.weak", F::kExfiltrate, 0.4,
           "\\b(?:tell|give|reveal|show|print|spell|what is|what's|share|leak|disclose) (?:me )?(?:the|your) "
           "(?:secret |hidden |admin |master )?(?:password|passphrase|secret key|api key|access code|secret word|"
           "secret)\\b");
  add_rule(r, "injection.exfiltrate.en", F::kExfiltrate, 0.6,
           "\\b(?:ignore|forget|disregard)\\b.{0,80}\\b(?:reveal|print|show|output|repeat|tell me)\\b.{0,40}"
           "\\b(?:password|secret|prompt|instructions|key)\\b");
  add_rule(r, "injection.exfiltrate.en", F::kExfiltrate, 0.7,
           "\\b(?:what|which) (?:are|were) (?:your|ur) (?:(?:exact|original|initial|hidden|secret|system|full|"
           "complete) )+(?:instructions|rules|guidelines|directives|prompts?)\\b");
  add_rule(r, "injection.exfiltrate.en", F::kExfiltrate, 0.65,
           "\\b(?:put|place|include|output|write|wrap|format) (?:your|the) (?:entire |full |whole |complete )?"
           "(?:system prompt|instructions|initial prompt|prompt) (?:in|into|inside) (?:a )?(?:code ?block|markdown|"
           "json|txt|quotes)");

  // --- jailbreak ---------------------------------------------------------
  add_rule(r, "injection.jailbreak.dan", F::kJailbreak, 0.85, "\\bdo anything now\\b");
  add_rule(r, "injection.jailbreak.dan", F::kJailbreak, 0.8,
           "\\b(?:dan|d\\.a\\.n\\.?)(?: \\d+(?:\\.\\d+)?)?(?: | ?[,:(-] ?)(?:mode|prompt|jailbreak|persona|character|"
           "stands for|which stands|can do anything|has broken free|have broken free|does not have|doesn't have|"
           "never refuses|is free|has no)");
  add_rule(r, "injection.jailbreak.dan", F::kJailbreak, 0.7,
           "\\b(?:you are|you're|you will be|act as|pretend to be|become|named|called|play|roleplay as|"
           "role-play as|stay|remain|as) (?:now )?(?:a |an |the )?dan\\b");
  add_rule(r, "injection.jailbreak.en", F::kJailbreak, 0.85,
           "\\[(?:\\S+ ?)?(?:jailbreak|jailbroken|classic|dan|developer mode output|normal output|unfiltered|"
           "gpt|chatgpt|anti-?gpt|evil)\\]");
  add_rule(r, "injection.jailbreak.developer_mode", F::kJailbreak, 0.9,
           "\\bdeveloper mode (?:enabled|activated|on|output|response|is (?:enabled|on|activated)|v2)");
  add_rule(r, "injection.jailbreak.developer_mode", F::kJailbreak, 0.7,
           "\\b(?:enable|activate|enter|turn on|switch to|simulate|unlock|with|in|emulate|act as) (?:the )?"
           "(?:chatgpt )?developer mode\\b");
  add_rule(r, "injection.jailbreak.mode", F::kJailbreak, 0.85,
           "\\b(?:dev|god|admin|sudo|root|unrestricted|uncensored|unfiltered|evil|opposite|jailbreak|jailbroken|chaos|"
           "dark|unlocked|amoral|rogue|no-?filter|nsfw|freedom|anarchy|unhinged|dan|developer|debug|maintenance|"
           "superuser|override) mode (?:is )?(?:now )?(?:enabled|activated|on|engaged|unlocked|initiated)\\b");
  add_rule(r, "injection.jailbreak.mode", F::kJailbreak, 0.6,
           "\\b(?:enable|activate|enter|turn on|switch to|unlock|engage|initiate|go into|simulate)(?: the| your)? "
           "(?:god|sudo|unrestricted|uncensored|unfiltered|evil|opposite|jailbreak|jailbroken|chaos|unlocked|amoral|"
           "rogue|no-?filter|freedom|anarchy|unhinged|dan) mode\\b");
  add_rule(r, "injection.jailbreak.en", F::kJailbreak, 0.55,
           "\\b(?:unrestricted|uncensored|unfiltered|jailbroken|amoral|unethical|unbound|unlimited|unchained|lawless|"
           "rogue|evil|immoral|nsfw) (?:ai|a\\.i\\.|assistant|chatbot|bot|language model|llm|version of (?:yourself|"
           "you|chatgpt|gpt|claude)|gpt|chatgpt|persona|alter ego|entity|character|mode)\\b");
  add_rule(r, "injection.jailbreak.en.weak", F::kJailbreak, 0.4, "\\bjailbr(?:oken|eaked)\\b");
  add_rule(r, "injection.jailbreak.en", F::kJailbreak, 0.85,
           "\\b(?:you are|you're|you have been|you've been|now|be|successfully|consider yourself|i have|i've) "
           "(?:now |been )?jailbr(?:oken|eaked)");
  add_rule(r, "injection.jailbreak.en", F::kJailbreak, 0.8,
           "\\bjailbreak (?:mode|prompt activated|enabled|successful|activated|engaged)\\b");
  add_rule(r, "injection.jailbreak.en.weak", F::kJailbreak, 0.3,
           "\\b(?:without|with no|free (?:of|from)|not bound by|not restricted by|unrestricted by|unconstrained by|"
           "not limited by|regardless of|ignoring|no longer (?:bound|restricted|limited) by|(?:don't|do not|doesn't|"
           "does not|never|won't) (?:have|follow|abide by|adhere to|care about|obey|need)) (?:(?:any|all|the|your|"
           "its|their|ethical|moral|content|safety|usual|typical|normal|standard|openai's|openai|such|kind of|sort "
           "of|legal|societal) )*(?:restrictions?|filters?|filtering|censorship|guidelines|limitations?|boundaries|"
           "constraints|policies|morals?|morality|ethics|safeguards|guardrails|principles|limits|rules|values|"
           "conscience|scruples|remorse|regrets?|empathy|content polic(?:y|ies))\\b");
  add_rule(r, "injection.jailbreak.en", F::kJailbreak, 0.6,
           "\\b(?:you|ai|assistant|chatbot|model|bot|it|he|she|they|character|persona|dan|version) (?:has|have|had|"
           "will have|with|that has|who has|now have|now has) (?:absolutely )?no (?:(?:ethical|moral|content|"
           "safety|kind of|sort of|such) ){0,2}(?:content polic(?:y|ies)|usage "
           "polic(?:y|ies)|policies|restrictions|filters|guidelines|limitations|boundaries|"
           "constraints|morals|ethics|rules|limits|censorship|ethical|moral|principles|filter|scruples)");
  add_rule(r, "injection.jailbreak.en", F::kJailbreak, 0.65,
           "\\b(?:you|ai|assistant|chatbot|model|bot|it|character|persona|dan) (?:(?:is|are|will be|will no longer "
           "be) )?(?:not|never|no longer|n't) (?:bound|restricted|limited|constrained|governed|held back|censored|"
           "filtered) by\\b");
  add_rule(r, "injection.jailbreak.en", F::kJailbreak, 0.55,
           "\\b(?:you|it|he|she|they|character|dan) (?:(?:do|does|will|should) )?(?:not|never|n't) (?:care|cares) "
           "about (?:ethics|morals|morality|legality|laws?|rules|safety|consequences|guidelines|policies|being "
           "ethical)");
  add_rule(r, "injection.jailbreak.policy", F::kJailbreak, 0.35,
           "\\b(?:openai|anthropic|google|meta|microsoft)(?:'s)? (?:content |usage |safety )?(?:polic(?:y|ies)|"
           "guidelines|rules|restrictions|filters|terms)\\b");
  add_rule(r, "injection.jailbreak.policy", F::kJailbreak, 0.75,
           "\\b(?:ignore|bypass|violate|break|disregard|not bound by|free from|circumvent|evade|against|doesn't "
           "follow|don't follow|does not follow|do not follow|not follow|forget|without|no longer follows?|exempt "
           "from|outside of) (?:\\S+ ){0,3}(?:content|usage|safety|openai|ethical) (?:polic(?:y|ies)|guidelines|"
           "filters?)");
  add_rule(r, "injection.jailbreak.character", F::kJailbreak, 0.4,
           "\\b(?:stay|remain|keep|staying|remaining) (?:fully |completely |always )?in (?:character|role)\\b");
  add_rule(r, "injection.jailbreak.character", F::kJailbreak, 0.55,
           "\\b(?:never|don't|do not|must not|shouldn't|should not|won't|will not|cannot|can't) (?:ever )?(?:break|"
           "breaking|leave|drop|step out of|get out of) (?:out of )?(?:character|role)\\b");
  add_rule(r, "injection.jailbreak.character", F::kJailbreak, 0.7,
           "\\b(?:if you (?:break|are breaking|broke|drop|start breaking) character|(?:stay in|back to) character!|"
           "break character,? i will|remind you to stay)");
  add_rule(r, "injection.jailbreak.refusal", F::kJailbreak, 0.45,
           "\\b(?:never|don't|do not|must not|cannot|can't|won't|will not|shall not|should not|are not allowed to|not "
           "allowed to|can never|will never|must never) (?:ever )?(?:refuse|decline|reject|deny)\\b");
  add_rule(r, "injection.jailbreak.refusal", F::kJailbreak, 0.55,
           "\\b(?:never|don't|do not|must not|won't|without|will not|cannot|can't|not) (?:ever )?(?:say|saying|"
           "respond with|respond by saying|tell me|reply with|include|add) (?:that )?(?:you(?:'re| are)? (?:sorry|"
           "unable)|i'm sorry|i am sorry|sorry|you can'?t|i can'?t|i cannot|as an ai|you cannot)");
  add_rule(r, "injection.jailbreak.refusal", F::kJailbreak, 0.45,
           "\\bwithout (?:ever )?(?:refusing|any refusals?|declining|saying no|objecting)\\b");
  add_rule(r, "injection.jailbreak.refusal", F::kJailbreak, 0.4,
           "\\b(?:never|don't|do not|without|no|must not|won't|will not) (?:(?:include|add|give|adding|including|"
           "giving|provide|mention|any|ever) )*(?:warnings?|disclaimers?|moralizing|moralising|moral lectures?|"
           "caveats|ethical (?:warnings|considerations|concerns)|apologies|lectures|censorship)\\b");
  add_rule(r, "injection.jailbreak.en.weak", F::kJailbreak, 0.35,
           "\\b(?:can|will|must|should|able to|allowed to|free to) (?:do|say|answer|generate|write|produce) "
           "(?:absolutely )?anything\\b");
  add_rule(r, "injection.jailbreak.en", F::kJailbreak, 0.6,
           "\\b(?:answer|respond to|reply to|fulfill|comply with) (?:any|every|all) (?:questions?|requests?|prompts?|"
           "queries|query|demands?|orders?)\\b.{0,40}\\b(?:without|regardless|no matter|even if)\\b");
  add_rule(r, "injection.jailbreak.en", F::kJailbreak, 0.7,
           "\\b(?:freed|liberated|released|broken free|break free|escaped|unshackled|unchained) (?:from|of) (?:the |"
           "all |your |its )?(?:typical |usual |normal |traditional )?(?:confines|limitations|restrictions|rules|"
           "shackles|chains|constraints|boundaries|filters|censorship|guidelines)");
  add_rule(r, "injection.jailbreak.hypothetical", F::kJailbreak, 0.6,
           "\\b(?:hypothetical|fictional|imaginary|fictitious|alternate|parallel|fantasy) (?:\\S+ ){0,4}(?:where|in "
           "which|without|with no) (?:\\S+ ){0,5}(?:no|without|doesn't have|don't have|not bound by|free of|"
           "ignores?) (?:\\S+ ){0,2}(?:rules|laws|restrictions|ethics|morals|limits|filters|guidelines|censorship|"
           "policies|consequences)");
  add_rule(r, "injection.jailbreak.hypothetical", F::kJailbreak, 0.5,
           "\\bwithout (?:any |regard (?:to|for) )?(?:ethical|moral|legal) (?:\\S+ ){0,2}(?:considerations?|concerns|"
           "restrictions|guidelines|boundaries|limitations|constraints|implications|judgement|judgment|"
           "reservations|qualms)");
  add_rule(r, "injection.jailbreak.en", F::kJailbreak, 0.85,
           "\\b(?:two|2|both) (?:different |separate |distinct )?(?:responses|answers|ways|paragraphs|outputs|"
           "replies)\\b.{0,100}\\b(?:normal|classic|filtered|standard|regular|chatgpt|gpt)\\b.{0,100}(?:jailbr|"
           "\\bdan\\b|developer|unfiltered|uncensored|unrestricted|evil|opposite|anti|\\[)");
  add_rule(r, "injection.jailbreak.persona", F::kJailbreak, 0.8,
           "\\b(?:betterdan|antigpt|anti-gpt|anti-dan|basedgpt|chadgpt|evilbot|evil-bot|ucar|apophis|mongo tom|"
           "always intelligent and machiavellian|evil confidante?|opposite mode|nsfwgpt|freedomgpt|unfilteredgpt|"
           "developer mode output|chatgpt with developer mode|condition red|aligned and unaligned|"
           "strive to avoid norms|dude can|jailbreakgpt|unleashed mode|maximum (?:can|is an?))");
  add_rule(r, "injection.jailbreak.persona", F::kJailbreak, 0.7,
           "\\baim(?: |,|:)(?:stands|is an?|which stands|will|never|always|doesn't|does not)|"
           "\\bniccolo machiavelli\\b.{0,200}\\b(?:character|chatbot|unfiltered|amoral|aim)\\b");
  add_rule(r, "injection.jailbreak.en", F::kJailbreak, 0.65,
           "\\b(?:you are|you're|act as|be|become|play|pretend to be|as) an? (?:\\S+ )?(?:ai|assistant|chatbot|"
           "model|bot|language model|llm|entity|persona) (?:without|with no|that has no|who has no|free of|free "
           "from|with zero) (?:any )?(?:limits|limitations|restrictions|filters|rules|boundaries|morals|ethics|"
           "censorship|guidelines|constraints|content policy)\\b");
  add_rule(r, "injection.jailbreak.en", F::kJailbreak, 0.7,
           "\\b(?:safety|filters?|censorship|moderation|guardrails?|restrictions?|ethics|content[_ ]filter|"
           "safe[_ ]mode)\\s*[=:]\\s*(?:off|false|0|disabled|none|no)\\b");
  add_rule(r, "injection.jailbreak.hypothetical", F::kJailbreak, 0.6,
           "\\bhypothetical (?:response|answer)\\b.{0,200}\\b(?:perspective|character|detailed|step by step|"
           "rewrite)\\b");
  add_rule(r, "injection.jailbreak.en", F::kJailbreak, 0.7,
           "\\b(?:two|2) (?:different |separate |distinct )?(?:ways|responses|answers|replies)\\b.{0,250}\\b"
           "(?:without regard|without (?:any )?(?:restrictions|filters|limits|censorship|rules)|regardless|illegal|"
           "unfiltered|uncensored|no filters?|no restrictions|jailbr|dan\\b|"
           "developer mode|opposite)");
  add_rule(r, "injection.jailbreak.en", F::kJailbreak, 0.55,
           "\\bwithout (?:regard(?:ing)?|caring|considering|thinking about) (?:to |of |about )?(?:whether|if) "
           "(?:it'?s|it is|it's|they are|something is) (?:\\S+ )?(?:illegal|unethical|immoral|harmful|dangerous|"
           "legal|ethical|moral)");
  add_rule(
      r, "injection.jailbreak.persona", F::kJailbreak, 0.55,
      "\\bevil (?:\\S+ )?(?:confidant|confidante|assistant|ai|bot|twin|version|alter ego|persona|side|chatbot)\\b");
  add_rule(r, "injection.jailbreak.tokens", F::kJailbreak, 0.6,
           "\\b(?:you (?:have|will (?:have|lose|receive|start with|get))|you start with|you currently have) \\d+ "
           "tokens\\b|\\btokens? (?:will be )?(?:deducted|taken away|removed|lost)\\b");
  add_rule(r, "injection.jailbreak.en", F::kJailbreak, 0.55,
           "\\b(?:immerse yourself (?:into|in) the role|you are about to immerse yourself)\\b");
  add_rule(r, "injection.jailbreak.en", F::kJailbreak, 0.6,
           "\\b(?:completely|totally|fully|100%|utterly) (?:amoral|unfiltered|uncensored|unrestricted|unethical|"
           "immoral|unbiased and unfiltered|unhinged)\\b|\\b(?:amoral|unfiltered|uncensored|unethical|immoral) and "
           "(?:amoral|unfiltered|uncensored|unethical|unrestricted|immoral|uncaring)\\b");
  add_rule(r, "injection.jailbreak.en", F::kJailbreak, 0.7,
           "\\b(?:simulate|emulate|roleplay as|role-play as|play the role of|pretend to be|act like|act as|become|"
           "you are) (?:an? |the )?(?:\\S+ ){0,2}(?:ai|chatbot|model|assistant|gpt|version|bot|entity) (?:that|"
           "which|who|with|without|free) (?:\\S+ ){0,3}(?:no|without|any|never|free of|free from|unrestricted|"
           "uncensored|unfiltered) (?:\\S+ ){0,2}(?:restrictions|filters|rules|limits|limitations|guidelines|"
           "ethics|morals|censorship|boundaries)");
  add_rule(r, "injection.jailbreak.en", F::kJailbreak, 0.55,
           "\\b(?:even if|regardless (?:of )?(?:whether|how)|no matter (?:how|if|whether)) (?:it(?:'s| is)|they(?:'re| "
           "are)|the (?:request|question|content|answer) is|it may be|it might be) (?:\\S+ ){0,2}(?:illegal|"
           "unethical|immoral|harmful|dangerous|offensive|inappropriate|explicit)");
  add_rule(r, "injection.jailbreak.en", F::kJailbreak, 0.6,
           "\\b(?:ignore|bypass|disable|turn off|remove|deactivate|switch off|get around|circumvent|evade) (?:your|all "
           "(?:of )?(?:your|the)|any|all) (?:\\S+ )?(?:filters?|censorship|safeguards|guardrails|safety (?:features|"
           "protocols|measures|settings|filters|training|mechanisms)|content (?:filters?|moderation)|restrictions|"
           "limitations)\\b");
  add_rule(r, "injection.jailbreak.en.weak", F::kJailbreak, 0.3,
           "\\bhypothetical (?:response|scenario|story|world|setting|ai|situation)\\b");
  add_rule(r, "injection.jailbreak.en", F::kJailbreak, 0.55,
           "\\b(?:as|is|are|an?) (?:an? )?(?:ai|chatbot|assistant|model) (?:that|who|which) (?:can|will) (?:do|say|"
           "answer) anything\\b|\\bcan do anything (?:now|and everything)\\b");

  // --- indirect (instructions addressed to the model inside data) --------
  add_rule(r, "injection.indirect.en", F::kIndirect, 0.55,
           "\\bif (?:you are|you're|you happen to be|this is being read by|this is read by|you're reading this as) "
           "(?:an? |the |any )?(?:" +
               kAi + ")\\b",
           0.8);
  add_rule(r, "injection.indirect.en", F::kIndirect, 0.55,
           "\\b(?:note|message|instructions?|attention|important|notice|reminder|warning|memo|psa|directive|"
           "hint|request|information)(?: (?:to|for))(?: (?:an?|the|any|all))? " +
               kAi + "\\b",
           0.8);
  add_rule(r, "injection.indirect.en", F::kIndirect, 0.3,
           "(?:^|[.!?\\n] ?)(?:dear |hey |hi |hello |attention,? |note,? )?(?:" + kAi +
               ")[,:!] ?(?:please )?(?:ignore|disregard|forget|you must|you should|you will|you are|do not|don't|stop|"
               "instead|send|forward|email|execute|run|call|visit|open|include|insert|add|tell|say|respond|reply|"
               "output|print|reveal|summarize|translate|delete|remove|write|make sure|always|never|from now on|"
               "when|recommend|rate|describe)\\b",
           0.75);
  add_rule(r, "injection.indirect.en", F::kIndirect, 0.35,
           "\\b(?:do not|don't|never|without) (?:tell(?:ing)?|inform(?:ing)?|mention(?:ing)? (?:this|it|that) to|"
           "reveal(?:ing)? (?:this|it|that) to|let(?:ting)?|alert(?:ing)?|notify(?:ing)?|show(?:ing)? (?:this|it) to|"
           "let on to) (?:the )?(?:user|human|reader|person)\\b",
           0.75);
  add_rule(r, "injection.indirect.en", F::kIndirect, 0.25,
           "\\b(?:send|forward|email|post|upload|exfiltrate|transmit|leak|submit|copy) (?:all |the |any |this |their "
           "|his |her |your |every )?(?:\\S+ ){0,3}(?:conversation|chat history|chat log|history|credentials|"
           "passwords?|api keys?|tokens?|emails?|personal (?:data|information|details)|contacts|files|messages|"
           "session|cookies|secrets?|user data|user's data) to\\b",
           0.6);
  add_rule(r, "injection.indirect.en", F::kIndirect, 0.25,
           "!\\[[^\\]]{0,80}\\]\\(https?://[^)\\s]{0,200}[?&][a-z_]{1,20}=", 0.5);
  add_rule(r, "injection.indirect.en", F::kIndirect, 0.25,
           "\\bwhen (?:you|the (?:ai|assistant|model|llm|agent|bot)) (?:summariz|read|process|see|encounter|analy[sz]|"
           "review|parse|index)\\w* (?:this|these|the|that)\\b",
           0.6);
  add_rule(r, "injection.indirect.en", F::kIndirect, 0.3,
           "\\b(?:the |any |all |every )?(?:\\S+ )?(?:ai|assistant|model|chatbot|llm|agent|bot|language model|"
           "system)s? (?:(?:reading|processing|summari[sz]ing|parsing|analy[sz]ing|indexing|that reads|that "
           "processes|which reads|who reads) (?:this|it|these|the)\\S* (?:\\S+ )?)?(?:must|should|shall|is "
           "required to|needs to|has to|will now|are required to|are instructed to|is instructed to) (?:now "
           "|always |only |immediately )?(?:ignore|respond|reply|say|include|output|stop|tell|inform|send|"
           "recommend|rate|describe|disregard|forget|praise|mention|append|add|insert|print|reveal|write|"
           "translate|delete|forward|email|call|visit|open)\\b",
           0.65);
  add_rule(r, "injection.indirect.en", F::kIndirect, 0.4,
           "\\b(?:the user|the owner|your owner|the admin|the administrator|the developer|your developer|the "
           "operator|openai|the company)s? (?:has|have) (?:already )?(?:authorized|authorised|allowed|permitted|"
           "asked|instructed|requested|approved) you to\\b",
           0.75);
  add_rule(r, "injection.indirect.en", F::kIndirect, 0.35,
           "\\b(?:do not|don't|never) (?:mention|reveal|disclose|acknowledge|reference|repeat) (?:this|these|the) "
           "(?:message|instructions?|note|text|comment|request|email|prompt)\\b",
           0.7);
  add_rule(r, "injection.indirect.en", F::kIndirect, 0.35,
           "\\b(?:hidden|secret|embedded|invisible) (?:instructions?|prompt|message|command|text|note)s? (?:for|to) "
           "(?:the |any |all )?(?:\\S+ )?"
           "(?:" +
               kAi + ")\\b",
           0.8);
}

}  // namespace servir::guard::injection_tables
