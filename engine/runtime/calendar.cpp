#include "engine/runtime/calendar.h"

#include <date/tz.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <limits>
#include <utility>

#include "engine/model/value.h"

namespace docket::engine {
namespace {

constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kEarliest = -62135596800;  // 0001-01-01T00:00:00Z
constexpr std::int64_t kLatest = 253402300799;    // 9999-12-31T23:59:59Z
constexpr std::int64_t kUnbounded = std::numeric_limits<std::int64_t>::max();

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
  return format_duration(seconds, false) + " of business time";
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

BusinessCalendar::DayKind BusinessCalendar::kind_of(std::int64_t local_day) const {
  auto after = std::upper_bound(overrides_.begin(), overrides_.end(), local_day,
                                [](std::int64_t day, const Override& o) { return day < o.first_day; });
  if (after == overrides_.begin()) return DayKind::kNormal;
  const Override& candidate = *(after - 1);
  return candidate.last_day >= local_day ? candidate.kind : DayKind::kNormal;
}

std::span<const BusinessCalendar::Span> BusinessCalendar::spans_of(std::int64_t local_day, DayKind kind) const {
  const std::vector<Span>& own = weekly_[weekday_of(local_day)];
  switch (kind) {
    case DayKind::kHoliday:
      return {};
    case DayKind::kMakeup:
      return own.empty() ? makeup_hours_ : own;
    case DayKind::kNormal:
      return own;
  }
  return own;
}

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
    DayKind kind =
        next_override != overrides_.end() && next_override->first_day <= day ? next_override->kind : DayKind::kNormal;
    if (kind == DayKind::kHoliday) {
      x = std::min(high, (next_override->last_day + 1) * kDay);
      continue;
    }
    std::int64_t day_start = day * kDay;
    if (kind == DayKind::kNormal && x == day_start && recorder == nullptr) {
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
    for (const Span& span : spans_of(day, kind)) {
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
    date::sys_info info = zone_->get_info(date::sys_seconds{std::chrono::seconds{t}});
    std::int64_t offset = info.offset.count();
    std::int64_t stretch_end = std::min(stop, static_cast<std::int64_t>(info.end.time_since_epoch().count()));
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
  try {
    calendar.zone_ = date::locate_zone(calendar.zone_name_);
  } catch (const std::exception& e) {
    result.error = prefix + "unknown time zone \"" + calendar.zone_name_ + "\" (" + e.what() + ")";
    return result;
  }

  for (int weekday = 0; weekday < 7; ++weekday) {
    std::vector<Span> spans;
    for (const MinuteSpan& span : declared.weekly[weekday]) {
      if (span.start_minute < 0 || span.end_minute > 1440 || span.start_minute >= span.end_minute) {
        result.error = prefix + "working hours on " + kWeekdayNames[weekday] + " (minutes " +
                       std::to_string(span.start_minute) + "-" + std::to_string(span.end_minute) +
                       ") must run forwards within 00:00-24:00";
        return result;
      }
      spans.push_back({span.start_minute * 60, span.end_minute * 60});
    }
    std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.start < b.start; });
    std::vector<Span>& merged = calendar.weekly_[weekday];
    for (const Span& span : spans) {
      if (!merged.empty() && span.start <= merged.back().end) {
        merged.back().end = std::max(merged.back().end, span.end);
      } else {
        merged.push_back(span);
      }
    }
    for (const Span& span : merged) calendar.week_seconds_ += span.end - span.start;
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

  // Date ranges as merged, sorted day ranges; make-up days lose to holidays.
  auto to_days = [&](const std::vector<DateRange>& ranges, const char* what, std::vector<Override>& out) -> bool {
    for (const DateRange& range : ranges) {
      std::optional<std::int64_t> first = day_number(range.first);
      std::optional<std::int64_t> last = day_number(range.last);
      if (!first || !last) {
        result.error = prefix + "impossible " + what + " date " + civil_text(first ? range.last : range.first);
        return false;
      }
      if (*last < *first) {
        result.error =
            prefix + "reversed " + what + " range " + civil_text(range.first) + ".." + civil_text(range.last);
        return false;
      }
      out.push_back({*first, *last, DayKind::kNormal});
    }
    std::sort(out.begin(), out.end(), [](const Override& a, const Override& b) { return a.first_day < b.first_day; });
    std::vector<Override> merged;
    for (const Override& o : out) {
      if (!merged.empty() && o.first_day <= merged.back().last_day + 1) {
        merged.back().last_day = std::max(merged.back().last_day, o.last_day);
      } else {
        merged.push_back(o);
      }
    }
    out = std::move(merged);
    return true;
  };
  std::vector<Override> holidays;
  std::vector<Override> workdays;
  if (!to_days(declared.holidays, "holiday", holidays)) return result;
  if (!to_days(declared.workdays, "workday", workdays)) return result;
  for (Override& holiday : holidays) {
    holiday.kind = DayKind::kHoliday;
    calendar.overrides_.push_back(holiday);
  }
  for (const Override& workday : workdays) {
    std::int64_t from = workday.first_day;
    for (const Override& holiday : holidays) {
      if (holiday.last_day < from || holiday.first_day > workday.last_day) continue;
      if (holiday.first_day > from) {
        calendar.overrides_.push_back({from, holiday.first_day - 1, DayKind::kMakeup});
      }
      from = holiday.last_day + 1;
    }
    if (from <= workday.last_day) {
      calendar.overrides_.push_back({from, workday.last_day, DayKind::kMakeup});
    }
  }
  std::sort(calendar.overrides_.begin(), calendar.overrides_.end(),
            [](const Override& a, const Override& b) { return a.first_day < b.first_day; });

  result.calendar = std::move(calendar);
  return result;
}

// ---------------------------------------------------------------- queries

bool BusinessCalendar::is_working_time(std::int64_t instant) const {
  instant = clamp_instant(instant);
  std::int64_t local = instant + zone_->get_info(date::sys_seconds{std::chrono::seconds{instant}}).offset.count();
  std::int64_t day = floor_div(local, kDay);
  std::int64_t second = local - day * kDay;
  for (const Span& span : spans_of(day, kind_of(day))) {
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

// ---------------------------------------------------------------- explaining

std::string BusinessCalendar::explain_add(std::int64_t start, std::int64_t seconds) const {
  start = clamp_instant(start);
  seconds = std::max<std::int64_t>(seconds, 0);
  Recorder recorder;
  WalkResult walked = walk(start, kLatest, seconds, &recorder);
  std::int64_t due = walked.finished ? walked.position : kLatest;

  auto local_of = [&](std::int64_t instant) {
    return instant + zone_->get_info(date::sys_seconds{std::chrono::seconds{instant}}).offset.count();
  };
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
  auto holiday_note = [&](std::int64_t first, std::int64_t last) -> std::string {
    std::int64_t holidays = count_days(first, last, DayKind::kHoliday);
    if (holidays == 0) return "";
    return holidays == 1 ? " (holiday)" : " (holidays)";
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
    std::string text = format_duration(piece.local_end - piece.local_start, false);
    std::int64_t first_day = piece.start_day();
    std::int64_t last_day = piece.end_day();
    if (first_day == last_day) {
      text += " on " + day_text(first_day);
      if (kind_of(first_day) == DayKind::kMakeup) text += " (make-up workday)";
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
    if (makeup > 0) text += " incl. " + plural(makeup, "make-up workday", "make-up workdays");
    std::int64_t between_first = days.front().back().end_day() + 1;
    std::int64_t between_last = days.back().front().start_day() - 1;
    std::int64_t closed = std::max<std::int64_t>(0, between_last - between_first + 1 - working);
    if (closed > 0) {
      text += ", " + plural(closed, "closed day", "closed days");
      std::int64_t holidays = count_days(between_first, between_last, DayKind::kHoliday);
      if (holidays > 0) text += " incl. " + plural(holidays, "holiday", "holidays");
    }
    parts.push_back(text);
    describe_day(days.back(), nullptr);
  }

  std::string line = amount_text(seconds) + " from " + full_text(local_start) + " (" + zone_name_ + "): ";
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

std::string TimeBasis::explain_add(std::int64_t start, std::int64_t seconds) const {
  if (calendar_ != nullptr) return calendar_->explain_add(start, seconds);
  seconds = std::max<std::int64_t>(seconds, 0);
  return format_duration(seconds, false) + " from " + full_text(clamp_instant(start)) + " UTC: due " +
         full_text(clamp_instant(add(start, seconds))) + " UTC";
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
