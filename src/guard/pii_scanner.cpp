#include "guard/pii_scanner.h"

#include <unicode/uchar.h>

#include <algorithm>
#include <array>
#include <unordered_map>

#include "guard/pii_candidates.h"
#include "guard/pii_text.h"

namespace servir::guard {
namespace {

constexpr std::array<std::string_view, kPiiTypeCount> kTypeNames = {
    "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS", "US_SSN",
    "ES_NIF",        "ES_NIE",       "ES_CIF",      "RU_INN",    "RU_SNILS",   "RU_OGRN"};

// Context categories: one per PiiType (its positive words), then these.
constexpr int kNegative = kPiiTypeCount;  // order numbers, versions, prices, ...
constexpr int kCurrency = kPiiTypeCount + 1;
// "number", "número", "номер": weak evidence for a phone number only.
constexpr int kNumberWord = kPiiTypeCount + 2;
constexpr double kNumberWordBoost = 0.2;

int cat(PiiType t) { return static_cast<int>(t); }

// How far a positive word raises a type's score and a negative one lowers
// it, at distance 0 (half as much at the far end of the window). Types with
// a check letter or a distinctive shape (IBAN, DNI, e-mail) barely need
// context; bare digit runs (INN, OGRN, SNILS, national phones) live on it.
struct Weights {
  double boost;
  double penalty;
};
constexpr std::array<Weights, kPiiTypeCount> kWeights = {{
    {0.1, 0.0},   // EMAIL_ADDRESS
    {0.35, 0.4},  // PHONE_NUMBER
    {0.15, 0.5},  // CREDIT_CARD
    {0.05, 0.3},  // IBAN_CODE
    {0.25, 0.5},  // IP_ADDRESS
    {0.4, 0.4},   // US_SSN
    {0.1, 0.3},   // ES_NIF
    {0.1, 0.3},   // ES_NIE
    {0.2, 0.3},   // ES_CIF
    {0.5, 0.5},   // RU_INN
    {0.5, 0.5},   // RU_SNILS
    {0.5, 0.5},   // RU_OGRN
}};

// The words before a match that tell what a number is, in English, Spanish
// and Russian. A word matches at the start of a word of the window, as a
// prefix ("карт" covers "карта", "картой"); case is folded first.
const ContextLexicon& lexicon() {
  static const ContextLexicon kLexicon({
      // PHONE_NUMBER
      {"phone", cat(PiiType::kPhone)},
      {"tel$", cat(PiiType::kPhone)},
      {"mobile", cat(PiiType::kPhone)},
      {"cell$", cat(PiiType::kPhone)},
      {"call", cat(PiiType::kPhone)},
      {"text me", cat(PiiType::kPhone)},
      {"contact", cat(PiiType::kPhone)},
      {"whatsapp", cat(PiiType::kPhone)},
      {"fax$", cat(PiiType::kPhone)},
      {"dial$", cat(PiiType::kPhone)},
      {"dialing", cat(PiiType::kPhone)},
      {"telephone", cat(PiiType::kPhone)},
      {"telf", cat(PiiType::kPhone)},
      {"reach", cat(PiiType::kPhone)},
      {"teléfono", cat(PiiType::kPhone)},
      {"móvil", cat(PiiType::kPhone)},
      {"movil", cat(PiiType::kPhone)},
      {"celular", cat(PiiType::kPhone)},
      {"llam", cat(PiiType::kPhone)},
      {"llám", cat(PiiType::kPhone)},
      {"contacto", cat(PiiType::kPhone)},
      {"tlf$", cat(PiiType::kPhone)},
      {"número de contacto", cat(PiiType::kPhone)},
      {"телефон", cat(PiiType::kPhone)},
      {"тел$", cat(PiiType::kPhone)},
      {"моб$", cat(PiiType::kPhone)},
      {"сотов", cat(PiiType::kPhone)},
      {"звон", cat(PiiType::kPhone)},
      {"позвон", cat(PiiType::kPhone)},
      {"номер для связи", cat(PiiType::kPhone)},
      {"связ", cat(PiiType::kPhone)},
      {"факс", cat(PiiType::kPhone)},
      {"вотсап", cat(PiiType::kPhone)},
      // CREDIT_CARD
      {"card", cat(PiiType::kCard)},
      {"credit", cat(PiiType::kCard)},
      {"debit", cat(PiiType::kCard)},
      {"visa", cat(PiiType::kCard)},
      {"mastercard", cat(PiiType::kCard)},
      {"amex", cat(PiiType::kCard)},
      {"tarjeta", cat(PiiType::kCard)},
      {"crédito", cat(PiiType::kCard)},
      {"débito", cat(PiiType::kCard)},
      {"карт", cat(PiiType::kCard)},
      {"кредитн", cat(PiiType::kCard)},
      {"дебетов", cat(PiiType::kCard)},
      // IBAN_CODE
      {"iban", cat(PiiType::kIban)},
      {"account", cat(PiiType::kIban)},
      {"cuenta", cat(PiiType::kIban)},
      {"счет", cat(PiiType::kIban)},
      {"transfer", cat(PiiType::kIban)},
      // IP_ADDRESS
      {"ip$", cat(PiiType::kIp)},
      {"server", cat(PiiType::kIp)},
      {"host", cat(PiiType::kIp)},
      {"address", cat(PiiType::kIp)},
      {"gateway", cat(PiiType::kIp)},
      {"dns", cat(PiiType::kIp)},
      {"router", cat(PiiType::kIp)},
      {"ping", cat(PiiType::kIp)},
      {"connect", cat(PiiType::kIp)},
      {"dirección", cat(PiiType::kIp)},
      {"servidor", cat(PiiType::kIp)},
      {"conect", cat(PiiType::kIp)},
      {"адрес", cat(PiiType::kIp)},
      {"сервер", cat(PiiType::kIp)},
      {"хост", cat(PiiType::kIp)},
      {"шлюз", cat(PiiType::kIp)},
      {"подключ", cat(PiiType::kIp)},
      {"айпи", cat(PiiType::kIp)},
      // US_SSN
      {"ssn$", cat(PiiType::kSsn)},
      {"social security", cat(PiiType::kSsn)},
      {"social", cat(PiiType::kSsn)},
      {"seguro social", cat(PiiType::kSsn)},
      {"seguridad social", cat(PiiType::kSsn)},
      {"социального страхования", cat(PiiType::kSsn)},
      // ES_NIF / ES_NIE / ES_CIF
      {"dni$", cat(PiiType::kNif)},
      {"nif$", cat(PiiType::kNif)},
      {"documento", cat(PiiType::kNif)},
      {"identidad", cat(PiiType::kNif)},
      {"nie$", cat(PiiType::kNie)},
      {"nif$", cat(PiiType::kNie)},
      {"extranjero", cat(PiiType::kNie)},
      {"residencia", cat(PiiType::kNie)},
      {"foreigner", cat(PiiType::kNie)},
      {"cif$", cat(PiiType::kCif)},
      {"nif$", cat(PiiType::kCif)},
      {"empresa", cat(PiiType::kCif)},
      {"sociedad", cat(PiiType::kCif)},
      {"company", cat(PiiType::kCif)},
      {"fiscal", cat(PiiType::kCif)},
      {"razón social", cat(PiiType::kCif)},
      // RU_INN
      {"инн", cat(PiiType::kInn)},
      {"inn$", cat(PiiType::kInn)},
      {"налог", cat(PiiType::kInn)},
      {"taxpayer", cat(PiiType::kInn)},
      {"tax id", cat(PiiType::kInn)},
      {"tin$", cat(PiiType::kInn)},
      {"реквизит", cat(PiiType::kInn)},
      // RU_SNILS
      {"снилс", cat(PiiType::kSnils)},
      {"snils", cat(PiiType::kSnils)},
      {"страхов", cat(PiiType::kSnils)},
      {"пенсион", cat(PiiType::kSnils)},
      {"insurance number", cat(PiiType::kSnils)},
      // RU_OGRN
      {"огрн", cat(PiiType::kOgrn)},
      {"ogrn", cat(PiiType::kOgrn)},
      {"регистрац", cat(PiiType::kOgrn)},
      {"registration number", cat(PiiType::kOgrn)},
      {"state registration", cat(PiiType::kOgrn)},
      {"реквизит", cat(PiiType::kOgrn)},
      {"number", kNumberWord},
      {"número", kNumberWord},
      {"numero", kNumberWord},
      {"numéro", kNumberWord},
      {"номер", kNumberWord},
      // Negative: numbers that are not about a person.
      {"order", kNegative},
      {"invoice", kNegative},
      {"pedido", kNegative},
      {"factura", kNegative},
      {"заказ", kNegative},
      {"счет-фактур", kNegative},
      {"накладн", kNegative},
      {"isbn", kNegative},
      {"issn", kNegative},
      {"ean$", kNegative},
      {"upc$", kNegative},
      {"штрихкод", kNegative},
      {"barcode", kNegative},
      {"version", kNegative},
      {"versión", kNegative},
      {"версия", kNegative},
      {"версии", kNegative},
      {"build", kNegative},
      {"бик$", kNegative},
      {"окпо$", kNegative},
      {"оквэд$", kNegative},
      {"октмо$", kNegative},
      {"bic$", kNegative},
      {"swift", kNegative},
      {"code", kNegative},
      {"código", kNegative},
      {"codigo", kNegative},
      {"код", kNegative},
      {"product", kNegative},
      {"producto", kNegative},
      {"receipt", kNegative},
      {"recibo", kNegative},
      {"чек", kNegative},
      {"upgrade", kNegative},
      {"update", kNegative},
      {"patch", kNegative},
      {"firmware", kNegative},
      {"actualiz", kNegative},
      {"обнов", kNegative},
      {"прошивк", kNegative},
      {"release", kNegative},
      {"sku$", kNegative},
      {"артикул", kNegative},
      {"tracking", kNegative},
      {"seguimiento", kNegative},
      {"трек", kNegative},
      {"отслеживан", kNegative},
      {"ticket", kNegative},
      {"тикет", kNegative},
      {"reference", kNegative},
      {"referencia", kNegative},
      {"ref.", kNegative},
      {"ref:", kNegative},
      {"serial", kNegative},
      {"серийн", kNegative},
      {"batch", kNegative},
      {"lote", kNegative},
      {"партия", kNegative},
      {"price", kNegative},
      {"precio", kNegative},
      {"цена", kNegative},
      {"стоимост", kNegative},
      {"total", kNegative},
      {"итого", kNegative},
      {"importe", kNegative},
      {"amount", kNegative},
      {"сумм", kNegative},
      {"transaction", kNegative},
      {"transacción", kNegative},
      {"транзакц", kNegative},
      {"timestamp", kNegative},
      {"expediente", kNegative},
      {"ticket", kNegative},
      {"commit", kNegative},
      {"коммит", kNegative},
      {"хеш", kNegative},
      {"хэш", kNegative},
      {"checksum", kNegative},
      {"hash", kNegative},
      {"uuid", kNegative},
      {"guid", kNegative},
      {"population", kNegative},
      {"población", kNegative},
      {"население", kNegative},
      {"shipment", kNegative},
      {"envío", kNegative},
      {"отправлени", kNegative},
      {"contract", kNegative},
      {"contrato", kNegative},
      {"договор", kNegative},
      // Currency right after a number: an amount.
      {"$", kCurrency},
      {"€", kCurrency},
      {"₽", kCurrency},
      {"usd$", kCurrency},
      {"eur$", kCurrency},
      {"руб", kCurrency},
      {"р.", kCurrency},
      {"dólar", kCurrency},
      {"dollar", kCurrency},
      {"euro", kCurrency},
      {"peso", kCurrency},
      {"долл", kCurrency},
  });
  return kLexicon;
}

constexpr std::size_t kAfterWindowBytes = 24;

// Whether an upper-case letter (any script) starts at `pos`.
bool starts_sentence(std::string_view text, std::size_t pos) {
  std::size_t len = 0;
  const char32_t cp = utf8_code_point_at(text, pos, &len);
  return u_isupper(static_cast<UChar32>(cp)) != 0;
}

class PiiScanner final : public Scanner {
 public:
  explicit PiiScanner(const PiiScannerOptions& options) : options_(options) {
    enabled_.fill(options.entities.empty());
    for (const std::string& name : options.entities) {
      for (int t = 0; t < kPiiTypeCount; ++t) {
        if (kTypeNames[t] == name) enabled_[t] = true;
      }
    }
    options_.context_window_bytes = std::clamp<std::size_t>(options_.context_window_bytes, 1, 512);
    lexicon();  // built once, before any concurrent scan
  }

  ScannerKind kind() const override { return ScannerKind::kPii; }

  void scan(std::string_view text, const ScanContext& ctx, std::vector<Finding>& out) const override {
    std::vector<PiiCandidate> candidates;
    scan_in_segments(text, ctx, kind(), out, [&](std::string_view bounded, std::size_t pos, std::size_t end) {
      candidates.clear();
      find_emails(bounded, pos, end, candidates);
      find_ibans(bounded, pos, end, candidates);
      find_ipv6(bounded, pos, end, candidates);
      find_spanish_ids(bounded, pos, end, candidates);
      find_numbers(bounded, pos, end, candidates);
      resolve(bounded, candidates, out);
    });
  }

 private:
  struct Scored {
    const PiiCandidate* candidate;
    double score;
  };

  double proximity(int distance) const {
    return 1.0 - 0.5 * static_cast<double>(distance) / static_cast<double>(options_.context_window_bytes);
  }

  // Scores the candidates with their context, drops those under the
  // threshold, and keeps the best of overlapping ones (higher score, then
  // longer, then a checksum type over a phone number).
  void resolve(std::string_view text, const std::vector<PiiCandidate>& candidates, std::vector<Finding>& out) const {
    if (candidates.empty()) return;
    std::vector<Scored> kept;
    std::unordered_map<std::size_t, ContextLexicon::Distances> before_cache;
    std::string window;
    for (const PiiCandidate& c : candidates) {
      const int t = static_cast<int>(c.type);
      if (!enabled_[t]) continue;
      auto it = before_cache.find(c.context_at);
      if (it == before_cache.end()) {
        // Context ends at the previous number: words before it were about
        // that number ("phone +34 612 345 678. Meeting on 1763635105").
        std::size_t from =
            c.context_at > options_.context_window_bytes ? c.context_at - options_.context_window_bytes : 0;
        // Nor does it reach into the previous sentence ("... call me. Commit 1725199433").
        for (std::size_t k = c.context_at; k > from; --k) {
          const char ch = text[k - 1];
          if (is_ascii_digit(ch)) {
            from = k;
            break;
          }
          if ((ch == '.' || ch == '!' || ch == '?') && k + 1 < c.context_at && text[k] == ' ' &&
              starts_sentence(text, k + 1)) {
            from = k;
            break;
          }
        }
        folded_window(text, c.context_at, c.context_at - from, /*after=*/false, window);
        it = before_cache.emplace(c.context_at, lexicon().nearest_from_end(window)).first;
      }
      const ContextLexicon::Distances& before = it->second;
      double score = c.base;
      if (before[t] >= 0) score += kWeights[t].boost * proximity(before[t]);
      if (before[kNegative] >= 0) score -= kWeights[t].penalty * proximity(before[kNegative]);
      if (c.type == PiiType::kPhone && before[t] < 0 && before[kNumberWord] >= 0) {
        score += kNumberWordBoost * proximity(before[kNumberWord]);
      }
      folded_window(text, c.end, kAfterWindowBytes, /*after=*/true, window);
      // Words after the end of the sentence are about what follows.
      if (const std::size_t stop = window.find_first_of(".!?;\n"); stop != std::string::npos) window.resize(stop);
      const ContextLexicon::Distances after = lexicon().first_from_start(window);
      if (after[t] >= 0 && after[t] <= 8 && before[t] < 0) score += 0.5 * kWeights[t].boost;
      if (after[kCurrency] >= 0 && after[kCurrency] <= 2) score -= kWeights[t].penalty;
      score = std::clamp(score, 0.0, 1.0);
      if (score >= options_.score_threshold) kept.push_back({&c, score});
    }
    std::sort(kept.begin(), kept.end(), [](const Scored& a, const Scored& b) {
      if (a.score != b.score) return a.score > b.score;
      const std::size_t la = a.candidate->end - a.candidate->start;
      const std::size_t lb = b.candidate->end - b.candidate->start;
      if (la != lb) return la > lb;
      const bool pa = a.candidate->type == PiiType::kPhone;
      const bool pb = b.candidate->type == PiiType::kPhone;
      if (pa != pb) return pb;
      return a.candidate->start < b.candidate->start;
    });
    std::size_t lo = text.size();
    std::size_t hi = 0;
    for (const Scored& s : kept) {
      lo = std::min(lo, s.candidate->start);
      hi = std::max(hi, s.candidate->end);
    }
    std::vector<char> covered(hi > lo ? hi - lo : 0, 0);
    for (const Scored& s : kept) {
      const PiiCandidate& c = *s.candidate;
      bool free = true;
      for (std::size_t k = c.start; k < c.end && free; ++k) free = covered[k - lo] == 0;
      if (!free) continue;
      std::fill(covered.begin() + static_cast<std::ptrdiff_t>(c.start - lo),
                covered.begin() + static_cast<std::ptrdiff_t>(c.end - lo), 1);
      out.push_back(Finding{.scanner = ScannerKind::kPii,
                            .type = std::string(kTypeNames[static_cast<int>(c.type)]),
                            .start = c.start,
                            .end = c.end,
                            .rule = std::string(c.rule),
                            .score = s.score});
    }
  }

  PiiScannerOptions options_;
  std::array<bool, kPiiTypeCount> enabled_{};
};

}  // namespace

std::string_view pii_type_name(PiiType type) { return kTypeNames[static_cast<int>(type)]; }

std::unique_ptr<Scanner> make_pii_scanner(const PiiScannerOptions& options) {
  return std::make_unique<PiiScanner>(options);
}

const std::vector<std::string>& pii_entity_types() {
  static const std::vector<std::string> kTypes(kTypeNames.begin(), kTypeNames.end());
  return kTypes;
}

}  // namespace servir::guard
