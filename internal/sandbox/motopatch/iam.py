# Two places where moto 5.2.1's IAM differs from AWS.
#
# Its policy validator refuses an IAM resource path of "*"
# (arn:aws:iam::*:*), which AWS accepts. And it drops the tags of SAML
# providers (CreateSAMLProvider's Tags, TagSAMLProvider), which AWS keeps and
# returns from GetSAMLProvider, and which gatehouse reads to know the
# providers it made.

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
