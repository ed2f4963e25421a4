#include "features/musique.h"

#include <cctype>

namespace paddock {
namespace {

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }

std::optional<Discipline> discipline_of(char letter) {
  switch (letter) {
    case 'a': return Discipline::kAttele;
    case 'm': return Discipline::kMonte;
    case 'p': return Discipline::kPlat;
    case 'h': return Discipline::kHaies;
    case 's': return Discipline::kSteeple;
    case 'c': return Discipline::kCross;
    default: return std::nullopt;  // 'o' (generic obstacle) and unknown letters
  }
}

// Cursor over the text; every read checks the bounds.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}
  bool done() const { return pos_ >= text_.size(); }
  char peek(std::size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  void advance(std::size_t count = 1) { pos_ += count; }
  void skip_spaces() {
    while (!done() && is_space(peek())) advance();
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

// "(YY)" at the cursor: consumes it and returns the year.
std::optional<int> read_year_marker(Scanner& in) {
  if (in.peek() != '(' || !is_digit(in.peek(1)) || !is_digit(in.peek(2)) || in.peek(3) != ')') {
    return std::nullopt;
  }
  const int year = (in.peek(1) - '0') * 10 + (in.peek(2) - '0');
  in.advance(4);
  return year;
}

// A result at the cursor: consumes it and fills the run.
bool read_result(Scanner& in, MusiqueRun& run) {
  const char c = in.peek();
  if (is_digit(c)) {
    run.result = c == '0' ? MusiqueResult::kUnplaced : MusiqueResult::kPlace;
    run.place = c - '0';
    in.advance();
    return true;
  }
  switch (std::toupper(static_cast<unsigned char>(c))) {
    case 'D': run.result = MusiqueResult::kDisqualified; break;
    case 'T': run.result = MusiqueResult::kFell; break;
    case 'A': run.result = MusiqueResult::kPulledUp; break;
    case 'R': run.result = MusiqueResult::kDemoted; break;
    default: return false;
  }
  in.advance();
  // "Ret" is the long form of R. "Dpag" (disqualified at the post, at the gallop) qualifies a
  // D; the qualifier is consumed so that its letters are not read as disciplines.
  if (run.result == MusiqueResult::kDemoted && in.peek() == 'e' && in.peek(1) == 't') in.advance(2);
  if (run.result == MusiqueResult::kDisqualified && in.peek() == 'p' && in.peek(1) == 'a' &&
      in.peek(2) == 'g') {
    in.advance(3);
  }
  return true;
}

}  // namespace

Musique parse_musique(std::string_view text) {
  Musique musique;
  parse_musique(text, musique);
  return musique;
}

void parse_musique(std::string_view text, Musique& musique) {
  musique.runs.clear();
  musique.skipped_characters = 0;
  Scanner in(text);
  std::optional<int> year;
  int seasons_back = 0;
  while (true) {
    in.skip_spaces();
    if (in.done()) break;
    if (std::optional<int> marker = read_year_marker(in)) {
      year = marker;
      ++seasons_back;
      continue;
    }
    MusiqueRun run;
    if (!read_result(in, run)) {
      ++musique.skipped_characters;
      in.advance();
      continue;
    }
    // The discipline letter follows its result directly; after a space it would be a result.
    if (is_lower(in.peek())) {
      run.discipline_letter = in.peek();
      run.discipline = discipline_of(in.peek());
      in.advance();
    }
    run.year = year;
    run.seasons_back = seasons_back;
    musique.runs.push_back(run);
  }
}

}  // namespace paddock
