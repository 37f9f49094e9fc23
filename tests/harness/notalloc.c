/* A shared library that is not an allocator: preloaded in place of jemalloc by the
 * allocator-check test (PMLAB_LIB_JEMALLOC). */
int pmlab_notalloc_marker(void);
int pmlab_notalloc_marker(void)
{
    return 42;
}
