package cli

// End-to-end scripts: testdata/script/*.txtar run the real gatehouse command
// tree (the test binary re-executed as `gatehouse`) against the sandbox: its
// front (internal/sandbox), started once per test binary, before the shared
// moto server, which runs with sandbox.MotoPreamble. The front and the
// preamble answer what moto lacks, as AWS would (permission set tags and
// permissions boundaries, provisioning status, UpdateUser, AWSReservedSSO
// roles...), so gatehouse runs against it exactly as against AWS.
//
// Adding a script: drop NAME.txtar into testdata/script; `go test
// ./internal/cli -run TestScripts/NAME` runs it alone. Each script starts
// with a freshly reset moto; the front's endpoints are in its environment
// (AWS_ENDPOINT_URL_<SERVICE>, dummy AWS credentials, AWS_REGION), moto's
// own in MOTO_URL (fixtures go there directly), and scripts run one at a
// time because they share that moto.
// Run gatehouse with `exec gatehouse ...` (plain `gatehouse` is refused), or
// with `exitcode N gatehouse ...` to assert an exact exit code.
//
// Commands this harness adds (see scriptCmds):
//
//	orgfixture SPEC      create an organization in moto from the spec file
//	                     (format: internal/organization/orgfixture) and set
//	                     ORG_ID, MANAGEMENT_ACCOUNT and ACCOUNT_<name>
//	expand FILE...       replace ${NAME} in the files with the script's
//	                     variables, e.g. account IDs in a model or in a
//	                     wanted output; an unset NAME fails the script
//	exitcode N CMD ARG...  run CMD, fail unless it exits with N; its output
//	                     is checked with stdout/stderr as for exec
//	ssountag SET KEY...  remove tags from a permission set straight through
//	                     the sso-admin API, as a person in the console would
//
// Adding a fixture command: write a func(ts *testscript.TestScript, neg
// bool, args []string) below and list it in scriptCmds; build AWS clients
// with motoConfig(ts.Getenv("MOTO_URL")) and export what scripts need with
// ts.Setenv.
//
// This file holds the TestMain of package cli's tests: in-process tests that
// need moto use awstest.Config(t) as anywhere else, tests that run gatehouse
// point it at sharedFront(t), and both are stopped when the binary exits.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/gatehouse-dev/gatehouse/internal/awstest"
	"github.com/gatehouse-dev/gatehouse/internal/credcache"
	"github.com/gatehouse-dev/gatehouse/internal/motoserver"
	"github.com/gatehouse-dev/gatehouse/internal/organization/orgfixture"
	"github.com/gatehouse-dev/gatehouse/internal/sandbox"
)

func TestMain(m *testing.M) {
	testscript.Main(stopMotoAfter{m}, map[string]func(){
		"gatehouse": func() { os.Exit(Main(context.Background(), os.Args[1:], DefaultDeps())) },
		credcache.CompanionName: func() {
			os.Exit(credcache.Companion(os.Args[1:], os.Getenv, time.Now(), os.Stdout, os.Stderr, func(args []string) int {
				return credcache.HandOff(args, os.Stderr)
			}))
		},
	})
}

// stopMotoAfter runs the tests with the sandbox's preamble in the shared
// moto server, then stops the front and moto (testscript.Main exits the
// process itself, so awstest.Main cannot be used).
type stopMotoAfter struct{ m *testing.M }

func (s stopMotoAfter) Run() int {
	return awstest.Run(stopFrontAfter(s.m.Run), motoserver.Options{Preamble: sandbox.MotoPreamble})
}

// stopFrontAfter runs the tests, then stops the shared sandbox front.
type stopFrontAfter func() int

func (run stopFrontAfter) Run() int {
	code := run()
	frontMu.Lock()
	defer frontMu.Unlock()
	if front != nil {
		_ = front.Stop()
	}
	return code
}

var (
	frontMu sync.Mutex
	front   *sandbox.Sandbox
)

// sharedFront returns the sandbox front before the shared moto server,
// starting it on first use. Point gatehouse at it with
// awstest.Env(sharedFront(t).URL()); the dummy credentials act as moto's
// default account, the management account.
func sharedFront(t testing.TB) *sandbox.Sandbox {
	t.Helper()
	srv := awstest.Server(t)
	frontMu.Lock()
	defer frontMu.Unlock()
	if front == nil {
		sb, err := sandbox.Start(context.Background(), sandbox.Options{MotoURL: srv.URL})
		if err != nil {
			t.Fatalf("starting the sandbox front before moto: %v", err)
		}
		front = sb
	}
	return front
}

// scriptMu makes scripts take turns: they share one moto server, reset at
// the start of each.
var scriptMu sync.Mutex

func TestScripts(t *testing.T) {
	srv := awstest.Server(t) // started here, on the test's goroutine
	fr := sharedFront(t)
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Cmds:                scriptCmds,
		Setup: func(env *testscript.Env) error {
			scriptMu.Lock()
			env.Defer(scriptMu.Unlock)
			if err := srv.Reset(context.Background()); err != nil {
				return fmt.Errorf("resetting moto for the script: %w", err)
			}
			for _, kv := range awstest.Env(fr.URL()) {
				k, v, _ := strings.Cut(kv, "=")
				env.Setenv(k, v)
			}
			env.Setenv("MOTO_URL", srv.URL)
			// Keep the machine's own AWS configuration out of the scripts.
			env.Setenv("AWS_CONFIG_FILE", env.WorkDir+"/.aws/config")
			env.Setenv("AWS_SHARED_CREDENTIALS_FILE", env.WorkDir+"/.aws/credentials")
			return nil
		},
	})
}

// scriptCmds are the commands the harness adds to testscript's own.
var scriptCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"orgfixture": cmdOrgFixture,
	"expand":     cmdExpand,
	"exitcode":   cmdExitCode,
	"ssoassign":  cmdSSOAssign, // identitycenter_script_test.go
	"ssountag":   cmdSSOUntag,
}

// motoConfig is an aws.Config for the management account in moto.
func motoConfig(url string) (aws.Config, error) {
	return config.LoadDefaultConfig(context.Background(),
		config.WithRegion(awstest.Region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIAGATEHOUSETEST000", "gatehouse-test-secret", "")),
		config.WithBaseEndpoint(url),
		config.WithRetryMaxAttempts(1),
		config.WithSharedConfigFiles([]string{}),
		config.WithSharedCredentialsFiles([]string{}),
	)
}

func cmdOrgFixture(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: orgfixture SPECFILE")
	}
	spec, err := orgfixture.Parse(ts.ReadFile(args[0]))
	ts.Check(err)
	cfg, err := motoConfig(ts.Getenv("MOTO_URL"))
	ts.Check(err)
	f, err := orgfixture.Create(context.Background(), cfg, spec)
	ts.Check(err)
	for k, v := range f.Env() {
		ts.Setenv(k, v)
	}
}

var scriptVar = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

func cmdExpand(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: expand FILE...")
	}
	for _, name := range args {
		var missing []string
		out := scriptVar.ReplaceAllStringFunc(ts.ReadFile(name), func(m string) string {
			key := scriptVar.FindStringSubmatch(m)[1]
			v := ts.Getenv(key)
			if v == "" {
				missing = append(missing, key)
			}
			return v
		})
		if len(missing) > 0 {
			ts.Fatalf("expand %s: variables not set: %v", name, missing)
		}
		ts.Check(os.WriteFile(ts.MkAbs(name), []byte(out), 0o644))
	}
}

func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N CMD [ARG...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("running %s: %v", args[1], err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with %d, want %d", args[1], got, want)
	}
}

func cmdSSOUntag(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: ssountag PERMISSION_SET KEY...")
	}
	ctx := context.Background()
	cfg, err := motoConfig(ts.Getenv("MOTO_URL"))
	ts.Check(err)
	sso := ssoadmin.NewFromConfig(cfg)
	inst, err := sso.ListInstances(ctx, &ssoadmin.ListInstancesInput{})
	ts.Check(err)
	if len(inst.Instances) != 1 {
		ts.Fatalf("ssountag: %d Identity Center instances", len(inst.Instances))
	}
	arn := inst.Instances[0].InstanceArn
	sets, err := sso.ListPermissionSets(ctx, &ssoadmin.ListPermissionSetsInput{InstanceArn: arn})
	ts.Check(err)
	for _, ps := range sets.PermissionSets {
		d, err := sso.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: arn, PermissionSetArn: aws.String(ps)})
		ts.Check(err)
		if aws.ToString(d.PermissionSet.Name) == args[0] {
			_, err := sso.UntagResource(ctx, &ssoadmin.UntagResourceInput{InstanceArn: arn, ResourceArn: aws.String(ps), TagKeys: args[1:]})
			ts.Check(err)
			return
		}
	}
	ts.Fatalf("ssountag: no permission set %s", args[0])
}
