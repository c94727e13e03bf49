/* Runs a fuzz target over files (its seed corpus) without libFuzzer, so that `make test`
 * replays the corpus with gcc and the sanitizers; `make fuzz` builds the real fuzzers with
 * clang. TAP: one point per file. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    if (argc != 2) return 2;
    struct dirent **names;
    int n = scandir(argv[1], &names, NULL, alphasort);
    int files = 0;
    for (int i = 0; i < n; i++)
        if (names[i]->d_name[0] != '.') files++;
    printf("1..%d\n", files);
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (names[i]->d_name[0] == '.') {
            free(names[i]);
            continue;
        }
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", argv[1], names[i]->d_name);
        FILE *f = fopen(path, "rb");
        if (!f) {
            printf("not ok %d - %s (cannot read)\n", ++k, names[i]->d_name);
            continue;
        }
        fseek(f, 0, SEEK_END);
        long len = ftell(f);
        fseek(f, 0, SEEK_SET);
        uint8_t *data = malloc((size_t)len + 1);
        size_t got = fread(data, 1, (size_t)len, f);
        fclose(f);
        LLVMFuzzerTestOneInput(data, got);
        free(data);
        printf("ok %d - %s\n", ++k, names[i]->d_name);
        free(names[i]);
    }
    free(names);
    return 0;
}
