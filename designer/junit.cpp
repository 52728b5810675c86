#include "designer/junit.h"

#include <cstdio>

namespace docket::designer {
namespace {

// Escapes for both text and attribute values. Control characters other than
// tab, newline and carriage return are not allowed anywhere in XML 1.0.
std::string escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
          out += "\xEF\xBF\xBD";
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string seconds_text(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", seconds);
  return text;
}

}  // namespace

std::string junit_xml(const std::vector<JunitSuite>& suites) {
  std::size_t tests = 0;
  std::size_t failures = 0;
  double seconds = 0;
  for (const JunitSuite& suite : suites) {
    for (const JunitCase& test : suite.cases) {
      ++tests;
      if (!test.failures.empty()) ++failures;
      seconds += test.seconds;
    }
  }
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  xml += "<testsuites name=\"docket test\" tests=\"" + std::to_string(tests) + "\" failures=\"" +
         std::to_string(failures) + "\" time=\"" + seconds_text(seconds) + "\">\n";
  for (const JunitSuite& suite : suites) {
    std::size_t suite_failures = 0;
    double suite_seconds = 0;
    for (const JunitCase& test : suite.cases) {
      if (!test.failures.empty()) ++suite_failures;
      suite_seconds += test.seconds;
    }
    xml += "  <testsuite name=\"" + escape(suite.name) + "\" tests=\"" + std::to_string(suite.cases.size()) +
           "\" failures=\"" + std::to_string(suite_failures) + "\" errors=\"0\" time=\"" + seconds_text(suite_seconds) +
           "\">\n";
    for (const JunitCase& test : suite.cases) {
      xml += "    <testcase name=\"" + escape(test.name) + "\" classname=\"" + escape(test.classname) + "\" time=\"" +
             seconds_text(test.seconds) + "\"";
      if (test.failures.empty()) {
        xml += "/>\n";
        continue;
      }
      std::string all;
      for (const std::string& failure : test.failures) all += failure + "\n";
      xml += ">\n      <failure message=\"" + escape(test.failures.front()) + "\">" + escape(all) +
             "</failure>\n    </testcase>\n";
    }
    xml += "  </testsuite>\n";
  }
  xml += "</testsuites>\n";
  return xml;
}

}  // namespace docket::designer
