package sandbox

// Headers the moto preamble understands. Only the sandbox's own bootstrap
// sends them; every other client sees moto behave as AWS does.
const (
	// headerAccountID asks CreateAccount for a given 12-digit account ID.
	headerAccountID = "X-Gatehouse-Sandbox-Account-Id"
	// headerAccountName names the management account on CreateOrganization
	// (moto calls it "master").
	headerAccountName = "X-Gatehouse-Sandbox-Account-Name"
	// headerMotoAccount is moto's own header choosing the account a request
	// runs as.
	headerMotoAccount = "X-Moto-Account-Id"
)

// MotoPreamble is Python code for motoserver.Options.Preamble that lets the
// sandbox create accounts with the IDs a model names.
//
// AWS Organizations picks account IDs itself, and so does moto (at random),
// but a model names fixed IDs such as "333333333333": in real life those
// accounts exist already. The preamble makes moto's CreateAccount honour the
// X-Gatehouse-Sandbox-Account-Id header (12 digits, not yet in use) and
// CreateOrganization's X-Gatehouse-Sandbox-Account-Name header (the
// management account's name). Requests without the headers are untouched.
//
// It also mends two places where moto's IAM differs from AWS: its policy
// validator refuses an IAM resource path of "*" (arn:aws:iam::*:*, as in the
// consultancy example's inline policy), which AWS accepts; and it drops the
// tags of SAML providers (CreateSAMLProvider's Tags, TagSAMLProvider), which
// AWS keeps and returns from GetSAMLProvider, and which gatehouse reads to
// know the providers it made.
//
// And it adds the IAM Identity Center operations gatehouse calls and moto
// lacks (identityCenterPreamble): sso-admin tagging, permissions boundaries
// and provisioning status, identitystore UpdateUser and UpdateGroup.
//
// Tests that share one moto server per binary start it with this preamble:
//
//	awstest.MainWith(m, motoserver.Options{Preamble: sandbox.MotoPreamble})
const MotoPreamble = `
import re as _gh_re
import threading as _gh_threading
import moto.organizations.utils as _gh_utils
import moto.organizations.responses as _gh_responses
import moto.organizations.models as _gh_models
from moto.organizations.exceptions import InvalidInputException as _GhInvalidInput

_gh_local = _gh_threading.local()
_gh_random_account_id = _gh_utils.make_random_account_id

def _gh_account_id():
    want = getattr(_gh_local, "want", None)
    if want:
        _gh_local.want = None
        return want
    return _gh_random_account_id()

_gh_utils.make_random_account_id = _gh_account_id

def _gh_in_use(account_id):
    for by_partition in _gh_models.organizations_backends.values():
        for backend in by_partition.values():
            for account in backend.accounts:
                if account.id == account_id:
                    return True
    return False

_gh_create_account = _gh_responses.OrganizationsResponse.create_account

def _gh_create_account_with_id(self):
    want = self.headers.get("x-gatehouse-sandbox-account-id")
    if want:
        if not _gh_re.fullmatch(r"[0-9]{12}", want):
            raise _GhInvalidInput("sandbox account id %r is not 12 digits" % want)
        if _gh_in_use(want):
            raise _GhInvalidInput("sandbox account id %s is already in use" % want)
    _gh_local.want = want
    try:
        return _gh_create_account(self)
    finally:
        _gh_local.want = None

_gh_responses.OrganizationsResponse.create_account = _gh_create_account_with_id

_gh_create_organization = _gh_responses.OrganizationsResponse.create_organization

def _gh_create_organization_named(self):
    out = _gh_create_organization(self)
    name = self.headers.get("x-gatehouse-sandbox-account-name")
    if name:
        for account in self.organizations_backend.accounts:
            if account.id == self.organizations_backend.org.master_account_id:
                account.name = name
    return out

_gh_responses.OrganizationsResponse.create_organization = _gh_create_organization_named

import moto.iam.policy_validation as _gh_policy_validation
_gh_policy_validation.VALID_RESOURCE_PATH_STARTING_VALUES["iam"]["values"].append("*")

import moto.iam.responses as _gh_iam_responses
from moto.core.responses import EmptyResult as _GhEmptyResult

_gh_create_saml_provider = _gh_iam_responses.IamResponse.create_saml_provider

def _gh_create_saml_provider_tagged(self):
    out = _gh_create_saml_provider(self)
    provider = self.backend.saml_providers.get(self._get_param("Name"))
    if provider is not None:
        provider.tags = list(self._get_param("Tags", []))
    return out

def _gh_tag_saml_provider(self):
    provider = self.backend.get_saml_provider(self._get_param("SAMLProviderArn"))
    tags = {t["Key"]: t["Value"] for t in getattr(provider, "tags", [])}
    for t in self._get_param("Tags", []):
        tags[t["Key"]] = t["Value"]
    provider.tags = [{"Key": k, "Value": v} for k, v in tags.items()]
    return _GhEmptyResult()

_gh_iam_responses.IamResponse.create_saml_provider = _gh_create_saml_provider_tagged
_gh_iam_responses.IamResponse.tag_saml_provider = _gh_tag_saml_provider
` + identityCenterPreamble
