package live

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"
)

// installOpenSSL is what to do when openssl is missing.
const installOpenSSL = "apt-get install -y openssl"

// findOpenSSL locates the openssl program.
func findOpenSSL() (string, error) {
	for _, p := range []string{"openssl", "/usr/bin/openssl"} {
		if path, err := exec.LookPath(p); err == nil {
			return path, nil
		}
	}
	return "", fmt.Errorf("openssl not found: %s", installOpenSSL)
}

// sServer is a running openssl s_server.
type sServer struct {
	cmd  *exec.Cmd
	out  bytes.Buffer
	exit chan error
}

// startSServer runs openssl s_server on addr with -www (it answers a GET
// with a status page and closes) for naccept connections, and returns
// once it prints ACCEPT.
func startSServer(ctx context.Context, openssl, addr, cert, key, chain string, naccept int) (*sServer, error) {
	s := &sServer{exit: make(chan error, 1)}
	s.cmd = exec.CommandContext(ctx, openssl, "s_server", "-accept", addr, "-cert", cert, "-key", key,
		"-cert_chain", chain, "-www", "-alpn", "http/1.1", "-naccept", fmt.Sprint(naccept))
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	s.cmd.Stderr = &s.out
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("openssl s_server: %w", err)
	}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		signalled := false
		for sc.Scan() {
			if !signalled && strings.Contains(sc.Text(), "ACCEPT") {
				close(ready)
				signalled = true
			}
		}
		io.Copy(io.Discard, stdout)
		s.exit <- s.cmd.Wait()
	}()
	select {
	case <-ready:
		return s, nil
	case err := <-s.exit:
		return nil, fmt.Errorf("openssl s_server exited: %v: %s", err, bytes.TrimSpace(s.out.Bytes()))
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-s.exit
		return nil, fmt.Errorf("openssl s_server did not start: %s", bytes.TrimSpace(s.out.Bytes()))
	}
}

// wait waits for s_server to exit after its last connection.
func (s *sServer) wait(timeout time.Duration) error {
	select {
	case err := <-s.exit:
		if err != nil {
			return fmt.Errorf("openssl s_server: %v: %s", err, bytes.TrimSpace(s.out.Bytes()))
		}
		return nil
	case <-time.After(timeout):
		s.cmd.Process.Kill()
		<-s.exit
		return fmt.Errorf("openssl s_server still running after its connections: %s", bytes.TrimSpace(s.out.Bytes()))
	}
}

// sClient runs openssl s_client against addr with an HTTP/1.0 GET on
// stdin; -ign_eof keeps it reading until the server closes. It returns
// s_client's output.
func sClient(ctx context.Context, openssl, addr, sni, caFile string, extra ...string) (string, error) {
	args := append([]string{"s_client", "-connect", addr, "-servername", sni, "-CAfile", caFile, "-ign_eof"}, extra...)
	cmd := exec.CommandContext(ctx, openssl, args...)
	cmd.Stdin = strings.NewReader("GET /status HTTP/1.0\r\nHost: " + sni + "\r\n\r\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("openssl s_client %v: %v: %s", extra, err, lastLines(out, 15))
	}
	return string(out), nil
}

// lastLines returns the last n lines of b.
func lastLines(b []byte, n int) string {
	ls := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	return strings.Join(ls, "\n")
}
