// JUnit XML, the report format CI servers read (Jenkins, GitLab, GitHub
// actions): one <testsuite> per scenario file, one <testcase> per scenario,
// a <failure> element holding every failed expectation of a failed one.

#pragma once

#include <string>
#include <vector>

namespace docket::designer {

struct JunitCase {
  std::string name;
  std::string classname;  // the scenario file
  double seconds = 0;
  std::vector<std::string> failures;  // empty: passed
};

struct JunitSuite {
  std::string name;  // the scenario file
  std::vector<JunitCase> cases;
};

// The whole document, UTF-8, with XML special characters escaped and
// characters XML 1.0 cannot hold replaced by U+FFFD.
std::string junit_xml(const std::vector<JunitSuite>& suites);

}  // namespace docket::designer
