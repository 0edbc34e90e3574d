// Command gatehouse-credential-process answers the credential_process
// setting of profiles written by `gatehouse profiles --credential-process`.
// A cache hit is answered here, by a binary that links the standard
// library only and so starts in a couple of milliseconds; anything else is
// handed to `gatehouse credential-process` with the same arguments.
package main

import (
	"os"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/credcache"
)

func main() {
	os.Exit(credcache.Companion(os.Args[1:], os.Getenv, time.Now(), os.Stdout, os.Stderr, func(args []string) int {
		return credcache.HandOff(args, os.Stderr)
	}))
}
