// Command gatehouse is the CLI for centralized access to many AWS accounts.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/gatehouse-dev/gatehouse/internal/cli"
)

// grace is how long a command has, after the first SIGINT or SIGTERM, to
// stop by itself (commands watch their context) before gatehouse exits
// anyway: an interrupted gatehouse must end, whatever it was blocked in.
const grace = 2 * time.Second

// exitInterrupted is the exit code of an interrupted gatehouse, as
// cli.Main returns it for a command that stopped by itself.
const exitInterrupted = 130

func main() {
	args := os.Args[1:]
	d := cli.DefaultDeps()
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	restore := terminalRestorer(os.Stdin)
	go stopOnSignal(sigs, cancel, forcesExit(args, d), restore)
	code := cli.Main(ctx, args, d)
	os.Exit(code)
}

// stopOnSignal cancels the command's context at the first signal. When
// force is set it then exits, if the command has not returned first: after
// grace, or at once on a second signal, restoring the terminal first (the
// profile picker puts it in raw mode). Every file gatehouse writes is
// replaced atomically, so exiting at any moment leaves no half-written file.
func stopOnSignal(sigs <-chan os.Signal, cancel context.CancelFunc, force bool, restore func()) {
	<-sigs
	cancel()
	if !force {
		// Keep catching: the signal is the child's, not gatehouse's.
		for range sigs {
		}
	}
	timer := time.NewTimer(grace)
	select {
	case <-sigs:
	case <-timer.C:
	}
	restore()
	fmt.Fprintln(os.Stderr, "gatehouse: interrupted")
	os.Exit(exitInterrupted)
}

// terminalRestorer returns a function that puts the terminal on f back in
// the state it has now, or does nothing when f is not a terminal.
func terminalRestorer(f *os.File) func() {
	fd := int(f.Fd())
	state, err := term.GetState(fd)
	if err != nil {
		return func() {}
	}
	return func() { _ = term.Restore(fd, state) }
}

// forcesExit reports whether a signal may end the command args runs. Not
// for exec: Ctrl-C in the shell or program it starts reaches gatehouse too,
// and must not end gatehouse under its child; exec waits for the child and
// passes its exit code on.
func forcesExit(args []string, d cli.Deps) bool {
	cmd, _, err := cli.NewRoot(d).Find(args)
	return err != nil || cmd.Name() != "exec"
}
