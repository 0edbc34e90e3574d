// Command gatehouse is the CLI for centralized access to many AWS accounts.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/gatehouse-dev/gatehouse/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.DefaultDeps())
	stop()
	os.Exit(code)
}
