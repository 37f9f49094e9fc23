/* report.html: report.md -> a self-contained HTML page, images inlined */
#ifndef PMLAB_HTML_H
#define PMLAB_HTML_H
#include "pmlab_int.h"

int html_render(const char *dir);

#endif
