# IAM Identity Center (sso-admin) where moto 5.2.1 falls short of AWS.
#
# Operations gatehouse calls and moto lacks (it answers them with an HTML
# error 500) are added inside moto's own response class, so that their state
# lives on moto's objects: a deleted permission set takes its tags and
# boundary with it, and POST /moto-api/reset wipes everything at once:
#   - TagResource, UntagResource, ListTagsForResource on permission sets (the
#     tags CreatePermissionSet took are the same list) and instances;
#   - Put/Get/DeletePermissionsBoundary...PermissionSet (Get and Delete answer
#     ResourceNotFoundException when none is attached, as AWS does);
#   - Describe/ListPermissionSetProvisioningStatus for the
#     ProvisionPermissionSet requests moto carried out (all SUCCEEDED: moto
#     provisions at once); ProvisionPermissionSet reports the target account,
#     as AWS does, instead of the caller's.
#
# Operations moto has but answers unlike AWS:
#   - CreatePermissionSet refuses a name the instance already has
#     (ConflictException), and stores PT1H when SessionDuration is omitted
#     (moto stored the integer 3600, which no SDK can read back);
#   - UpdatePermissionSet changes only the fields it is given (moto reset an
#     omitted description, session duration and relay state).
#
# Errors have AWS's wire shape: HTTP 400, X-Amzn-ErrorType and __type.

import json as _gh_json
import re as _gh_re2
from uuid import uuid4 as _gh_uuid4
from moto.core.exceptions import JsonRESTError as _GhJsonRESTError
from moto.core.utils import unix_time as _gh_unix_time
import moto.ssoadmin.responses as _gh_sso_responses
from moto.ssoadmin.exceptions import (
    ConflictException as _GhSSOConflict,
    ResourceNotFoundException as _GhSSONotFound,
    ServiceQuotaExceededException as _GhSSOQuota,
)


class _GhSSOValidation(_GhJsonRESTError):
    code = 400

    def __init__(self, message):
        super().__init__(error_type="ValidationException", message=message)


_gh_sso_arn = _gh_re2.compile(r"arn:aws(-[a-z-]+)?:sso:::[A-Za-z]+/[A-Za-z0-9_./-]+")
_gh_tag_key = _gh_re2.compile(r"[\w\s.:/=+\-@]+")
_gh_tag_value = _gh_re2.compile(r"[\w\s.:/=+\-@]*")
_gh_managed_arn = _gh_re2.compile(r"arn:aws(-[a-z-]+)?:iam::(aws|[0-9]{12}):policy/.+")
_GH_MAX_TAGS = 50


def _gh_sso_tagged(self):
    """The permission set or instance a tagging request names."""
    arn = self._get_param("ResourceArn") or ""
    if not _gh_sso_arn.fullmatch(arn):
        raise _GhSSOValidation("1 validation error detected: Value '%s' at 'resourceArn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws|aws-us-gov|aws-cn|aws-iso|aws-iso-b):sso:([a-zA-Z0-9-]+)?:(\\d{12})?:[a-zA-Z0-9-]+/[a-zA-Z0-9-/.]+" % arn)
    backend = self.ssoadmin_backend
    for instance in backend.instances:
        if instance.instance_arn == arn:
            if not hasattr(instance, "_gh_tags"):
                instance._gh_tags = []
            return instance, "_gh_tags"
    instance_arn = self._get_param("InstanceArn") or arn.rsplit("/", 1)[0]
    ps = backend._find_permission_set(instance_arn, arn)
    if ps.tags is None:
        ps.tags = []
    return ps, "tags"


def _gh_tag_resource(self):
    obj, attr = _gh_sso_tagged(self)
    tags = list(getattr(obj, attr))
    new = self._get_param("Tags") or []
    if not new:
        raise _GhSSOValidation("1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length greater than or equal to 1")
    for t in new:
        key, value = t.get("Key") or "", t.get("Value")
        if value is None:
            value = ""
        if not (1 <= len(key) <= 128) or not _gh_tag_key.fullmatch(key):
            raise _GhSSOValidation("tag key %r must be 1 to 128 letters, digits, spaces or _.:/=+-@" % key)
        if key.lower().startswith("aws:"):
            raise _GhSSOValidation("tag keys starting with aws: are reserved for AWS use")
        if len(value) > 256 or not _gh_tag_value.fullmatch(value):
            raise _GhSSOValidation("the value of tag %r must be at most 256 letters, digits, spaces or _.:/=+-@" % key)
        tags = [x for x in tags if x.get("Key") != key]
        tags.append({"Key": key, "Value": value})
    if len(tags) > _GH_MAX_TAGS:
        raise _GhSSOQuota("a resource can have at most %d tags" % _GH_MAX_TAGS)
    setattr(obj, attr, tags)
    return "{}"


def _gh_untag_resource(self):
    obj, attr = _gh_sso_tagged(self)
    keys = self._get_param("TagKeys") or []
    if not keys:
        raise _GhSSOValidation("1 validation error detected: Value at 'tagKeys' failed to satisfy constraint: Member must have length greater than or equal to 1")
    setattr(obj, attr, [t for t in getattr(obj, attr) if t.get("Key") not in keys])
    return "{}"


def _gh_list_tags_for_resource(self):
    obj, attr = _gh_sso_tagged(self)
    return _gh_json.dumps({"Tags": [{"Key": t.get("Key"), "Value": t.get("Value", "")} for t in getattr(obj, attr)]})


def _gh_permission_set(self):
    return self.ssoadmin_backend._find_permission_set(self._get_param("InstanceArn"), self._get_param("PermissionSetArn"))


# What AWS stores when CreatePermissionSet has no SessionDuration.
_GH_DEFAULT_SESSION_DURATION = "PT1H"


def _gh_create_permission_set(self):
    instance_arn = self._get_param("InstanceArn")
    name = self._get_param("Name")
    for ps in self.ssoadmin_backend.permission_sets:
        if ps.instance_arn == instance_arn and ps.name == name:
            raise _GhSSOConflict("PermissionSet with name %s already exists." % name)
    created = self.ssoadmin_backend.create_permission_set(
        name=name,
        description=self._get_param("Description"),
        instance_arn=instance_arn,
        session_duration=self._get_param("SessionDuration") or _GH_DEFAULT_SESSION_DURATION,
        relay_state=self._get_param("RelayState"),
        tags=self._get_param("Tags"),
    )
    return _gh_json.dumps({"PermissionSet": created})


def _gh_update_permission_set(self):
    ps = _gh_permission_set(self)
    given = _gh_json.loads(self.body or "{}")
    if "Description" in given:
        ps.description = given["Description"]
    if "SessionDuration" in given:
        ps.session_duration = given["SessionDuration"]
    if "RelayState" in given:
        ps.relay_state = given["RelayState"]
    return "{}"


def _gh_put_permissions_boundary(self):
    ps = _gh_permission_set(self)
    pb = self._get_param("PermissionsBoundary") or {}
    ref, arn = pb.get("CustomerManagedPolicyReference"), pb.get("ManagedPolicyArn")
    if (ref is None) == (arn is None):
        raise _GhSSOValidation("PermissionsBoundary must have exactly one of CustomerManagedPolicyReference and ManagedPolicyArn")
    if arn is not None:
        if not _gh_managed_arn.fullmatch(arn):
            raise _GhSSOValidation("ManagedPolicyArn %r is not an IAM policy ARN" % arn)
        ps._gh_boundary = {"ManagedPolicyArn": arn}
    else:
        name = ref.get("Name") or ""
        if not (1 <= len(name) <= 128):
            raise _GhSSOValidation("CustomerManagedPolicyReference.Name must be 1 to 128 characters")
        ps._gh_boundary = {"CustomerManagedPolicyReference": {"Name": name, "Path": ref.get("Path") or "/"}}
    return "{}"


def _gh_boundary_of(ps):
    boundary = getattr(ps, "_gh_boundary", None)
    if boundary is None:
        raise _GhSSONotFound("Could not find PermissionsBoundary for PermissionSet with id %s" % ps.permission_set_arn.split("/")[-1])
    return boundary


def _gh_get_permissions_boundary(self):
    return _gh_json.dumps({"PermissionsBoundary": _gh_boundary_of(_gh_permission_set(self))})


def _gh_delete_permissions_boundary(self):
    ps = _gh_permission_set(self)
    _gh_boundary_of(ps)
    ps._gh_boundary = None
    return "{}"


def _gh_provisioning(backend):
    if not hasattr(backend, "_gh_provisioning"):
        backend._gh_provisioning = {}
    return backend._gh_provisioning


def _gh_provision_permission_set(self):
    instance_arn = self._get_param("InstanceArn")
    ps_arn = self._get_param("PermissionSetArn")
    self.ssoadmin_backend.provision_permission_set(instance_arn=instance_arn, permission_set_arn=ps_arn)
    account = self.current_account
    if self._get_param("TargetType") == "AWS_ACCOUNT" and self._get_param("TargetId"):
        account = self._get_param("TargetId")
    status = {
        "AccountId": account,
        "CreatedDate": _gh_unix_time(),
        "PermissionSetArn": ps_arn,
        "RequestId": str(_gh_uuid4()),
        "Status": "SUCCEEDED",
    }
    _gh_provisioning(self.ssoadmin_backend)[status["RequestId"]] = (instance_arn, status)
    return _gh_json.dumps({"PermissionSetProvisioningStatus": status})


def _gh_describe_provisioning_status(self):
    request_id = self._get_param("ProvisionPermissionSetRequestId")
    found = _gh_provisioning(self.ssoadmin_backend).get(request_id)
    if found is None or found[0] != self._get_param("InstanceArn"):
        raise _GhSSONotFound("Could not find provisioning request with id %s" % request_id)
    return _gh_json.dumps({"PermissionSetProvisioningStatus": found[1]})


def _gh_list_provisioning_status(self):
    instance_arn = self._get_param("InstanceArn")
    want = (self._get_param("Filter") or {}).get("Status")
    rows = [
        {"CreatedDate": s["CreatedDate"], "RequestId": s["RequestId"], "Status": s["Status"]}
        for inst, s in _gh_provisioning(self.ssoadmin_backend).values()
        if inst == instance_arn and (want is None or s["Status"] == want)
    ]
    start = int(self._get_param("NextToken") or 0)
    size = int(self._get_param("MaxResults") or 100)
    out = {"PermissionSetsProvisioningStatus": rows[start:start + size]}
    if start + size < len(rows):
        out["NextToken"] = str(start + size)
    return _gh_json.dumps(out)


_R = _gh_sso_responses.SSOAdminResponse
_R.create_permission_set = _gh_create_permission_set
_R.update_permission_set = _gh_update_permission_set
_R.tag_resource = _gh_tag_resource
_R.untag_resource = _gh_untag_resource
_R.list_tags_for_resource = _gh_list_tags_for_resource
_R.put_permissions_boundary_to_permission_set = _gh_put_permissions_boundary
_R.get_permissions_boundary_for_permission_set = _gh_get_permissions_boundary
_R.delete_permissions_boundary_from_permission_set = _gh_delete_permissions_boundary
_R.provision_permission_set = _gh_provision_permission_set
_R.describe_permission_set_provisioning_status = _gh_describe_provisioning_status
_R.list_permission_set_provisioning_status = _gh_list_provisioning_status
del _R
