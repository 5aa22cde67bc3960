//go:build windows

// Command peer is a grpc-go program on go-winio named pipes, run under Wine
// against piperpc (scripts/windows-peers-go.sh):
//
//	peer client PIPE               calls piperpc.Echo's four RPC kinds on PIPE
//	peer server PIPE [--message]   serves piperpc.Echo (and reflection) on PIPE,
//	                               a byte-type pipe unless --message
//	peer pipetype PIPE             prints "byte" or "message": the pipe's type as
//	                               GetNamedPipeInfo reports it to a client
//
// The client dials through go-winio's DialPipe (grpc.WithContextDialer), the
// server listens on go-winio's ListenPipe: the stock way a Go program speaks
// gRPC over a Windows named pipe. Each prints what it did and exits non-zero
// on the first thing that differs from what piperpc's demo server answers.
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/Microsoft/go-winio"
	"golang.org/x/sys/windows"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/reflection"

	pb "piperpc.test/windowspeers/echopb"
)

func main() {
	if len(os.Args) < 3 {
		fail("usage: peer client PIPE | peer server PIPE [--message]")
	}
	pipe := os.Args[2]
	switch os.Args[1] {
	case "client":
		if err := client(pipe); err != nil {
			fail("client: %v", err)
		}
		fmt.Println("client: all four RPC kinds passed")
	case "server":
		message := len(os.Args) > 3 && os.Args[3] == "--message"
		if err := server(pipe, message); err != nil {
			fail("server: %v", err)
		}
	case "pipetype":
		kind, err := pipeType(pipe)
		if err != nil {
			fail("pipetype: %v", err)
		}
		fmt.Println(kind)
	default:
		fail("unknown mode %q", os.Args[1])
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

func client(pipe string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := grpc.NewClient("passthrough:///"+pipe,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
			return winio.DialPipeContext(ctx, pipe)
		}))
	if err != nil {
		return err
	}
	defer conn.Close()
	echo := pb.NewEchoClient(conn)

	// Unary, with a payload larger than one pipe buffer.
	payload := bytes.Repeat([]byte("go-winio "), 100_000)
	reply, err := echo.Echo(ctx, &pb.EchoRequest{Message: "hello from grpc-go", Payload: payload})
	if err != nil {
		return fmt.Errorf("Echo: %w", err)
	}
	if reply.Message != "hello from grpc-go" || !bytes.Equal(reply.Payload, payload) {
		return fmt.Errorf("Echo: got %q and %d payload bytes", reply.Message, len(reply.Payload))
	}
	fmt.Printf("unary Echo: %q, %d payload bytes\n", reply.Message, len(reply.Payload))

	// Server streaming.
	count, err := echo.Count(ctx, &pb.CountRequest{Count: 5, PayloadSize: 70_000})
	if err != nil {
		return fmt.Errorf("Count: %w", err)
	}
	var numbers []uint32
	for {
		message, err := count.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("Count: %w", err)
		}
		if len(message.Payload) != 70_000 {
			return fmt.Errorf("Count: message %d has %d payload bytes", message.Number, len(message.Payload))
		}
		numbers = append(numbers, message.Number)
	}
	if fmt.Sprint(numbers) != "[1 2 3 4 5]" {
		return fmt.Errorf("Count: got %v", numbers)
	}
	fmt.Printf("server streaming Count: %v\n", numbers)

	// Client streaming.
	collect, err := echo.Collect(ctx)
	if err != nil {
		return fmt.Errorf("Collect: %w", err)
	}
	for _, data := range []string{"one", "two", "three"} {
		if err := collect.Send(&pb.CollectRequest{Data: []byte(data)}); err != nil {
			return fmt.Errorf("Collect: %w", err)
		}
	}
	sum, err := collect.CloseAndRecv()
	if err != nil {
		return fmt.Errorf("Collect: %w", err)
	}
	if sum.Count != 3 || sum.TotalBytes != 11 {
		return fmt.Errorf("Collect: got count=%d total_bytes=%d", sum.Count, sum.TotalBytes)
	}
	fmt.Printf("client streaming Collect: count=%d total_bytes=%d\n", sum.Count, sum.TotalBytes)

	// Bidirectional: each answer before the next message is sent.
	chat, err := echo.Chat(ctx)
	if err != nil {
		return fmt.Errorf("Chat: %w", err)
	}
	for i, text := range []string{"ping", "pong"} {
		if err := chat.Send(&pb.ChatRequest{Text: text}); err != nil {
			return fmt.Errorf("Chat: %w", err)
		}
		answer, err := chat.Recv()
		if err != nil {
			return fmt.Errorf("Chat: %w", err)
		}
		if answer.Sequence != uint64(i+1) || answer.Text != "you said: "+text {
			return fmt.Errorf("Chat: got %d %q", answer.Sequence, answer.Text)
		}
		fmt.Printf("bidi Chat: %d %q\n", answer.Sequence, answer.Text)
	}
	if err := chat.CloseSend(); err != nil {
		return fmt.Errorf("Chat: %w", err)
	}
	if _, err := chat.Recv(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("Chat: expected the end of the stream, got %v", err)
	}
	return nil
}

func server(pipe string, message bool) error {
	listener, err := winio.ListenPipe(pipe, &winio.PipeConfig{MessageMode: message})
	if err != nil {
		return err
	}
	if isWine() {
		if err := claimReservation(pipe); err != nil {
			return err
		}
	}
	s := grpc.NewServer()
	pb.RegisterEchoServer(s, echoServer{})
	reflection.Register(s)
	kind := "byte"
	if message {
		kind = "message"
	}
	fmt.Printf("listening on %s (%s-type pipe)\n", pipe, kind)
	return s.Serve(listener)
}

// pipeType opens a client handle to pipe and asks the OS for its type.
func pipeType(pipe string) (string, error) {
	name, err := windows.UTF16PtrFromString(pipe)
	if err != nil {
		return "", err
	}
	// Busy until the server's Accept makes its next instance: retry, as
	// every client of a pipe does.
	var h windows.Handle
	for deadline := time.Now().Add(10 * time.Second); ; {
		h, err = windows.CreateFile(name, windows.GENERIC_READ|windows.GENERIC_WRITE, 0, nil,
			windows.OPEN_EXISTING, 0, 0)
		if err == nil {
			break
		}
		if !errors.Is(err, windows.ERROR_PIPE_BUSY) || time.Now().After(deadline) {
			return "", err
		}
		time.Sleep(20 * time.Millisecond)
	}
	defer windows.CloseHandle(h)
	var flags uint32
	if err := windows.GetNamedPipeInfo(h, &flags, nil, nil, nil); err != nil {
		return "", err
	}
	if flags&windows.PIPE_TYPE_MESSAGE != 0 {
		return "message", nil
	}
	return "byte", nil
}

// isWine: Wine's ntdll exports wine_get_version; Windows' does not.
func isWine() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}

// claimReservation works around what Wine does not model. ListenPipe's
// first instance only reserves the name: created without read or write
// access, Windows leaves it disconnected, so clients reach the instances
// that Accept creates. Wine leaves it listening instead, and the first client
// reaches an instance that nobody serves (and hangs there). One connection,
// opened and closed here before the server is announced, takes it out of
// the listening state on Wine; on Windows this is never called.
func claimReservation(pipe string) error {
	timeout := 5 * time.Second
	conn, err := winio.DialPipe(pipe, &timeout)
	if err != nil {
		return fmt.Errorf("claiming go-winio's reservation instance under Wine: %w", err)
	}
	fmt.Println("under Wine: claimed go-winio's name-reserving first instance, which Wine leaves listening")
	return conn.Close()
}

// echoServer answers as piperpc's demo Echo does.
type echoServer struct {
	pb.UnimplementedEchoServer
}

func (echoServer) Echo(_ context.Context, request *pb.EchoRequest) (*pb.EchoResponse, error) {
	return &pb.EchoResponse{Message: request.Message, Payload: request.Payload}, nil
}

func (echoServer) Count(request *pb.CountRequest, stream grpc.ServerStreamingServer[pb.CountResponse]) error {
	payload := bytes.Repeat([]byte{'x'}, int(request.PayloadSize))
	for number := uint32(1); number <= request.Count; number++ {
		if err := stream.Send(&pb.CountResponse{Number: number, Payload: payload}); err != nil {
			return err
		}
	}
	return nil
}

func (echoServer) Collect(stream grpc.ClientStreamingServer[pb.CollectRequest, pb.CollectResponse]) error {
	var count, total uint64
	for {
		request, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return stream.SendAndClose(&pb.CollectResponse{Count: count, TotalBytes: total})
		}
		if err != nil {
			return err
		}
		count++
		total += uint64(len(request.Data))
	}
}

func (echoServer) Chat(stream grpc.BidiStreamingServer[pb.ChatRequest, pb.ChatResponse]) error {
	var sequence uint64
	for {
		request, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		sequence++
		if err := stream.Send(&pb.ChatResponse{Sequence: sequence, Text: "you said: " + request.Text}); err != nil {
			return err
		}
	}
}
