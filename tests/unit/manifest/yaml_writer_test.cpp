// The YAML emitter: which strings stay plain, how nesting and comments are laid out, and
// that PyYAML reads back exactly the strings that went in.
#include "manifest/yaml_writer.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "manifest/json_writer.hpp"
#include "manifest/value.hpp"

namespace graced::manifest {
namespace {

TEST(ManifestYaml, PlainWhenUnambiguous) {
  for (const char* s : {"app", "/readyz", "graced-grpc", "registry.example.com/app:1.2", "apps/v1",
                        "Deployment", "_x", "a:b", "user@host", "k=v"}) {
    EXPECT_EQ(yaml_string(s), s) << s;
  }
}

TEST(ManifestYaml, QuotedWhenAReaderWouldSeeSomethingElse) {
  EXPECT_EQ(yaml_string(""), "\"\"");
  // Booleans and null of YAML 1.1, in any case.
  for (const char* s : {"yes", "No", "ON", "off", "y", "N", "true", "False", "null", "NULL"})
    EXPECT_EQ(yaml_string(s), "\"" + std::string(s) + "\"") << s;
  // Numbers, octal, sexagesimal, timestamps, floats.
  for (const char* s : {"8080", "0o17", "017", "1:20", "2001-12-14", "1e3", ".5", "-1", "+1",
                        ".inf", ".NaN", "~"}) {
    EXPECT_EQ(yaml_string(s), "\"" + std::string(s) + "\"") << s;
  }
  // Indicators, and what would start a comment or a map.
  for (const char* s : {"--port", "-",   "*ref", "&anchor", "!tag", "|",     ">",   "%x",
                        "@x",     "`x",  "#x",   "a #b",    "a: b", "key:",  "a b", " a",
                        "a ",     "[x]", "{x}",  "a,b",     "'x'",  "\"x\"", "?x",  "<<"}) {
    EXPECT_EQ(yaml_string(s).front(), '"') << s;
  }
}

TEST(ManifestYaml, EscapesInsideDoubleQuotes) {
  EXPECT_EQ(yaml_string("say \"hi\""), "\"say \\\"hi\\\"\"");
  EXPECT_EQ(yaml_string("a\\b"), "\"a\\\\b\"");
  EXPECT_EQ(yaml_string("a\nb\tc\rd"), "\"a\\nb\\tc\\rd\"");
  EXPECT_EQ(yaml_string(std::string("a\x01") + "\x7f"), "\"a\\x01\\x7f\"");
  EXPECT_EQ(yaml_string("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
}

TEST(ManifestYaml, ScalarsAtTheTop) {
  EXPECT_EQ(to_yaml(Value::integer(-3)), "-3\n");
  EXPECT_EQ(to_yaml(Value::boolean(true)), "true\n");
  EXPECT_EQ(to_yaml(Value()), "null\n");
  EXPECT_EQ(to_yaml(Value::string("yes")), "\"yes\"\n");
  EXPECT_EQ(to_yaml(Value::map()), "{}\n");
  EXPECT_EQ(to_yaml(Value::list()), "[]\n");
}

TEST(ManifestYaml, NestedMapsAndLists) {
  Value doc = Value::map();
  doc.set("name", Value::string("app"));
  Value& probe = doc.set("readinessProbe", Value::map());
  probe.set("httpGet", Value::map()).set("path", Value::string("/readyz"));
  probe.set("periodSeconds", Value::integer(2));
  Value& ports = doc.set("ports", Value::list());
  Value& p = ports.push(Value::map());
  p.set("name", Value::string("graced"));
  p.set("containerPort", Value::integer(8558));
  ports.push(Value::map()).set("name", Value::string("app"));
  doc.set("args", Value::strings({"--port", "8080"}));
  Value& nested = doc.set("nested", Value::list());
  nested.push(Value::strings({"a", "b"}));
  nested.push(Value::list());
  doc.set("empty", Value::map());
  doc.set("on", Value::boolean(false));
  EXPECT_EQ(to_yaml(doc),
            "name: app\n"
            "readinessProbe:\n"
            "  httpGet:\n"
            "    path: /readyz\n"
            "  periodSeconds: 2\n"
            "ports:\n"
            "  - name: graced\n"
            "    containerPort: 8558\n"
            "  - name: app\n"
            "args:\n"
            "  - \"--port\"\n"
            "  - \"8080\"\n"
            "nested:\n"
            "  - - a\n"
            "    - b\n"
            "  - []\n"
            "empty: {}\n"
            "\"on\": false\n");
}

TEST(ManifestYaml, CommentsWhereTheTreeHasThem) {
  Value doc = Value::map();
  doc.comment("first\nsecond\n");
  doc.set("a", Value::integer(1));
  Value& list = doc.set("l", Value::list());
  Value& item = list.push(Value::map());
  item.comment("about b");
  item.set("b", Value::integer(2));
  list.comment("after");
  Value& empty = doc.set("e", Value::map());
  empty.comment("nothing here");
  EXPECT_EQ(to_yaml(doc),
            "# first\n"
            "# second\n"
            "#\n"
            "a: 1\n"
            "l:\n"
            "  -\n"
            "    # about b\n"
            "    b: 2\n"
            "  # after\n"
            "# nothing here\n"
            "e: {}\n");
}

// Runs /usr/bin/python3 on `script` with the file as argv[1]; returns its stdout.
std::string python(const std::string& script, const std::string& input, int& status) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("graced-yaml-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const auto in = (dir / "in").string();
  const auto out = (dir / "out").string();
  const auto py = (dir / "check.py").string();
  std::ofstream(in) << input;
  std::ofstream(py) << script;
  status = std::system(("/usr/bin/python3 " + py + " " + in + " > " + out + " 2>&1").c_str());
  std::stringstream ss;
  ss << std::ifstream(out).rdbuf();
  std::filesystem::remove_all(dir);
  return ss.str();
}

TEST(ManifestYaml, PyYamlReadsBackEveryString) {
  ASSERT_EQ(access("/usr/bin/python3", X_OK), 0)
      << "no /usr/bin/python3 (scripts/install-deps installs it)";
  const std::vector<std::string> strings = {"",
                                            "app",
                                            "yes",
                                            "No",
                                            "on",
                                            "null",
                                            "~",
                                            "8080",
                                            "1:20",
                                            "0x1f",
                                            "1e3",
                                            ".inf",
                                            "2001-12-14",
                                            "--port",
                                            "- x",
                                            "a: b",
                                            "a #b",
                                            "key:",
                                            " lead",
                                            "trail ",
                                            "[x]",
                                            "{y}",
                                            "*x",
                                            "&x",
                                            "!x",
                                            "|",
                                            ">",
                                            "%x",
                                            "@x",
                                            "`x",
                                            "'q'",
                                            "\"dq\"",
                                            "a\\b",
                                            "line\nbreak",
                                            "tab\there",
                                            "caf\xc3\xa9",
                                            "registry:5000/app:1.2",
                                            "=",
                                            "<<",
                                            "?",
                                            ",",
                                            "a,b"};
  Value doc = Value::map();
  Value& list = doc.set("strings", Value::list());
  Value& keys = doc.set("keys", Value::map());
  for (std::size_t i = 0; i < strings.size(); ++i) {
    list.push(Value::string(strings[i]));
    keys.set(strings[i], Value::integer(static_cast<long long>(i)));
  }
  int status = 0;
  const std::string out = python(
      "import json, sys, yaml\n"
      "d = yaml.safe_load(open(sys.argv[1], encoding='utf-8'))\n"
      "print(json.dumps({'strings': d['strings'],\n"
      "                  'keys': sorted(d['keys'].items(), key=lambda kv: kv[1])},\n"
      "                 ensure_ascii=True))\n",
      to_yaml(doc), status);
  ASSERT_EQ(status, 0) << out << "\n" << to_yaml(doc);
  // Compared through the JSON writer: the same strings, the same order, every key intact.
  Value expected_strings = Value::list();
  Value expected_keys = Value::list();
  for (std::size_t i = 0; i < strings.size(); ++i) {
    expected_strings.push(Value::string(strings[i]));
    Value& pair = expected_keys.push(Value::list());
    pair.push(Value::string(strings[i]));
    pair.push(Value::integer(static_cast<long long>(i)));
  }
  int status2 = 0;
  Value expected = Value::map();
  expected.set("strings", std::move(expected_strings));
  expected.set("keys", std::move(expected_keys));
  const std::string normalized = python(
      "import json, sys\n"
      "print(json.dumps(json.load(open(sys.argv[1], encoding='utf-8')), ensure_ascii=True))\n",
      to_json(expected), status2);
  ASSERT_EQ(status2, 0) << normalized;
  EXPECT_EQ(out, normalized);
}

}  // namespace
}  // namespace graced::manifest
