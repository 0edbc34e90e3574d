package sandbox

// identityCenterPreamble is the part of MotoPreamble that adds to moto 5.2.1
// the IAM Identity Center operations gatehouse calls and moto lacks (moto
// answers them with an HTML error 500). They are added inside moto's own
// response classes, so that their state lives on moto's objects: a deleted
// permission set takes its tags and boundary with it, and POST
// /moto-api/reset wipes everything at once. Each answers with AWS's JSON
// shapes and AWS's errors (ResourceNotFoundException, ValidationException,
// ConflictException, ServiceQuotaExceededException, with X-Amzn-ErrorType
// and __type as moto's other sso-admin and identitystore errors).
//
// sso-admin:
//   - TagResource, UntagResource, ListTagsForResource on permission sets
//     (the tags CreatePermissionSet took are the same list) and instances;
//   - PutPermissionsBoundaryToPermissionSet,
//     GetPermissionsBoundaryForPermissionSet (ResourceNotFoundException when
//     none is attached, as AWS), DeletePermissionsBoundaryFromPermissionSet;
//   - DescribePermissionSetProvisioningStatus and
//     ListPermissionSetProvisioningStatus for the ProvisionPermissionSet
//     requests moto carried out (all SUCCEEDED: moto provisions at once).
//     ProvisionPermissionSet itself now reports the target account, as AWS
//     does, instead of the caller's.
//
// identitystore:
//   - UpdateUser and UpdateGroup apply their AttributeOperations to the
//     stored user or group in place, so that IDs and memberships stay;
//   - DescribeGroupMembership, which Terraform's
//     aws_identitystore_group_membership reads after creating one.
const identityCenterPreamble = `
import json as _gh_json
import re as _gh_re2
from uuid import uuid4 as _gh_uuid4
from moto.core.exceptions import JsonRESTError as _GhJsonRESTError
from moto.core.utils import unix_time as _gh_unix_time
import moto.ssoadmin.responses as _gh_sso_responses
from moto.ssoadmin.exceptions import (
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

import moto.identitystore.responses as _gh_ids_responses
from moto.identitystore.models import Name as _GhName
from moto.identitystore.exceptions import (
    ConflictException as _GhIDSConflict,
    ResourceNotFoundException as _GhIDSNotFound,
    ValidationException as _GhIDSValidation,
)

# Attribute paths of UpdateUser (lowercased, as AWS matches them) and the
# field of moto's User they set.
_GH_USER_STRINGS = {
    "username": "UserName", "displayname": "DisplayName", "nickname": "NickName",
    "profileurl": "ProfileUrl", "usertype": "UserType", "title": "Title",
    "preferredlanguage": "PreferredLanguage", "locale": "Locale", "timezone": "Timezone",
}
_GH_NAME_PARTS = {
    "formatted": "Formatted", "familyname": "FamilyName", "givenname": "GivenName",
    "middlename": "MiddleName", "honorificprefix": "HonorificPrefix", "honorificsuffix": "HonorificSuffix",
}
# Multi-valued attributes: the document uses the SCIM names (value, type,
# primary, streetAddress...), stored under the API's names.
_GH_USER_LISTS = {
    "emails": ("Emails", {"value": "Value", "type": "Type", "primary": "Primary"}),
    "phonenumbers": ("PhoneNumbers", {"value": "Value", "type": "Type", "primary": "Primary"}),
    "addresses": ("Addresses", {
        "streetaddress": "StreetAddress", "locality": "Locality", "region": "Region",
        "postalcode": "PostalCode", "country": "Country", "formatted": "Formatted",
        "type": "Type", "primary": "Primary",
    }),
}


def _gh_ids_operations(self):
    ops = self._get_param("Operations") or []
    if not (1 <= len(ops) <= 100):
        raise _GhIDSValidation(message="Operations must hold 1 to 100 attribute operations")
    for op in ops:
        if not op.get("AttributePath"):
            raise _GhIDSValidation(message="AttributePath is required in every attribute operation")
    return ops


def _gh_ids_string(path, value):
    if value is not None and not isinstance(value, str):
        raise _GhIDSValidation(message="the value of attribute %s must be a string" % path)
    return value


def _gh_ids_list(path, value, keys):
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise _GhIDSValidation(message="the value of attribute %s must be a list of objects" % path)
    out = []
    for item in value:
        row = {}
        for k, v in item.items():
            field = keys.get(k.lower())
            if field is None:
                raise _GhIDSValidation(message="attribute %s has no sub-attribute %s" % (path, k))
            row[field] = v
        out.append(row)
    return out


def _gh_update_user(self):
    backend = self.identitystore_backend
    store = backend._IdentityStoreBackend__get_identity_store(self._get_param("IdentityStoreId"))
    user_id = self._get_param("UserId")
    user = store.users.get(user_id)
    if user is None:
        raise _GhIDSNotFound(message="USER not found.", resource_type="USER")
    fields = {}
    name = dict(user.Name._asdict()) if user.Name else {v: None for v in _GH_NAME_PARTS.values()}
    for op in _gh_ids_operations(self):
        path, value = op["AttributePath"], op.get("AttributeValue")
        low = path.lower()
        if low in _GH_USER_STRINGS:
            fields[_GH_USER_STRINGS[low]] = _gh_ids_string(path, value)
        elif low == "name":
            if value is not None and not isinstance(value, dict):
                raise _GhIDSValidation(message="the value of attribute name must be an object")
            name = {v: None for v in _GH_NAME_PARTS.values()}
            for k, v in (value or {}).items():
                if k.lower() not in _GH_NAME_PARTS:
                    raise _GhIDSValidation(message="attribute name has no sub-attribute %s" % k)
                name[_GH_NAME_PARTS[k.lower()]] = _gh_ids_string("name." + k, v)
        elif low.startswith("name.") and low[5:] in _GH_NAME_PARTS:
            name[_GH_NAME_PARTS[low[5:]]] = _gh_ids_string(path, value)
        elif low in _GH_USER_LISTS:
            field, keys = _GH_USER_LISTS[low]
            fields[field] = _gh_ids_list(path, value, keys)
        else:
            raise _GhIDSValidation(message="Invalid attribute path %s" % path)
    fields["Name"] = _GhName(**name)
    updated = user._replace(**fields)
    missing = []
    if not updated.UserName:
        missing.append("username")
    if not updated.DisplayName:
        missing.append("displayname")
    if not updated.Name.GivenName:
        missing.append("givenname")
    if not updated.Name.FamilyName:
        missing.append("familyname")
    if missing:
        raise _GhIDSValidation(message=", ".join("%s: The attribute %s is required" % (m, m) for m in missing))
    if any(u.UserName == updated.UserName and uid != user_id for uid, u in store.users.items()):
        raise _GhIDSConflict(message="Duplicate UserName", reason="UNIQUENESS_CONSTRAINT_VIOLATION")
    store.users[user_id] = updated
    return "{}"


def _gh_update_group(self):
    backend = self.identitystore_backend
    store = backend._IdentityStoreBackend__get_identity_store(self._get_param("IdentityStoreId"))
    group_id = self._get_param("GroupId")
    group = store.groups.get(group_id)
    if group is None:
        raise _GhIDSNotFound(message="GROUP not found.", resource_type="GROUP")
    fields = {}
    for op in _gh_ids_operations(self):
        path, value = op["AttributePath"], op.get("AttributeValue")
        low = path.lower()
        if low == "displayname":
            fields["DisplayName"] = _gh_ids_string(path, value)
        elif low == "description":
            fields["Description"] = _gh_ids_string(path, value)
        else:
            raise _GhIDSValidation(message="Invalid attribute path %s" % path)
    updated = group._replace(**fields)
    if not updated.DisplayName:
        raise _GhIDSValidation(message="displayname: The attribute displayname is required")
    if any(g.DisplayName == updated.DisplayName and gid != group_id for gid, g in store.groups.items()):
        raise _GhIDSConflict(message="Duplicate GroupDisplayName", reason="UNIQUENESS_CONSTRAINT_VIOLATION")
    store.groups[group_id] = updated
    return "{}"


def _gh_describe_group_membership(self):
    backend = self.identitystore_backend
    store = backend._IdentityStoreBackend__get_identity_store(self._get_param("IdentityStoreId"))
    membership = store.group_memberships.get(self._get_param("MembershipId"))
    if membership is None:
        raise _GhIDSNotFound(message="GROUP_MEMBERSHIP not found.", resource_type="GROUP_MEMBERSHIP")
    return _gh_json.dumps(membership)


_gh_ids_responses.IdentityStoreResponse.update_user = _gh_update_user
_gh_ids_responses.IdentityStoreResponse.describe_group_membership = _gh_describe_group_membership
_gh_ids_responses.IdentityStoreResponse.update_group = _gh_update_group
`
