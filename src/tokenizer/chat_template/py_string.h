// Python str semantics over UTF-8 bytes: Python strings index, slice, count
// and strip by code point, and str.strip() without arguments strips Unicode
// whitespace. Bytes that are not valid UTF-8 (possible in untrusted
// templates) are carried through unchanged as lone code points
// U+DC80..U+DCFF, like Python's surrogateescape.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace servir::jinja {

std::vector<char32_t> utf8_decode(std::string_view s);
void utf8_append(std::string& out, char32_t cp);
std::string utf8_encode(const std::vector<char32_t>& cps, std::size_t begin, std::size_t end);
bool is_ascii(std::string_view s);
std::size_t codepoint_count(std::string_view s);

bool py_isspace(char32_t cp);
// Unicode line boundaries of str.splitlines().
bool py_is_line_break(char32_t cp);

// str.strip / lstrip / rstrip; `chars` absent = whitespace.
std::string py_strip(std::string_view s, const std::optional<std::string>& chars, bool left, bool right);
// str.split(sep=None, maxsplit=-1)
std::vector<std::string> py_split(std::string_view s, const std::optional<std::string>& sep, std::int64_t maxsplit);
std::vector<std::string> py_rsplit(std::string_view s, const std::optional<std::string>& sep, std::int64_t maxsplit);
std::vector<std::string> py_splitlines(std::string_view s, bool keepends);
std::string py_upper(std::string_view s);
std::string py_lower(std::string_view s);
std::string py_title(std::string_view s);       // str.title()
std::string py_capitalize(std::string_view s);  // str.capitalize()
std::string py_replace(std::string_view s, std::string_view old, std::string_view replacement, std::int64_t count);
std::int64_t py_count(std::string_view s, std::string_view sub);

// repr(str): quotes and escapes like Python.
std::string py_repr_string(std::string_view s);
// repr(float): the shortest digits that round-trip, Python's layout
// (1.0, 0.1, 1e-05, 1e+16, inf, nan).
std::string py_repr_float(double f);
// markupsafe.escape
std::string html_escape(std::string_view s);

}  // namespace servir::jinja
