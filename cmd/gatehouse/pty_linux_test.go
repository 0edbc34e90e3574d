package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// openPTY opens a pseudo-terminal and returns its two ends.
func openPTY(t *testing.T) (ptmx, pts *os.File) {
	t.Helper()
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("opening a pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { ptmx.Close() })
	var unlock int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, ptmx.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Fatal(e)
	}
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, ptmx.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		t.Fatal(e)
	}
	pts, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pts.Close() })
	return ptmx, pts
}

// raw reports whether the terminal is in raw mode (no line editing).
func raw(t *testing.T, f *os.File) bool {
	t.Helper()
	tio, err := getTermios(f)
	if err != nil {
		t.Fatal(err)
	}
	return tio.Lflag&syscall.ICANON == 0
}

func getTermios(f *os.File) (*syscall.Termios, error) {
	var tio syscall.Termios
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), syscall.TCGETS, uintptr(unsafe.Pointer(&tio))); e != 0 {
		return nil, e
	}
	return &tio, nil
}

// TestSignalRestoresTerminal: the profile picker puts the terminal in raw
// mode; a gatehouse that a signal ends while it is open must give the
// terminal back as it found it.
func TestSignalRestoresTerminal(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "gatehouse")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	home := t.TempDir()
	config := "[sso-session s]\nsso_start_url = https://d-1234567890.awsapps.com/start\nsso_region = us-east-1\n" +
		"[profile a]\nsso_session = s\nsso_account_id = 111111111111\nsso_role_name = R\n"
	if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".aws", "config"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	ptmx, pts := openPTY(t)
	if raw(t, pts) {
		t.Fatal("a new terminal is already raw")
	}
	// Drain what gatehouse draws, so its writes never block.
	go func() {
		buf := make([]byte, 4096)
		for {
			if _, err := ptmx.Read(buf); err != nil {
				return
			}
		}
	}()
	cmd := exec.Command(bin, "env")
	cmd.Env = []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "TERM=xterm", "XDG_CACHE_HOME=" + filepath.Join(home, ".cache")}
	cmd.Stdin, cmd.Stderr = pts, pts
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.Now().Add(time.Minute)
	for !raw(t, pts) {
		if time.Now().After(deadline) {
			t.Fatal("the picker did not put the terminal in raw mode within a minute")
		}
		select {
		case err := <-done:
			t.Fatalf("gatehouse ended before the picker opened: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var err error
	select {
	case err = <-done:
	case <-time.After(time.Minute):
		t.Fatal("gatehouse still runs a minute after SIGTERM")
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted {
		t.Errorf("gatehouse ended with %v, want exit code %d", err, exitInterrupted)
	}
	if raw(t, pts) {
		t.Error("gatehouse left the terminal in raw mode")
	}
}
