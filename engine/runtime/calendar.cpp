#include "engine/runtime/calendar.h"

#include <date/date.h>

#include <algorithm>
#include <limits>
#include <optional>
#include <utility>

#include "engine/model/value.h"

namespace docket::engine {
namespace {

constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kEarliest = -62135596800;  // 0001-01-01T00:00:00Z
constexpr std::int64_t kLatest = 253402300799;    // 9999-12-31T23:59:59Z
constexpr std::int64_t kUnbounded = std::numeric_limits<std::int64_t>::max();
// The last local date that can hold a working day: 9999-12-31 UTC is
// already 10000-01-01 east of Greenwich.
constexpr std::int64_t kLastDay = kLatest / kDay + 1;

constexpr const char* kWeekdayNames[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

std::int64_t clamp_instant(std::int64_t instant) { return std::clamp(instant, kEarliest, kLatest); }

// 1970-01-01 was a Thursday; 0 is Monday.
int weekday_of(std::int64_t day) { return static_cast<int>(day - floor_div(day + 3, 7) * 7 + 3); }

std::optional<std::int64_t> day_number(const CivilDate& date) {
  date::year_month_day ymd{date::year{date.year}, date::month{static_cast<unsigned>(date.month)},
                           date::day{static_cast<unsigned>(date.day)}};
  if (date.month < 1 || date.month > 12 || date.day < 1 || date.day > 31 || !ymd.ok()) {
    return std::nullopt;
  }
  return date::sys_days{ymd}.time_since_epoch().count();
}

std::string two_digits(std::int64_t n) {
  return std::string(1, static_cast<char>('0' + n / 10)) + static_cast<char>('0' + n % 10);
}

std::string date_text(std::int64_t day) {
  date::year_month_day ymd{date::sys_days{date::days{day}}};
  std::string year = std::to_string(static_cast<int>(ymd.year()));
  if (year.size() < 4) year.insert(0, 4 - year.size(), '0');
  return year + "-" + two_digits(static_cast<unsigned>(ymd.month())) + "-" +
         two_digits(static_cast<unsigned>(ymd.day()));
}

std::string civil_text(const CivilDate& date) {
  return std::to_string(date.year) + "-" + two_digits(date.month % 100) + "-" + two_digits(date.day % 100);
}

// "09:30", or "09:30:15" when the seconds are not zero.
std::string clock_text(std::int64_t second_of_day) {
  std::string text = two_digits(second_of_day / 3600) + ":" + two_digits(second_of_day / 60 % 60);
  if (second_of_day % 60 != 0) text += ":" + two_digits(second_of_day % 60);
  return text;
}

// "Mon 2026-11-23 17:30" for a local (or UTC) second count.
std::string full_text(std::int64_t local) {
  std::int64_t day = floor_div(local, kDay);
  return std::string(kWeekdayNames[weekday_of(day)]) + " " + date_text(day) + " " + clock_text(local - day * kDay);
}

// "4 business hours", "1 business hour", "1h30m of business time".
std::string amount_text(std::int64_t seconds) {
  if (seconds % 3600 == 0) {
    std::int64_t hours = seconds / 3600;
    return std::to_string(hours) + (hours == 1 ? " business hour" : " business hours");
  }
  return format_duration(seconds, LargestUnit::kHour) + " of business time";
}

// Where an explanation starts: "Fri 2026-09-25 10:00 (Asia/Shanghai)", or
// "received_at (Fri 2026-09-25 10:00 Asia/Shanghai)" when it is named.
std::string start_text(std::string_view name, const std::string& local, std::string_view zone) {
  if (name.empty()) return local + " (" + std::string(zone) + ")";
  return std::string(name) + " (" + local + " " + std::string(zone) + ")";
}

std::string plural(std::int64_t count, const char* singular, const char* plural_form) {
  return std::to_string(count) + " " + (count == 1 ? singular : plural_form);
}

std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) {
    return b > 0 ? std::numeric_limits<std::int64_t>::max() : std::numeric_limits<std::int64_t>::min();
  }
  return sum;
}

}  // namespace

// ---------------------------------------------------------------- walking

struct BusinessCalendar::Piece {
  std::int64_t local_start = 0;
  std::int64_t local_end = 0;
  std::int64_t offset = 0;  // local - UTC, constant over the piece
  std::int64_t start_day() const { return floor_div(local_start, kDay); }
  std::int64_t end_day() const { return floor_div(local_end - 1, kDay); }  // last day touched
};

struct BusinessCalendar::WalkResult {
  std::int64_t consumed = 0;  // working seconds walked over
  std::int64_t position = 0;  // where the walk stopped
  bool finished = false;      // the budget was used up at `position`
};

// Collects the working stretches of a walk for explain_add(), grouped by the
// local day they start on. Memory stays bounded for any duration: once the
// work covers more than three days, the days between the first and the
// latest are folded into counts.
class BusinessCalendar::Recorder {
 public:
  void piece(std::int64_t local_start, std::int64_t local_end, std::int64_t offset) {
    if (!days_.empty()) {
      Piece& last = days_.back().back();
      if (last.local_end == local_start && last.offset == offset) {
        last.local_end = local_end;
        return;
      }
    }
    Piece next{local_start, local_end, offset};
    if (days_.empty() || days_.back().front().start_day() != next.start_day()) {
      days_.emplace_back();
    }
    days_.back().push_back(next);
    if (folded_any_ || days_.size() > 3) {
      while (days_.size() > 2) {
        fold(days_[1]);
        days_.erase(days_.begin() + 1);
      }
    }
  }

  const std::vector<std::vector<Piece>>& days() const { return days_; }
  bool folded_any() const { return folded_any_; }
  std::int64_t folded_first_day() const { return folded_first_day_; }
  std::int64_t folded_last_day() const { return folded_last_day_; }
  std::int64_t folded_working_days() const { return folded_working_days_; }

 private:
  void fold(const std::vector<Piece>& day) {
    for (const Piece& piece : day) {
      std::int64_t first = piece.start_day();
      std::int64_t last = piece.end_day();
      if (!folded_any_) {
        folded_first_day_ = first;
        counted_through_ = first - 1;
        folded_any_ = true;
      }
      std::int64_t from = std::max(first, counted_through_ + 1);
      if (last >= from) folded_working_days_ += last - from + 1;
      counted_through_ = std::max(counted_through_, last);
      folded_last_day_ = std::max(folded_last_day_, last);
    }
  }

  std::vector<std::vector<Piece>> days_;
  bool folded_any_ = false;
  std::int64_t folded_first_day_ = 0;
  std::int64_t folded_last_day_ = std::numeric_limits<std::int64_t>::min();
  std::int64_t folded_working_days_ = 0;
  std::int64_t counted_through_ = 0;
};

const BusinessCalendar::Override* BusinessCalendar::find_override(std::int64_t local_day) const {
  auto after = std::upper_bound(overrides_.begin(), overrides_.end(), local_day,
                                [](std::int64_t day, const Override& o) { return day < o.first_day; });
  if (after == overrides_.begin()) return nullptr;
  const Override& candidate = *(after - 1);
  return candidate.last_day >= local_day ? &candidate : nullptr;
}

BusinessCalendar::DayKind BusinessCalendar::kind_of(std::int64_t local_day) const {
  const Override* special = find_override(local_day);
  return special == nullptr ? DayKind::kNormal : special->kind;
}

std::span<const BusinessCalendar::Span> BusinessCalendar::spans_of(std::int64_t local_day,
                                                                   const Override* special) const {
  const std::vector<Span>& own = weekly_[weekday_of(local_day)];
  if (special == nullptr) return own;
  switch (special->kind) {
    case DayKind::kHoliday:
      return {};
    case DayKind::kDated:
      return dated_hours_[special->hours];
    case DayKind::kMakeup:
      return own.empty() ? makeup_hours_ : own;
    case DayKind::kNormal:
      return own;
  }
  return own;
}

std::int64_t BusinessCalendar::local_of(std::int64_t instant) const { return instant + zone_->at(instant).offset; }

// Walks local time [low, high), over which the zone's offset is constant,
// consuming up to `budget` (> 0) working seconds.
BusinessCalendar::WalkResult BusinessCalendar::walk_local(std::int64_t low, std::int64_t high, std::int64_t budget,
                                                          std::int64_t offset, Recorder* recorder) const {
  WalkResult result;
  std::int64_t x = low;
  auto next_override = std::lower_bound(overrides_.begin(), overrides_.end(), floor_div(x, kDay),
                                        [](const Override& o, std::int64_t day) { return o.last_day < day; });
  while (x < high) {
    std::int64_t day = floor_div(x, kDay);
    while (next_override != overrides_.end() && next_override->last_day < day) ++next_override;
    const Override* special =
        next_override != overrides_.end() && next_override->first_day <= day ? &*next_override : nullptr;
    if (special != nullptr && special->kind == DayKind::kHoliday) {
      x = std::min(high, (next_override->last_day + 1) * kDay);
      continue;
    }
    std::int64_t day_start = day * kDay;
    if (special == nullptr && x == day_start && recorder == nullptr) {
      // Whole ordinary weeks before the next special date and before `high`,
      // keeping some budget for the day walk to place the end exactly.
      std::int64_t boundary = floor_div(high, kDay);
      if (next_override != overrides_.end()) boundary = std::min(boundary, next_override->first_day);
      std::int64_t weeks = std::min((boundary - day) / 7, (budget - result.consumed - 1) / week_seconds_);
      if (weeks > 0) {
        x += weeks * 7 * kDay;
        result.consumed += weeks * week_seconds_;
        continue;
      }
    }
    for (const Span& span : spans_of(day, special)) {
      std::int64_t from = std::max(x, day_start + span.start);
      std::int64_t to = std::min(high, day_start + span.end);
      if (from >= to) continue;
      std::int64_t left = budget - result.consumed;
      if (to - from >= left) {
        if (recorder != nullptr) recorder->piece(from, from + left, offset);
        result.consumed = budget;
        result.position = from + left;
        result.finished = true;
        return result;
      }
      if (recorder != nullptr) recorder->piece(from, to, offset);
      result.consumed += to - from;
    }
    x = std::min(high, day_start + kDay);
  }
  result.position = high;
  return result;
}

// Walks UTC [start, stop) one stretch of constant offset at a time.
BusinessCalendar::WalkResult BusinessCalendar::walk(std::int64_t start, std::int64_t stop, std::int64_t budget,
                                                    Recorder* recorder) const {
  WalkResult total;
  total.position = start;
  if (budget <= 0) {
    total.finished = true;
    return total;
  }
  std::int64_t t = start;
  while (t < stop) {
    ZoneOffset zone = zone_->at(t);
    std::int64_t offset = zone.offset;
    std::int64_t stretch_end = std::min(stop, zone.until);
    if (stretch_end <= t) break;  // the database ended; cannot happen within kLatest
    WalkResult part = walk_local(t + offset, stretch_end + offset, budget - total.consumed, offset, recorder);
    total.consumed += part.consumed;
    if (part.finished) {
      total.position = part.position - offset;
      total.finished = true;
      return total;
    }
    t = stretch_end;
  }
  total.position = t;
  return total;
}

// ---------------------------------------------------------------- build

BusinessCalendar::BuildResult BusinessCalendar::build(const Calendar& declared) {
  BuildResult result;
  std::string prefix = "calendar " + declared.name + ": ";
  BusinessCalendar calendar;
  calendar.name_ = declared.name;
  calendar.zone_name_ = declared.zone.empty() ? "UTC" : declared.zone;
  ZoneRules::LoadResult zone = ZoneRules::load(calendar.zone_name_);
  if (!zone.rules) {
    result.error = prefix + "unknown time zone \"" + calendar.zone_name_ + "\" (" + zone.error + ")";
    return result;
  }
  calendar.zone_ = std::move(zone.rules);

  // Sorted and merged; false (with `bad` set to the offending span) when a
  // span does not run forwards within the day.
  auto to_spans = [](const std::vector<MinuteSpan>& declared_spans, std::vector<Span>& merged, MinuteSpan& bad) {
    std::vector<Span> spans;
    for (const MinuteSpan& span : declared_spans) {
      if (span.start_minute < 0 || span.end_minute > 1440 || span.start_minute >= span.end_minute) {
        bad = span;
        return false;
      }
      spans.push_back({span.start_minute * 60, span.end_minute * 60});
    }
    std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.start < b.start; });
    for (const Span& span : spans) {
      if (!merged.empty() && span.start <= merged.back().end) {
        merged.back().end = std::max(merged.back().end, span.end);
      } else {
        merged.push_back(span);
      }
    }
    return true;
  };
  auto minutes_text = [](const MinuteSpan& span) {
    return " (minutes " + std::to_string(span.start_minute) + "-" + std::to_string(span.end_minute) +
           ") must run forwards within 00:00-24:00";
  };

  for (int weekday = 0; weekday < 7; ++weekday) {
    MinuteSpan bad;
    if (!to_spans(declared.weekly[weekday], calendar.weekly_[weekday], bad)) {
      result.error = prefix + "working hours on " + kWeekdayNames[weekday] + minutes_text(bad);
      return result;
    }
    for (const Span& span : calendar.weekly_[weekday]) calendar.week_seconds_ += span.end - span.start;
    if (!calendar.weekly_[weekday].empty()) ++calendar.week_workdays_;
  }
  if (calendar.week_seconds_ == 0) {
    result.error = prefix + "no working hours on any day of the week";
    return result;
  }
  // Monday..Friday come first, so this is the first weekday with hours, or
  // failing that the first weekend day with hours.
  for (const std::vector<Span>& hours : calendar.weekly_) {
    if (!hours.empty()) {
      calendar.makeup_hours_ = hours;
      break;
    }
  }

  // Special dates as sorted, disjoint day ranges, laid in order of
  // precedence, each only on the dates those before left free: holidays,
  // then hours of particular dates, then make-up workdays. Within one kind
  // the range listed first wins.
  std::vector<Override> laid;
  auto lay = [&](const DateRange& range, const char* what, DayKind kind, std::uint32_t hours) -> bool {
    std::optional<std::int64_t> first = day_number(range.first);
    std::optional<std::int64_t> last = day_number(range.last);
    if (!first || !last) {
      result.error = prefix + "impossible " + what + " date " + civil_text(first ? range.last : range.first);
      return false;
    }
    if (*last < *first) {
      result.error = prefix + "reversed " + what + " range " + civil_text(range.first) + ".." + civil_text(range.last);
      return false;
    }
    std::uint32_t notice = kNoNotice;
    if (!range.notice.empty()) {
      auto known = std::find(calendar.notices_.begin(), calendar.notices_.end(), range.notice);
      notice = static_cast<std::uint32_t>(known - calendar.notices_.begin());
      if (known == calendar.notices_.end()) calendar.notices_.push_back(range.notice);
    }
    std::vector<Override> free;
    std::int64_t from = *first;
    auto taken = std::lower_bound(laid.begin(), laid.end(), from,
                                  [](const Override& o, std::int64_t day) { return o.last_day < day; });
    for (; taken != laid.end() && taken->first_day <= *last; ++taken) {
      if (taken->first_day > from) free.push_back({from, taken->first_day - 1, kind, notice, hours});
      from = std::max(from, taken->last_day + 1);
    }
    if (from <= *last) free.push_back({from, *last, kind, notice, hours});
    for (const Override& o : free) {
      laid.insert(std::upper_bound(laid.begin(), laid.end(), o,
                                   [](const Override& a, const Override& b) { return a.first_day < b.first_day; }),
                  o);
    }
    return true;
  };
  for (const DateRange& range : declared.holidays) {
    if (!lay(range, "holiday", DayKind::kHoliday, 0)) return result;
  }
  for (const DatedHours& dated : declared.dated_hours) {
    std::vector<Span> spans;
    MinuteSpan bad;
    if (!to_spans(dated.spans, spans, bad)) {
      result.error = prefix + "hours of " + civil_text(dated.dates.first) + minutes_text(bad);
      return result;
    }
    calendar.dated_hours_.push_back(std::move(spans));
    if (!lay(dated.dates, "dated hours", DayKind::kDated,
             static_cast<std::uint32_t>(calendar.dated_hours_.size() - 1))) {
      return result;
    }
  }
  for (const DateRange& range : declared.workdays) {
    if (!lay(range, "workday", DayKind::kMakeup, 0)) return result;
  }
  // Adjacent ranges of the same kind and origin read as one (in explanations).
  for (const Override& o : laid) {
    if (!calendar.overrides_.empty()) {
      Override& previous = calendar.overrides_.back();
      if (previous.last_day + 1 == o.first_day && previous.kind == o.kind && previous.notice == o.notice &&
          previous.hours == o.hours) {
        previous.last_day = o.last_day;
        continue;
      }
    }
    calendar.overrides_.push_back(o);
  }

  result.calendar = std::move(calendar);
  return result;
}

// ---------------------------------------------------------------- queries

bool BusinessCalendar::is_working_time(std::int64_t instant) const {
  instant = clamp_instant(instant);
  std::int64_t local = local_of(instant);
  std::int64_t day = floor_div(local, kDay);
  std::int64_t second = local - day * kDay;
  for (const Span& span : spans_of(day, find_override(day))) {
    if (second >= span.start && second < span.end) return true;
  }
  return false;
}

std::int64_t BusinessCalendar::add_business(std::int64_t start, std::int64_t seconds) const {
  start = clamp_instant(start);
  if (seconds <= 0) return start;
  WalkResult result = walk(start, kLatest, seconds, nullptr);
  return result.finished ? result.position : kLatest;
}

std::int64_t BusinessCalendar::business_seconds_between(std::int64_t from, std::int64_t to) const {
  from = clamp_instant(from);
  to = clamp_instant(to);
  if (to < from) return -business_seconds_between(to, from);
  return walk(from, to, kUnbounded, nullptr).consumed;
}

// ---------------------------------------------------------------- working days

std::optional<std::int64_t> BusinessCalendar::nth_working_day(std::int64_t after_day, std::int64_t n) const {
  std::int64_t day = after_day + 1;
  std::int64_t left = n;
  auto next = std::lower_bound(overrides_.begin(), overrides_.end(), day,
                               [](const Override& o, std::int64_t d) { return o.last_day < d; });
  while (day <= kLastDay) {
    while (next != overrides_.end() && next->last_day < day) ++next;
    if (next != overrides_.end() && next->first_day <= day) {
      if (next->kind == DayKind::kHoliday) {
        day = next->last_day + 1;
        continue;
      }
      if (!spans_of(day, &*next).empty() && --left == 0) return day;
      ++day;
      continue;
    }
    // Whole ordinary weeks before the next special date, keeping the last
    // working day for the day step to find.
    std::int64_t boundary = next != overrides_.end() ? std::min(next->first_day, kLastDay + 1) : kLastDay + 1;
    std::int64_t weeks = std::min((boundary - day) / 7, (left - 1) / week_workdays_);
    if (weeks > 0) {
      day += weeks * 7;
      left -= weeks * week_workdays_;
      continue;
    }
    if (!weekly_[weekday_of(day)].empty() && --left == 0) return day;
    ++day;
  }
  return std::nullopt;
}

std::int64_t BusinessCalendar::close_of_business(std::int64_t local_day) const {
  std::span<const Span> spans = spans_of(local_day, find_override(local_day));
  std::int64_t midnight = local_day * kDay;
  std::int64_t closing = midnight + spans.back().end;
  // The end of the day's last working stretch as walk() meets it: the later
  // one when a clock change repeats the closing time. Offsets stay within a
  // day of UTC, so three days of UTC cover the local day.
  std::optional<std::int64_t> close;
  for (std::int64_t t = midnight - kDay, stop = midnight + 2 * kDay; t < stop;) {
    ZoneOffset zone = zone_->at(t);
    std::int64_t end = std::min(stop, zone.until);
    if (end <= t) break;
    for (const Span& span : spans) {
      std::int64_t from = std::max(t + zone.offset, midnight + span.start);
      std::int64_t to = std::min(end + zone.offset, midnight + span.end);
      if (from < to) close = std::max(close.value_or(kEarliest), to - zone.offset);
    }
    t = end;
  }
  // A day whose hours a spring-forward skips entirely closes when the clock
  // jumps past them.
  return close ? *close : zone_->first_showing(closing);
}

std::int64_t BusinessCalendar::add_workdays(std::int64_t start, std::int64_t days) const {
  start = clamp_instant(start);
  if (days <= 0) return start;
  std::optional<std::int64_t> day = nth_working_day(floor_div(local_of(start), kDay), days);
  if (!day) return kLatest;
  return std::clamp(close_of_business(*day), start, kLatest);
}

std::string BusinessCalendar::explain_add_workdays(std::int64_t start, std::int64_t days,
                                                   const ExplainLabels& labels) const {
  start = clamp_instant(start);
  days = std::max<std::int64_t>(days, 0);
  std::int64_t due = add_workdays(start, days);
  std::int64_t local_start = local_of(start);
  std::string line = plural(days, "working day", "working days") + " from " +
                     start_text(labels.start, full_text(local_start), zone_name_);
  if (days == 0) return line + ": due " + full_text(local_start);
  line += ", the day itself not counted: ";

  auto day_name = [](std::int64_t day) { return std::string(kWeekdayNames[weekday_of(day)]) + " " + date_text(day); };
  std::int64_t start_day = floor_div(local_start, kDay);
  std::optional<std::int64_t> first = nth_working_day(start_day, 1);
  std::optional<std::int64_t> last = nth_working_day(start_day, days);
  if (!first) {
    line += "no working day before 9999-12-31; ";
  } else if (!last) {
    line += "counting " + day_name(*first) + " on, past 9999-12-31; ";
  } else {
    line += "counting " + day_name(*first) + (days > 1 ? ".." + day_name(*last) : "") + "; ";
  }

  // The special dates of the stretch, each range with the notice it came from.
  constexpr std::size_t kMaxNamed = 8;
  struct Section {
    const char* one;
    const char* many;
    std::vector<std::string> items;
    std::int64_t days = 0;
    std::int64_t more = 0;
  };
  Section holidays{"holiday", "holidays", {}};
  Section makeup{"make-up working day", "make-up working days", {}};
  Section dated{"special hours", "special hours", {}};
  std::int64_t through = last ? *last : kLastDay;
  auto o = std::lower_bound(overrides_.begin(), overrides_.end(), start_day,
                            [](const Override& x, std::int64_t d) { return x.last_day < d; });
  for (; o != overrides_.end() && o->first_day <= through; ++o) {
    Section& section = o->kind == DayKind::kHoliday ? holidays : o->kind == DayKind::kMakeup ? makeup : dated;
    section.days += o->last_day - o->first_day + 1;
    if (section.items.size() == kMaxNamed) {
      ++section.more;
      continue;
    }
    std::string item = day_name(o->first_day);
    if (o->last_day != o->first_day) item += ".." + day_name(o->last_day);
    if (o->kind == DayKind::kDated) {
      const std::vector<Span>& spans = dated_hours_[o->hours];
      if (spans.empty()) item += " closed";
      for (const Span& span : spans) {
        item += " " + clock_text(span.start) + "-" + (span.end == kDay ? std::string("24:00") : clock_text(span.end));
      }
    }
    if (o->notice != kNoNotice) item += " (" + notices_[o->notice] + ")";
    section.items.push_back(std::move(item));
  }
  for (const Section* section : {&holidays, &makeup, &dated}) {
    if (section->items.empty()) continue;
    line += section->days == 1 ? section->one : section->many;
    for (std::size_t i = 0; i < section->items.size(); ++i) line += (i == 0 ? " " : ", ") + section->items[i];
    if (section->more > 0) line += ", and " + std::to_string(section->more) + " more";
    line += "; ";
  }

  std::int64_t local_due = local_of(due);
  if (last && local_due == (*last + 1) * kDay) return line + "due " + day_name(*last) + " 24:00";
  return line + "due " + full_text(local_due);
}

// ---------------------------------------------------------------- explaining

std::string BusinessCalendar::explain_add(std::int64_t start, std::int64_t seconds, const ExplainLabels& labels) const {
  start = clamp_instant(start);
  seconds = std::max<std::int64_t>(seconds, 0);
  Recorder recorder;
  WalkResult walked = walk(start, kLatest, seconds, &recorder);
  std::int64_t due = walked.finished ? walked.position : kLatest;

  std::int64_t local_start = local_of(start);
  std::int64_t start_day = floor_div(local_start, kDay);

  // A day named by its weekday, with the date once a week or more away.
  auto day_text = [&](std::int64_t day) {
    std::string text = kWeekdayNames[weekday_of(day)];
    if (day - start_day >= 7 || day < start_day) text += " " + date_text(day);
    return text;
  };
  auto time_of = [](std::int64_t local) { return clock_text(local - floor_div(local, kDay) * kDay); };
  // The end of a piece: midnight reads as 24:00 of the day it ends.
  auto end_time_of = [](std::int64_t local) {
    std::int64_t second = local - floor_div(local, kDay) * kDay;
    return second == 0 ? std::string("24:00") : clock_text(second);
  };
  auto count_days = [&](std::int64_t first, std::int64_t last, DayKind kind) {
    std::int64_t count = 0;
    for (const Override& o : overrides_) {
      if (o.kind != kind) continue;
      std::int64_t from = std::max(first, o.first_day);
      std::int64_t to = std::min(last, o.last_day);
      if (to >= from) count += to - from + 1;
    }
    return count;
  };
  // The notices special dates of `kind` in [first, last] came from: ", cn_2026".
  auto notices_of = [&](std::int64_t first, std::int64_t last, DayKind kind) {
    std::vector<std::uint32_t> seen;
    std::string text;
    for (const Override& o : overrides_) {
      if (o.kind != kind || o.last_day < first || o.first_day > last || o.notice == kNoNotice) continue;
      if (std::find(seen.begin(), seen.end(), o.notice) != seen.end()) continue;
      seen.push_back(o.notice);
      text += ", " + notices_[o.notice];
    }
    return text;
  };
  auto holiday_note = [&](std::int64_t first, std::int64_t last) -> std::string {
    std::int64_t holidays = count_days(first, last, DayKind::kHoliday);
    if (holidays == 0) return "";
    return (holidays == 1 ? " (holiday" : " (holidays") + notices_of(first, last, DayKind::kHoliday) + ")";
  };

  std::vector<std::string> parts;
  const Piece* first_piece = nullptr;
  const Piece* last_piece = nullptr;
  for (const auto& day : recorder.days()) {
    if (first_piece == nullptr) first_piece = &day.front();
    last_piece = &day.back();
  }

  auto describe_piece = [&](const Piece& piece) {
    bool at_start = &piece == first_piece && piece.local_start - piece.offset == start;
    bool at_due = &piece == last_piece && walked.finished;
    if (at_start && at_due) return std::string("open throughout");
    std::string text = format_duration(piece.local_end - piece.local_start, LargestUnit::kHour);
    std::int64_t first_day = piece.start_day();
    std::int64_t last_day = piece.end_day();
    if (first_day == last_day) {
      text += " on " + day_text(first_day);
      DayKind kind = kind_of(first_day);
      if (kind == DayKind::kMakeup) text += " (make-up workday" + notices_of(first_day, first_day, kind) + ")";
      if (kind == DayKind::kDated) text += " (special hours" + notices_of(first_day, first_day, kind) + ")";
      if (at_start) return text + " until " + end_time_of(piece.local_end);
      if (at_due) return text + " from " + time_of(piece.local_start);
      return text + " " + time_of(piece.local_start) + "-" + end_time_of(piece.local_end);
    }
    if (!at_start) text += " from " + day_text(first_day) + " " + time_of(piece.local_start);
    if (!at_due) text += " until " + day_text(last_day) + " " + end_time_of(piece.local_end);
    return text;
  };
  auto describe_gap = [&](const Piece& before, const Piece& after) {
    if (before.local_end - before.offset == after.local_start - after.offset) {  // DST change
      return std::string(after.offset > before.offset ? "clocks go forward " : "clocks go back ") +
             time_of(before.local_end) + "->" + time_of(after.local_start);
    }
    std::int64_t from_day = floor_div(before.local_end, kDay);
    std::int64_t to_day = after.start_day();
    std::string text = "closed ";
    if (to_day - from_day <= 1) {  // lunch or overnight: the pieces around name the days
      text += time_of(before.local_end) + "-" + time_of(after.local_start);
    } else {
      text += day_text(from_day) + " " + time_of(before.local_end) + "-" + day_text(to_day) + " " +
              time_of(after.local_start);
    }
    return text + holiday_note(from_day, to_day);
  };
  auto describe_day = [&](const std::vector<Piece>& day, const Piece* previous) {
    for (const Piece& piece : day) {
      if (previous != nullptr) parts.push_back(describe_gap(*previous, piece));
      parts.push_back(describe_piece(piece));
      previous = &piece;
    }
  };

  if (first_piece != nullptr && first_piece->local_start - first_piece->offset > start) {
    std::int64_t open_day = first_piece->start_day();
    std::string text = "closed until ";
    if (open_day != start_day) text += day_text(open_day) + " ";
    parts.push_back(text + time_of(first_piece->local_start) + holiday_note(start_day, open_day));
  }
  const auto& days = recorder.days();
  if (!recorder.folded_any()) {
    const Piece* previous = nullptr;
    for (const auto& day : days) {
      describe_day(day, previous);
      previous = &day.back();
    }
  } else {
    describe_day(days.front(), nullptr);
    std::int64_t working = recorder.folded_working_days();
    std::string text = plural(working, "full working day", "full working days") + " " +
                       day_text(recorder.folded_first_day()) + ".." + day_text(recorder.folded_last_day());
    std::int64_t makeup = count_days(recorder.folded_first_day(), recorder.folded_last_day(), DayKind::kMakeup);
    if (makeup > 0) {
      std::string notices = notices_of(recorder.folded_first_day(), recorder.folded_last_day(), DayKind::kMakeup);
      text += " incl. " + plural(makeup, "make-up workday", "make-up workdays");
      if (!notices.empty()) text += " (" + notices.substr(2) + ")";
    }
    std::int64_t between_first = days.front().back().end_day() + 1;
    std::int64_t between_last = days.back().front().start_day() - 1;
    std::int64_t closed = std::max<std::int64_t>(0, between_last - between_first + 1 - working);
    if (closed > 0) {
      text += ", " + plural(closed, "closed day", "closed days");
      std::int64_t holidays = count_days(between_first, between_last, DayKind::kHoliday);
      if (holidays > 0) {
        std::string notices = notices_of(between_first, between_last, DayKind::kHoliday);
        text += " incl. " + plural(holidays, "holiday", "holidays");
        if (!notices.empty()) text += " (" + notices.substr(2) + ")";
      }
    }
    parts.push_back(text);
    describe_day(days.back(), nullptr);
  }

  std::string amount =
      labels.amount.empty() ? amount_text(seconds) : std::string(labels.amount) + " (" + amount_text(seconds) + ")";
  std::string line = amount + " from " + start_text(labels.start, full_text(local_start), zone_name_) + ": ";
  for (const std::string& part : parts) line += part + "; ";
  return line + "due " + full_text(local_of(due));
}

// ---------------------------------------------------------------- TimeBasis

bool TimeBasis::is_working_time(std::int64_t instant) const {
  return calendar_ == nullptr || calendar_->is_working_time(instant);
}

std::int64_t TimeBasis::add(std::int64_t start, std::int64_t seconds) const {
  if (calendar_ != nullptr) return calendar_->add_business(start, seconds);
  return saturating_add(start, std::max<std::int64_t>(seconds, 0));
}

std::int64_t TimeBasis::seconds_between(std::int64_t from, std::int64_t to) const {
  if (calendar_ != nullptr) return calendar_->business_seconds_between(from, to);
  std::int64_t difference = 0;
  if (__builtin_sub_overflow(to, from, &difference)) {
    return to > from ? std::numeric_limits<std::int64_t>::max() : std::numeric_limits<std::int64_t>::min();
  }
  return difference;
}

std::string TimeBasis::explain_add(std::int64_t start, std::int64_t seconds, const ExplainLabels& labels) const {
  if (calendar_ != nullptr) return calendar_->explain_add(start, seconds, labels);
  seconds = std::max<std::int64_t>(seconds, 0);
  std::string amount =
      labels.amount.empty() ? format_duration(seconds, LargestUnit::kHour) : std::string(labels.amount);
  std::string_view zone = labels.zone != nullptr ? std::string_view(labels.zone->name()) : "UTC";
  auto local = [&labels](std::int64_t instant) {
    instant = clamp_instant(instant);
    return full_text(labels.zone != nullptr ? saturating_add(instant, labels.zone->at(instant).offset) : instant);
  };
  std::string from =
      labels.start.empty() ? local(start) + " " + std::string(zone) : start_text(labels.start, local(start), zone);
  return amount + " from " + from + ": due " + local(add(start, seconds)) + " " + std::string(zone);
}

// ---------------------------------------------------------------- CalendarSet

CalendarSet::BuildResult CalendarSet::build(std::span<const Calendar> calendars) {
  BuildResult result;
  CalendarSet set;
  set.calendars_.reserve(calendars.size());
  for (const Calendar& declared : calendars) {
    BusinessCalendar::BuildResult built = BusinessCalendar::build(declared);
    if (!built.calendar) {
      result.error = std::move(built.error);
      return result;
    }
    set.calendars_.push_back(std::move(*built.calendar));
  }
  result.set = std::move(set);
  return result;
}

const BusinessCalendar* CalendarSet::find(CalendarIndex index) const {
  return index < calendars_.size() ? &calendars_[index] : nullptr;
}

}  // namespace docket::engine
