/* pipe-type.exe \\.\pipe\NAME: connects to the pipe once and prints its
 * type as the client's end reports it (GetNamedPipeInfo): "byte" or
 * "message". Exits 1 if the pipe cannot be opened. Used by
 * scripts/windows-peers-node.sh to show that a grpc-js server's pipe is
 * byte-type under Wine, not assumed to be. */
#include <windows.h>
#include <stdio.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: pipe-type.exe \\\\.\\pipe\\NAME\n");
        return 2;
    }
    HANDLE pipe = CreateFileA(argv[1], GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
    if (pipe == INVALID_HANDLE_VALUE) {
        fprintf(stderr, "opening %s: error %lu\n", argv[1], GetLastError());
        return 1;
    }
    DWORD flags = 0;
    if (!GetNamedPipeInfo(pipe, &flags, NULL, NULL, NULL)) {
        fprintf(stderr, "GetNamedPipeInfo: error %lu\n", GetLastError());
        return 1;
    }
    printf("%s\n", (flags & PIPE_TYPE_MESSAGE) ? "message" : "byte");
    CloseHandle(pipe);
    return 0;
}
