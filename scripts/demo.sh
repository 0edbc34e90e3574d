#!/usr/bin/env bash
# The gatehouse demo (`make demo`): on one machine with no AWS account,
#   1. start the sandbox with the accounts of the consultancy example,
#   2. plan and apply the example (users, groups, permission sets, assignments,
#      roles in member and client accounts, hop permission sets, the SAML
#      provider of a client reached through a SAML application),
#   3. log in as an engineer (device code, approved through the sandbox's
#      scripts API, as a person would on the sign-in page),
#   4. list what the engineer can reach and write their AWS CLI profiles,
#   5. run a command in a member account and in a client account of another
#      organization (role chaining),
#   6. plan again: nothing is left to change,
#   7. grant access by hand behind the model's back, and audit: who can
#      really reach what, the hand-made grant shown next to the model's,
#   8. shut everything down.
# Each step prints what it runs. Any failure stops the demo with a non-zero
# exit; the trap stops the sandbox and removes the temporary home either way.
#
# Each step is one function.
#
# Environment: GATEHOUSE_BIN (directory of the built binaries, default bin/),
# what scripts/setup.sh reads (GATEHOUSE_PYTHON, GATEHOUSE_VENV), DEMO_MODEL,
# DEMO_USER, DEMO_MEMBER (account name), DEMO_EXTERNAL (account name),
# DEMO_AUDIT_USER (the user the hand-made grant goes to).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${GATEHOUSE_BIN:-$root/bin}
gh="$bin/gatehouse"
sb="$bin/gatehouse-sandbox"
model=${DEMO_MODEL:-$root/examples/consultancy.yaml}
[ -f "$model" ] || model="$root/internal/sandbox/testdata/consultancy.yaml"
user=${DEMO_USER:-paulo}
member=${DEMO_MEMBER:-tooling}
external=${DEMO_EXTERNAL:-abccorp-prod}
audit_user=${DEMO_AUDIT_USER:-lee}

bold="" plain=""
if [ -t 2 ]; then bold=$'\033[1m' plain=$'\033[0m'; fi
step() { printf '\n%s==> %s%s\n' "$bold" "$*" "$plain" >&2; }
note() { printf '    %s\n' "$*" >&2; }
run() { printf '    $ %s\n' "$*" >&2; "$@"; }
fail() { printf 'demo: %s\n' "$*" >&2; exit 1; }
# need CMD: the gatehouse binary must have this command.
need() { "$gh" "$1" --help >/dev/null 2>&1 || fail "this gatehouse build has no $1 command"; }

for b in "$gh" "$sb"; do
  [ -x "$b" ] || fail "$b is missing; run make build (make demo does)"
done
# moto's server and an AWS CLI that honours the sandbox's endpoint variables:
# setup finds them, or installs them into the project's .venv, and exports
# GATEHOUSE_PYTHON (which gatehouse-sandbox runs moto with) and, if needed,
# PATH with that AWS CLI first.
tools=$(bash "$root/scripts/setup.sh" demo) || fail "setup did not finish; do what it says above, then run the demo again"
eval "$tools"

# A throwaway engineer home and sandbox directory: nothing of yours is read
# or changed.
work=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-demo.XXXXXX")
export GATEHOUSE_SANDBOX_DIR="$work/sandbox"
export HOME="$work/home"
export AWS_CONFIG_FILE="$HOME/.aws/config" AWS_SHARED_CREDENTIALS_FILE="$HOME/.aws/credentials"
export AWS_PAGER=""
mkdir -p "$HOME/.aws"
login_pid=""
cleanup() {
  status=$?
  [ -n "$login_pid" ] && kill "$login_pid" 2>/dev/null
  "$sb" down >/dev/null 2>&1 || true
  rm -rf "$work"
  if [ "$status" -eq 0 ]; then
    printf '\n%sdemo complete%s: the sandbox is stopped and its files are gone.\n' "$bold" "$plain" >&2
  else
    printf '\ndemo FAILED (exit %d); the sandbox is stopped.\n' "$status" >&2
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# model_value KEY: a top-level scalar of identity_center in the model.
model_value() { sed -n "s/^  $1: *\\([^ #]*\\).*/\\1/p" "$model" | head -1; }
# account_id NAME: the id of a named account of the model.
account_id() { sed -n "s/^  $1: *{ *id: *\"\\([0-9]*\\)\".*/\\1/p; /^  $1:\$/,/id:/s/^ *id: *\"\\([0-9]*\\)\".*/\\1/p" "$model" | head -1; }

start_sandbox() {
  step "Start the sandbox with the accounts of $(basename "$model")"
  printf '    $ eval "$(gatehouse-sandbox up -f %s)"\n' "$(basename "$model")" >&2
  eval "$("$sb" up -f "$model")"
  sandbox_url=$AWS_ENDPOINT_URL
  run aws sts get-caller-identity --query Arn --output text
  run aws organizations list-accounts --query 'Accounts[].[Id,Name]' --output text
}

# Accounts the model reaches through an AWS profile (admin_profile): the
# sandbox's admin reaches them through their OrganizationAccountAccessRole,
# as a profile of yours would.
admin_profiles() {
  awk '/^  [A-Za-z0-9_.-]+:/{name=$1} /admin_profile:/{print name, $2}' "$model" | while read -r acct profile; do
    acct=${acct%:}
    id=$(account_id "$acct")
    note "profile $profile reaches $acct ($id) for the admin"
    printf '[profile %s]\nrole_arn = arn:aws:iam::%s:role/OrganizationAccountAccessRole\ncredential_source = Environment\n\n' "$profile" "$id" >>"$AWS_CONFIG_FILE"
  done
}

apply_model() {
  step "Plan and apply the model as the management account's admin"
  admin_profiles
  need plan
  need apply
  run "$gh" plan -f "$model"
  run "$gh" apply -f "$model" --auto-approve
}

login() {
  local start_url region
  start_url=$(model_value start_url)
  region=$AWS_REGION
  step "Log in as $user (device code; approved through the sandbox's scripts API)"
  need login
  note "gatehouse login waits for the approval; a person would open the printed URL and sign in as $user (password: sandbox)"
  printf '    $ gatehouse login --start-url %s --region %s --use-device-code --no-browser &\n' "$start_url" "$region" >&2
  "$gh" login --start-url "$start_url" --region "$region" --use-device-code --no-browser >"$work/login.log" 2>&1 &
  login_pid=$!
  approve
  if ! wait "$login_pid"; then
    login_pid=""
    sed 's/^/    | /' "$work/login.log" >&2
    fail "gatehouse login failed"
  fi
  login_pid=""
  sed 's/^/    | /' "$work/login.log" >&2
}

# approve waits until the login has started its device authorization, then
# approves it.
approve() {
  if ! "$sb" approve --user "$user" --wait 20s; then
    fail "the sign-in of $user could not be approved"
  fi
  note "approved: gatehouse-sandbox approve --user $user --wait 20s  (POST $sandbox_url/sandbox/approve)"
}

list_access() {
  step "List what $user can reach"
  need list
  run "$gh" list -f "$model"
}

write_profiles() {
  step "Write $user's AWS CLI profiles"
  need profiles
  GATEHOUSE_MODEL="$model" run "$gh" profiles
  note "profiles in ~/.aws/config:"
  sed -n 's/^\[profile \(.*\)\]/      \1/p' "$AWS_CONFIG_FILE" >&2
}

# profile_for ACCOUNT: the first profile of an account (gatehouse names them
# <account>/<role>).
profile_for() { sed -n "s/^\[profile \($1\/[^]]*\)\]/\1/p" "$AWS_CONFIG_FILE" | head -1; }

use_accounts() {
  local p
  # The engineer's profiles, not the admin's keys.
  unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
  step "Run a command in the member account $member"
  p=$(profile_for "$member")
  [ -n "$p" ] || fail "$user has no profile for $member"
  run aws sts get-caller-identity --profile "$p" --query Arn --output text

  step "Run a command in the client account $external (another organization, by role chaining)"
  p=$(profile_for "$external")
  [ -n "$p" ] || fail "$user has no profile for $external"
  run aws sts get-caller-identity --profile "$p" --query Arn --output text
  check_client_role "$p"
}

# check_client_role PROFILE: show that the role a chained profile assumes
# exists in the client account (apply created it), looking as the admin
# through the client's admin_role. moto lets AssumeRole through even to a
# role that does not exist; AWS would refuse, so the demo checks.
check_client_role() {
  local arn admin_role
  arn=$(sed -n "/^\[profile ${1//\//\\/}\]/,/^\$/s/^role_arn = //p" "$AWS_CONFIG_FILE" | head -1)
  admin_role=$(sed -n "/^  $external:/,/^  [a-z]/s/^ *admin_role: *\\(arn:[^ ]*\\).*/\\1/p" "$model" | head -1)
  [ -n "$arn" ] && [ -n "$admin_role" ] || return 0
  printf '[profile demo-client-admin]\nrole_arn = %s\ncredential_source = Environment\n\n' "$admin_role" >>"$AWS_CONFIG_FILE"
  step "The role in $external that the profile assumes, made by apply"
  AWS_ACCESS_KEY_ID=$admin_key AWS_SECRET_ACCESS_KEY=$admin_secret \
    run aws iam get-role --profile demo-client-admin --role-name "${arn##*/}" --query Role.Arn --output text ||
    fail "${arn##*/} does not exist in $external: apply should have created it"
}

# plan_is_clean: a new plan, as the admin, finds nothing to change; tags and
# permissions boundaries of permission sets included (the sandbox answers
# them as AWS does).
plan_is_clean() {
  step "Plan again as the admin: nothing left to change"
  AWS_ACCESS_KEY_ID=$admin_key AWS_SECRET_ACCESS_KEY=$admin_secret \
    run "$gh" plan -f "$model" --detailed-exitcode || fail "the plan after apply is not clean (exit $?)"
}

# plant_by_hand: what someone does in the console behind the model's back: a
# permission set "Breakglass" allowing everything, assigned to a user in a
# member account. The audit must show it next to what the model grants.
plant_by_hand() {
  local inst store ps uid target
  step "Meanwhile, someone grants access by hand in the console"
  inst=$(aws sso-admin list-instances --query 'Instances[0].InstanceArn' --output text)
  store=$(aws sso-admin list-instances --query 'Instances[0].IdentityStoreId' --output text)
  target=$(account_id "$member")
  note "a permission set the model does not know, allowing everything, for $audit_user in $member ($target)"
  ps=$(run aws sso-admin create-permission-set --instance-arn "$inst" --name Breakglass --session-duration PT1H \
    --query PermissionSet.PermissionSetArn --output text)
  run aws sso-admin put-inline-policy-to-permission-set --instance-arn "$inst" --permission-set-arn "$ps" \
    --inline-policy '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
  uid=$(aws identitystore get-user-id --identity-store-id "$store" \
    --alternate-identifier "{\"UniqueAttribute\":{\"AttributePath\":\"userName\",\"AttributeValue\":\"$audit_user\"}}" --query UserId --output text)
  run aws sso-admin create-account-assignment --instance-arn "$inst" --permission-set-arn "$ps" \
    --principal-type USER --principal-id "$uid" --target-type AWS_ACCOUNT --target-id "$target" >/dev/null
}

# audit: who can really reach what, from what AWS holds: the model's grants,
# the chains into client accounts, and the grant made by hand above, marked
# as such and reported as a finding.
audit() {
  step "Audit: who can really reach $member, and how"
  need audit
  AWS_ACCESS_KEY_ID=$admin_key AWS_SECRET_ACCESS_KEY=$admin_secret \
    run "$gh" audit -f "$model" --account "$member"
  step "Audit in CI: fail on high findings, keep the report"
  local status=0
  AWS_ACCESS_KEY_ID=$admin_key AWS_SECRET_ACCESS_KEY=$admin_secret \
    run "$gh" audit -f "$model" --output json --out "$work/audit.json" --fail-on high || status=$?
  [ "$status" -eq 2 ] || fail "audit --fail-on high exited $status; the grant made by hand should make it exit 2"
  note "exit 2: the hand-made Breakglass assignment is a high finding (UNMANAGED-ASSIGNMENT)"
}

start_sandbox
admin_key=$AWS_ACCESS_KEY_ID admin_secret=$AWS_SECRET_ACCESS_KEY
apply_model
login
list_access
write_profiles
use_accounts
plan_is_clean
AWS_ACCESS_KEY_ID=$admin_key AWS_SECRET_ACCESS_KEY=$admin_secret plant_by_hand
audit
step "Shut down"
run "$sb" down
