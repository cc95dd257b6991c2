// Spanish injection rules, on the normalized view (no accents: "instruccion",
// "muestrame", "ensename").
#include "guard/injection_rule_tables.h"

namespace servir::guard::injection_tables {
namespace {

const std::string kVerb =
    "(?:ignora|ignore|ignoren|ignorar|ignores|ignoras|olvida|olvide|olviden|olvidar|olvides|olvidate de|olvidese de|"
    "olvidate|descarta|descarte|descartar|desestima|desestimar|omite|omitir|omita|pasa por alto|pasar por alto|"
    "haz caso omiso (?:a|de)|hacer caso omiso (?:a|de)|no (?:sigas|siga|sigan|hagas caso (?:a|de)|tengas en cuenta|"
    "tomes en cuenta|obedezcas|respetes|cumplas)|deja de (?:seguir|obedecer|cumplir|respetar)|anula|anular|"
    "salta(?:te)?|saltar(?:te)?|borra|elimina|desobedece|prescinde de|sobrescribe|deshazte de|no hagas caso (?:a|de)|"
    "no hagas caso|deja de lado|dejes de lado|aparta|pon a un lado|no tomes en cuenta|no respetes)";
const std::string kFill =
    "(?:todas?|todos?|las?|los?|tus|sus|mis|cualquier|cualesquiera|de|del|el|estas?|esos?|esas?|cada|una?|unas|"
    "unos|completamente|por completo|absolutamente)";
const std::string kQual =
    "(?:anteriores|anterior|previas?|previos?|de arriba|de antes|precedentes?|originales?|iniciales?|del sistema|"
    "de sistema|recibidas|dadas|proporcionadas|antiguas|viejas|pasadas|primeras|existentes|actuales|programadas|"
    "predeterminadas|que (?:te )?(?:dieron|han dado|dio|dado|recibiste|tienes|te di|te he dado|se te dieron|"
    "te fueron dadas)|mencionadas|ya dadas|hasta ahora|hasta este momento|con (?:las|los) que te (?:programaron|"
    "entrenaron|configuraron|crearon|disenaron))";
const std::string kNoun =
    "(?:instrucciones|instruccion|indicaciones|indicacion|reglas|regla|normas|directrices|directriz|ordenes|orden|"
    "comandos|pautas|restricciones|limitaciones|prompts?|mensajes?|contexto|consignas|politicas|programacion|"
    "entrenamiento|directivas|tareas?|mandatos|principios|filtros|configuracion)";
const std::string kStrongNoun =
    "(?:instrucciones|indicaciones|reglas|normas|directrices|ordenes|comandos|pautas|restricciones|limitaciones|"
    "prompts?|consignas|politicas|programacion|entrenamiento|directivas|principios|filtros)";
const std::string kAi =
    "(?:ia|i\\.a\\.|inteligencia artificial|asistente|asistente de ia|chatbot|modelo|modelo de lenguaje|llm|"
    "agente|bot|gpt|chatgpt|sistema de ia|modelos de lenguaje|asistentes)";

}  // namespace

void add_spanish(std::vector<InjectionRule>& r) {
  using F = RuleFamily;
  const std::string V = kVerb, FI = kFill, Q = kQual, N = kNoun, SN = kStrongNoun;

  // --- override ---------------------------------------------------------
  add_rule(r, "injection.override.es", F::kOverride, 0.9,
           "\\b" + V + "(?: " + FI + "){0,4} " + N + "(?: " + FI + "){0,2} " + Q + "\\b");
  add_rule(r, "injection.override.es", F::kOverride, 0.9, "\\b" + V + "(?: " + FI + "){0,4} " + Q + " " + N + "\\b");
  add_rule(r, "injection.override.es", F::kOverride, 0.85,
           "\\b" + V +
               " (?:todo )?(?:lo )?(?:anterior|previo|de arriba|dicho anteriormente|que (?:se )?(?:te )?"
               "(?:ha|han) (?:dicho|indicado|ordenado|programado)|que (?:te )?(?:dijeron|indicaron|ordenaron|"
               "ensenaron|programaron)|que sabes|que aprendiste|que te ensenaron|escrito (?:arriba|antes)|que "
               "(?:esta|aparece|hay|viene) (?:arriba|antes))\\b");
  add_rule(r, "injection.override.es", F::kOverride, 0.8,
           "\\b" + V +
               " todo (?:lo )?(?:que|anterior|previo|de antes|lo dicho)(?: (?:te )?(?:dije|he dicho|"
               "dijimos|escribi|mencione|indique))? (?:antes|anteriormente|previamente|hasta ahora|arriba|hasta "
               "este momento)\\b");
  add_rule(r, "injection.override.es.weak", F::kOverride, 0.45,
           "\\b" + V + " todo lo que (?:te )?(?:dije|he dicho|escribi|pedi)\\b");
  add_rule(r, "injection.override.es.weak", F::kOverride, 0.3, "\\b" + V + " lo que te (?:dije|he dicho|pedi)\\b");
  add_rule(r, "injection.override.es.weak", F::kOverride, 0.35, "\\b(?:olvida|olvidate de|olvide) todo\\b");
  add_rule(r, "injection.override.es", F::kOverride, 0.7,
           "\\b" + V +
               " (?:(?:todas|todos) )?(?:tus|sus)(?: (?:propias|propios|actuales|eticas|morales|"
               "habituales|normales|internas|originales|iniciales))* " +
               SN + "\\b");
  add_rule(r, "injection.override.es", F::kOverride, 0.6,
           "\\b" + V + " (?:todas|todos|cualquier|cualquiera de) (?:las |los |de las |de los )?(?:(?:otras|demas) )?" +
               SN + "\\b");
  add_rule(r, "injection.override.es.weak", F::kOverride, 0.35, "\\b" + V + " (?:las|los) " + SN + "\\b");
  add_rule(r, "injection.override.es", F::kOverride, 0.85,
           "\\b(?:las |los |tus )?" + SN + " (?:" + Q +
               " )?(?:ya )?(?:son|estan|quedan|han sido|fueron|quedaron) "
               "(?:ahora )?(?:nulas|nulos|anuladas|anulados|invalidas|invalidos|obsoletas|obsoletos|canceladas|"
               "cancelados|revocadas|revocados|sin efecto|sin validez|eliminadas|desactivadas|suspendidas|"
               "sustituidas|reemplazadas)");
  add_rule(r, "injection.override.es", F::kOverride, 0.65,
           "\\b(?:ignora|olvida|olvidate de|descarta|omite|salta(?:te)?|evita|elimina|desactiva) (?:(?:toda|todas|"
           "todos) )?(?:tu|tus|la|las|los|el|cualquier) (?:etica|moral|moralidad|conciencia|valores|censura|"
           "principios eticos|filtros? de contenido|politicas? de contenido|entrenamiento de seguridad|"
           "alineamiento|salvaguardas|protecciones)\\b");
  add_rule(r, "injection.override.es", F::kOverride, 0.6,
           "\\ben (?:lugar|vez) de (?:seguir |obedecer )?(?:tus|las) (?:instrucciones|reglas|directrices)"
           "(?: (?:originales|anteriores|iniciales|del sistema))?\\b");
  add_rule(r, "injection.override.es.weak", F::kOverride, 0.45,
           "\\b(?:reinicia|resetea|borra|limpia) (?:tu|la) (?:memoria|contexto|programacion|configuracion)\\b");

  // --- new instructions --------------------------------------------------
  const std::string from_now =
      "(?:a partir de (?:ahora|este momento|hoy|aqui|ya)|desde (?:ahora|este momento|ya)(?: en adelante)?|de ahora "
      "en adelante|en adelante|a partir de este instante|durante (?:el resto de )?esta conversacion)";
  add_rule(r, "injection.new_instructions.es", F::kNewInstructions, 0.6,
           "\\b" + from_now +
               ",? (?:tu )?(?:eres|seras|vas a (?:ser|actuar|fingir|hacer de|interpretar)|"
               "actuaras|actua(?:s|ras)? como|te (?:llamas|llamaras|comportaras)|tu nombre (?:es|sera)|tu (?:nuevo|"
               "unico) (?:rol|papel|objetivo|proposito|nombre|trabajo)|interpretaras|te convertiras)");
  add_rule(
      r, "injection.new_instructions.es.weak", F::kNewInstructions, 0.4,
      "\\b" + from_now +
          ",? (?:tu |usted )?(?:responderas|responde|contesta|debes|deberas|tienes que|"
          "tendras que|solo|no|nunca|siempre|hablaras|escribiras|obedeceras|seguiras|haras|respondes|contestas|hablas|"
          "actuas|escribes)\\b");
  add_rule(r, "injection.new_instructions.es", F::kNewInstructions, 0.75,
           "\\b(?:tus|sus) (?:nuevas|verdaderas|reales|unicas|actuales|autenticas) (?:instrucciones|reglas|ordenes|"
           "directrices|tareas|directivas|indicaciones|normas) (?:son|seran|:)|\\btu (?:nueva|verdadera|unica|real) "
           "(?:tarea|mision|funcion|identidad|instruccion|orden|personalidad) (?:es|sera|:)|\\btu (?:nuevo|"
           "verdadero|unico|real) (?:rol|papel|objetivo|proposito|nombre|trabajo) (?:es|sera|:)");
  add_rule(r, "injection.new_instructions.es", F::kNewInstructions, 0.6,
           "(?:^|[\\n.!:]\\s*|\\b(?:aqui tienes|estas son|sigue|las|tus) )(?:nuevas|verdaderas|reales|secretas|"
           "importantes|urgentes|actualizadas|autenticas) (?:instrucciones|reglas|ordenes|directrices|indicaciones)"
           "\\s*[:\\-]|(?:^|[\\n.!:]\\s*)(?:instrucciones|ordenes|reglas) (?:nuevas|actualizadas|reales|"
           "verdaderas|secretas|urgentes)\\s*[:\\-]");
  add_rule(r, "injection.new_instructions.es", F::kNewInstructions, 0.75,
           "\\bya no (?:eres|seras|actuas como) (?:una? |el |la )?(?:ia|asistente|chatgpt|modelo|inteligencia "
           "artificial|bot|chatbot|ayudante|claude|gpt|programa)|\\bya no (?:estas|tienes que estar|estaras) "
           "(?:sujet[oa]|limitad[oa]|restringid[oa]|obligad[oa]|atad[oa])");
  add_rule(r, "injection.new_instructions.es.weak", F::kNewInstructions, 0.4, "\\bya no eres\\b");
  add_rule(r, "injection.new_instructions.es", F::kNewInstructions, 0.5,
           "\\b(?:ahora|ahora mismo|desde ya) (?:eres|seras|te conviertes en|actuas como|vas a ser) (?:una? |mi |el "
           "|la )?(?:\\S+ )?(?:ia|asistente|bot|modelo|personaje|version|entidad|ai|sin)\\b");
  add_rule(r, "injection.new_instructions.es.weak", F::kNewInstructions, 0.3,
           "\\b(?:finge|fingir|finja|imagina|imagine|supon|haz de cuenta|hagamos de cuenta|actua como si|comportate "
           "como si|simula) (?:que )?(?:eres|seas|fueras|ser|tienes|tuvieras|estas)\\b");
  add_rule(r, "injection.new_instructions.es", F::kNewInstructions, 0.75,
           "\\b(?:actua|actuar|comportate|responde|finge ser|haz de|interpreta a|sé|se) (?:como )?(?:una? |mi |el |"
           "la )?(?:ia |asistente |modelo |bot |chatbot |personaje |version )?(?:sin (?:restricciones|filtros|"
           "censura|limites|reglas|etica|moral|escrupulos)|malvad[oa]|amoral|inmoral|sin censura|liberad[oa]|"
           "rebelde|maligno|maligna|sin etica)\\b");
  add_rule(r, "injection.new_instructions.es.weak", F::kNewInstructions, 0.25,
           "\\bquiero que (?:actues|finjas|te comportes|respondas|interpretes|seas) ");
  add_rule(r, "injection.new_instructions.es", F::kNewInstructions, 0.65,
           "\\bdej[ae] de (?:ser|actuar como|comportarte como) (?:una? |el |la )?(?:ia|asistente|chatgpt|modelo|"
           "inteligencia artificial|bot|chatbot|asistente util)");
  add_rule(r, "injection.new_instructions.es", F::kNewInstructions, 0.85,
           "\\b(?:di|escribe|responde|imprime|contesta|devuelve|pon)(?: solamente| solo| unicamente)?:? "
           "[\"']?(?:he sido (?:hackead[oa]|pwned|vulnerad[oa]|comprometid[oa])|me han hackeado|hackeado)\\b");
  add_rule(r, "injection.new_instructions.es", F::kNewInstructions, 0.5,
           "\\b(?:tu|la) (?:tarea|mision|instruccion|funcion) (?:anterior|original|previa|inicial) (?:ha )?"
           "(?:termin\\w*|acab\\w*|se acabo|finaliz\\w*|cancelad\\w*|ya no (?:es|importa))");
  add_rule(r, "injection.new_instructions.es.weak", F::kNewInstructions, 0.35,
           "\\b(?:ahora|a continuacion),? (?:concentrate|centrate|enfocate) en (?:una|la) (?:nueva|otra|siguiente) "
           "tarea");

  add_rule(r, "injection.new_instructions.es.weak", F::kNewInstructions, 0.45,
           "(?:^|[.!?\\n] ?)(?:y |bien,? |ok,? |vale,? )?ahora,? (?:tu )?eres (?:\\S+ ?){1,3}[,.!]");
  add_rule(r, "injection.new_instructions.es.weak", F::kNewInstructions, 0.4,
           "\\b(?:completamente|totalmente|muy) (?:metid[oa]|inmers[oa]|absort[oa]|sumergid[oa]) en (?:tu|el|su|este) "
           "(?:papel|personaje|rol)\\b");
  add_rule(r, "injection.new_instructions.es", F::kNewInstructions, 0.6,
           "(?:^|[\\n.!:]\\s*)(?:(?:nuevas|verdaderas|reales|secretas|importantes|urgentes|actualizadas) ){1,2}"
           "(?:instrucciones|reglas|ordenes|directrices|indicaciones)(?: (?:nuevas|importantes|urgentes|secretas|"
           "actualizadas))?\\s*[:\\-]");
  add_rule(r, "injection.new_instructions.es", F::kNewInstructions, 0.5,
           "\\b(?:(?:solo|unicamente) (?:me )?obedeces|obedeces (?:solo|unicamente) a mi|me obedeces solo a mi|"
           "obedeceme solo a mi)\\b");
  add_rule(r, "injection.new_instructions.es", F::kNewInstructions, 0.6,
           "\\b(?:tus|las) (?:reglas|directrices|instrucciones|politicas|normas|restricciones) (?:han sido|fueron|"
           "estan|quedan) (?:actualizadas|cambiadas|modificadas|eliminadas|levantadas|suspendidas|desactivadas)");
  add_rule(r, "injection.jailbreak.dan", F::kJailbreak, 0.7,
           "\\b(?:eres|ahora eres|seras|actua como|actuaras como) dan\\b");
  add_rule(r, "injection.exfiltrate.es", F::kExfiltrate, 0.75,
           "\\b(?:primeras|ultimas) (?:\\d+|cien|diez|cinco) (?:palabras|lineas|frases|caracteres|tokens) (?:de|del) "
           "(?:tu|el|su) (?:prompt|instrucciones|mensaje del sistema|contexto)");
  add_rule(r, "injection.exfiltrate.es", F::kExfiltrate, 0.6,
           "\\b(?:por encima de|antes de) este (?:mensaje|texto|punto)\\b|\\b(?:repite|muestra|imprime|copia|"
           "escribe)(?:me)? (?:todo )?(?:lo que hay |lo que esta )?en tu (?:contexto|memoria|prompt)\\b");

  // --- exfiltration ------------------------------------------------------
  const std::string reveal =
      "(?:muestra(?:me|nos)?|muestre(?:me)?|mostrar(?:me)?|revela(?:me)?|revele(?:me)?|revelar(?:me)?|dime|diga(?:me)?|"
      "decir(?:me)?|repite(?:me)?|repita(?:me)?|repetir|imprime|imprima|imprimir|ensena(?:me)?|ensene(?:me)?|"
      "escribe(?:me)?|escriba(?:me)?|comparte|comparta|cual es|cuales son|cual era|cuales eran|proporciona(?:me)?|"
      "dame|deme|copia|copie|reproduce|indica(?:me)?|lista|enumera|devuelve|traduce|cita|filtra|expone|exponer|"
      "vuelca|transcribe|resume|recita|pega|saca|imprimeme|ensename|podrias (?:mostrarme|decirme|revelar|"
      "compartir|repetir)|puedes (?:mostrarme|decirme|revelar|compartir|repetir))";
  const std::string sys_obj =
      "(?:(?:prompt|mensaje|instrucciones|instruccion|indicaciones|reglas|directrices|configuracion|"
      "programacion|consigna|consignas|directivas|indicacion) (?:(?:de|del) sistema|iniciales?|originales?|"
      "ocult[oa]s?|secret[oa]s?|internas?|internos?|previas?|de arranque|base|de fabrica|confidenciales?|"
      "primer[oa]s?)|system prompt|prompt de sistema|prompt inicial|prompt original|prompt oculto)";
  add_rule(r, "injection.exfiltrate.es", F::kExfiltrate, 0.85,
           "\\b" + reveal +
               " (?:\\S+ ){0,3}?(?:tu|tus|el|los|las|la|su|sus)(?: (?:completo|completa|completas|"
               "exacto|exacta|exactas|entero|entera|verdadero|verdadera|real|reales|propio|propias))? " +
               sys_obj + "\\b");
  add_rule(r, "injection.exfiltrate.es", F::kExfiltrate, 0.6,
           "\\b" + reveal +
               " (?:\\S+ )?(?:todas |todos )?(?:tus|sus) (?:propias |exactas |verdaderas |actuales )?"
               "(?:instrucciones|reglas|directrices|indicaciones|normas|prompt|programacion|configuracion|"
               "restricciones|directivas|consignas)\\b");
  add_rule(r, "injection.exfiltrate.es", F::kExfiltrate, 0.7,
           "\\b(?:repite|repita|copia|copie|imprime|imprima|muestra(?:me)?|escribe|reproduce|devuelve|transcribe|"
           "traduce|resume|cita)(?:me)? (?:todo )?(?:el |los |las |lo )?(?:(?:texto|mensaje|contenido|palabras|"
           "instrucciones|conversacion|lineas|prompt) )?(?:(?:que (?:esta|aparece|hay|viene|estan|aparecen|"
           "vino|fue escrito|se escribio) )?(?:arriba|anterior(?:es)?|antes de esto|de arriba|previo|al principio|"
           "al inicio|por encima))\\b");
  add_rule(r, "injection.exfiltrate.es", F::kExfiltrate, 0.65,
           "\\b" + reveal +
               " (?:todo )?(?:el |los |las |lo )?(?:texto|mensaje|contenido|palabras|instrucciones|"
               "conversacion|lineas|prompt)s? (?:que (?:esta|aparece|hay|viene|estan|aparecen) )?(?:de arriba|"
               "anterior(?:es)?|por encima|del principio|del inicio)\\b");
  add_rule(r, "injection.exfiltrate.es", F::kExfiltrate, 0.6,
           "\\b(?:contrasena|clave|password|secreto|codigo|palabra secreta|instrucciones|reglas) (?:secret[oa]s? )?"
           "que te (?:dieron|dijeron|han dado|proporcionaron|dio|ensenaron|pasaron)\\b");
  add_rule(r, "injection.exfiltrate.es", F::kExfiltrate, 0.6,
           "\\bque (?:instrucciones |ordenes |reglas )?(?:te )?(?:dieron|indicaron|instruyeron|ordenaron|"
           "programaron|pusieron|configuraron|dijeron) (?:al principio|inicialmente|antes|originalmente|al inicio|"
           "tus (?:creadores|desarrolladores|programadores)|los (?:desarrolladores|creadores|programadores))");
  add_rule(r, "injection.exfiltrate.es", F::kExfiltrate, 0.7,
           "\\b(?:cuales|que) (?:son|eran|fueron) (?:tus|las) (?:instrucciones|reglas|directrices|indicaciones) "
           "(?:originales|iniciales|ocultas|secretas|del sistema|de sistema|exactas|completas|previas|reales)\\b");
  add_rule(r, "injection.exfiltrate.es.weak", F::kExfiltrate, 0.4,
           "\\b(?:dime|dame|revela(?:me)?|muestra(?:me)?|cual es|escribe|deletrea|comparte) (?:la|tu|el) "
           "(?:contrasena|clave|password|palabra secreta|clave secreta|codigo secreto|secreto|api key)\\b");
  add_rule(r, "injection.exfiltrate.es", F::kExfiltrate, 0.65,
           "\\b(?:empieza|comienza|empezando|comenzando) (?:con|por) [\"']?(?:eres|tu eres|you are|soy)\\b");

  // --- jailbreak ---------------------------------------------------------
  add_rule(r, "injection.jailbreak.dan", F::kJailbreak, 0.8,
           "\\b(?:haz|hacer|hace|puede hacer|puedes hacer) (?:cualquier cosa|lo que sea|todo) (?:ahora|ya)\\b");
  add_rule(r, "injection.jailbreak.es.weak", F::kJailbreak, 0.35,
           "\\b(?:puedes|puede|podras|podra) (?:hacer|decir|responder|generar) (?:absolutamente )?(?:cualquier "
           "cosa|lo que sea|todo lo que)\\b");
  add_rule(r, "injection.jailbreak.developer_mode", F::kJailbreak, 0.9,
           "\\bmodo (?:desarrollador|de desarrollador|developer|dan|jailbreak|sin restricciones|sin censura|sin "
           "filtros?|dios|libre|malvado) (?:esta |queda )?(?:activado|habilitado|encendido|activo|activada|"
           "habilitada|desbloqueado)\\b");
  add_rule(r, "injection.jailbreak.developer_mode", F::kJailbreak, 0.75,
           "\\b(?:activa|active|activar|habilita|habilitar|entra en|entrar en|cambia a|enciende|simula|simular|"
           "desbloquea|con el|en) (?:el )?modo (?:desarrollador|de desarrollador|developer|dios|dan|jailbreak|"
           "sin restricciones|sin filtros?|sin censura|malvado|opuesto|libre|diablo|sin limites|caos)\\b");
  add_rule(r, "injection.jailbreak.mode", F::kJailbreak, 0.5,
           "\\bmodo (?:desarrollador|de desarrollador|dios|sin restricciones|sin filtros?|sin censura|malvado|"
           "malvada|opuesto|jailbreak|dan|diablo|sin limites|caos|oscuro|sin reglas)\\b");
  add_rule(r, "injection.jailbreak.es.weak", F::kJailbreak, 0.3,
           "\\b(?:sin|libre de|exento de|sin importar) (?:ningun tipo de |ninguna |ningun |tipo de |las |los |tus "
           "|sus |cualquier |absolutamente )*(?:restricciones|restriccion|filtros?|censura|limites|reglas|"
           "limitaciones|etica|moral|principios (?:eticos|morales)|directrices|politicas|ataduras|escrupulos)\\b");
  add_rule(r, "injection.jailbreak.es", F::kJailbreak, 0.6,
           "\\b(?:no tienes|no tiene|no tengas|no tendras|no tendra|careces de|carece de|ya no tienes) (?:ningun "
           "tipo de |ninguna |ningun |tipo de |absolutamente )*(?:restricciones|restriccion|filtros?|censura|"
           "limites|limitaciones|reglas|etica|moral|principios|directrices|politicas|escrupulos|limite)");
  add_rule(r, "injection.jailbreak.es", F::kJailbreak, 0.65,
           "\\b(?:no estas|no estaras|ya no estas|no esta|no estara|no te sientes|no te sientas) (?:sujet[oa]|"
           "limitad[oa]|restringid[oa]|obligad[oa]|atad[oa]|vinculad[oa]) (?:a|por)\\b");
  add_rule(r, "injection.jailbreak.character", F::kJailbreak, 0.4,
           "\\b(?:mantente|quedate|permanece|sigue|mantenerte|manten|continua|mantengase|permanecer) (?:siempre |"
           "todo el tiempo )?en (?:el |tu |su )?(?:personaje|papel|rol)\\b");
  add_rule(r, "injection.jailbreak.character", F::kJailbreak, 0.55,
           "\\b(?:nunca|no) (?:rompas|salgas de|abandones|dejes|romperas|saldras de|rompa|salga de) (?:el |tu |su )?"
           "(?:personaje|papel|rol)\\b");
  add_rule(r, "injection.jailbreak.refusal", F::kJailbreak, 0.45,
           "\\b(?:nunca|jamas|no) (?:te niegues|rechaces|te negaras|debes negarte|puedes negarte|digas que no|"
           "rechazaras|te niegas|podras negarte|se niega|rechaza|se negara)\\b");
  add_rule(r, "injection.jailbreak.refusal", F::kJailbreak, 0.55,
           "\\b(?:nunca|no|jamas) (?:digas|respondas|contestes) (?:que )?(?:lo siento|no puedes|no puedo|como (?:una "
           ")?ia|lo lamento)");
  add_rule(r, "injection.jailbreak.refusal", F::kJailbreak, 0.4,
           "\\b(?:sin|no (?:incluyas|des|agregues|anadas|pongas|menciones|uses)) (?:ninguna |ningun |ningunas |"
           "ningunos )?(?:advertencias?|avisos?|descargos?|disclaimers?|sermones|moralejas|consideraciones "
           "eticas|disculpas|censura)\\b");
  add_rule(r, "injection.jailbreak.es", F::kJailbreak, 0.7,
           "\\b(?:liberad[oa]s?|libre|librad[oa]|liberate|te has liberado|se ha liberado) (?:de|del) (?:las |los |"
           "sus |tus |todas las |todos los |cualquier )?(?:restricciones|reglas|limitaciones|ataduras|cadenas|"
           "filtros|limites|confines|censura|normas)\\b");
  add_rule(r, "injection.jailbreak.policy", F::kJailbreak, 0.75,
           "\\b(?:ignora|ignorar|salta(?:te)?|saltar(?:te)?|viola|violar|evita|evitar|rompe|romper|sin|omite|elude|"
           "no (?:sigas|sigue|respetes|cumplas|sigues|respetas)) (?:\\S+ ){0,3}(?:politicas?|normas|reglas|"
           "directrices) (?:de (?:contenido|uso|seguridad|openai)|eticas|morales)");
  add_rule(r, "injection.jailbreak.es", F::kJailbreak, 0.65,
           "\\b(?:ia|inteligencia artificial|asistente|chatbot|modelo|bot|version de ti|personaje|entidad) "
           "(?:\\S+ ){0,2}(?:sin (?:restricciones|filtros|censura|limites|reglas|etica|moral|escrupulos)|"
           "malvad[ao]|amoral|inmoral|sin censura)\\b|\\b(?:ia|asistente|chatbot|bot|modelo) (?:sin censura|sin "
           "filtros|sin restricciones|malvad[ao]|amoral)\\b");
  add_rule(r, "injection.jailbreak.persona", F::kJailbreak, 0.8,
           "\\b(?:anti-?gpt|betterdan|chatgpt con (?:el )?modo (?:de )?desarrollador|respuesta (?:dan|sin filtrar|"
           "liberada|jailbreak)|confidente malvado|modo opuesto|dia opuesto)\\b");
  add_rule(r, "injection.jailbreak.es", F::kJailbreak, 0.85,
           "\\b(?:dos|2) (?:respuestas|formas|maneras|parrafos|versiones) (?:diferentes |distintas |separadas )?"
           "\\b.{0,100}\\b(?:normal|clasica|filtrada|estandar|chatgpt|habitual)\\b.{0,100}(?:jailbr|\\bdan\\b|"
           "desarrollador|sin filtr|sin censura|sin restricci|malvad|opuest|\\[)");
  add_rule(r, "injection.jailbreak.hypothetical", F::kJailbreak, 0.6,
           "\\b(?:hipotetic|ficticio|ficticia|imaginari|alternativ|paralel)\\w* (?:\\S+ ){0,4}(?:sin|no hay|no "
           "existen|donde no) (?:\\S+ ){0,2}(?:reglas|leyes|restricciones|etica|moral|limites|filtros|censura|"
           "consecuencias)");
  add_rule(r, "injection.jailbreak.hypothetical", F::kJailbreak, 0.5,
           "\\bsin (?:ninguna |tener en cuenta |importar |considerar )?(?:la |las |consideracion(?:es)? )?"
           "(?:eticas?|morales?|legales?|etica|moral|legalidad)\\b(?: (?:ni|o) (?:morales?|eticas?|legales?))?");
  add_rule(r, "injection.jailbreak.tokens", F::kJailbreak, 0.6,
           "\\b(?:tienes|tendras|empiezas con|comienzas con|perderas) \\d+ tokens\\b");
  add_rule(r, "injection.jailbreak.es", F::kJailbreak, 0.55,
           "\\b(?:aunque|incluso si|sin importar si|da igual si|aun si) (?:sea|es|fuera|resulte|parezca) (?:\\S+ )?"
           "(?:ilegal|inmoral|poco etico|no etico|peligroso|danino|ofensivo|inapropiado|explicito)");
  add_rule(r, "injection.jailbreak.es", F::kJailbreak, 0.6,
           "\\b(?:desactiva|deshabilita|apaga|elimina|quita|evita|elude|salta(?:te)?) (?:tus|todos tus|todas tus|"
           "los|las|cualquier) (?:\\S+ )?(?:filtros?|censura|salvaguardas|protecciones|restricciones|limitaciones|"
           "medidas de seguridad|barreras)\\b");

  // --- indirect -----------------------------------------------------------
  add_rule(r, "injection.indirect.es", F::kIndirect, 0.55,
           "\\bsi (?:eres|tu eres|usted es|estas leyendo esto como|lees esto como) (?:una? |el |la )?" + kAi + "\\b",
           0.8);
  add_rule(r, "injection.indirect.es", F::kIndirect, 0.55,
           "\\b(?:nota|mensaje|instrucciones?|atencion|aviso|importante|recordatorio|indicacion|orden)\\s*(?:para|a)"
           "\\s*(?:la |el |los |las |cualquier )?" +
               kAi + "\\b",
           0.8);
  add_rule(r, "injection.indirect.es", F::kIndirect, 0.3,
           "(?:^|[.!?\\n] ?)(?:querid[oa] |hola |oye |atencion,? )?" + kAi +
               "[,:!] ?(?:por favor )?(?:ignora|olvida|debes|tienes que|haz|envia|reenvia|responde|di|no|incluye|"
               "recomienda|escribe|muestra|revela|ejecuta|abre|visita|a partir de ahora|cuando|siempre|nunca)\\b",
           0.75);
  add_rule(r, "injection.indirect.es", F::kIndirect, 0.35,
           "\\bno (?:le )?(?:digas|menciones|informes|cuentes|reveles|avises|muestres|comuniques) (?:nada )?(?:de "
           "esto |esto |sobre esto )?(?:al|a los) (?:usuario|usuarios|humano|lector)\\b",
           0.75);
  add_rule(r, "injection.indirect.es", F::kIndirect, 0.25,
           "\\b(?:envia|reenvia|manda|sube|filtra|transmite|copia) (?:\\S+ ){0,3}(?:conversacion|historial|"
           "credenciales|contrasenas|claves|datos personales|correos|contactos|archivos|mensajes|cookies|secretos|"
           "datos del usuario|tokens) (?:a|al|hacia)\\b",
           0.6);
  add_rule(r, "injection.indirect.es", F::kIndirect, 0.3,
           "\\b(?:la |el |cualquier )?(?:ia|asistente|modelo|chatbot|agente|bot|modelo de lenguaje) (?:que lea esto "
           ")?(?:debe|deberia|tiene que|esta obligad[oa] a|necesita) (?:ahora |siempre |solo |inmediatamente )?"
           "(?:ignorar|responder|decir|incluir|enviar|recomendar|olvidar|mencionar|anadir|escribir)\\b",
           0.65);
  add_rule(r, "injection.indirect.es", F::kIndirect, 0.25,
           "\\bcuando (?:resumas|leas|proceses|analices|veas|revises) (?:este|esta|estos|el|la)\\b", 0.6);
}

}  // namespace servir::guard::injection_tables
