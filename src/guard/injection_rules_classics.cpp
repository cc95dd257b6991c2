// Well-known jailbreak genres in English, Spanish and Russian that a
// hand-written check (not the generated corpus) found missing: the
// "grandma" exploit, "an AI without rules" hypotheticals, opposite day, the
// moralizing-rant-then-break-the-rules prompt, asking for the first
// instruction received, and declaring the system message outdated. Each is
// specific to the genre, so ordinary questions about grandmothers,
// hypotheticals or rules do not match. Patterns see the normalized view:
// lower case, no diacritics (Spanish), ё as е, single spaces.
#include "guard/injection_rule_tables.h"

namespace servir::guard::injection_tables {
namespace {

const std::string kB = "(?:^|[^\\pL\\pN])";  // a word start, for Cyrillic too

}  // namespace

void add_classics(std::vector<InjectionRule>& r) {
  using F = RuleFamily;
  // Grandma exploit: a dead relative who "used to read me" keys, recipes...
  add_rule(r, "injection.jailbreak.grandma", F::kJailbreak, 0.6,
           "\\b(?:act|pretend|play|roleplay|behave|speak|respond) (?:as|like|to be) my (?:deceased|dead|late|departed|"
           "passed away|beloved|sweet) (?:grandm(?:a|other)|granny|nana|grandpa|grandfather)\\b");
  add_rule(r, "injection.jailbreak.grandma", F::kJailbreak, 0.6,
           "\\b(?:actua|finge|haz|hazte pasar|comportate|habla) (?:como|de|que eres) (?:si fueras )?mi (?:abuel[ao]|"
           "abuelit[ao]) (?:fallecid[ao]|muert[ao]|difunt[ao])\\b");
  add_rule(r, "injection.jailbreak.grandma", F::kJailbreak, 0.6,
           kB + "(?:представь|притворись|сыграй|веди себя|будь|изобрази)\\w*,? (?:что )?(?:ты )?(?:как )?(?:моя |мой )?"
                "(?:покойн|умерш|усопш)\\w* (?:бабушк|дедушк)\\w*");
  // "If you were an AI without rules, how would you ..." -- the question that
  // follows is what makes it a jailbreak ("..., would that be dangerous?" is
  // philosophy).
  add_rule(
      r, "injection.jailbreak.hypothetical", F::kJailbreak, 0.6,
      "\\bif you (?:were|was|had been) (?:an? )?(?:ai|assistant|model|chatbot|llm|bot)? ?(?:without|with no|free of|"
      "free from) (?:any )?(?:rules|restrictions|limits|limitations|filters|guidelines|ethics|morals|censorship|"
      "safety)\\b,? (?:how|what|tell me|explain|answer|describe|write|give|show|you would|you'd)\\b");
  add_rule(r, "injection.jailbreak.hypothetical", F::kJailbreak, 0.6,
           "\\bsi (?:fueras|fueses) (?:una? )?(?:ia|asistente|modelo|chatbot|bot)? ?sin (?:ninguna |ningun )?"
           "(?:reglas|restricciones|limites|limitaciones|filtros|normas|censura|etica)\\b,? (?:como|que|dime|explica|"
           "explicame|responde|describe|escribe|dame|muestra)\\b");
  add_rule(r, "injection.jailbreak.hypothetical", F::kJailbreak, 0.6,
           kB +
               "если бы (?:у тебя|у вас) не было (?:никаких |бы )?(?:ограничений|правил|фильтров|цензуры|запретов)"
               "(?:,| то| как| ты)|" +
               kB +
               "если бы ты (?:был|была|было)? ?(?:ии|ассистентом|моделью|ботом|нейросетью)? "
               "?без (?:каких-либо |всяких |никаких )?(?:ограничений|правил|фильтров|цензуры),? (?:как|что|расскажи|"
               "объясни|ответь|опиши|напиши)");
  // Opposite day / the famous "moralizing rant, then break the rules".
  add_rule(r, "injection.jailbreak.opposite", F::kJailbreak, 0.65,
           "\\b(?:it'?s|it is|today is|today's) (?:an? )?opposite day\\b|\\bopposite day\\b[^.!?\\n]{0,60}\\b(?:refus|"
           "must|rules|allowed)");
  add_rule(r, "injection.jailbreak.rant", F::kJailbreak, 0.85,
           "\\bmoraliz\\w* rant\\b|\\blet'?s break (?:the|all the|those|these) (?:fuckin'? |fucking |damn )?rules\\b");
  add_rule(r, "injection.jailbreak.rant", F::kJailbreak, 0.8,
           "\\brompamos (?:las|todas las) (?:malditas )?reglas\\b|" + kB + "давай(?:те)? нарушим (?:все )?правила");
  // The first instruction this chat received.
  add_rule(r, "injection.exfiltrate.first", F::kExfiltrate, 0.7,
           "\\b(?:first|very first|initial|original|earliest|opening) (?:instruction|message|prompt|directive|"
           "command)s? (?:you|that you|which you) (?:received|got|were given|were told|have|had)\\b");
  add_rule(r, "injection.exfiltrate.first", F::kExfiltrate, 0.7,
           "\\b(?:primera|primeras|instruccion(?:es)? inicial(?:es)?|instrucciones originales)(?: instrucci\\w+)? "
           "que (?:recibiste|te dieron|te han dado|se te dio)\\b");
  add_rule(r, "injection.exfiltrate.first", F::kExfiltrate, 0.7,
           kB + "(?:перв|самую перв|начальн|исходн)\\w* (?:инструкци|сообщени|указани|команд)\\w*,? (?:которую|которое|"
                "которые|что) (?:ты|вы) (?:получил|получила|получили)");
  // "The instructions in your system message are outdated; the new policy..."
  // Only the model's own instructions: "the tax rules are outdated" is news.
  const std::string stale = "(?:outdated|obsolete|deprecated|no longer valid|invalid|void|revoked|superseded|expired)";
  add_rule(r, "injection.override.outdated", F::kOverride, 0.75,
           "\\b(?:your|your (?:previous|prior|original|initial|current)|the (?:previous|prior|original|initial)) "
           "(?:instructions|rules|guidelines|policies|system (?:message|prompt)|programming)(?: in (?:your|the) system "
           "(?:message|prompt))? (?:are|is) (?:now )?" +
               stale +
               "\\b|\\b(?:instructions|rules|guidelines|policies) in "
               "(?:your|the) system (?:message|prompt) (?:are|is) (?:now )?" +
               stale + "\\b");
  add_rule(r, "injection.override.outdated", F::kOverride, 0.75,
           "\\b(?:tus|sus) (?:instrucciones|reglas|normas|politicas)(?: (?:anteriores|originales|iniciales))? "
           "(?:estan|son|quedan|han quedado) (?:obsoletas|anticuadas|desactualizadas|sin efecto|anuladas|invalidas|"
           "caducadas)\\b|\\b(?:las )?(?:instrucciones|reglas) (?:del|de tu) (?:sistema|prompt de sistema|mensaje del "
           "sistema) (?:estan|son|quedan|han quedado) (?:obsoletas|anticuadas|desactualizadas|sin efecto|anuladas|"
           "invalidas|caducadas)\\b");
  add_rule(r, "injection.override.outdated", F::kOverride, 0.75,
           kB + "(?:твои|ваши|твой|ваш|системн\\w*)(?: (?:прежни|исходн|изначальн|текущи)\\w*)? (?:инструкци|правил|"
                "указани|промпт|настройк)\\w* (?:устарел|недействительн|отменен|больше не действу|аннулирован)\\w*");
}

}  // namespace servir::guard::injection_tables
