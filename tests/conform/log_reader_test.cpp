// Reading other systems' logs (conform/log_reader.h): CSV as RFC 4180 writes
// it, JSON lines, the line each row begins on, and the errors and limits a
// hostile or broken file meets, each message as the user reads it.

#include "conform/log_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/event_streams.h"

namespace docket::conform {
namespace {

using Cells = std::vector<std::optional<std::string>>;

// Every row a read gives, or the error it stops with (then `rows` holds
// those before it).
struct ReadAll {
  std::vector<Cells> rows;
  std::vector<std::uint64_t> lines;
  std::string error;
};

RowHandler collect_into(ReadAll& all) {
  return [&all](const LogRow& row) {
    EXPECT_EQ(row.index, all.rows.size());
    Cells cells;
    for (const std::optional<std::string_view>& cell : row.cells) {
      cells.push_back(cell ? std::optional<std::string>(*cell) : std::nullopt);
    }
    all.rows.push_back(std::move(cells));
    all.lines.push_back(row.line);
    return true;
  };
}

ReadAll read_csv(std::string_view text, const std::vector<std::string>& wanted, const LogLimits& limits = {}) {
  ReadAll all;
  engine::Status status = read_log_text(text, "log.csv", LogFormat::kCsv, wanted, collect_into(all), limits);
  all.error = status.error();
  return all;
}

ReadAll read_jsonl(std::string_view text, const std::vector<std::string>& wanted, const LogLimits& limits = {}) {
  ReadAll all;
  engine::Status status = read_log_text(text, "log.jsonl", LogFormat::kJsonLines, wanted, collect_into(all), limits);
  all.error = status.error();
  return all;
}

void write_file(const std::string& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// -------------------------------------------------------------------- CSV

TEST(LogReaderCsvTest, GivesTheWantedCellsInTheOrderAsked) {
  ReadAll all = read_csv("number,state,at\nINC1,New,2016-02-29\nINC1,Active,2016-03-01\n", {"at", "number"});
  ASSERT_EQ(all.error, "");
  EXPECT_EQ(all.rows, (std::vector<Cells>{{"2016-02-29", "INC1"}, {"2016-03-01", "INC1"}}));
  EXPECT_EQ(all.lines, (std::vector<std::uint64_t>{2, 3}));

  ReadAll twice = read_csv("number,state\nINC1,New\n", {"state", "number", "state"});
  EXPECT_EQ(twice.rows, (std::vector<Cells>{{"New", "INC1", "New"}}));
}

TEST(LogReaderCsvTest, QuotedCellsHoldCommasQuotesAndLineBreaks) {
  ReadAll all = read_csv(
      "number,note\n"
      "1,\"late, again\"\n"
      "2,\"he said \"\"call me\"\"\"\n"
      "3,\"first line\n"
      "second line\n"
      "\"\n"
      "4,plain\n",
      {"number", "note"});
  ASSERT_EQ(all.error, "");
  EXPECT_EQ(
      all.rows,
      (std::vector<Cells>{
          {"1", "late, again"}, {"2", "he said \"call me\""}, {"3", "first line\nsecond line\n"}, {"4", "plain"}}));
  // The third row spans lines 4 to 6; the fourth begins on line 7.
  EXPECT_EQ(all.lines, (std::vector<std::uint64_t>{2, 3, 4, 7}));
}

TEST(LogReaderCsvTest, ReadsCrlfLinesAndKeepsALineBreakInsideQuotes) {
  ReadAll all = read_csv("a,b\r\n1,2\r\n\"x\r\ny\",\"3\"\r\n5,\r\n", {"a", "b"});
  ASSERT_EQ(all.error, "");
  EXPECT_EQ(all.rows, (std::vector<Cells>{{"1", "2"}, {"x\r\ny", "3"}, {"5", ""}}));
  EXPECT_EQ(all.lines, (std::vector<std::uint64_t>{2, 3, 5}));
}

TEST(LogReaderCsvTest, SkipsAByteOrderMarkAndEmptyLines) {
  ReadAll all = read_csv("\xEF\xBB\xBFnumber,state\n\n1,New\r\n\r\n\n2,Active", {"number", "state"});
  ASSERT_EQ(all.error, "");
  EXPECT_EQ(all.rows, (std::vector<Cells>{{"1", "New"}, {"2", "Active"}}));
  EXPECT_EQ(all.lines, (std::vector<std::uint64_t>{3, 6}));
}

TEST(LogReaderCsvTest, KeepsSpacesAsPartOfTheCell) {
  ReadAll all = read_csv("a, b\n 1 ,\"2\"\n", {"a", " b"});
  ASSERT_EQ(all.error, "");
  EXPECT_EQ(all.rows, (std::vector<Cells>{{" 1 ", "2"}}));
}

TEST(LogReaderCsvTest, CellsAreUtf8Text) {
  ReadAll all = read_csv("状态,note\n处理中,café\n", {"状态", "note"});
  ASSERT_EQ(all.error, "");
  EXPECT_EQ(all.rows, (std::vector<Cells>{{"处理中", "café"}}));

  EXPECT_EQ(read_csv("a,b\n1,2\n3,caf\xE9\n", {"a"}).error, "log.csv:3: not UTF-8 text");
  EXPECT_EQ(read_csv("a,b\n\"x\ny\",\xC0\xAF\n", {"a"}).error, "log.csv:2: not UTF-8 text");  // an overlong '/'
  EXPECT_EQ(read_csv("a,\xFF\n", {"a"}).error, "log.csv:1: not UTF-8 text");
}

TEST(LogReaderCsvTest, AHeaderAloneOrNoWantedColumnsIsFine) {
  ReadAll header_only = read_csv("number,state\n", {"state"});
  EXPECT_EQ(header_only.error, "");
  EXPECT_TRUE(header_only.rows.empty());

  ReadAll nothing_wanted = read_csv("number,state\n1,New\n", {});
  EXPECT_EQ(nothing_wanted.error, "");
  EXPECT_EQ(nothing_wanted.rows, (std::vector<Cells>{Cells{}}));
}

TEST(LogReaderCsvTest, AWantedColumnTheHeaderLacksStopsBeforeAnyRow) {
  ReadAll all = read_csv("number,incident_state\nINC1,New\n", {"number", "sys_updated_at"});
  EXPECT_EQ(all.error, "log.csv:1: no column `sys_updated_at`; the columns are: number, incident_state");
  EXPECT_TRUE(all.rows.empty());
  ReadAll typo = read_csv("number,incident_state\nINC1,New\n", {"numbr"});
  EXPECT_EQ(typo.error,
            "log.csv:1: no column `numbr` (did you mean `number`?); the columns are: number, incident_state");
}

TEST(LogReaderCsvTest, RefusesABadHeader) {
  EXPECT_EQ(read_csv("", {"a"}).error, "log.csv:1: empty header");
  EXPECT_EQ(read_csv("\n\r\n", {"a"}).error, "log.csv:1: empty header");
  EXPECT_EQ(read_csv(",\n1,2\n", {"a"}).error, "log.csv:1: empty header");
  EXPECT_EQ(read_csv("number,state,at,state\n", {"number"}).error, "log.csv:1: a column named twice (`state`)");
  EXPECT_EQ(read_csv("\n\nnumber,state,number\n", {"state"}).error, "log.csv:3: a column named twice (`number`)");
}

TEST(LogReaderCsvTest, ARowNeedsACellForEveryColumn) {
  ReadAll all = read_csv("a,b,c\n1,2,3\n4,5\n", {"a"});
  EXPECT_EQ(all.error, "log.csv:3: row has 2 cells, the header has 3");
  EXPECT_EQ(all.rows, (std::vector<Cells>{{"1"}}));

  EXPECT_EQ(read_csv("a,b\n1\n", {"a"}).error, "log.csv:2: row has 1 cell, the header has 2");
  EXPECT_EQ(read_csv("a,b\n1,\"x\ny\",3\n", {"a"}).error, "log.csv:2: row has 3 cells, the header has 2");
}

TEST(LogReaderCsvTest, RefusesMalformedQuoting) {
  ReadAll unterminated = read_csv("a,b\n1,2\n3,\"never closed\n4,5\n", {"a"});
  EXPECT_EQ(unterminated.error, "log.csv:3: unterminated quoted cell");
  EXPECT_EQ(unterminated.rows, (std::vector<Cells>{{"1"}}));

  EXPECT_EQ(read_csv("a,b\n1,2\n3,x\"y\n", {"a"}).error,
            "log.csv:3: a quote inside an unquoted cell (quote the cell and write the quote twice)");
  EXPECT_EQ(read_csv("a,b\n\"x\",\"y\"z\n", {"a"}).error, "log.csv:2: text after the closing quote of a quoted cell");
}

TEST(LogReaderCsvTest, LimitsStopTheReadAtTheRecordThatBreaksThem) {
  LogLimits limits;
  limits.max_cell_bytes = 8;
  limits.max_line_bytes = 32;
  limits.max_columns = 3;
  EXPECT_EQ(read_csv("a,b\n1,123456789\n", {"a"}, limits).error, "log.csv:2: a cell is longer than 8 bytes");
  EXPECT_EQ(read_csv("a,b\n1,\"1234\n5678\n\"\n", {"a"}, limits).error, "log.csv:2: a cell is longer than 8 bytes");
  // 33 bytes over four lines, no cell longer than 8.
  EXPECT_EQ(read_csv("a,b,c\n\"1234\n567\",\"1234\n567\",\"1234\n567\"\n", {"a"}, limits).error,
            "log.csv:2: a record is longer than 32 bytes");
  EXPECT_EQ(read_csv("a,b,c,d\n", {"a"}, limits).error, "log.csv: more than 3 columns");
  EXPECT_EQ(read_csv("a,b,c\n1,2,3\n", {"a"}, limits).error, "");
}

// Hostile files: a line of megabytes, a quoted cell that runs over millions
// of lines, a header of 5000 columns. Each read stops at the limit it breaks,
// within the first megabyte, instead of holding what it has read.
TEST(LogReaderCsvTest, AHugeLineIsRefusedWithTheDefaultLimits) {
  std::string one_cell = "a,b\n1," + std::string(8 << 20, 'x') + "\n";
  EXPECT_EQ(read_csv(one_cell, {"a"}).error, "log.csv:2: a cell is longer than 65536 bytes");

  std::string many_cells = "a,b\n1,";
  for (int i = 0; i < (1 << 20); ++i) many_cells += "x,";
  EXPECT_EQ(read_csv(many_cells, {"a"}).error, "log.csv:2: a record is longer than 1048576 bytes");

  std::string quoted_line_breaks = "a,b\n1,\"" + std::string(8 << 20, '\n');
  EXPECT_EQ(read_csv(quoted_line_breaks, {"a"}).error, "log.csv:2: a cell is longer than 65536 bytes");

  std::string many_quoted_cells = "a,b\n1,";
  for (int i = 0; i < 300000; ++i) many_quoted_cells += "\"\n\",";
  EXPECT_EQ(read_csv(many_quoted_cells, {"a"}).error, "log.csv:2: a record is longer than 1048576 bytes");

  std::string wide;
  for (int i = 0; i < 5000; ++i) wide += "c" + std::to_string(i) + ",";
  wide.back() = '\n';
  EXPECT_EQ(read_csv(wide, {"c0"}).error, "log.csv: more than 1000 columns");
}

TEST(LogReaderCsvTest, RowsCrossingBlocksOfTheReaderAreWhole) {
  std::string text = "id,note\n";
  std::uint64_t line = 2;
  std::vector<std::uint64_t> lines;
  for (int i = 0; i < 40000; ++i) {
    lines.push_back(line);
    if (i % 3 == 0) {
      text += std::to_string(i) + ",\"note " + std::to_string(i) + "\nwith, \"\"two\"\" lines\"\n";
      line += 2;
    } else {
      text += std::to_string(i) + ",plain note number " + std::to_string(i) + "\n";
      line += 1;
    }
  }
  ASSERT_GT(text.size(), std::size_t{1} << 20);
  ReadAll all = read_csv(text, {"note", "id"});
  ASSERT_EQ(all.error, "");
  ASSERT_EQ(all.rows.size(), 40000u);
  EXPECT_EQ(all.lines, lines);
  for (std::size_t i = 0; i < all.rows.size(); ++i) {
    std::string note =
        i % 3 == 0 ? "note " + std::to_string(i) + "\nwith, \"two\" lines" : "plain note number " + std::to_string(i);
    ASSERT_EQ(all.rows[i], (Cells{note, std::to_string(i)})) << "row " << i;
  }
}

TEST(LogReaderCsvTest, TheCallbackStopsTheReadWithoutAnError) {
  std::vector<std::string> seen;
  engine::Status status = read_log_text("a\n1\n2\n3\n\"never closed\n", "log.csv", LogFormat::kCsv,
                                        std::vector<std::string>{"a"}, [&seen](const LogRow& row) {
                                          seen.emplace_back(*row.cells[0]);
                                          return seen.size() < 2;
                                        });
  EXPECT_TRUE(status.ok()) << status.error();
  EXPECT_EQ(seen, (std::vector<std::string>{"1", "2"}));
}

// ------------------------------------------------------------- JSON lines

TEST(LogReaderJsonLinesTest, StringsNumbersBooleansAndNullAreCells) {
  ReadAll all = read_jsonl(
      R"({"text":"caf\u00e9 \"ok\"\tend","amount":1299.00,"count":-3,"big":1e3,"yes":true,"no":false,"none":null})",
      {"text", "amount", "count", "big", "yes", "no", "none", "absent"});
  ASSERT_EQ(all.error, "");
  EXPECT_EQ(
      all.rows,
      (std::vector<Cells>{{"café \"ok\"\tend", "1299.00", "-3", "1e3", "true", "false", std::nullopt, std::nullopt}}));
}

TEST(LogReaderJsonLinesTest, AMissingMemberHasNoValueAndTheRowIsGiven) {
  ReadAll all = read_jsonl("{\"case\":\"1\",\"state\":\"New\"}\n{\"case\":\"1\"}\n{}\n", {"state", "case"});
  ASSERT_EQ(all.error, "");
  EXPECT_EQ(all.rows, (std::vector<Cells>{{"New", "1"}, {std::nullopt, "1"}, {std::nullopt, std::nullopt}}));

  ReadAll twice = read_jsonl("{\"case\":\"1\",\"state\":\"New\"}\n", {"state", "case", "state"});
  EXPECT_EQ(twice.rows, (std::vector<Cells>{{"New", "1", "New"}}));
}

TEST(LogReaderJsonLinesTest, SkipsAByteOrderMarkAndEmptyLines) {
  ReadAll all = read_jsonl("\xEF\xBB\xBF{\"a\":1}\r\n\r\n  \n{\"a\":2}\n\n{\"a\":3}", {"a"});
  ASSERT_EQ(all.error, "");
  EXPECT_EQ(all.rows, (std::vector<Cells>{{"1"}, {"2"}, {"3"}}));
  EXPECT_EQ(all.lines, (std::vector<std::uint64_t>{1, 4, 6}));
}

TEST(LogReaderJsonLinesTest, MembersNotWantedMayHoldAnything) {
  ReadAll all = read_jsonl(R"({"meta":{"tags":["x",{"y":null}]},"a":"1","list":[]})", {"a"});
  ASSERT_EQ(all.error, "");
  EXPECT_EQ(all.rows, (std::vector<Cells>{{"1"}}));
}

TEST(LogReaderJsonLinesTest, AWantedMemberHoldingAnObjectOrArrayIsAnError) {
  EXPECT_EQ(read_jsonl("{\"a\":1}\n{\"impact\":{\"level\":2}}\n", {"impact"}).error,
            "log.jsonl:2: `impact` holds an object; a cell must be a string, number, boolean or null");
  EXPECT_EQ(read_jsonl(R"({"impact":[2]})", {"impact"}).error,
            "log.jsonl:1: `impact` holds an array; a cell must be a string, number, boolean or null");
}

TEST(LogReaderJsonLinesTest, ALineMustBeOneJsonObject) {
  EXPECT_EQ(read_jsonl("{\"a\":1}\n[1,2]\n", {"a"}).error, "log.jsonl:2: not a JSON object: an array");
  EXPECT_EQ(read_jsonl("\"a\"", {"a"}).error, "log.jsonl:1: not a JSON object: a string");
  EXPECT_EQ(read_jsonl("42", {"a"}).error, "log.jsonl:1: not a JSON object: a number");
  EXPECT_EQ(read_jsonl("null", {"a"}).error, "log.jsonl:1: not a JSON object: null");
  EXPECT_EQ(read_jsonl("{\"a\":tru}", {"a"}).error,
            "log.jsonl:1: not a JSON object: syntax error while parsing value - invalid literal; last read: "
            "'\"a\":tru}'");
  EXPECT_EQ(read_jsonl("{\"a\":1\n", {"a"}).error,
            "log.jsonl:1: not a JSON object: syntax error while parsing object - unexpected end of input; "
            "expected '}'");
  EXPECT_EQ(read_jsonl("{\"a\":1,\"a\":2}", {"a"}).error, "log.jsonl:1: a member named twice (`a`)");
}

TEST(LogReaderJsonLinesTest, BytesThatAreNotUtf8AreAnError) {
  EXPECT_EQ(read_jsonl("{\"a\":\"ok\"}\n{\"a\":\"caf\xE9\"}\n", {"a"}).error, "log.jsonl:2: not UTF-8 text");
  EXPECT_EQ(read_jsonl("{\"b\":\"\xED\xA0\x80\"}\n", {"a"}).error, "log.jsonl:1: not UTF-8 text");  // a surrogate
}

TEST(LogReaderJsonLinesTest, LimitsStopTheReadAtTheLineThatBreaksThem) {
  LogLimits limits;
  limits.max_cell_bytes = 4;
  limits.max_line_bytes = 24;
  limits.max_columns = 2;
  EXPECT_EQ(read_jsonl("{\"a\":\"12345\"}", {"a"}, limits).error, "log.jsonl:1: a cell is longer than 4 bytes");
  EXPECT_EQ(read_jsonl("{}\n{\"a\":1," + std::string(20, ' ') + "\"b\":2}\n", {"a"}, limits).error,
            "log.jsonl:2: a line is longer than 24 bytes");
  EXPECT_EQ(read_jsonl("{\"a\":1,\"b\":2,\"c\":3}", {"a"}, limits).error, "log.jsonl:1: more than 2 columns");
  EXPECT_EQ(read_jsonl("{\"a\":1,\"b\":2}\r\n", {"a"}, limits).error, "");
}

TEST(LogReaderJsonLinesTest, AHugeLineIsRefusedWithTheDefaultLimits) {
  std::string huge = "{}\n{\"a\":\"" + std::string(8 << 20, 'x') + "\"}\n";
  EXPECT_EQ(read_jsonl(huge, {"a"}).error, "log.jsonl:2: a line is longer than 1048576 bytes");
}

TEST(LogReaderJsonLinesTest, LinesCrossingBlocksOfTheReaderAreWhole) {
  std::string text;
  for (int i = 0; i < 30000; ++i)
    text += R"({"id":)" + std::to_string(i) +
            R"(,"note":"a note of some length"})"
            "\n";
  ASSERT_GT(text.size(), std::size_t{1} << 20);
  ReadAll all = read_jsonl(text, {"id"});
  ASSERT_EQ(all.error, "");
  ASSERT_EQ(all.rows.size(), 30000u);
  for (std::size_t i = 0; i < all.rows.size(); ++i) {
    ASSERT_EQ(all.rows[i], (Cells{std::to_string(i)}));
    ASSERT_EQ(all.lines[i], i + 1);
  }
}

TEST(LogReaderJsonLinesTest, AnEmptyFileHasNoRows) {
  ReadAll all = read_jsonl("", {"a"});
  EXPECT_EQ(all.error, "");
  EXPECT_TRUE(all.rows.empty());
}

TEST(LogReaderJsonLinesTest, TheCallbackStopsTheReadWithoutAnError) {
  int rows = 0;
  engine::Status status = read_log_text("{\"a\":1}\n{\"a\":2}\nnot json\n", "log.jsonl", LogFormat::kJsonLines,
                                        std::vector<std::string>{"a"}, [&rows](const LogRow&) {
                                          ++rows;
                                          return false;
                                        });
  EXPECT_TRUE(status.ok()) << status.error();
  EXPECT_EQ(rows, 1);
}

// ------------------------------------------------------------------ files

TEST(LogReaderFileTest, ErrorsNameTheFileAsTheCallerSays) {
  testing::TempDir dir;
  write_file(dir.file("log.csv"), "number,state\nINC1,New\n");
  ReadAll all;
  engine::Status status =
      read_log(dir.file("log.csv"), LogFormat::kCsv, std::vector<std::string>{"state"}, collect_into(all));
  ASSERT_TRUE(status.ok()) << status.error();
  EXPECT_EQ(all.rows, (std::vector<Cells>{{"New"}}));

  write_file(dir.file("bad.csv"), "number,state\nINC1\n");
  auto ignore = [](const LogRow&) { return true; };
  std::vector<std::string> wanted = {"state"};
  EXPECT_EQ(read_log(dir.file("bad.csv"), LogFormat::kCsv, wanted, ignore).error(),
            dir.file("bad.csv") + ":2: row has 1 cell, the header has 2");
  EXPECT_EQ(read_log(dir.file("bad.csv"), LogFormat::kCsv, wanted, ignore, {}, "exports/bad.csv").error(),
            "exports/bad.csv:2: row has 1 cell, the header has 2");
}

TEST(LogReaderFileTest, AFileThatIsNotThereOrIsADirectory) {
  testing::TempDir dir;
  auto ignore = [](const LogRow&) { return true; };
  EXPECT_EQ(read_log(dir.file("x.csv"), LogFormat::kCsv, {}, ignore).error(), dir.file("x.csv") + ": no such file");
  EXPECT_EQ(read_log(dir.file("x.csv"), LogFormat::kCsv, {}, ignore, {}, "x.csv").error(), "x.csv: no such file");
  EXPECT_EQ(read_log(dir.path(), LogFormat::kJsonLines, {}, ignore, {}, "logs").error(), "logs: not a file");
}

TEST(LogReaderFileTest, ReadsAFileOfManyBlocks) {
  testing::TempDir dir;
  std::string text = "\xEF\xBB\xBFid,note\r\n";
  for (int i = 0; i < 100000; ++i) text += std::to_string(i) + ",\"multi\r\nline, " + std::to_string(i) + "\"\r\n";
  write_file(dir.file("big.csv"), text);
  std::uint64_t rows = 0;
  std::uint64_t bytes = 0;  // what a progress bar shows: a block at a time, never back, never past the file
  engine::Status status = read_log(dir.file("big.csv"), LogFormat::kCsv, std::vector<std::string>{"id", "note"},
                                   [&rows, &bytes](const LogRow& row) {
                                     std::string id = std::to_string(rows);
                                     EXPECT_EQ(row.line, 2 * rows + 2);
                                     EXPECT_EQ(*row.cells[0], id);
                                     EXPECT_EQ(*row.cells[1], "multi\r\nline, " + id);
                                     EXPECT_GE(row.bytes_read, bytes);
                                     bytes = row.bytes_read;
                                     ++rows;
                                     return true;
                                   });
  ASSERT_TRUE(status.ok()) << status.error();
  EXPECT_EQ(rows, 100000u);
  EXPECT_GT(bytes, text.size() / 2);
  EXPECT_LE(bytes, text.size());
}

TEST(LogReaderFileTest, ListsTheColumns) {
  testing::TempDir dir;
  write_file(dir.file("log.csv"), "\xEF\xBB\xBFnumber,\"incident state\",at\n1,2,3\n");
  write_file(dir.file("log.jsonl"), "\n{\"number\":\"1\",\"meta\":{\"x\":1},\"at\":null}\n{\"other\":1}\n");
  write_file(dir.file("empty.jsonl"), "");
  write_file(dir.file("dup.csv"), "a,a\n");

  engine::Result<std::vector<std::string>> csv = log_columns(dir.file("log.csv"), LogFormat::kCsv);
  ASSERT_TRUE(csv.ok()) << csv.error();
  EXPECT_EQ(csv.value(), (std::vector<std::string>{"number", "incident state", "at"}));

  engine::Result<std::vector<std::string>> jsonl = log_columns(dir.file("log.jsonl"), LogFormat::kJsonLines);
  ASSERT_TRUE(jsonl.ok()) << jsonl.error();
  EXPECT_EQ(jsonl.value(), (std::vector<std::string>{"number", "meta", "at"}));

  engine::Result<std::vector<std::string>> empty = log_columns(dir.file("empty.jsonl"), LogFormat::kJsonLines);
  ASSERT_TRUE(empty.ok()) << empty.error();
  EXPECT_TRUE(empty.value().empty());

  EXPECT_EQ(log_columns(dir.file("dup.csv"), LogFormat::kCsv).error(),
            dir.file("dup.csv") + ":1: a column named twice (`a`)");
  EXPECT_EQ(log_columns(dir.file("none.csv"), LogFormat::kCsv).error(), dir.file("none.csv") + ": no such file");
}

// ---------------------------------------------------------------- formats

TEST(LogReaderFormatTest, NamesAndFileExtensions) {
  EXPECT_EQ(parse_log_format("csv"), LogFormat::kCsv);
  EXPECT_EQ(parse_log_format("jsonl"), LogFormat::kJsonLines);
  EXPECT_EQ(parse_log_format("ndjson"), LogFormat::kJsonLines);
  EXPECT_EQ(parse_log_format("xml"), std::nullopt);
  EXPECT_STREQ(to_string(LogFormat::kCsv), "csv");
  EXPECT_STREQ(to_string(LogFormat::kJsonLines), "jsonl");

  EXPECT_EQ(log_format_of("exports/incidents.csv"), LogFormat::kCsv);
  EXPECT_EQ(log_format_of("INCIDENTS.CSV"), LogFormat::kCsv);
  EXPECT_EQ(log_format_of("events.jsonl"), LogFormat::kJsonLines);
  EXPECT_EQ(log_format_of("events.ndjson"), LogFormat::kJsonLines);
  EXPECT_EQ(log_format_of("events.json"), LogFormat::kJsonLines);
  EXPECT_EQ(log_format_of("events.csv.gz"), std::nullopt);
  EXPECT_EQ(log_format_of("csv"), std::nullopt);
}

}  // namespace
}  // namespace docket::conform
