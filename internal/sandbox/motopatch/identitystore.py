# Identity Store operations gatehouse calls and moto 5.2.1 lacks.
#
# UpdateUser and UpdateGroup apply their AttributeOperations to the stored
# user or group in place, so that IDs and memberships stay.
# DescribeGroupMembership, which Terraform's aws_identitystore_group_membership
# reads after creating one, answers from moto's memberships. Errors have AWS's
# wire shape (ValidationException, ResourceNotFoundException,
# ConflictException for a user name or group display name already taken).

import json as _gh_ids_json
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


_gh_ids_responses.IdentityStoreResponse.update_user = _gh_update_user
def _gh_describe_group_membership(self):
    backend = self.identitystore_backend
    store = backend._IdentityStoreBackend__get_identity_store(self._get_param("IdentityStoreId"))
    membership = store.group_memberships.get(self._get_param("MembershipId"))
    if membership is None:
        raise _GhIDSNotFound(message="GROUP_MEMBERSHIP not found.", resource_type="GROUP_MEMBERSHIP")
    return _gh_ids_json.dumps(membership)


_gh_ids_responses.IdentityStoreResponse.update_group = _gh_update_group
_gh_ids_responses.IdentityStoreResponse.describe_group_membership = _gh_describe_group_membership
