#include "config_tree.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum tok_kind { TOK_WORD, TOK_OPEN, TOK_CLOSE, TOK_END, TOK_EOF };

struct lexer {
	const char *name;
	const char *p;
	int line;
	char *err;
	size_t errlen;
	char *word; /* owned by the lexer until taken */
};

static int __attribute__((format(printf, 2, 3)))
lex_fail(struct lexer *lx, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(lx->err, lx->errlen, "%s:%d: %s", lx->name, lx->line, msg);
	return -1;
}

static int
lex_is_word_char(char c)
{
	return c != '\0' && c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '{' &&
	       c != '}' && c != ';' && c != '#' && c != '"';
}

/* Returns the kind of the next token, or -1 on a lexical error. */
static int
lex_next(struct lexer *lx)
{
	for (;;) {
		while (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\r')
			lx->p++;
		if (*lx->p == '#')
			while (*lx->p != '\0' && *lx->p != '\n')
				lx->p++;
		if (*lx->p == '\\' && lx->p[1] == '\n') { /* line continuation */
			lx->p += 2;
			lx->line++;
			continue;
		}
		break;
	}
	switch (*lx->p) {
	case '\0':
		return TOK_EOF;
	case '\n':
		lx->p++;
		lx->line++;
		return TOK_END;
	case ';':
		lx->p++;
		return TOK_END;
	case '{':
		lx->p++;
		return TOK_OPEN;
	case '}':
		lx->p++;
		return TOK_CLOSE;
	case '"': {
		size_t cap = 64, n = 0;
		char *w = malloc(cap);
		if (w == NULL)
			return lex_fail(lx, "out of memory");
		lx->p++;
		while (*lx->p != '"') {
			char c = *lx->p;
			if (c == '\0' || c == '\n') {
				free(w);
				return lex_fail(lx, "unterminated quoted string");
			}
			if (c == '\\') {
				char e = lx->p[1];
				if (e != '"' && e != '\\') {
					free(w);
					return lex_fail(lx, "unknown escape \\%c in string (use \\\" or \\\\)",
							e ? e : ' ');
				}
				c = e;
				lx->p++;
			}
			if (n + 2 > cap) {
				char *nw = realloc(w, cap *= 2);
				if (nw == NULL) {
					free(w);
					return lex_fail(lx, "out of memory");
				}
				w = nw;
			}
			w[n++] = c;
			lx->p++;
		}
		lx->p++;
		w[n] = '\0';
		lx->word = w;
		return TOK_WORD;
	}
	default: {
		const char *s = lx->p;
		while (lex_is_word_char(*lx->p))
			lx->p++;
		if (lx->p == s)
			return lex_fail(lx, "unexpected character '%c'", *s);
		lx->word = strndup(s, (size_t)(lx->p - s));
		if (lx->word == NULL)
			return lex_fail(lx, "out of memory");
		return TOK_WORD;
	}
	}
}

static void
node_free(struct cfg_node *n)
{
	for (int i = 0; i < n->argc; i++) {
		/* values may be secrets */
		explicit_bzero(n->argv[i], strlen(n->argv[i]));
		free(n->argv[i]);
	}
	for (size_t i = 0; i < n->nchildren; i++)
		node_free(&n->children[i]);
	free(n->children);
}

/* Parses statements until '}' (depth > 0) or end of file (depth 0). */
static int
parse_block(struct lexer *lx, int depth, struct cfg_node **out, size_t *nout)
{
	struct cfg_node *nodes = NULL, cur;
	size_t n = 0;
	int tok;

	memset(&cur, 0, sizeof(cur));
	for (;;) {
		tok = lex_next(lx);
		if (tok < 0)
			goto fail;
		if (tok == TOK_WORD) {
			if (cur.argc == CFG_MAX_ARGS) {
				free(lx->word);
				lex_fail(lx, "too many values on one line");
				goto fail;
			}
			if (cur.argc == 0)
				cur.line = lx->line;
			cur.argv[cur.argc++] = lx->word;
			lx->word = NULL;
			continue;
		}
		if (tok == TOK_OPEN) {
			if (cur.argc == 0) {
				lex_fail(lx, "'{' without a setting name before it");
				goto fail;
			}
			if (depth + 1 >= CFG_MAX_DEPTH) {
				lex_fail(lx, "blocks nested too deeply");
				goto fail;
			}
			cur.block = 1;
			if (parse_block(lx, depth + 1, &cur.children, &cur.nchildren) < 0)
				goto fail;
		}
		if (cur.argc > 0 && (tok == TOK_END || tok == TOK_OPEN || tok == TOK_CLOSE ||
				     tok == TOK_EOF)) {
			struct cfg_node *nn = realloc(nodes, (n + 1) * sizeof(*nodes));
			if (nn == NULL) {
				lex_fail(lx, "out of memory");
				goto fail;
			}
			nodes = nn;
			nodes[n++] = cur;
			memset(&cur, 0, sizeof(cur));
		}
		if (tok == TOK_CLOSE) {
			if (depth == 0) {
				lex_fail(lx, "'}' without a matching '{'");
				goto fail;
			}
			break;
		}
		if (tok == TOK_EOF) {
			if (depth > 0) {
				lex_fail(lx, "missing '}' at end of file");
				goto fail;
			}
			break;
		}
	}
	*out = nodes;
	*nout = n;
	return 0;
fail:
	node_free(&cur);
	for (size_t i = 0; i < n; i++)
		node_free(&nodes[i]);
	free(nodes);
	return -1;
}

int
cfg_tree_parse(struct cfg_tree *tree, const char *name, const char *text, char *err,
	       size_t errlen)
{
	struct lexer lx = {.name = name, .p = text, .line = 1, .err = err, .errlen = errlen};

	memset(tree, 0, sizeof(*tree));
	return parse_block(&lx, 0, &tree->nodes, &tree->nnodes);
}

void
cfg_tree_free(struct cfg_tree *tree)
{
	for (size_t i = 0; i < tree->nnodes; i++)
		node_free(&tree->nodes[i]);
	free(tree->nodes);
	memset(tree, 0, sizeof(*tree));
}

int
cfg_fail(struct cfg_ctx *ctx, const struct cfg_node *n, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(ctx->err, ctx->errlen, "%s:%d: %s", ctx->name, n->line, msg);
	return -1;
}
