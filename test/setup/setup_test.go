package setup

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The stand-ins. Each logs its arguments to $FAKE_LOG and takes its
// behaviour from FAKE_* variables, so one table row is one machine.

// systemPython is python3 as Debian 12 has it: moto only if FAKE_MOTO names
// a version, pip refusing to install (PEP 668), and venv needing Debian's
// python3-venv for ensurepip when FAKE_ENSUREPIP=missing.
const systemPython = `#!/bin/bash
printf 'python3 %s\n' "$*" >>"$FAKE_LOG"
if [ "$1" = -c ]; then
  case "$2" in
  *version_info*) echo "${FAKE_PY_VERSION:-3.11}"; exit 0 ;;
  *moto*)
    if [ -n "$FAKE_MOTO" ]; then echo "$FAKE_MOTO"; exit 0; fi
    echo 'Traceback (most recent call last):' >&2
    echo '  File "<string>", line 1, in <module>' >&2
    echo "ModuleNotFoundError: No module named 'moto'" >&2
    exit 1 ;;
  esac
fi
if [ "$1 $2" = "-m pip" ]; then
  echo 'error: externally-managed-environment' >&2
  echo '' >&2
  echo 'x This environment is externally managed' >&2
  exit 1
fi
if [ "$1 $2" = "-m venv" ]; then
  if [ "$FAKE_ENSUREPIP" = missing ] && [ ! -e "$FAKE_STATE/python3-venv" ]; then
    echo 'The virtual environment was not created successfully because ensurepip is not'
    echo 'available.  On Debian/Ubuntu systems, you need to install the python3-venv'
    echo 'package using the following command.'
    echo ''
    echo '    apt install python3.11-venv'
    exit 1
  fi
  mkdir -p "$3/bin" && cp "$FAKE_STATE/venv-python" "$3/bin/python" && exit 0
fi
echo "fake python3: unexpected arguments: $*" >&2
exit 3
`

// venvPython is the python of a virtual environment: empty until pip
// installs the requirements file into it, which needs PyPI (FAKE_PYPI=down:
// unreachable, as on this machine).
const venvPython = `#!/bin/bash
printf 'venv-python %s\n' "$*" >>"$FAKE_LOG"
venv=$(cd "$(dirname "$0")/.." && pwd)
if [ "$1" = -c ]; then
  case "$2" in
  *moto*)
    if [ -f "$venv/moto-version" ]; then cat "$venv/moto-version"; exit 0; fi
    echo "ModuleNotFoundError: No module named 'moto'" >&2
    exit 1 ;;
  esac
fi
if [ "$1 $2 $3" = "-m pip install" ]; then
  if [ "$FAKE_PYPI" = down ]; then
    echo "WARNING: Retrying after connection broken: Failed to establish a new connection" >&2
    echo "ERROR: Could not find a version that satisfies the requirement moto[server]==5.2.1 (from versions: none)" >&2
    echo "ERROR: No matching distribution found for moto[server]==5.2.1" >&2
    exit 1
  fi
  req=""
  prev=""
  for a; do [ "$prev" = -r ] && req=$a; prev=$a; done
  sed -n 's/^moto\[server\]==//p' "$req" >"$venv/moto-version"
  v=$(sed -n 's/^awscli==//p' "$req")
  printf '#!/bin/bash\necho "aws-cli/%s Python/3.11.2 Linux/6.1.0 botocore/1.43.11" >&2\n' "$v" >"$venv/bin/aws"
  chmod +x "$venv/bin/aws"
  exit 0
fi
echo "fake venv python: unexpected arguments: $*" >&2
exit 3
`

const aptGet = `#!/bin/bash
printf 'apt-get %s\n' "$*" >>"$FAKE_LOG"
if [ "$FAKE_APT" = fail ]; then echo 'E: Unable to locate package' >&2; exit 100; fi
for a; do [ "$a" = python3-venv ] && touch "$FAKE_STATE/python3-venv"; done
exit 0
`

const idCmd = `#!/bin/bash
[ "$1" = -u ] && echo "${FAKE_UID:-0}"
`

const sudoCmd = `#!/bin/bash
printf 'sudo %s\n' "$*" >>"$FAKE_LOG"
exec "$@"
`

// awsCLI prints what `aws --version` prints: v2 on stdout (Debian's
// 2.9.19: "aws-cli/2.9.19 Python/3.11.2 Linux/... source/x86_64.debian.12
// prompt/off"), v1 on stderr.
func awsCLI(version string) string {
	stream := ""
	if strings.HasPrefix(version, "1.") {
		stream = " >&2"
	}
	return "#!/bin/bash\necho 'aws-cli/" + version + " Python/3.11.2 Linux/6.1.0-18-amd64 source/x86_64.debian.12 prompt/off'" + stream + "\n"
}

// machine is one machine setup.sh may meet.
type machine struct {
	moto      string // moto version of the system python3; "" none
	pyVersion string // default 3.11
	noPython  bool   // no python3 at all
	aws       string // version of the aws on PATH; "" none
	noPip     bool   // python3 -m venv lacks ensurepip (python3-venv missing)
	pypiDown  bool
	uid       string // default 0
	sudo      bool
	chromium  bool // chromium and chromedriver on PATH
	awsV2     bool // GATEHOUSE_AWS_CLI_V2 exists
	venvReady bool // .venv from an earlier setup, with the pinned packages
	envPython bool // GATEHOUSE_PYTHON names the system python3
	aptFails  bool
}

// result is what a run of setup.sh left.
type result struct {
	code           int
	stdout, stderr string
	log            string
	venv, fakes    string
}

// toolsFor links the real commands setup.sh and the stand-ins use into one
// directory, so that PATH holds nothing else of this machine (in particular
// not its python3 with moto, nor its AWS CLI).
func toolsFor(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"bash", "sed", "grep", "tail", "head", "dirname", "rm", "mkdir", "cp", "cat", "chmod", "touch"} {
		p, err := exec.LookPath(name)
		if err != nil {
			t.Fatalf("%s is not on PATH: %v", name, err)
		}
		if err := os.Symlink(p, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o755); err != nil {
		t.Fatal(err)
	}
}

// run runs scripts/setup.sh MODE on machine m.
func run(t *testing.T, tools, mode string, m machine) result {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	fakes, state := filepath.Join(dir, "fakes"), filepath.Join(dir, "state")
	venv := filepath.Join(dir, "project", ".venv")
	for _, d := range []string{fakes, state} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write(t, filepath.Join(state, "venv-python"), venvPython)
	if !m.noPython {
		write(t, filepath.Join(fakes, "python3"), systemPython)
	}
	write(t, filepath.Join(fakes, "apt-get"), aptGet)
	write(t, filepath.Join(fakes, "id"), idCmd)
	if m.sudo {
		write(t, filepath.Join(fakes, "sudo"), sudoCmd)
	}
	if m.aws != "" {
		write(t, filepath.Join(fakes, "aws"), awsCLI(m.aws))
	}
	if m.chromium {
		write(t, filepath.Join(fakes, "chromium"), "#!/bin/bash\n")
		write(t, filepath.Join(fakes, "chromedriver"), "#!/bin/bash\n")
	}
	awsV2 := filepath.Join(dir, "usr-bin-aws")
	if m.awsV2 {
		write(t, awsV2, awsCLI("2.9.19"))
	}
	if m.venvReady {
		if err := os.MkdirAll(filepath.Join(venv, "bin"), 0o755); err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(venv, "bin", "python"), venvPython)
		write(t, filepath.Join(venv, "moto-version"), "5.2.1\n")
		write(t, filepath.Join(venv, "bin", "aws"), awsCLI("1.45.11"))
	}
	logPath := filepath.Join(dir, "log")
	env := []string{
		"PATH=" + tools + ":" + fakes,
		"HOME=" + dir,
		"GATEHOUSE_VENV=" + venv,
		"GATEHOUSE_AWS_CLI_V2=" + awsV2,
		"FAKE_LOG=" + logPath,
		"FAKE_STATE=" + state,
		"FAKE_MOTO=" + m.moto,
		"FAKE_PY_VERSION=" + m.pyVersion,
		"FAKE_UID=" + m.uid,
	}
	if m.noPip {
		env = append(env, "FAKE_ENSUREPIP=missing")
	}
	if m.pypiDown {
		env = append(env, "FAKE_PYPI=down")
	}
	if m.aptFails {
		env = append(env, "FAKE_APT=fail")
	}
	if m.envPython {
		env = append(env, "GATEHOUSE_PYTHON="+filepath.Join(fakes, "python3"))
	}
	cmd := exec.Command(filepath.Join(tools, "bash"), filepath.Join(root, "scripts", "setup.sh"), mode)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running setup.sh: %v", err)
	}
	logText, _ := os.ReadFile(logPath)
	return result{code: code, stdout: out.String(), stderr: errb.String(), log: string(logText), venv: venv, fakes: fakes}
}

// pinned reads a pin of scripts/python-requirements.txt.
func pinned(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile("../../scripts/python-requirements.txt")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `==(\S+)$`).FindSubmatch(data)
	if m == nil {
		t.Fatalf("scripts/python-requirements.txt pins no %s", name)
	}
	return string(m[1])
}

func TestSetupDecisions(t *testing.T) {
	tools := toolsFor(t)
	moto, awscli := pinned(t, "moto[server]"), pinned(t, "awscli")
	const (
		system = "system"
		venv   = "venv"
	)
	tests := []struct {
		name string
		mode string
		m    machine
		code int
		// python is the GATEHOUSE_PYTHON exported: the system python3 or
		// the venv's; pathFirst says whether the venv's bin goes first on
		// PATH (the AWS CLI on PATH is not good enough).
		python    string
		pathFirst bool
		stderr    []string // each must appear
		log       []string // each must appear in the stand-ins' log
		notLog    []string // none may appear
	}{
		{
			name: "fresh Debian 12: system python3 without moto, Debian's aws 2.9.19",
			mode: "demo", m: machine{aws: "2.9.19"},
			python: venv, pathFirst: true,
			stderr: []string{
				"python3 cannot import moto's server (ModuleNotFoundError: No module named 'moto')",
				"is aws-cli/2.9.19, which ignores the AWS_ENDPOINT_URL_<SERVICE> variables",
				"creating the virtual environment",
				"installing scripts/python-requirements.txt (moto[server]==" + moto + ", awscli==" + awscli + ")",
				"demo ready: python ",
			},
			log: []string{"python3 -m venv ", "venv-python -m pip install --disable-pip-version-check --quiet -r "},
			// Never pip into the system Python (externally managed), and
			// the demo needs no Chromium: no apt-get at all.
			notLog: []string{"python3 -m pip", "apt-get"},
		},
		{
			name: "python3-venv missing, as root: apt-get installs it",
			mode: "demo", m: machine{aws: "2.9.19", noPip: true},
			python: venv, pathFirst: true,
			stderr: []string{"lacks ensurepip (Debian's python3-venv package)", "installing Debian packages: python3-venv"},
			log:    []string{"apt-get install -y -qq --no-install-recommends python3-venv", "venv-python -m pip install"},
			notLog: []string{"sudo", "python3 -m pip"},
		},
		{
			name: "python3-venv missing, a user with sudo",
			mode: "demo", m: machine{aws: "2.9.19", noPip: true, uid: "1000", sudo: true},
			python: venv, pathFirst: true,
			log: []string{"sudo apt-get install -y -qq --no-install-recommends python3-venv"},
		},
		{
			name: "python3-venv missing, a user without sudo",
			mode: "demo", m: machine{aws: "2.9.19", noPip: true, uid: "1000"},
			code: 1,
			stderr: []string{
				"setup: installing python3-venv needs root, and sudo is missing",
				"as root: apt-get install python3-venv; then run scripts/setup.sh demo again",
			},
			notLog: []string{"apt-get"},
		},
		{
			name: "PyPI unreachable",
			mode: "demo", m: machine{aws: "2.9.19", pypiDown: true},
			code: 1,
			stderr: []string{
				"pip could not install scripts/python-requirements.txt into ",
				"No matching distribution found for moto[server]==" + moto,
				"set PIP_INDEX_URL (and HTTPS_PROXY) for pip",
				"or set GATEHOUSE_PYTHON to a python3 that has moto[server]==" + moto,
				"then run scripts/setup.sh demo again",
			},
		},
		{
			name: "the machine has both: nothing installed",
			mode: "demo", m: machine{moto: moto, aws: awscli},
			python: system,
			stderr: []string{"demo ready: python "},
			notLog: []string{"venv", "pip", "apt-get"},
		},
		{
			name: "python3 with another moto: the venv's, the aws on PATH kept",
			mode: "demo", m: machine{moto: "5.1.0", aws: "2.15.30"},
			python: venv,
			stderr: []string{"python3 has moto 5.1.0; gatehouse's sandbox needs moto " + moto},
			log:    []string{"venv-python -m pip install"},
		},
		{
			name: "no AWS CLI: the venv's",
			mode: "demo", m: machine{moto: moto},
			python: system, pathFirst: true,
			stderr: []string{"no AWS CLI on PATH"},
			log:    []string{"venv-python -m pip install"},
		},
		{
			name: "a venv from an earlier setup is used as it is",
			mode: "demo", m: machine{aws: "2.9.19", venvReady: true},
			python: venv, pathFirst: true,
			notLog: []string{"pip", "python3 -m venv", "apt-get"},
		},
		{
			name: "GATEHOUSE_PYTHON without moto",
			mode: "demo", m: machine{aws: awscli, envPython: true},
			code:   1,
			stderr: []string{"cannot import moto's server: ModuleNotFoundError: No module named 'moto'", "unset GATEHOUSE_PYTHON to let setup install moto into "},
			notLog: []string{"pip", "venv"},
		},
		{
			name: "Python too old for the pinned packages",
			mode: "demo", m: machine{aws: "2.9.19", pyVersion: "3.9"},
			code:   1,
			stderr: []string{"is Python 3.9; moto " + moto + " and awscli " + awscli + " need Python 3.10 or newer"},
			notLog: []string{"venv", "pip install"},
		},
		{
			name: "no python3 at all, as root: apt-get installs it",
			mode: "demo", m: machine{noPython: true, aws: awscli},
			code:   1, // the stand-in apt-get installs nothing
			stderr: []string{"python3 is not on PATH", "python3 is still not on PATH after installing it"},
			log:    []string{"apt-get install -y -qq --no-install-recommends python3 python3-venv"},
		},
		{
			name: "tests: Chromium, ChromeDriver and the AWS CLI v2 from Debian",
			mode: "test", m: machine{moto: moto, aws: awscli},
			python: system,
			stderr: []string{"installing Debian packages: chromium chromium-driver awscli", "test ready: python "},
			log:    []string{"apt-get update -qq", "apt-get install -y -qq --no-install-recommends chromium chromium-driver awscli"},
		},
		{
			name: "tests, everything there",
			mode: "test", m: machine{moto: moto, aws: awscli, chromium: true, awsV2: true},
			python: system,
			notLog: []string{"apt-get", "pip"},
		},
		{
			name: "tests, a user without sudo",
			mode: "test", m: machine{moto: moto, aws: awscli, uid: "1000"},
			code:   1,
			stderr: []string{"installing chromium chromium-driver awscli needs root, and sudo is missing", "as root: apt-get install chromium chromium-driver awscli"},
		},
		{
			name: "tests, apt-get fails",
			mode: "test", m: machine{moto: moto, aws: awscli, chromium: true, aptFails: true},
			code:   1,
			stderr: []string{"apt-get could not install awscli", "check apt's sources and network (apt-get update)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, tools, tt.mode, tt.m)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d\nstderr:\n%s\nlog:\n%s", r.code, tt.code, r.stderr, r.log)
			}
			for _, s := range tt.stderr {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, r.stderr)
				}
			}
			for _, s := range tt.log {
				if !strings.Contains(r.log, s) {
					t.Errorf("the stand-ins were not run as %q; log:\n%s", s, r.log)
				}
			}
			for _, s := range tt.notLog {
				if strings.Contains(r.log, s) {
					t.Errorf("the stand-ins were run as %q; log:\n%s", s, r.log)
				}
			}
			if tt.code != 0 {
				if r.stdout != "" {
					t.Errorf("a failed setup printed exports:\n%s", r.stdout)
				}
				return
			}
			for _, line := range strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n") {
				if !strings.HasPrefix(line, "export ") {
					t.Errorf("stdout carries a line that is not an export: %q", line)
				}
			}
			// What a shell gets from eval "$(scripts/setup.sh MODE)".
			basePath := tools + ":" + r.fakes
			sh := exec.Command(filepath.Join(tools, "bash"), "-c", `eval "$1" && printf '%s\n%s\n%s\n' "$GATEHOUSE_PYTHON" "$PATH" "$(command -v aws)"`, "sh", r.stdout)
			sh.Env = []string{"PATH=" + basePath}
			out, err := sh.Output()
			if err != nil {
				t.Fatalf("eval of setup's stdout: %v\n%s", err, r.stdout)
			}
			got := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
			wantPython := filepath.Join(r.fakes, "python3")
			if tt.python == venv {
				wantPython = filepath.Join(r.venv, "bin", "python")
			}
			wantPath, wantAWS := basePath, filepath.Join(r.fakes, "aws")
			if tt.pathFirst {
				wantPath, wantAWS = filepath.Join(r.venv, "bin")+":"+basePath, filepath.Join(r.venv, "bin", "aws")
			}
			if diff := cmp.Diff([]string{wantPython, wantPath, wantAWS}, got); diff != "" {
				t.Errorf("GATEHOUSE_PYTHON, PATH and aws after eval mismatch (-want +got):\n%s\nstdout:\n%s\nstderr:\n%s", diff, r.stdout, r.stderr)
			}
		})
	}
}

// TestSetupAWSCLIVersions checks which AWS CLIs setup keeps: those that read
// AWS_ENDPOINT_URL_<SERVICE>, 1.29.0 and 2.13.0 onwards.
func TestSetupAWSCLIVersions(t *testing.T) {
	tools := toolsFor(t)
	moto := pinned(t, "moto[server]")
	for _, tt := range []struct {
		version string
		kept    bool
	}{
		{"1.28.9", false},
		{"1.29.0", true},
		{"1.45.11", true},
		{"2.9.19", false},
		{"2.12.9", false},
		{"2.13.0", true},
		{"2.31.4", true},
		{"3.0.0", true},
		{"x.y", false},
	} {
		t.Run(tt.version, func(t *testing.T) {
			t.Parallel()
			r := run(t, tools, "demo", machine{moto: moto, aws: tt.version})
			if r.code != 0 {
				t.Fatalf("exit %d\n%s", r.code, r.stderr)
			}
			installed := strings.Contains(r.log, "pip install")
			if installed == tt.kept {
				t.Errorf("aws-cli/%s: installed the venv's AWS CLI = %v, want %v\n%s", tt.version, installed, !tt.kept, r.stderr)
			}
			if warned := strings.Contains(r.stderr, "ignores the AWS_ENDPOINT_URL_<SERVICE> variables"); warned == tt.kept {
				t.Errorf("aws-cli/%s: warned = %v, want %v\n%s", tt.version, warned, !tt.kept, r.stderr)
			}
		})
	}
}
