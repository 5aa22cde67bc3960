// Calls a piperpc server on a Windows named pipe with stock grpc-go:
// go-winio's DialPipe as grpc.WithContextDialer, and before any byte of
// gRPC is sent, a check that the pipe's server is the expected one (its
// process id from GetNamedPipeServerProcessId, then that process's user
// SID and, if asked, its executable), as piperpc's own client does.
//
//	GOOS=windows GOARCH=amd64 go build -o call-piperpc.exe .
//	call-piperpc.exe [-pipe \\.\pipe\piperpc-demo] [-exe C:\path\to\server.exe]
//
// It asks the server's health service (grpc.health.v1, which
// `piperpc serve` and any server with health serve); use your own
// generated stubs on the same connection in the same way.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
	"time"
	"unsafe"

	"github.com/Microsoft/go-winio"
	"golang.org/x/sys/windows"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

var getNamedPipeServerProcessID = windows.NewLazySystemDLL("kernel32.dll").NewProc("GetNamedPipeServerProcessId")

func main() {
	pipe := flag.String("pipe", `\\.\pipe\piperpc-demo`, "the server's pipe")
	exe := flag.String("exe", "", "the executable the server must run from (default: any)")
	flag.Parse()

	dial := func(ctx context.Context, _ string) (net.Conn, error) {
		conn, err := winio.DialPipeContext(ctx, *pipe)
		if err != nil {
			return nil, err
		}
		if err := verifyServer(conn, *exe); err != nil {
			conn.Close()
			return nil, fmt.Errorf("%s: %w", *pipe, err)
		}
		return conn, nil
	}
	// The target is only the :authority sent; the dialer picks the pipe.
	client, err := grpc.NewClient("passthrough:///localhost",
		grpc.WithContextDialer(dial),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		fail(err)
	}
	defer client.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	reply, err := healthpb.NewHealthClient(client).Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		fail(err)
	}
	fmt.Println("health:", reply.Status)
}

// verifyServer checks who serves the pipe conn is connected to: its process
// must run as this user or as LocalSystem and, when exe is given, from that
// executable. A pipe name is first come, first served: any process of this
// user can create one before the real server does.
func verifyServer(conn net.Conn, exe string) error {
	fd, ok := conn.(interface{ Fd() uintptr })
	if !ok {
		return fmt.Errorf("go-winio's connection has no handle to check")
	}
	var pid uint32
	if ok, _, err := getNamedPipeServerProcessID.Call(fd.Fd(), uintptr(unsafe.Pointer(&pid))); ok == 0 {
		return fmt.Errorf("GetNamedPipeServerProcessId: %w", err)
	}
	process, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, pid)
	if err != nil {
		return fmt.Errorf("opening the server's process %d: %w", pid, err)
	}
	defer windows.CloseHandle(process)

	var token windows.Token
	if err := windows.OpenProcessToken(process, windows.TOKEN_QUERY, &token); err != nil {
		return fmt.Errorf("the server's token (process %d): %w", pid, err)
	}
	defer token.Close()
	server, err := token.GetTokenUser()
	if err != nil {
		return err
	}
	me, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return err
	}
	system, _ := windows.CreateWellKnownSid(windows.WinLocalSystemSid)
	if !server.User.Sid.Equals(me.User.Sid) && !server.User.Sid.Equals(system) {
		return fmt.Errorf("the server (process %d) runs as %s, neither this user nor LocalSystem", pid, server.User.Sid)
	}

	if exe != "" {
		buf := make([]uint16, windows.MAX_LONG_PATH)
		size := uint32(len(buf))
		if err := windows.QueryFullProcessImageName(process, 0, &buf[0], &size); err != nil {
			return fmt.Errorf("the server's executable (process %d): %w", pid, err)
		}
		if got := windows.UTF16ToString(buf[:size]); !strings.EqualFold(got, exe) {
			return fmt.Errorf("the server (process %d) runs %s, not %s", pid, got, exe)
		}
	}
	fmt.Printf("server: process %d, user %s\n", pid, server.User.Sid)
	return nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "error:", err)
	os.Exit(1)
}
