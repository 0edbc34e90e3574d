# Fixed account IDs for the sandbox's bootstrap (moto 5.2.1, Organizations).
#
# AWS Organizations picks account IDs itself, and so does moto (at random), but
# an access model names fixed IDs such as "333333333333": in real life those
# accounts exist already. This patch makes CreateAccount honour the
# X-Gatehouse-Sandbox-Account-Id header (12 digits, not yet in use) and
# CreateOrganization the X-Gatehouse-Sandbox-Account-Name header (the
# management account's name, which moto calls "master"). Requests without the
# headers are untouched: only the sandbox's own bootstrap sends them.

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
