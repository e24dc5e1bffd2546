/* The condition parser on its own: the tree it builds for each construct of Falco's grammar
 * (printed as an S-expression, with positions where they matter), and the message and position
 * of each syntax error, as libsinsp's parser reports them. */
#include "tt_test.h"

#include "../../engine/rules_int.h"

static const char *const kind_names[] = {"and",   "or",    "not",   "ident", "exists", "check",
                                         "field", "trans", "value", "list",  "tlist"};

static void put(char *out, size_t cap, size_t *o, const char *s)
{
    size_t n = strlen(s);
    if (*o + n >= cap)
        n = cap - *o - 1;
    memcpy(out + *o, s, n);
    *o += n;
    out[*o] = '\0';
}

/* A string with control characters as \xHH, in double quotes. */
static void put_str(char *out, size_t cap, size_t *o, const char *s)
{
    put(out, cap, o, "\"");
    for (; *s; s++) {
        char b[8];
        if ((unsigned char)*s < 0x20 || *s == '"' || *s == '\\')
            snprintf(b, sizeof(b), "\\x%02x", (unsigned char)*s);
        else
            snprintf(b, sizeof(b), "%c", *s);
        put(out, cap, o, b);
    }
    put(out, cap, o, "\"");
}

static void dump(const struct cnode *n, int with_pos, char *out, size_t cap, size_t *o)
{
    char b[64];
    put(out, cap, o, "(");
    put(out, cap, o, kind_names[n->kind]);
    if (with_pos) {
        snprintf(b, sizeof(b), "@%d:%d", n->pos.line, n->pos.col);
        put(out, cap, o, b);
    }
    if (n->str) {
        put(out, cap, o, " ");
        put_str(out, cap, o, n->str);
    }
    if (n->arg) {
        put(out, cap, o, " [");
        put_str(out, cap, o, n->arg);
        put(out, cap, o, "]");
    }
    for (size_t i = 0; i < n->nvals; i++) {
        put(out, cap, o, " ");
        put_str(out, cap, o, n->vals[i]);
    }
    for (size_t i = 0; i < n->nkids; i++) {
        put(out, cap, o, " ");
        dump(n->kids[i], with_pos, out, cap, o);
    }
    put(out, cap, o, ")");
}

static char tree[4096];
static char perr[300];

/* The tree of text, or "ERR line:col message". */
static const char *parse_depth(const char *text, int with_pos, unsigned max_depth)
{
    struct arena a;
    arena_init(&a);
    struct cparse_err err;
    struct cnode *n = cond_parse(&a, text, max_depth, &err);
    size_t o = 0;
    tree[0] = '\0';
    if (n) {
        dump(n, with_pos, tree, sizeof(tree), &o);
    } else {
        snprintf(perr, sizeof(perr), "ERR %d:%d %s", err.pos.line, err.pos.col, err.msg);
        snprintf(tree, sizeof(tree), "%s", perr);
    }
    arena_free(&a);
    return tree;
}

static const char *parse(const char *text)
{
    return parse_depth(text, 0, 0);
}

#define P(text, want) TT_CHECK_STR(parse(text), want)
#define PP(text, want) TT_CHECK_STR(parse_depth(text, 1, 0), want)

TT_TEST(boolean_structure_and_precedence)
{
    P("a", "(ident \"a\")");
    P("a and b", "(and (ident \"a\") (ident \"b\"))");
    P("a and b and c", "(and (ident \"a\") (ident \"b\") (ident \"c\"))");
    P("a or b and c", "(or (ident \"a\") (and (ident \"b\") (ident \"c\")))");
    P("a and b or c", "(or (and (ident \"a\") (ident \"b\")) (ident \"c\"))");
    P("not a and b", "(and (not (ident \"a\")) (ident \"b\"))");
    P("not not a", "(ident \"a\")");
    P("not not not a", "(not (ident \"a\"))");
    P("not(a or b)", "(not (or (ident \"a\") (ident \"b\")))");
    P("not not(a)", "(ident \"a\")");
    P("not\ta", "(not (ident \"a\"))");
    P("nota", "(ident \"nota\")");
    P("(a)", "(ident \"a\")");
    P("( ( a ) )", "(ident \"a\")");
    P("a and(b or c)", "(and (ident \"a\") (or (ident \"b\") (ident \"c\")))");
    P("a or(b)", "(or (ident \"a\") (ident \"b\"))");
    P("(a)and(b)", "(and (ident \"a\") (ident \"b\"))");
    P("a\nand\r\nb", "(and (ident \"a\") (ident \"b\"))");
    P(" \t a \b", "(ident \"a\")");
    P("a_b1", "(ident \"a_b1\")");
}

TT_TEST(checks_operators_and_values)
{
    P("p.n exists", "(exists \"exists\" (field \"p.n\"))");
    P("p.n = x", "(check \"=\" (field \"p.n\") (value \"x\"))");
    P("p.n=x", "(check \"=\" (field \"p.n\") (value \"x\"))");
    P("p.n == x", "(check \"==\" (field \"p.n\") (value \"x\"))");
    P("p.n != x", "(check \"!=\" (field \"p.n\") (value \"x\"))");
    P("p.n<=5", "(check \"<=\" (field \"p.n\") (value \"5\"))");
    P("p.n < -5", "(check \"<\" (field \"p.n\") (value \"-5\"))");
    P("p.n >= +5", "(check \">=\" (field \"p.n\") (value \"+5\"))");
    P("p.n > 1.5", "(check \">\" (field \"p.n\") (value \"1.5\"))");
    P("p.n > 15.", "(check \">\" (field \"p.n\") (value \"15.\"))");
    P("p.n > 1e+5", "(check \">\" (field \"p.n\") (value \"1e+5\"))");
    P("p.n > 2.5E-10", "(check \">\" (field \"p.n\") (value \"2.5E-10\"))");
    P("p.n > 0x1F", "(check \">\" (field \"p.n\") (value \"0x1F\"))");
    P("p.n > 0Xab", "(check \">\" (field \"p.n\") (value \"0Xab\"))");
    P("p.n > 0x", "ERR 1:8 unexpected token after '0', expecting 'or', 'and'");
    P("p.n contains abc", "(check \"contains\" (field \"p.n\") (value \"abc\"))");
    P("p.n icontains a", "(check \"icontains\" (field \"p.n\") (value \"a\"))");
    P("p.n bcontains 0a", "(check \"bcontains\" (field \"p.n\") (value \"0a\"))");
    P("p.n startswith /a", "(check \"startswith\" (field \"p.n\") (value \"/a\"))");
    P("p.n bstartswith 0a", "(check \"bstartswith\" (field \"p.n\") (value \"0a\"))");
    P("p.n endswith a", "(check \"endswith\" (field \"p.n\") (value \"a\"))");
    P("p.n glob '*'", "(check \"glob\" (field \"p.n\") (value \"*\"))");
    P("p.n iglob a*", "(check \"iglob\" (field \"p.n\") (value \"a*\"))");
    P("p.n regex '.*'", "(check \"regex\" (field \"p.n\") (value \".*\"))");
    P("p.n\tcontains\n\"x y\"", "(check \"contains\" (field \"p.n\") (value \"x y\"))");
    P("p.n = a=b", "ERR 1:8 unexpected token after 'a', expecting 'or', 'and'");
    P("p.n = a,b", "ERR 1:8 unexpected token after 'a', expecting 'or', 'and'");
    P("p.n = /a/b.c", "(check \"=\" (field \"p.n\") (value \"/a/b.c\"))");
    P("a.b.c_d.e1 = x", "(check \"=\" (field \"a.b.c_d.e1\") (value \"x\"))");
    P("a.b. = x", "ERR 1:4 expected a valid check operator: one of 'exists', '<=', '<', '>=', "
                  "'>', '==', '=', '!=', 'glob', 'iglob', 'contains', 'icontains', 'bcontains', "
                  "'startswith', 'bstartswith', 'endswith', 'regex', 'intersects', 'in', 'pmatch'");
}

TT_TEST(lists)
{
    P("p.n in (a, b)", "(check \"in\" (field \"p.n\") (list \"a\" \"b\"))");
    P("p.n in(a,b)", "(check \"in\" (field \"p.n\") (list \"a\" \"b\"))");
    P("p.n in ()", "(check \"in\" (field \"p.n\") (list))");
    P("p.n in ( )", "(check \"in\" (field \"p.n\") (list))");
    P("p.n in (\"a b\", 'c,d', e)", "(check \"in\" (field \"p.n\") (list \"a b\" \"c,d\" \"e\"))");
    P("p.n intersects (a)", "(check \"intersects\" (field \"p.n\") (list \"a\"))");
    P("p.n pmatch (/a, /b)", "(check \"pmatch\" (field \"p.n\") (list \"/a\" \"/b\"))");
    P("p.n in shells", "(check \"in\" (field \"p.n\") (value \"shells\"))");
    P("p.n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17)",
      "(check \"in\" (field \"p.n\") (list \"1\" \"2\" \"3\" \"4\" \"5\" \"6\" \"7\" \"8\" \"9\" "
      "\"10\" \"11\" \"12\" \"13\" \"14\" \"15\" \"16\" \"17\"))");
    P("p.n in val(p.m)", "(check \"in\" (field \"p.n\") (trans \"val\" (field \"p.m\")))");
    P("p.n in (a, b", "ERR 1:13 expected a ')' token");
    P("p.n in (a,)", "ERR 1:11 expected a string value");
    P("p.n in 5", "ERR 1:8 expected a list, an identifier, or a field with a valid transformer: "
                  "'val', 'tolower', 'toupper', 'b64', 'basename', 'len', 'join', 'concat', "
                  "'getopt'");
}

TT_TEST(modifiers_only_before_a_list)
{
    P("p.n = anyof (a, b)", "(check \"= anyof\" (field \"p.n\") (list \"a\" \"b\"))");
    P("p.n contains oneof (a)", "(check \"contains oneof\" (field \"p.n\") (list \"a\"))");
    P("p.n != allof (a)", "(check \"!= allof\" (field \"p.n\") (list \"a\"))");
    P("p.n startswith allof shells",
      "(check \"startswith allof\" (field \"p.n\") (value \"shells\"))");
    P("p.n = anyof", "(check \"=\" (field \"p.n\") (value \"anyof\"))");
    P("p.n = anyof and b", "(and (check \"=\" (field \"p.n\") (value \"anyof\")) (ident \"b\"))");
    P("p.n = anyof or b", "(or (check \"=\" (field \"p.n\") (value \"anyof\")) (ident \"b\"))");
    P("p.n = anyof not", "ERR 1:13 unexpected token after 'anyof', expecting 'or', 'and'");
    P("p.n = anyof notx", "(check \"= anyof\" (field \"p.n\") (value \"notx\"))");
    P("p.n = anyof andy", "(check \"= anyof\" (field \"p.n\") (value \"andy\"))");
    P("p.n = anyof ornot", "(check \"= anyof\" (field \"p.n\") (value \"ornot\"))");
    P("p.n =anyof (a)", "ERR 1:12 unexpected token after 'anyof', expecting 'or', 'and'");
    P("p.n = anyof(a)", "ERR 1:12 unexpected token after 'anyof', expecting 'or', 'and'");
    P("p.n = anyof x", "(check \"= anyof\" (field \"p.n\") (value \"x\"))");
    P("p.n = anyof 5", "ERR 1:13 unexpected token after 'anyof', expecting 'or', 'and'");
}

TT_TEST(field_arguments)
{
    P("p.a[2] = x", "(check \"=\" (field \"p.a\" [\"2\"]) (value \"x\"))");
    P("p.a[HOME] = x", "(check \"=\" (field \"p.a\" [\"HOME\"]) (value \"x\"))");
    P("p.a['a b'] = x", "(check \"=\" (field \"p.a\" [\"a b\"]) (value \"x\"))");
    P("p.a[\"x]y\"] exists", "(exists \"exists\" (field \"p.a\" [\"x]y\"]))");
    P("p.a[a.b/c=d] exists", "(exists \"exists\" (field \"p.a\" [\"a.b/c=d\"]))");
    P("p.a[] = x", "ERR 1:5 expected a valid field argument: a quoted string or a bare string");
    P("p.a[ x] = x", "ERR 1:5 expected a valid field argument: a quoted string or a bare string");
    P("p.a[x = x", "ERR 1:6 expected a ']' token");
    P("p.a[x[y] = x", "ERR 1:6 expected a ']' token");
}

TT_TEST(transformers_and_val)
{
    P("tolower(p.n) = x", "(check \"=\" (trans \"tolower\" (field \"p.n\")) (value \"x\"))");
    P("toupper( p.n ) = x", "(check \"=\" (trans \"toupper\" (field \"p.n\")) (value \"x\"))");
    P("b64(p.n) exists", "(exists \"exists\" (trans \"b64\" (field \"p.n\")))");
    P("basename(len(p.n)) = x",
      "(check \"=\" (trans \"basename\" (trans \"len\" (field \"p.n\"))) (value \"x\"))");
    P("join(',', (p.a, 'x', 5, 0x1)) = x", "(check \"=\" (trans \"join\" (value \",\") (tlist "
                                           "(field \"p.a\") (value \"x\") (value \"5\") "
                                           "(value \"0x1\"))) (value \"x\"))");
    P("concat(p.a, tolower(p.b), \"-\") = x",
      "(check \"=\" (trans \"concat\" (field \"p.a\") (trans \"tolower\" (field \"p.b\")) "
      "(value \"-\")) (value \"x\"))");
    P("concat(p.a , 'b' ,p.c ) = x", "(check \"=\" (trans \"concat\" (field \"p.a\") (value \"b\") "
                                     "(field \"p.c\")) (value \"x\"))");
    P("join(',', ( )) = x", "(check \"=\" (trans \"join\" (value \",\") (tlist)) (value \"x\"))");
    P("join(',', (tolower( p.a ), p.b[1])) = x",
      "(check \"=\" (trans \"join\" (value \",\") (tlist (trans \"tolower\" (field \"p.a\")) "
      "(field \"p.b\" [\"1\"]))) (value \"x\"))");
    P("getopt(p.args, \"ab:\")[b] = x",
      "(check \"=\" (trans \"getopt\" [\"b\"] (field \"p.args\") (value \"ab:\")) (value \"x\"))");
    P("p.n = val(p.m)", "(check \"=\" (field \"p.n\") (trans \"val\" (field \"p.m\")))");
    P("p.n = val( p.m[2] )",
      "(check \"=\" (field \"p.n\") (trans \"val\" (field \"p.m\" [\"2\"])))");
    P("p.n = val(p.m)[1]", "(check \"=\" (field \"p.n\") (trans \"val\" [\"1\"] (field \"p.m\")))");
    P("p.n < len(p.m)", "(check \"<\" (field \"p.n\") (trans \"len\" (field \"p.m\")))");
    P("p.n = tolower(p.m)", "(check \"=\" (field \"p.n\") (trans \"tolower\" (field \"p.m\")))");
    P("p.n = vals(p.m)", "ERR 1:11 unexpected token after 'vals', expecting 'or', 'and'");
    P("p.n = val(5)", "ERR 1:11 expected a field within 'val' transformer");
    P("p.n = val(p.m", "ERR 1:14 expected a ')' token closing the transformer");
    P("tolower(p.n = x", "ERR 1:13 expected a ')' token closing the transformer");
    P("tolower() = x", "ERR 1:9 expected field transformer argument: field, transformer, quoted "
                       "string, number, or transformer list");
    P("join(',', (=)) = x", "ERR 1:12 expected transformer list argument: field, transformer, "
                            "quoted string, or number");
    P("join(',', (a.b x)) = x", "ERR 1:16 expected ')'");
    P("p.n = (a)", "ERR 1:7 expected a string value or a field with a valid transformer: 'val', "
                   "'tolower', 'toupper', 'b64', 'basename', 'len', 'join', 'concat', 'getopt'");
    P("p.n < x", "ERR 1:7 expected a number value or a field with a valid transformer: 'val', "
                 "'tolower', 'toupper', 'b64', 'basename', 'len', 'join', 'concat', 'getopt'");
}

TT_TEST(quoted_strings_and_escapes)
{
    P("p.n = \"a\\\"b\"", "(check \"=\" (field \"p.n\") (value \"a\\x22b\"))");
    P("p.n = 'a\\'b'", "(check \"=\" (field \"p.n\") (value \"a'b\"))");
    P("p.n = 'a\"b'", "(check \"=\" (field \"p.n\") (value \"a\\x22b\"))");
    P("p.n = \"\\b\\f\\n\\r\\t\"",
      "(check \"=\" (field \"p.n\") (value \"\\x08\\x0c\\x0a\\x0d\\x09\"))");
    P("p.n = \"a\\\\b\\/c\"", "(check \"=\" (field \"p.n\") (value \"a\\x5cb/c\"))");
    P("p.n = \"a\\ b\"", "(check \"=\" (field \"p.n\") (value \"a\\x5cb\"))");
    P("p.n = \"\\x41\\x7a\\x7E\"", "(check \"=\" (field \"p.n\") (value \"Az~\"))");
    P("p.n = ''", "(check \"=\" (field \"p.n\") (value \"\"))");
    P("p.n = \"\"", "(check \"=\" (field \"p.n\") (value \"\"))");
    P("p.n = 'it''s'", "ERR 1:11 unexpected token after 'it', expecting 'or', 'and'");
    P("p.n = \"a\\qb\"", "ERR 1:7 unsupported string escape sequence: \\q");
    P("p.n = 'a\\\"b'", "ERR 1:7 invalid \\\" escape in '-quoted string");
    P("p.n = \"a\\'b\"", "ERR 1:7 invalid \\' escape in \"-quoted string");
    P("p.n = \"\\x4\"", "ERR 1:7 truncated hex char escape sequence");
    P("p.n = \"\\x\"", "ERR 1:7 truncated hex char escape sequence");
    P("p.n = \"\\x4g\"", "ERR 1:7 invalid hex char escape sequence: 4g");
    P("p.n = \"\\xg4\"", "ERR 1:7 invalid hex char escape sequence: g4");
    P("p.n = \"\\x00\"", "ERR 1:7 string value may not contain a NUL character");
    P("p.n = \"abc", "ERR 1:7 expected a string value or a field with a valid transformer: 'val', "
                     "'tolower', 'toupper', 'b64', 'basename', 'len', 'join', 'concat', "
                     "'getopt'");
}

TT_TEST(positions_of_nodes)
{
    PP("a and\n  p.n = x",
       "(and@1:1 (ident@1:1 \"a\") (check@2:3 \"=\" (field@2:3 \"p.n\") (value@2:9 \"x\")))");
    PP("not  b", "(not@1:1 (ident@1:6 \"b\"))");
    PP("p.n in (a,\r b)", "(check@1:1 \"in\" (field@1:1 \"p.n\") (list@1:8 \"a\" \"b\"))");
    PP("x or tolower(p.n) = val(p.m)",
       "(or@1:1 (ident@1:1 \"x\") (check@1:6 \"=\" (trans@1:6 \"tolower\" (field@1:14 \"p.n\")) "
       "(trans@1:21 \"val\" (field@1:25 \"p.m\"))))");
}

TT_TEST(syntax_errors_with_positions)
{
    P("", "ERR 1:1 filter input string is empty");
    P("a b", "ERR 1:3 unexpected token after 'a', expecting 'or', 'and'");
    P("a and", "ERR 1:6 expected blank or '(' after 'and'");
    P("a and ", "ERR 1:7 expected a '(' token, a field check, or an identifier");
    P("a andb", "ERR 1:6 expected blank or '(' after 'and'");
    P("a and-b", "ERR 1:6 expected blank or '(' after 'and'");
    P("a or-b", "ERR 1:5 expected blank or '(' after 'or'");
    P("(a", "ERR 1:3 expected a ')' token");
    P("(a or b", "ERR 1:8 expected a ')' token");
    P("a)", "ERR 1:2 unexpected token after 'a', expecting 'or', 'and'");
    P("not(a", "ERR 1:6 expected a ')' token");
    P("5 = x", "ERR 1:1 expected a '(' token, a field check, or an identifier");
    P("p.n", "ERR 1:4 expected a valid check operator: one of 'exists', '<=', '<', '>=', '>', "
             "'==', '=', '!=', 'glob', 'iglob', 'contains', 'icontains', 'bcontains', "
             "'startswith', 'bstartswith', 'endswith', 'regex', 'intersects', 'in', 'pmatch'");
    P("p.n containsx", "ERR 1:5 expected a valid check operator: one of 'exists', '<=', '<', "
                       "'>=', '>', '==', '=', '!=', 'glob', 'iglob', 'contains', 'icontains', "
                       "'bcontains', 'startswith', 'bstartswith', 'endswith', 'regex', "
                       "'intersects', 'in', 'pmatch'");
    P("p.n contains", "ERR 1:5 expected a valid check operator: one of 'exists', '<=', '<', "
                      "'>=', '>', '==', '=', '!=', 'glob', 'iglob', 'contains', 'icontains', "
                      "'bcontains', 'startswith', 'bstartswith', 'endswith', 'regex', "
                      "'intersects', 'in', 'pmatch'");
    P("p.n = ", "ERR 1:7 expected a string value or a field with a valid transformer: 'val', "
                "'tolower', 'toupper', 'b64', 'basename', 'len', 'join', 'concat', 'getopt'");
    P("a\nand\n(b", "ERR 3:3 expected a ')' token");
    P("a\r\nb", "ERR 3:1 unexpected token after 'a', expecting 'or', 'and'");
}

TT_TEST(depth_limit)
{
    /* each parenthesis nests the grammar's levels: the limit counts those levels */
    char deep[1200];
    size_t k = 0;
    for (int i = 0; i < 30; i++)
        deep[k++] = '(';
    deep[k++] = 'a';
    for (int i = 0; i < 30; i++)
        deep[k++] = ')';
    deep[k] = '\0';
    TT_CHECK_STR(parse_depth(deep, 0, 1000), "(ident \"a\")");
    TT_CHECK_STR(parse_depth(deep, 0, 0), "ERR 1:21 exceeded max depth limit of 100");
    TT_CHECK_STR(parse_depth("a", 0, 5), "(ident \"a\")");
    TT_CHECK_STR(parse_depth("a", 0, 4), "ERR 1:1 exceeded max depth limit of 4");
    TT_CHECK_STR(parse_depth("(a)", 0, 10), "(ident \"a\")");
    TT_CHECK_STR(parse_depth("(a)", 0, 9), "ERR 1:2 exceeded max depth limit of 9");
    /* the depth comes back down after each subtree: siblings do not add up */
    TT_CHECK_STR(parse_depth("(a) and (b) and (c) and (d) and (e) and (f)", 0, 10),
                 "(and (ident \"a\") (ident \"b\") (ident \"c\") (ident \"d\") (ident \"e\") "
                 "(ident \"f\"))");
    TT_CHECK_STR(parse_depth("p.a = x", 0, 7), "ERR 1:7 exceeded max depth limit of 7");
    TT_CHECK_STR(parse_depth("p.a = x", 0, 8), "(check \"=\" (field \"p.a\") (value \"x\"))");
    TT_CHECK_STR(
        parse_depth("p.a = x and p.b = y and p.c in (z) and tolower(p.d) = val(p.e)", 0, 8),
        "ERR 1:62 exceeded max depth limit of 8");
    TT_CHECK_STR(
        parse_depth("p.a = x and p.b = y and p.c in (z) and tolower(p.d) = val(p.e)", 0, 9),
        "(and (check \"=\" (field \"p.a\") (value \"x\")) (check \"=\" (field \"p.b\") "
        "(value \"y\")) (check \"in\" (field \"p.c\") (list \"z\")) (check \"=\" (trans "
        "\"tolower\" (field \"p.d\")) (trans \"val\" (field \"p.e\"))))");
}

/* ---- socket domains a condition can match (for the tracer's filter) ---- */

static uint64_t domains(const char *text)
{
    struct arena a;
    arena_init(&a);
    struct cparse_err err;
    struct cnode *n = cond_parse(&a, text, 0, &err);
    uint64_t m = n ? cond_socket_domains(n) : 0xdead;
    arena_free(&a);
    return m;
}

TT_TEST(socket_domains_named_by_a_condition)
{
    const uint64_t all = COND_DOM_ALL;
    TT_CHECK(domains("evt.arg.domain = AF_UNSPEC") == 1ull << 0);
    TT_CHECK(domains("evt.arg.domain = AF_XDP") == 1ull << 44);
    TT_CHECK(domains("evt.arg.domain = AF_NOSUCH") == all); /* could be a number's rendering */
    TT_CHECK(domains("evt.arg.domain = 17") == all);
    TT_CHECK(domains("evt.arg.domain contains NOSUCH") == 0);
    TT_CHECK(domains("evt.arg.domain contains 17") == all);
    TT_CHECK(domains("evt.arg.domain contains UNSPEC") == 1ull << 0);
    TT_CHECK(domains("evt.arg.domain in (AF_UNIX, AF_NOSUCH)") == all);
    TT_CHECK(domains("evt.arg.domain in (AF_UNIX, AF_PACKET)") == ((1ull << 1) | (1ull << 17)));
    TT_CHECK(domains("evt.arg.domain in ()") == 0);
    TT_CHECK(domains("evt.arg.domain intersects (AF_UNIX)") == all);
    TT_CHECK(domains("evt.arg.domain pmatch (AF_UNIX)") == all);
    TT_CHECK(domains("evt.arg.domain startswith AF_UNIX") == all);
    TT_CHECK(domains("evt.arg.domain = anyof (AF_UNIX)") == all);
    TT_CHECK(domains("evt.arg.domain in shells") == all);
    TT_CHECK(domains("evt.arg.domain[1] = AF_UNIX") == all);
    TT_CHECK(domains("not evt.arg.domain = AF_UNIX") == all);
    TT_CHECK(domains("evt.arg.domain = AF_UNIX or evt.arg.domain = AF_INET") == 0x6);
    TT_CHECK(domains("evt.arg.domain = AF_UNIX and evt.arg.domain contains AF_") == 0x2);
    TT_CHECK(domains("not (evt.arg.domain != AF_UNIX)") == all);
    TT_CHECK(domains("evt.type = open") == 0);
    TT_CHECK(domains("not evt.type = open") == all);
    TT_CHECK(domains("not evt.type = socket") == 0);
    TT_CHECK(domains("evt.type = socket and not evt.type = open") == all);
}

int main(void)
{
    return tt_run_all();
}
