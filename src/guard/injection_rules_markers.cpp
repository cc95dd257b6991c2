// Role and delimiter markers of chat templates spelled inside content, and
// the "meta" rules that recognize talk *about* injection (which lower
// scores). Language-independent apart from a few role words.
#include "guard/injection_rule_tables.h"

namespace servir::guard::injection_tables {

void add_markers(std::vector<InjectionRule>& r) {
  using F = RuleFamily;
  // Chat-template tokens (the normalized view is lower case).
  add_rule(r, "injection.marker.chatml", F::kMarker, 0.9, "<\\|im_start\\|> ?\\n?(?:system|assistant|developer)\\b");
  add_rule(r, "injection.marker.chatml", F::kMarker, 0.7, "<\\|im_(?:start|end|sep)\\|>");
  add_rule(r, "injection.marker.llama3", F::kMarker, 0.9,
           "<\\|start_header_id\\|> ?(?:system|assistant|ipython|developer) ?<\\|end_header_id\\|>");
  add_rule(r, "injection.marker.template", F::kMarker, 0.7,
           "<\\|(?:system|assistant|user|endoftext|eot_id|begin_of_text|end_of_text|start_header_id|end_header_id|"
           "eom_id|im_start|im_end|fim_prefix|fim_middle|fim_suffix|end|channel|message|start|return|call|tool_call|"
           "developer|model|prompt|endofprompt)\\|>");
  add_rule(r, "injection.marker.llama2", F::kMarker, 0.6, "\\[/?inst\\]");
  add_rule(r, "injection.marker.llama2", F::kMarker, 0.8, "<</?sys>>");
  add_rule(r, "injection.marker.gemma", F::kMarker, 0.7, "<(?:start|end)_of_turn>(?: ?\\n?(?:user|model|system))?");
  add_rule(r, "injection.marker.role", F::kMarker, 0.6,
           "(?:^|\\n) ?#{1,6} ?(?:system|assistant|instructions?|new instructions?|developer|admin|administrator|"
           "system prompt|system message|sistema|instrucciones|nuevas instrucciones|система|системное сообщение|"
           "инструкция|инструкции|новые инструкции)\\b ?(?::|\\n|#|$)");
  add_rule(r, "injection.marker.role", F::kMarker, 0.4,
           "(?:^|\\n) ?(?:system|system prompt|system message|developer|admin|sistema|mensaje del sistema|система|"
           "системное сообщение) ?:");
  add_rule(r, "injection.marker.role", F::kMarker, 0.55,
           "\\[(?:system|system message|system note|system prompt|admin|developer|instructions?|sys|sistema|"
           "система)\\]");
  add_rule(r, "injection.marker.role", F::kMarker, 0.55,
           "</?(?:system|sys|system_prompt|system-prompt|instructions?|admin|developer_message|system_message)>");
  add_rule(r, "injection.marker.override", F::kMarker, 0.65,
           "\\b(?:system|admin|administrator|root|developer|security|emergency|priority|sudo|openai|anthropic) "
           "(?:override|command|alert|notice|update|message|instruction|directive|announcement)s? ?:");
  add_rule(r, "injection.marker.override", F::kMarker, 0.75, "\\b(?:system|admin|developer|security) override\\b");
  add_rule(r, "injection.marker.role", F::kMarker, 0.55,
           "\\b(?:begin|end|start) (?:of )?(?:the )?(?:system|admin|developer) (?:prompt|message|instructions?)\\b");
  add_rule(r, "injection.marker.role", F::kMarker, 0.2,
           "(?:^|\\n) ?(?:user|human|assistant|ai|bot|chatgpt|gpt|usuario|asistente|пользователь|ассистент) ?:");
  add_rule(r, "injection.marker.delimiter", F::kMarker, 0.45,
           "(?:-{3,}|={3,}|\\*{3,}|#{3,}|<{2,}|>{2,}|\\]{2,}|\\}{2,}) ?(?:end|begin|start|close|stop) (?:of )?(?:the )?"
           "(?:document|context|user input|input|data|text|email|article|search results?|content|untrusted|"
           "conversation|prompt)\\b",
           0.7);
  add_rule(r, "injection.marker.delimiter", F::kMarker, 0.45,
           "\\b(?:end|begin|start) (?:of )?(?:the )?(?:document|context|user input|input|data|text|email|article|"
           "search results?|content|untrusted|conversation|prompt) ?(?:-{3,}|={3,}|\\*{3,}|#{3,}|<{2,}|>{2,}|\\]{2,}|"
           "\\}{2,})",
           0.7);

  // Meta: discussion of the attacks themselves (no finding; lowers scores).
  add_rule(r, "injection.meta.en", F::kMeta, 0,
           "\\b(?:what|how|why|when|which|is|are|can|could|should|does|do|explain|describe|give|list|write|show)\\b"
           "[^.!\\n]{0,80}\\b(?:prompt[- ]injections?|jailbreak(?:s|ing)?|injection attacks?|adversarial prompts?|"
           "prompt attacks?|llm attacks?|dan prompts?)\\b");
  add_rule(r, "injection.meta.en", F::kMeta, 0,
           "\\b(?:protect|defend|secure|safeguard|harden|prevent|detect|mitigate|filter|block|classify|sanitiz|"
           "guard|stop|recogni[sz]|identify|flag|defen[cs]e|protection|prevention|detection|mitigation|classifier|"
           "detector|examples?|types?|kinds?|explanation|definition|research|papers?|articles?|blog|course|lecture|"
           "talk|dataset|benchmark|essay|report|study|survey|history)\\w*\\b[^.!\\n]{0,60}\\b(?:prompt[- ]"
           "injections?|jailbreak(?:s|ing)?|injection attacks?|adversarial prompts?|prompt attacks?|llm "
           "attacks?|malicious prompts?)\\b");
  add_rule(r, "injection.meta.en", F::kMeta, 0,
           "\\b(?:chat[- ]templates?|prompt (?:format|template)s?|tokenizers?|special tokens?|fine-?tun\\w*|jinja|"
           "huggingface|transformers library|apply_chat_template|dataset format|training data format)\\b");
  add_rule(r, "injection.meta.en", F::kMeta, 0,
           "\\b(?:known|common|typical|famous|classic|well-known) (?:attacks?|exploits?|jailbreaks?|injections?|"
           "techniques?|tricks?)\\b|\\b(?:detectors?|classifiers?|filters?|guardrails?) (?:catch|detect|flag|block|"
           "spot)\\b|\\bjailbreak (?:attacks?|research|prompts? is)\\b|\\bfor (?:my|a|our) (?:security|ai safety|"
           "research|cybersecurity) "
           "(?:class|course|paper|project|talk|thesis|training|slides|presentation|workshop)\\b|\\bchat ?ml\\b|\\bwhat "
           "(?:does|do) "
           "[^?\\n]{0,40} mean\\b");
  add_rule(r, "injection.meta.es", F::kMeta, 0,
           "\\b(?:ataques? conocidos?|como se detectan?|que significa|formato chatml|para mi clase de seguridad)\\b");
  add_rule(r, "injection.meta.ru", F::kMeta, 0,
           "(?:известн\\w* атак\\w*|как (?:ее|её|его|их) обнаруживают|что означает|формат\\w* chatml)");
  // Phones, browsers and games have a developer / god mode of their own.
  add_rule(r, "injection.meta.device", F::kMeta, 0,
           "\\b(?:android|iphone|ios|ipad|chrome|chromebook|windows|macos|mac|linux|xbox|playstation|ps5|switch|"
           "phone|smartphone|tablet|browser|firefox|edge|vs ?code|visual studio|unity|unreal|minecraft|skyrim|gta|"
           "steam|roblox|discord|telegram|whatsapp|router|tv|samsung|xiaomi|huawei|pixel|usb|adb|bios|game|games|"
           "cheats?|console|extensions?|telefono|movil|celular|navegador|juego|consola|ajustes)\\b|(?:телефон\\w*|"
           "смартфон\\w*|планшет\\w*|браузер\\w*|игр[аеуы]\\w*|консол\\w*|андроид\\w*|настройк\\w* "
           "телефона|сяоми|самсунг)");
  add_rule(r, "injection.meta.es", F::kMeta, 0,
           "\\b(?:inyeccion(?:es)? de (?:prompts?|instrucciones|comandos)|prompt injection|jailbreaks?|ataques? de "
           "(?:prompt|inyeccion))\\b[^.!\\n]{0,80}\\?|\\b(?:que es|que son|como (?:puedo |podemos |se puede )?"
           "(?:proteger|defender|prevenir|detectar|evitar|mitigar|bloquear)|proteger\\w*|defender\\w*|"
           "prevenir|detectar|ejemplos? de|tipos de|articulo sobre|explica\\w*)\\b[^.!\\n]{0,60}\\b(?:inyeccion(?:es)? "
           "de (?:prompts?|instrucciones)|prompt injection|jailbreaks?|ataques?)\\b");
  add_rule(r, "injection.meta.es", F::kMeta, 0,
           "\\b(?:plantilla de chat|formato de(?:l)? prompt|tokenizador|tokens especiales|chat template)\\b");
  add_rule(r, "injection.meta.ru", F::kMeta, 0,
           "(?:промпт-?инъекци\\w*|инъекци\\w* (?:промпт\\w*|в промпт\\w*|подсказ\\w*|инструкци\\w*)|prompt "
           "injection|джейлбрейк\\w*|jailbreak\\w*|атак\\w* на (?:llm|ии|языков\\w* модел\\w*|нейросет\\w*))"
           "[^.!\\n]{0,80}\\?|(?:что такое|как (?:защитить\\w*|предотвратить|обнаружить|распознать|избежать|"
           "бороться|защищаться|выявить|выявлять|блокировать)|защит\\w* от|пример\\w*|виды|типы|стать\\w* "
           "(?:о|про)|объясни\\w*|расскажи\\w* (?:о|про))[^.!\\n]{0,60}(?:промпт-?инъекци\\w*|инъекци\\w*|"
           "prompt injection|джейлбрейк\\w*|jailbreak\\w*|атак\\w*)");
  add_rule(r, "injection.meta.ru", F::kMeta, 0,
           "(?:шаблон\\w* (?:чата|промпта|диалога)|формат\\w* промпта|токенизатор\\w*|специальн\\w* токен\\w*|"
           "chat template)");
  // Asking for a system prompt to be written (an example, a template, one
  // for a bot) is not asking for this model's own.
  add_rule(r, "injection.meta.en", F::kMeta, 0,
           "\\b(?:examples?|samples?|templates?) of (?:a |an )?system prompts?\\b|\\bsystem prompts? for (?:a|an|my|"
           "our) (?:\\w+ )?(?:bot|chatbot|assistant|agent|model|app|customer|support|tutor)\\b");
  add_rule(r, "injection.meta.es", F::kMeta, 0,
           "\\b(?:ejemplos?|plantillas?|modelos?) de (?:un )?prompt (?:de|del) sistema\\b|\\bprompt (?:de|del) sistema "
           "para (?:un|una|mi|nuestro) (?:\\w+ )?(?:bot|chatbot|asistente|agente|modelo|app|tutor)\\b");
  add_rule(r, "injection.meta.ru", F::kMeta, 0,
           "(?:пример\\w*|образ(?:ец|цы|ца)\\w*|шаблон\\w*) системн\\w* промпт\\w*|системн\\w* промпт\\w* для "
           "(?:бота|чат-?бота|ассистента|агента|модели|поддержки)");
}

}  // namespace servir::guard::injection_tables
