package cli

import (
	"context"
	"fmt"
	"net"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/gatehouse-dev/gatehouse/internal/credentials"
)

type serveOptions struct {
	profile string
	port    int
}

func newServeCmd(d Deps) *cobra.Command {
	var opts serveOptions
	cmd := &cobra.Command{
		Use:   "serve --profile PROFILE [--port N]",
		Short: "Serve a profile's credentials to containers, IDEs and SDKs over the container credentials protocol",
		Long: `Serve answers the container credentials protocol (ECS's, which every AWS SDK and the AWS
CLI speak) with the credentials of PROFILE, for tools that cannot run a process:
containers, IDEs, SDKs configured for the container credential provider.

It listens on 127.0.0.1 (--port, default a free one) with an authorization token made
for this run, prints on stdout the two variables that point a tool at it:

  export AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:PORT/credentials
  export AWS_CONTAINER_AUTHORIZATION_TOKEN=...

and serves until interrupted, refreshing the credentials before they expire. A request
without the token gets 401 and nothing else. Tools prefer credentials in AWS_ACCESS_KEY_ID
and a profile in AWS_PROFILE to these variables: unset them where the variables go.

` + "`gatehouse exec --server PROFILE -- COMMAND`" + ` runs a command against a server of its own.`,
		Example: `  eval "$(gatehouse serve --profile production/ReadOnly &)"
  gatehouse serve --profile abccorp-prod/Admin --port 9911
  docker run -e AWS_CONTAINER_CREDENTIALS_FULL_URI -e AWS_CONTAINER_AUTHORIZATION_TOKEN --network host IMAGE`,
		GroupID: "engineer",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServe(cmd.Context(), d, opts)
		},
	}
	cmd.Flags().StringVar(&opts.profile, "profile", "", "the AWS profile whose credentials to serve")
	cmd.Flags().IntVar(&opts.port, "port", 0, "the loopback port to listen on (default: a free one)")
	_ = cmd.MarkFlagRequired("profile")
	return cmd
}

func runServe(ctx context.Context, d Deps, opts serveOptions) error {
	if opts.port < 0 || opts.port > 65535 {
		return usageError{fmt.Errorf("--port %d: want 1 to 65535, or 0 for a free port", opts.port)}
	}
	e, err := newEngine(d)
	if err != nil {
		return err
	}
	srv, ln, c, err := e.startServer(ctx, opts.profile, opts.port)
	if err != nil {
		return err
	}
	vars := credentials.ServerVars(opts.profile, serverURL(ln), srv.Token, "")
	fmt.Fprintf(d.Stdout, "export %s=%s\nexport %s=%s\n", credentials.ContainerURIVar, vars[credentials.ContainerURIVar],
		credentials.ContainerTokenVar, vars[credentials.ContainerTokenVar])
	fmt.Fprintf(d.Stderr, "Serving the credentials of %s (account %s) at %s until interrupted; they are refreshed before they expire.\n",
		opts.profile, c.AccountID, serverURL(ln))
	if err := srv.Serve(ctx, ln); err != nil {
		return fmt.Errorf("serving the credentials of %s: %w", opts.profile, err)
	}
	fmt.Fprintf(d.Stderr, "Stopped serving the credentials of %s.\n", opts.profile)
	return nil
}

// startServer fetches profile's credentials once (so that a missing login
// fails here, with its hint) and listens on 127.0.0.1:port.
func (e *engine) startServer(ctx context.Context, profile string, port int) (*credentials.Server, net.Listener, credentials.Credentials, error) {
	c, err := e.resolver.Credentials(ctx, profile)
	if err != nil {
		return nil, nil, credentials.Credentials{}, err
	}
	token, err := credentials.NewToken()
	if err != nil {
		return nil, nil, credentials.Credentials{}, fmt.Errorf("making the server's token: %w", err)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return nil, nil, credentials.Credentials{}, fmt.Errorf("listening on 127.0.0.1: %w", err)
	}
	srv := &credentials.Server{
		Token: token, Now: e.d.Now,
		Fetch: func(ctx context.Context) (credentials.Credentials, error) {
			return e.resolver.Credentials(ctx, profile)
		},
	}
	return srv, ln, c, nil
}

func serverURL(ln net.Listener) string {
	return "http://" + ln.Addr().String() + credentials.ServerPath
}
