"""scripts/checksrc: each rule caught at its file and line on small bad trees, nothing
said about the same code written the allowed way, and the real tree clean."""
import subprocess

import pytest

from conftest import ROOT

CHECKSRC = ROOT / "scripts" / "checksrc"


def checksrc(root):
    return subprocess.run(["/usr/bin/python3", str(CHECKSRC), str(root)], capture_output=True,
                          text=True, timeout=60)


def tree(tmp_path, files):
    for name, text in files.items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return tmp_path


# (file, its text, the line and rule checksrc must report)
BAD = [
    ("src/codec/a.c", '#include <stdio.h>\nvoid f(char *d) {\n    sprintf(d, "%d", 1);\n}\n', 3, "banned"),
    ("src/codec/b.c", "void f(char *d, const char *s) { strcpy(d, s); }\n", 1, "banned"),
    ("src/codec/c.c", "void f(char *d, const char *s)\n{\n    strcat(d, s);\n}\n", 3, "banned"),
    ("src/cli/d.c", "int f(const char *s) { return atoi(s); }\n", 1, "banned"),
    ("src/cli/e.c", "long f(const char *s) { return atol(s); }\n", 1, "banned"),
    ("src/cli/f.c", 'char *f(char *s) { return strtok(s, ","); }\n', 1, "banned"),
    ("src/cli/g.c", "char *f(char *s) { return gets(s); }\n", 1, "banned"),
    ("src/model/h.c", "void *f(void) {\n  return malloc(4);\n}\n", 2, "alloc"),
    ("src/model/i.c", "void *f(void) { return calloc(1, 4); }\n", 1, "alloc"),
    ("src/model/j.c", "void *f(void *p) { return realloc(p, 8); }\n", 1, "alloc"),
    ("src/model/k.c", "\nvoid f(void *p) { free(p); }\n", 2, "alloc"),
    ("src/model/l.c", '#include "model/m.h"\n#include "service/core/call.h"\n', 2, "layer"),
    ("src/engine/m.c", '#include "store/core/store.h"\n', 1, "layer"),        # sideways
    ("src/util/n.c", '#include "crypto/crypto.h"\n', 1, "layer"),        # up
    ("src/http/o.c", '#include "cli/cli.h"\n', 1, "layer"),              # sideways at the top
    ("src/service/p.c", "#include <sqlite3.h>\n", 1, "library"),
    ("src/store/q.c", "#include <microhttpd.h>\n", 1, "library"),
    ("src/codec/r.c", "#include <sodium.h>\n", 1, "library"),
    ("src/service/s.c", "#include <jansson.h>\n", 1, "library"),
    ("src/codec/t.c", "#include <curl/curl.h>\n", 1, "library"),
    ("src/engine/u.c", "#include <maxminddb.h>\n", 1, "library"),
    ("src/model/v.c", "#include <zlib.h>\n", 1, "library"),
    ("src/util/w.c", "#include <libpsl.h>\n", 1, "library"),
    ("src/store/x.c", 'int f(void)\n{\n    return kz_fail(err, KZ_ESTORE, NULL, "bad: %s",\n'
                      "                   sqlite3_errmsg(db));\n}\n", 3, "sqlite-text"),
    ("src/store/y.c", 'int f(int rc) { return kz_fail(e, 1, 0, "%s", sqlite3_errstr(rc)); }\n', 1,
     "sqlite-text"),
]


@pytest.mark.parametrize("name, text, line, rule", BAD, ids=[b[0] for b in BAD])
def test_each_rule_is_caught_at_its_line(tmp_path, name, text, line, rule):
    r = checksrc(tree(tmp_path, {name: text}))
    assert r.returncode == 1, r.stdout
    found = r.stdout.splitlines()
    assert len(found) == 1, found
    assert found[0].startswith(f"{name}:{line}: {rule}: "), found
    assert "1 violation" in r.stderr


def test_the_allowed_forms_pass(tmp_path):
    ok = {
        # words in comments and strings, members and longer names are no calls
        "src/codec/a.c": '/* never sprintf(d) nor malloc(n) */\n#include "codec/a.h"\n#include "model/m.h"\n'
                         "#include <jansson.h>\n"
                         'void f(char *d, struct s *o) { snprintf(d, 4, "strcpy(x)"); o->free(o); kz_free(d);'
                         " my_malloc(3); }\n",
        "src/util/alloc.c": "void *kz_malloc(unsigned long n) { return malloc(n); }\n",
        "src/store/b.c": "#include <sqlite3.h>\n"
                         'int f(void) { kz_log(1, "e", KZ_S("error", sqlite3_errmsg(h)));\n'
                         '  return kz_fail(err, 1, 0, "own words"); }\n',
        "src/engine/indset.h": '#include "codec/sharing/indicator_norm.h"\n',   # a listed exception
        "src/cli/cli_serve.c": '#include "http/server.h"\n#include "service/core/node.h"\n',
        "src/crypto/crypto.c": '#include <sodium.h>\n#include "util/error.h"\n',
    }
    r = checksrc(tree(tmp_path, ok))
    assert r.returncode == 0, r.stdout
    assert r.stdout == ""


def test_violations_are_all_listed_in_file_order(tmp_path):
    r = checksrc(tree(tmp_path, {"src/model/a.c": "void f(char *d)\n{\n    strcpy(d, \"\");\n    free(d);\n}\n",
                                 "src/model/b.c": "int g(const char *s) { return atoi(s); }\n"}))
    assert r.returncode == 1
    assert [line.split(": ")[0] for line in r.stdout.splitlines()] == \
        ["src/model/a.c:3", "src/model/a.c:4", "src/model/b.c:1"]
    assert "3 violations" in r.stderr


def test_the_tree_itself_is_clean():
    r = checksrc(ROOT)
    assert r.returncode == 0, r.stdout
