/* report.md -> report.html: a self-contained page (CSS inline, PNG images inlined as base64
 * data URIs, links reduced to their text) that can be viewed offline. Handles the markdown that
 * pmlab writes: headings, tables, fenced code, lists, images, links, `code` and **bold**. */
#define _GNU_SOURCE
#include "html.h"

#include <stdlib.h>
#include <string.h>

static void esc(sbuf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n && s[i]; i++) {
        char c = s[i];
        if (c == '&')
            sb_add(b, "&amp;");
        else if (c == '<')
            sb_add(b, "&lt;");
        else if (c == '>')
            sb_add(b, "&gt;");
        else if (c == '"')
            sb_add(b, "&quot;");
        else
            sb_printf(b, "%c", c);
    }
}

static void b64(sbuf *b, const unsigned char *d, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = xmalloc(4 * ((n + 2) / 3) + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)d[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)d[i + 1] << 8;
        if (i + 2 < n)
            v |= d[i + 2];
        out[k++] = tab[(v >> 18) & 63];
        out[k++] = tab[(v >> 12) & 63];
        out[k++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        out[k++] = i + 2 < n ? tab[v & 63] : '=';
    }
    out[k] = 0;
    sb_add(b, out);
    free(out);
}

/* inline markdown: images, links, `code`, **bold** */
static void inl(sbuf *b, const char *dir, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        if (s[i] == '`') {
            const char *e = strchr(s + i + 1, '`');
            if (e) {
                sb_add(b, "<code>");
                esc(b, s + i + 1, (size_t)(e - s - i - 1));
                sb_add(b, "</code>");
                i = (size_t)(e - s) + 1;
                continue;
            }
        }
        if (s[i] == '*' && s[i + 1] == '*') {
            const char *e = strstr(s + i + 2, "**");
            if (e) {
                char *inner = strndup(s + i + 2, (size_t)(e - s - i - 2));
                sb_add(b, "<b>");
                inl(b, dir, inner);
                sb_add(b, "</b>");
                free(inner);
                i = (size_t)(e - s) + 2;
                continue;
            }
        }
        bool img = s[i] == '!' && s[i + 1] == '[';
        if (img || s[i] == '[') {
            const char *lb = s + i + (img ? 1 : 0);
            const char *rb = strchr(lb, ']');
            if (rb && rb[1] == '(') {
                const char *rp = strchr(rb + 2, ')');
                if (rp) {
                    char *text = strndup(lb + 1, (size_t)(rb - lb - 1));
                    char *target = strndup(rb + 2, (size_t)(rp - rb - 2));
                    if (img) {
                        char *path =
                            target[0] == '/' ? xstrdup(target) : xasprintf("%s/%s", dir, target);
                        size_t len = 0;
                        char *data = slurp(path, &len);
                        size_t tl = strlen(target);
                        if (data && tl > 4 && !strcmp(target + tl - 4, ".png")) {
                            sb_add(b, "<img alt=\"");
                            esc(b, text, strlen(text));
                            sb_add(b, "\" src=\"data:image/png;base64,");
                            b64(b, (const unsigned char *)data, len);
                            sb_add(b, "\">");
                        } else {
                            sb_add(b, "<i>[image not available: ");
                            esc(b, text, strlen(text));
                            sb_add(b, "]</i>");
                        }
                        free(data);
                        free(path);
                    } else {
                        /* no references out of the page: the link's text only */
                        inl(b, dir, text);
                    }
                    free(text);
                    free(target);
                    i = (size_t)(rp - s) + 1;
                    continue;
                }
            }
        }
        esc(b, s + i, 1);
        i++;
    }
}

static bool is_sep_row(const char *l)
{
    if (*l != '|')
        return false;
    for (; *l; l++)
        if (!strchr("|-: ", *l))
            return false;
    return true;
}

static void table_row(sbuf *b, const char *dir, const char *line, bool head)
{
    sb_add(b, "<tr>");
    const char *p = line + 1;
    while (*p) {
        /* split on | not inside `code` */
        const char *q = p;
        bool code = false;
        while (*q && (code || *q != '|')) {
            if (*q == '`')
                code = !code;
            q++;
        }
        if (!*q)
            break;
        char *cell = strndup(p, (size_t)(q - p));
        char *c = cell;
        while (*c == ' ')
            c++;
        for (char *e = c + strlen(c); e > c && e[-1] == ' ';)
            *--e = 0;
        sb_add(b, head ? "<th>" : "<td>");
        inl(b, dir, c);
        sb_add(b, head ? "</th>" : "</td>");
        free(cell);
        p = q + 1;
    }
    sb_add(b, "</tr>\n");
}

int html_render(const char *dir)
{
    char *mdp = xasprintf("%s/report.md", dir);
    char *md = slurp(mdp, NULL);
    free(mdp);
    if (!md)
        return -1;
    sbuf b = {0};
    sb_add(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
               "<title>pmlab report</title>\n<style>\n"
               "body{font-family:sans-serif;max-width:1200px;margin:1em auto;padding:0 1em;"
               "color:#222;line-height:1.4}\n"
               "table{border-collapse:collapse;margin:0.6em 0;font-size:0.88em}\n"
               "th,td{border:1px solid #bbb;padding:3px 6px;vertical-align:top;text-align:left}\n"
               "th{background:#eee}\ntr:nth-child(even) td{background:#fafafa}\n"
               "code{background:#f1f1f1;padding:0 2px}\n"
               "pre{background:#f4f4f4;padding:0.6em;overflow-x:auto}\n"
               "img{max-width:100%;border:1px solid #ddd}\n"
               "</style></head><body>\n");
    strvec lines = {0};
    /* split keeping empty lines */
    for (char *p = md; *p;) {
        char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char *l = strndup(p, len);
        sv_push(&lines, l);
        free(l);
        p = nl ? nl + 1 : p + len;
    }
    bool in_code = false, in_list = false, in_para = false;
    for (size_t i = 0; i < lines.n; i++) {
        const char *l = lines.v[i];
        if (!strncmp(l, "```", 3)) {
            if (in_para)
                sb_add(&b, "</p>\n");
            if (in_list)
                sb_add(&b, "</ul>\n");
            in_para = in_list = false;
            sb_add(&b, in_code ? "</code></pre>\n" : "<pre><code>");
            in_code = !in_code;
            continue;
        }
        if (in_code) {
            esc(&b, l, strlen(l));
            sb_add(&b, "\n");
            continue;
        }
        bool list_item = !strncmp(l, "- ", 2) || !strncmp(l, "* ", 2);
        if (in_list && !list_item) {
            sb_add(&b, "</ul>\n");
            in_list = false;
        }
        if (!*l) {
            if (in_para)
                sb_add(&b, "</p>\n");
            in_para = false;
            continue;
        }
        if (l[0] == '#') {
            int lvl = 0;
            while (l[lvl] == '#')
                lvl++;
            if (in_para)
                sb_add(&b, "</p>\n");
            in_para = false;
            sb_printf(&b, "<h%d>", lvl > 6 ? 6 : lvl);
            inl(&b, dir, l + lvl + (l[lvl] == ' '));
            sb_printf(&b, "</h%d>\n", lvl > 6 ? 6 : lvl);
            continue;
        }
        if (l[0] == '|') {
            if (in_para)
                sb_add(&b, "</p>\n");
            in_para = false;
            sb_add(&b, "<table>\n");
            bool head = i + 1 < lines.n && is_sep_row(lines.v[i + 1]);
            for (; i < lines.n && lines.v[i][0] == '|'; i++) {
                if (is_sep_row(lines.v[i]))
                    continue;
                table_row(&b, dir, lines.v[i], head);
                head = false;
            }
            i--;
            sb_add(&b, "</table>\n");
            continue;
        }
        if (list_item) {
            if (in_para)
                sb_add(&b, "</p>\n");
            in_para = false;
            if (!in_list)
                sb_add(&b, "<ul>\n");
            in_list = true;
            sb_add(&b, "<li>");
            inl(&b, dir, l + 2);
            sb_add(&b, "</li>\n");
            continue;
        }
        if (!in_para)
            sb_add(&b, "<p>");
        else
            sb_add(&b, "\n");
        in_para = true;
        inl(&b, dir, l);
    }
    if (in_code)
        sb_add(&b, "</code></pre>\n");
    if (in_list)
        sb_add(&b, "</ul>\n");
    if (in_para)
        sb_add(&b, "</p>\n");
    sb_add(&b, "</body></html>\n");
    char *hp = xasprintf("%s/report.html", dir);
    FILE *f = fopen(hp, "w");
    int rc = -1;
    if (f) {
        fputs(b.s, f);
        rc = fclose(f) == 0 ? 0 : -1;
    }
    free(hp);
    sb_free(&b);
    sv_free(&lines);
    free(md);
    return rc;
}
