/*
 * bcryptprimitives.dll shim for Wine 8.
 *
 * Rust's std on Windows imports ProcessPrng from bcryptprimitives.dll, which
 * Wine 8.0 does not provide: every Rust .exe then fails to start with status
 * c0000135. This DLL exports ProcessPrng, filling the buffer with
 * RtlGenRandom (advapi32's SystemFunction036). Only for running tests under
 * Wine; real Windows has its own bcryptprimitives.dll.
 *
 * Build: x86_64-w64-mingw32-gcc -shared -o bcryptprimitives.dll \
 *            bcryptprimitives.c -ladvapi32
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
