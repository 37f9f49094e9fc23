/* hello.c — PathMap in 15 lines: new, set, get, clone, iterate. */
#include <pathmap.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    pm_map *m, *snap;
    const char *keys[] = {"spaces/1/facts/sky", "spaces/1/facts/sea", "spaces/2/facts/sun"};
    if (pm_map_new(NULL, &m) != PM_OK)
        return 1;
    for (int i = 0; i < 3; i++)
        pm_map_set(m, (const uint8_t *)keys[i], strlen(keys[i]), (uint64_t)i, NULL, NULL);
    pm_map_clone(m, &snap); /* O(1): shares every node */
    pm_map_set(m, (const uint8_t *)"spaces/3", 8, 3, NULL, NULL);
    uint64_t v = 0;
    pm_map_get(snap, (const uint8_t *)keys[1], strlen(keys[1]), &v);
    printf("snapshot: %s = %llu\n", keys[1], (unsigned long long)v);
    pm_iter *it;
    const uint8_t *k;
    size_t len;
    pm_iter_new(m, (const uint8_t *)"spaces/", 7, &it);
    while (pm_iter_next(it, &k, &len, &v) == PM_OK)
        printf("%.*s = %llu\n", (int)len, (const char *)k, (unsigned long long)v);
    pm_iter_free(it);
    pm_map_free(snap);
    pm_map_free(m);
    return 0;
}
