/* The built-in `selftest` experiment (selftest.c): main.c registers it before the generated
 * registrations, so the registry does not depend on experiment code. */
#ifndef PMLAB_SELFTEST_H
#define PMLAB_SELFTEST_H
#include "pmlab_int.h"

void pmlab_register_builtin(pmlab_registry *r);

#endif
