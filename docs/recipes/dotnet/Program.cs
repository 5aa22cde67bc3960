// Calls a piperpc server on a Windows named pipe with stock grpc-dotnet:
// SocketsHttpHandler.ConnectCallback opens the pipe (NamedPipeClientStream)
// instead of a TCP socket, then checks who serves it before HTTP/2 starts.
//
//   dotnet run -- [PIPE_NAME] [C:\path\to\expected\server.exe]
//
// Who is the server? A pipe name is first come, first served: any process
// of this user could have created it. Two checks, as piperpc's client makes:
// - PipeOptions.CurrentUserOnly: .NET refuses a pipe whose owner is not
//   this user (UnauthorizedAccessException). A server running as
//   LocalSystem (a Windows service) fails it: drop the option and check the
//   server's SID yourself in that case.
// - GetNamedPipeServerProcessId: the server's process, whose executable
//   can be compared with the one expected.
using System.ComponentModel;
using System.Diagnostics;
using System.IO.Pipes;
using System.Runtime.InteropServices;
using Grpc.Health.V1;
using Grpc.Net.Client;

var pipeName = args.Length > 0 ? args[0] : "piperpc-demo"; // \\.\pipe\piperpc-demo
var expectedExe = args.Length > 1 ? args[1] : null;

var handler = new SocketsHttpHandler
{
    ConnectCallback = async (context, cancellationToken) =>
    {
        var pipe = new NamedPipeClientStream(".", pipeName, PipeDirection.InOut,
            PipeOptions.Asynchronous | PipeOptions.CurrentUserOnly);
        try
        {
            await pipe.ConnectAsync(cancellationToken);
            VerifyServer(pipe, expectedExe);
            return pipe;
        }
        catch
        {
            await pipe.DisposeAsync();
            throw;
        }
    },
};

// The URI only names the :authority; ConnectCallback picks the pipe.
using var channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions
{
    HttpHandler = handler,
});
var reply = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(),
    deadline: DateTime.UtcNow.AddSeconds(10));
Console.WriteLine($"health: {reply.Status}");

static void VerifyServer(NamedPipeClientStream pipe, string? expectedExe)
{
    if (!NativeMethods.GetNamedPipeServerProcessId(pipe.SafePipeHandle, out var pid))
    {
        throw new Win32Exception(Marshal.GetLastWin32Error(), "GetNamedPipeServerProcessId");
    }
    using var process = Process.GetProcessById((int)pid);
    var exe = process.MainModule?.FileName ?? "(unknown)";
    if (expectedExe is not null && !string.Equals(exe, expectedExe, StringComparison.OrdinalIgnoreCase))
    {
        throw new UnauthorizedAccessException($"the pipe is served by {exe} (process {pid}), not {expectedExe}");
    }
    Console.WriteLine($"server: process {pid}, {exe}");
}

static class NativeMethods
{
    [DllImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static extern bool GetNamedPipeServerProcessId(
        Microsoft.Win32.SafeHandles.SafePipeHandle pipe, out uint serverProcessId);
}
