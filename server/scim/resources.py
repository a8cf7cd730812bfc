"""The SCIM resources groupdesk serves, cut to what it stores, and the service it announces.

The schemas list only attributes that are kept and read back as written: a provider that sends
more (title, phoneNumbers, addresses, ...) has them ignored rather than refused, which is what
Entra ID's default attribute mappings need.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, cast

from pydantic import Field, model_validator
from scim2_models import (
    URN,
    AnyExtension,
    AuthenticationScheme,
    Bulk,
    CaseExact,
    ChangePassword,
    ComplexAttribute,
    ETag,
    ExtensibleStringEnum,
    Extension,
    Filter,
    Mutability,
    Pagination,
    Patch,
    Reference,
    Required,
    Resource,
    ResourceType,
    ScimPolicy,
    ScimProvider,
    ServiceProviderConfig,
    Sort,
    Uniqueness,
)

MAX_RESULTS = 200
DEFAULT_PAGE_SIZE = 100


class Name(ComplexAttribute):
    given_name: str | None = None
    family_name: str | None = None


class Email(ComplexAttribute):
    class Type(ExtensibleStringEnum):
        work = "work"
        home = "home"
        other = "other"

    # Plain text: an address the identity provider holds is not ours to refuse.
    value: str | None = None
    display: str | None = None
    type: Type | None = None
    primary: bool | None = None


class GroupMembership(ComplexAttribute):
    value: Annotated[str | None, Mutability.read_only, CaseExact.true] = None
    ref: Annotated[Reference["Group"] | None, Mutability.read_only] = Field(
        None, serialization_alias="$ref", validation_alias="$ref")
    display: Annotated[str | None, Mutability.read_only] = None


class User(Resource[AnyExtension]):
    """A person of the school, who logs in to groupdesk by SSO."""

    __schema__ = URN("urn:ietf:params:scim:schemas:core:2.0:User")

    user_name: Annotated[str | None, Uniqueness.server, Required.true] = None
    name: Name | None = None
    Name: ClassVar[type[ComplexAttribute]] = Name
    display_name: str | None = None
    active: bool | None = None
    emails: list[Email] | None = None
    Emails: ClassVar[type[ComplexAttribute]] = Email
    groups: Annotated[list[GroupMembership] | None, Mutability.read_only] = None
    Groups: ClassVar[type[ComplexAttribute]] = GroupMembership


class Manager(ComplexAttribute):
    value: Annotated[str | None, CaseExact.true] = None
    ref: Reference["User"] | None = Field(  # type: ignore[type-arg]
        None, serialization_alias="$ref", validation_alias="$ref")

    @model_validator(mode="before")
    @classmethod
    def _bare_id(cls, data: Any) -> Any:
        # Entra ID sends the manager as the bare id ("value": "42"), not as {"value": "42"}.
        return {"value": data} if isinstance(data, str) else data


class EnterpriseUser(Extension):
    """The enterprise attributes groupdesk keeps: employee number, department and manager."""

    __schema__ = URN("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")

    employee_number: str | None = None
    department: str | None = None
    manager: Manager | None = None


class GroupMember(ComplexAttribute):
    value: Annotated[str | None, Mutability.immutable, CaseExact.true] = None
    ref: Annotated[Reference["User"] | None, Mutability.immutable] = Field(  # type: ignore[type-arg]
        None, serialization_alias="$ref", validation_alias="$ref")
    type: Annotated[str | None, Mutability.immutable] = Field(None, examples=["User"])


class Group(Resource[Any]):
    """A group of the school's users; its name may grant groupdesk roles (see the README)."""

    __schema__ = URN("urn:ietf:params:scim:schemas:core:2.0:Group")

    display_name: Annotated[str | None, Required.true] = None
    members: list[GroupMember] | None = None
    Members: ClassVar[type[ComplexAttribute]] = GroupMember


USER_TYPE = ResourceType.from_resource(User[EnterpriseUser])
GROUP_TYPE = ResourceType.from_resource(Group)

# What Entra ID needs beyond the letter of RFC 7644: unknown attributes and schemas (such as its
# ADSCIM group schema) ignored, member removal by a value list, and `emails[type eq "work"].value`
# creating the entry it names.
ENTRA_TOLERANT = ScimPolicy(
    unknown=ScimPolicy.Unknown.ignore,
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)

CONFIG = ServiceProviderConfig(
    patch=Patch(supported=True),
    bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
    filter=Filter(supported=True, max_results=MAX_RESULTS),
    change_password=ChangePassword(supported=False),
    sort=Sort(supported=False),
    etag=ETag(supported=False),
    pagination=Pagination(index=True, cursor=False, default_page_size=DEFAULT_PAGE_SIZE,
                          max_page_size=MAX_RESULTS,
                          default_pagination_method=Pagination.DefaultPaginationMethod.index),
    authentication_schemes=[AuthenticationScheme(
        type=AuthenticationScheme.Type.oauthbearertoken, name="SCIM token",
        description="A groupdesk API token with purpose SCIM, one per school", primary=True)],
)


def build_provider() -> ScimProvider:
    return ScimProvider(models=[User, EnterpriseUser, Group], resource_types=[USER_TYPE, GROUP_TYPE],
                        config=CONFIG, policy=ENTRA_TOLERANT)


PROVIDER = build_provider()
# The models the provider validates requests into; it looks them up by name, hence the casts.
UserModel = cast("type[User[EnterpriseUser]]", PROVIDER.model_for("User"))
GroupModel = cast("type[Group]", PROVIDER.model_for("Group"))
