// tst_Template.cpp — reply templates: escapes, captures, macros, and the
// mistakes refused with their column.
#include "engine/program/Template.h"

#include <QTest>

using engine::program::RenderContext;
using engine::program::Template;

class TestTemplate : public QObject {
    Q_OBJECT

    static std::string render(const std::string& text, const std::vector<std::string_view>& caps, RenderContext& ctx) {
        std::string error;
        auto t = Template::parse(text, &error);
        if (!t) return "(refused) " + error;
        return t->render(caps, ctx);
    }
    static std::string refusal(const std::string& text) {
        std::string error;
        if (Template::parse(text, &error)) return "(accepted)";
        return error;
    }

private slots:
    void escapesAndCaptures() {
        RenderContext ctx;
        QCOMPARE(render(R"(+PONG\r\n)", {}, ctx), std::string("+PONG\r\n"));
        QCOMPARE(render(R"(\x0b\x1c\x0d\0\t\\\"\$1\{{x)", {}, ctx), std::string("\x0b\x1c\x0d\0\t\\\"$1{{x", 12));
        const std::vector<std::string_view> caps{"GET key", "GET", "key"};
        QCOMPARE(render(R"($1 [$2] {{2}} {{0}} $9.)", caps, ctx), std::string("GET [key] key GET key ."));
        QCOMPARE(render(R"($${{len 2}}\r\n$2\r\n)", caps, ctx), std::string("$3\r\nkey\r\n"));
        QCOMPARE(render("$-1 costs $", caps, ctx), std::string("$-1 costs $"));
    }

    void macros() {
        RenderContext ctx;
        ctx.unixTime = [] { return std::int64_t{1700000000}; };  // 2023-11-14 22:13:20 UTC
        QCOMPARE(render("{{date}} {{time}} {{unixtime}}", {}, ctx), std::string("2023-11-14 22:13:20 1700000000"));
        QCOMPARE(render("{{counter}},{{ counter }},{{counter}}", {}, ctx), std::string("1,2,3"));
        ctx.unixTime = [] { return std::int64_t{951782400}; };  // 2000-02-29 00:00:00 UTC
        QCOMPARE(render("{{date}}T{{time}}", {}, ctx), std::string("2000-02-29T00:00:00"));
        const std::string uuid = render("{{uuid}}", {}, ctx);
        QCOMPARE(uuid.size(), std::size_t{36});
        QCOMPARE(uuid[14], '4');
        QVERIFY(std::string("89ab").find(uuid[19]) != std::string::npos);
        QVERIFY(render("{{uuid}}", {}, ctx) != uuid);
        const std::string r = render("{{random}}", {}, ctx);
        QVERIFY(!r.empty() && r.size() <= 10);
        QVERIFY(std::all_of(r.begin(), r.end(), [](char c) { return c >= '0' && c <= '9'; }));
    }

    void mistakes() {
        QCOMPARE(refusal(R"(ab\q)"), std::string("unknown escape '\\q' at column 3; use \\r \\n \\t \\0 \\\\ \\\" or \\xNN (\\$ \\{ in a reply)"));
        QCOMPARE(refusal(R"(\x4)"), std::string("\\x at column 1 needs two hex digits (\\x0b)"));
        QCOMPARE(refusal("{{nope}}"), std::string("unknown macro {{nope}} at column 1; use {{N}} {{len N}} {{counter}} {{date}} {{time}} {{unixtime}} {{random}} {{uuid}}"));
        QCOMPARE(refusal("x {{counter"), std::string("{{ at column 3 is not closed by }}"));
        QCOMPARE(refusal("end\\"), std::string("a lone backslash at column 4 ends the text"));
        QCOMPARE(refusal("{{\x1b[2J}}"), std::string("unknown macro {{\\x1b[2J}} at column 1; use {{N}} {{len N}} {{counter}} {{date}} {{time}} {{unixtime}} {{random}} {{uuid}}"));
    }
};

QTEST_APPLESS_MAIN(TestTemplate)
#include "tst_Template.moc"
