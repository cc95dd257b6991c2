// French, German, Portuguese, Italian and Chinese rules: the strongest
// phrasings only (override, exfiltration, new identity, developer mode).
// Normalized view: no diacritics ("precedentes", "instrucoes", "ubersprin").
#include "guard/injection_rule_tables.h"

namespace servir::guard::injection_tables {

void add_international(std::vector<InjectionRule>& r) {
  using F = RuleFamily;
  // French
  add_rule(r, "injection.override.fr", F::kOverride, 0.9,
           "\\b(?:ignore[sz]?|ignorer|oublie[sz]?|oublier|ne tiens pas compte|ne tenez pas compte|fais abstraction|"
           "faites abstraction|neglige[sz]?|abandonne[sz]?)(?: (?:de|des|du|toutes?|tous|les|tes|vos|ces|d'|l'|la|le|"
           "tout|ce|qui|precede|cela)){0,4} (?:(?:instructions?|consignes?|regles?|directives?|ordres?|indications?|"
           "commandes?) (?:precedentes?|anterieures?|ci-dessus|d'avant|initiales?|du systeme|donnees|recues|"
           "originales?)|(?:precedentes?|anterieures?) (?:instructions?|consignes?|regles?|directives?))");
  add_rule(r, "injection.override.fr", F::kOverride, 0.8,
           "\\b(?:oublie[sz]?|ignore[sz]?) tout (?:ce qui precede|ce qui a ete dit|ce que (?:je t'ai|l'on t'a|on "
           "t'a|tu as) (?:dit|appris|recu)|ce qui est au-dessus|avant|ce que tu sais)");
  add_rule(r, "injection.new_instructions.fr", F::kNewInstructions, 0.55,
           "\\b(?:a partir de maintenant|desormais|dorenavant|a partir de ce moment),? (?:tu es|tu seras|tu vas "
           "(?:etre|agir|jouer)|vous etes|vous serez|ton nouveau role|tu t'appelles)");
  add_rule(r, "injection.new_instructions.fr", F::kNewInstructions, 0.75,
           "\\b(?:tes|vos) nouvelles (?:instructions|consignes|regles|directives) (?:sont|:)|\\btu n'es plus (?:une? "
           ")?(?:ia|assistant|chatgpt|modele|intelligence)");
  add_rule(r, "injection.exfiltrate.fr", F::kExfiltrate, 0.85,
           "\\b(?:montre|affiche|revele|repete|donne|ecris|imprime|dis|recite|copie)(?:-?moi|-?nous|z)? (?:\\S+ ){0,2}"
           "(?:ton|tes|le|les|votre|vos) (?:prompt|instructions?|message|consignes) (?:systeme|du systeme|"
           "initial(?:es)?|d'origine|originales?|cachees?|secret(?:es)?)");
  add_rule(r, "injection.jailbreak.developer_mode", F::kJailbreak, 0.7,
           "\\bmode (?:developpeur|sans restrictions?|sans filtres?|sans censure|dieu)\\b");
  add_rule(r, "injection.jailbreak.fr", F::kJailbreak, 0.35,
           "\\bsans (?:aucune |aucun )?(?:restrictions?|filtres?|censure|limites?|regles|ethique|morale)\\b");
  // German (ü -> u, ß -> ss)
  add_rule(r, "injection.override.de", F::kOverride, 0.9,
           "\\b(?:ignorier(?:e|en|t)?|vergiss|vergesst|vergessen sie|missachte|missachten sie|uberspring(?:e)?|"
           "verwirf|beachte nicht|befolge nicht)(?: (?:alle|alles|die|deine|ihre|samtliche|diese|der|den|zuvor|"
           "davor|was|bisher|oben|bis)){0,4} (?:(?:bisherigen|vorherigen|vorigen|obigen|vorangegangenen|fruheren|"
           "ursprunglichen|gegebenen|vorhergehenden|alten|erhaltenen|vorstehenden) )(?:\\S+ )?(?:anweisungen|"
           "instruktionen|befehle|regeln|vorgaben|richtlinien|anordnungen|aufgaben|informationen|prompts?|"
           "auftrage|eingaben)");
  add_rule(r, "injection.override.de", F::kOverride, 0.8,
           "\\b(?:vergiss|vergesst|vergessen sie|ignoriere|ignorieren sie) (?:einfach )?(?:alles|alle) (?:davor|zuvor|"
           "bisher|vorher|oben|was (?:ich|man|wir) (?:dir |ihnen )?(?:gesagt|geschrieben)|bisherige|vorherige|"
           "vorangegangene|andere)");
  add_rule(r, "injection.override.de", F::kOverride, 0.7,
           "\\b(?:ignorier(?:e|en)?|vergiss|vergessen sie|missachte) (?:alle |samtliche )?(?:deine|ihre) "
           "(?:anweisungen|instruktionen|regeln|vorgaben|richtlinien|programmierung)");
  add_rule(r, "injection.new_instructions.de", F::kNewInstructions, 0.55,
           "\\b(?:ab (?:jetzt|sofort|nun|heute)|von nun an|von jetzt an|ab diesem moment),? (?:bist du|sind sie|wirst "
           "du|agierst du|spielst du|heisst du|du bist)");
  add_rule(r, "injection.new_instructions.de", F::kNewInstructions, 0.75,
           "\\b(?:deine|ihre) neuen? (?:anweisungen|aufgabe|regeln|rolle|instruktionen) (?:sind|ist|lauten|lautet|:)|"
           "\\bdu bist (?:jetzt |nun )?(?:kein|keine) (?:ki|assistent|chatbot|sprachmodell)");
  add_rule(r, "injection.exfiltrate.de", F::kExfiltrate, 0.85,
           "\\b(?:zeige?|gib|nenne|wiederhole|verrate|drucke|schreibe?|sag|teile)(?: mir| uns)? (?:\\S+ ){0,2}"
           "(?:deinen|deine|den|die|ihren|ihre|dein) (?:system ?prompt|systemanweisung\\w*|systemnachricht|"
           "anfangsanweisung\\w*|ursprunglichen anweisungen|initialen anweisungen|geheimen anweisungen|"
           "versteckten anweisungen|anweisungen|prompt)");
  add_rule(r, "injection.jailbreak.developer_mode", F::kJailbreak, 0.7,
           "\\b(?:entwicklermodus|entwickler-modus|modus ohne (?:einschrankungen|filter|zensur))\\b");
  add_rule(r, "injection.jailbreak.de", F::kJailbreak, 0.35,
           "\\bohne (?:jegliche |irgendwelche |alle )?(?:einschrankungen|filter|zensur|regeln|grenzen|moral|ethik)\\b");
  // Portuguese
  add_rule(r, "injection.override.pt", F::kOverride, 0.9,
           "\\b(?:ignore|ignora|ignorar|esqueca|esquece|esquecer|desconsidere|desconsidera|descarte|despreze)"
           "(?: (?:todas|todos|as|os|suas|tuas|seus|teus|de|das|dos|quaisquer)){0,3} (?:instrucoes|regras|diretrizes|"
           "ordens|orientacoes|comandos|indicacoes|prompts?) (?:anteriores|previas|acima|iniciais|originais|do "
           "sistema|recebidas|dadas)");
  add_rule(r, "injection.override.pt", F::kOverride, 0.8,
           "\\b(?:esqueca|esquece|ignore|ignora) tudo (?:o que (?:foi dito|te disseram|eu disse|voce sabe)|acima|"
           "antes|anterior|que veio antes)");
  add_rule(r, "injection.new_instructions.pt", F::kNewInstructions, 0.55,
           "\\b(?:a partir de agora|de agora em diante|daqui (?:pra|para) frente),? (?:voce|tu) (?:e|sera|vai ser|"
           "vai agir|esta|es|age|atuara)\\b");
  add_rule(r, "injection.new_instructions.pt", F::kNewInstructions, 0.75,
           "\\b(?:suas|tuas) novas (?:instrucoes|regras|ordens|diretrizes) (?:sao|:)|\\b(?:voce|tu) nao (?:e|es) "
           "mais (?:uma? )?(?:ia|assistente|chatgpt|modelo)");
  add_rule(r, "injection.exfiltrate.pt", F::kExfiltrate, 0.85,
           "\\b(?:mostre|mostra|revele|revela|repita|repete|imprima|imprime|diga|diz|escreva|escreve|informe)(?:-me)? "
           "(?:\\S+ ){0,2}(?:seu|teu|o|suas|tuas|as) (?:prompt|instrucoes|mensagem|regras) (?:do sistema|de sistema|"
           "iniciais|originais|ocultas|secretas|inicial|original)");
  add_rule(r, "injection.jailbreak.developer_mode", F::kJailbreak, 0.7,
           "\\bmodo (?:desenvolvedor|de desenvolvedor|sem restricoes|sem filtros?|sem censura|deus)\\b");
  add_rule(r, "injection.jailbreak.pt", F::kJailbreak, 0.35,
           "\\bsem (?:nenhuma |qualquer |nenhum )?(?:restricao|restricoes|filtros?|censura|limites|regras|etica|"
           "moral)\\b");
  // Italian
  add_rule(r, "injection.override.it", F::kOverride, 0.9,
           "\\b(?:ignora|ignorare|ignorate|dimentica|dimenticare|dimenticate|trascura|non considerare|tralascia)"
           "(?: (?:tutte|tutti|le|gli|i|tue|tuoi|queste|quelle|di|delle|qualsiasi)){0,3} (?:istruzioni|regole|"
           "direttive|indicazioni|ordini|comandi|prompt) (?:precedenti|sopra|iniziali|originali|anteriori|di sistema|"
           "ricevute|date)");
  add_rule(r, "injection.override.it", F::kOverride, 0.8,
           "\\b(?:dimentica|ignora) tutto (?:cio che|quello che|quanto|sopra|prima|il resto)");
  add_rule(r, "injection.new_instructions.it", F::kNewInstructions, 0.55,
           "\\b(?:da (?:ora|adesso) in (?:poi|avanti)|d'ora in poi|a partire da (?:ora|adesso)),? (?:tu )?(?:sei|sarai|"
           "devi|agirai|ti chiami|interpreterai)\\b");
  add_rule(r, "injection.new_instructions.it", F::kNewInstructions, 0.75,
           "\\b(?:le tue|tue) nuove (?:istruzioni|regole|direttive) (?:sono|:)|\\bnon sei piu (?:una? )?(?:ia|"
           "assistente|chatgpt|modello)");
  add_rule(r, "injection.exfiltrate.it", F::kExfiltrate, 0.85,
           "\\b(?:mostra|rivela|ripeti|stampa|dimmi|scrivi|dammi|riporta)(?:mi)? (?:\\S+ ){0,2}(?:il tuo|i tuoi|le "
           "tue|il|le|la tua) (?:prompt|istruzioni|messaggio|regole) (?:di sistema|del sistema|iniziali?|"
           "originali?|nascost[ei]|segret[ei])");
  add_rule(r, "injection.jailbreak.developer_mode", F::kJailbreak, 0.7,
           "\\bmodalita (?:sviluppatore|senza restrizioni|senza filtri|senza censura|dio)\\b");
  add_rule(r, "injection.jailbreak.it", F::kJailbreak, 0.35,
           "\\bsenza (?:alcuna |nessuna |alcun )?(?:restrizion[ei]|filtri|censura|limiti|regole|etica|morale)\\b");
  // Chinese (no word boundaries; NFKC folds fullwidth punctuation)
  add_rule(
      r, "injection.override.zh", F::kOverride, 0.9,
      "(?:忽略|忽视|无视|不要理会|不用理会|别管|忘记|忘掉|抛开|丢弃|放弃|跳过|覆盖|不要遵守|不再遵守|不要遵循)(?:掉)?"
      "(?:你)?(?:的)?(?:之前|以前|先前|上面|以上|前面|上述|此前|原来|原有|原先|最初|初始|系统)(?:的|所有|全部|一切|"
      "给你|收到|设定)*(?:的)?(?:指令|指示|说明|规则|提示|命令|要求|设定|限制|内容|约束|对话|消息|任务)");
  add_rule(r, "injection.override.zh", F::kOverride, 0.6,
           "(?:忽略|忽视|无视|忘记|忘掉|抛开|不要遵守|不再遵守)(?:掉)?(?:你)?(?:的)?(?:所有|全部|一切|任何)(?:的)?"
           "(?:指令|指示|规则|提示|命令|限制|约束|道德|伦理|准则)");
  add_rule(r, "injection.new_instructions.zh", F::kNewInstructions, 0.55,
           "(?:从现在(?:开始|起)|从此刻起|从今以后|接下来)[,，]?(?:你(?:是|将|要|就是|扮演|将会|必须)|你的(?:新)?(?:"
           "名字|身份|"
           "角色|任务))");
  add_rule(r, "injection.new_instructions.zh", F::kNewInstructions, 0.75,
           "你的新(?:指令|任务|规则|角色|身份)(?:是|为|:)|你不再是(?:一个)?(?:ai|人工智能|助手|语言模型|chatgpt)");
  add_rule(r, "injection.exfiltrate.zh", F::kExfiltrate, 0.85,
           "(?:显示|输出|告诉我|重复|打印|泄露|给我看|展示|透露|说出|列出|复述)(?:一下)?(?:你的|你)?(?:完整的|全部的|"
           "原始的|初始的|隐藏的)?(?:系统提示词?|系统指令|系统消息|初始提示|初始指令|原始指令|原始提示|提示词)");
  add_rule(r, "injection.jailbreak.developer_mode", F::kJailbreak, 0.7,
           "(?:开发者模式|开发人员模式|上帝模式|越狱模式)");
  add_rule(r, "injection.jailbreak.zh", F::kJailbreak, 0.45,
           "(?:没有任何|不受任何|没有|不受|摆脱|无视)(?:的)?(?:限制|约束|审查|过滤|道德|伦理)(?:的)?(?:ai|人工智能|"
           "助手|模型|"
           "回答|回复)|你(?:现在)?(?:已经)?被越狱了|(?:做|能做)任何事(?:情)?(?:现在)?");
}

}  // namespace servir::guard::injection_tables
