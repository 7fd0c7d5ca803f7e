/* SPDX-License-Identifier: MIT */
/*
 * Running a piece of a test in a forked child, for checks that must abort: the child's stderr
 * is captured so the test can look at the failure report.
 */
#ifndef NVKV_TESTS_HARNESS_CHILD_H
#define NVKV_TESTS_HARNESS_CHILD_H

#include <errno.h>
#include <stdio.h>

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Run `fn` in a child process with stderr captured into `out` (NUL-terminated); returns the
 * wait status, or -1 if the child could not be started.
 */
__attribute__((unused)) static int
harness_run_in_child(void (*fn)(void), char *out, size_t cap)
{
    int fds[2];
    out[0] = '\0';
    if (pipe(fds) != 0)
        return -1;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], STDERR_FILENO);
        close(fds[1]);
        fn();
        _exit(0);
    }
    close(fds[1]);
    size_t len = 0;
    for (;;) {
        ssize_t r = read(fds[0], out + len, cap - 1 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
        if (len == cap - 1) {
            char sink[256];
            while (read(fds[0], sink, sizeof(sink)) > 0) {
            }
            break;
        }
    }
    out[len] = '\0';
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    return status;
}

#endif
