"""Reading federation files: the demo federation, and every kind of issue with its line and field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tenants.context import Role, TenantKind
from tenants.federation import (
    DesignationSpec,
    Federation,
    FederationInvalid,
    FederationIssue,
    demo_federation_path,
    load_federation,
    parse_federation,
)

# A small valid file; tests change one piece of it and assert the exact line of each issue.
VALID = """\
federation: Test federation
tenants:
  - {slug: school-a, name: School A, kind: SCHOOL}
  - {slug: group, name: The group, kind: GROUP}
users:
  - {username: ann, tenant: school-a, email: ann@a.example.org, name: Ann, roles: [expert]}
bricks:
  - code: scenari
    name: Scenari
    description: Document chains.
    services:
      - name: Accounts
        description: Accounts on the servers.
        sub_services:
          - name: Account creation
            description: A new account.
experts:
  - {user: ann, brick: scenari}
"""
# Line numbers in VALID: 3 school-a, 4 group, 6 ann, 8 brick code, 12 service name,
# 15 sub-service name, 16 sub-service description, 18 the designation.

Found = tuple[int | None, str, str]


def edited(old: str, new: str, text: str = VALID) -> str:
    """VALID with one exact piece replaced, failing loudly if the piece is not there once."""
    assert text.count(old) == 1, old
    return text.replace(old, new)


def issues_in(text: str) -> list[Found]:
    """The (line, field, message) of every issue parse_federation reports for `text`."""
    with pytest.raises(FederationInvalid) as caught:
        parse_federation(text, filename="test.yaml")
    return [(issue.line, issue.field, issue.message) for issue in caught.value.issues]


def parsed(text: str) -> Federation:
    """Parse `text`, showing every issue if there is one."""
    return parse_federation(text, filename="test.yaml")


# --- the demo federation -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo() -> Federation:
    return load_federation(demo_federation_path())


def test_demo_path_is_the_packaged_insa_file() -> None:
    path = demo_federation_path()
    assert path.is_file()
    assert path.parts[-3:] == ("tenants", "federations", "insa.yaml")


def test_demo_has_the_seven_insa_schools_the_group_and_operations(demo: Federation) -> None:
    by_kind = {kind: {t.slug: t.name for t in demo.tenants if t.kind is kind} for kind in TenantKind}
    assert by_kind[TenantKind.SCHOOL] == {
        "insa-lyon": "INSA Lyon",
        "insa-rennes": "INSA Rennes",
        "insa-rouen": "INSA Rouen Normandie",
        "insa-strasbourg": "INSA Strasbourg",
        "insa-toulouse": "INSA Toulouse",
        "insa-cvl": "INSA Centre Val de Loire",
        "insa-hdf": "INSA Hauts-de-France",
    }
    assert list(by_kind[TenantKind.GROUP]) == ["groupe-insa"]
    assert list(by_kind[TenantKind.OPERATIONS]) == ["operations"]


def test_demo_scenari_account_creation_asks_email_platform_and_role(demo: Federation) -> None:
    scenari = next(b for b in demo.bricks if b.code == "scenari")
    accounts = next(s for s in scenari.services if s.name == "Account management")
    creation = next(s for s in accounts.sub_services if s.name == "Account creation")
    fields = creation.form["properties"]
    assert {"account_email", "platform", "role"} <= set(creation.form["required"])
    assert fields["account_email"]["format"] == "email"
    assert len(fields["platform"]["enum"]) >= 2
    assert "role" in fields


def test_demo_has_the_sub_services_the_examples_rely_on(demo: Federation) -> None:
    names = {(b.code, s.name, sub.name): sub for b in demo.bricks for s in b.services
             for sub in s.sub_services}
    assert ("scenari", "Publishing", "Publication failure") in names
    assert names[("openmoodle", "Courses", "Course creation")].requires_approval
    assert ("openmoodle", "Courses", "Course restore from backup") in names
    assert any(code == "openmoodle" and service == "Accounts" for code, service, _ in names)


def test_demo_catalogue_has_four_bricks_with_real_forms_approvals_and_priorities(
    demo: Federation,
) -> None:
    assert len(demo.bricks) >= 4
    subs = [sub for b in demo.bricks for s in b.services for sub in s.sub_services if sub.active]
    assert all(sub.form.get("required") and sub.form.get("properties") for sub in subs)
    assert any(sub.requires_approval for sub in subs)
    assert any(not sub.requires_approval for sub in subs)
    assert {sub.default_priority for sub in subs} == {"LOW", "NORMAL", "HIGH", "CRITICAL"}


def test_demo_every_school_has_an_agent_and_a_manager(demo: Federation) -> None:
    for tenant in demo.tenants:
        if tenant.kind is TenantKind.SCHOOL:
            roles = {role for u in demo.users if u.tenant == tenant.slug for role in u.roles}
            assert {Role.SCHOOL_AGENT, Role.SCHOOL_MANAGER} <= roles, tenant.slug


def test_demo_has_group_admin_operations_and_desk_integration_users(demo: Federation) -> None:
    def tenants_with(role: Role) -> set[str]:
        return {u.tenant for u in demo.users if role in u.roles}

    assert tenants_with(Role.GROUP_ADMIN) == {"groupe-insa"}
    assert tenants_with(Role.OPERATIONS) == {"operations"}
    assert len(tenants_with(Role.DESK_INTEGRATION)) >= 2


def test_demo_experts_sit_at_three_schools_and_at_every_level(demo: Federation) -> None:
    tenant_of = {u.username: u.tenant for u in demo.users}
    schools = {tenant_of[d.username] for d in demo.designations} - {"groupe-insa", "operations"}
    assert len(schools) >= 3
    assert any(d.service is None for d in demo.designations)
    assert any(d.service is not None and d.sub_service is None for d in demo.designations)
    assert any(d.sub_service is not None for d in demo.designations)
    scenari_experts = {tenant_of[d.username] for d in demo.designations if d.brick == "scenari"}
    assert {"insa-lyon", "insa-rouen"} <= scenari_experts


def test_demo_uses_only_example_org_addresses(demo: Federation) -> None:
    assert all(u.email.endswith(".example.org") for u in demo.users)
    text = demo_federation_path().read_text(encoding="utf-8")
    hosts = re.findall(r"(?:https?://|@)([a-z0-9-]+(?:\.[a-z0-9-]+)+)", text)
    assert len(hosts) > len(demo.users)
    assert [host for host in hosts if not host.endswith(".example.org")] == []


# --- what a valid file turns into --------------------------------------------------------------


def test_yaml_names_map_onto_spec_fields_with_defaults() -> None:
    federation = parsed(VALID)
    ann = federation.users[0]
    sub = federation.bricks[0].services[0].sub_services[0]
    assert federation.name == "Test federation"
    assert (ann.display_name, ann.roles, ann.active) == ("Ann", (Role.EXPERT,), True)
    assert (ann.issuer, ann.subject) == ("urn:groupdesk:local", "ann")
    assert (sub.requires_approval, sub.default_priority, sub.active) == (False, "NORMAL", True)
    assert sub.form == {"type": "object"}
    assert federation.tenants[1].kind is TenantKind.GROUP and federation.tenants[1].desk is None


def test_approval_priority_and_raw_desk_are_read() -> None:
    text = edited("            description: A new account.\n",
                  "            description: A new account.\n"
                  "            approval: true\n"
                  "            priority: CRITICAL\n")
    text = edited("kind: SCHOOL}", "kind: SCHOOL, desk: {kind: itop, url: 'https://d.example.org'}}",
                  text)
    federation = parsed(text)
    sub = federation.bricks[0].services[0].sub_services[0]
    assert (sub.requires_approval, sub.default_priority) == (True, "CRITICAL")
    assert federation.tenants[0].desk == {"kind": "itop", "url": "https://d.example.org"}


def test_designations_use_the_catalogue_spelling_of_names() -> None:
    text = edited("  - {user: ann, brick: scenari}",
                  "  - {user: ANN, brick: Scenari, service: accounts, sub_service: ACCOUNT CREATION}")
    assert parsed(text).designations == (
        DesignationSpec("ann", "scenari", "Accounts", "Account creation"),
    )


def test_merged_keys_may_be_overridden_without_counting_as_repeats() -> None:
    text = edited("            description: A new account.\n",
                  "            description: A new account.\n"
                  "            form: &form {type: object, title: Creation}\n"
                  "          - name: Account closing\n"
                  "            description: Close an account.\n"
                  "            form: {<<: *form, title: Closing}\n")
    subs = parsed(text).bricks[0].services[0].sub_services
    assert subs[1].form == {"type": "object", "title": "Closing"}


def test_dates_in_forms_stay_strings_so_forms_remain_json() -> None:
    text = edited("            description: A new account.\n",
                  "            description: A new account.\n"
                  "            form: {type: object, properties: {d: {type: string, default: 2026-09-01}}}\n")
    form = parsed(text).bricks[0].services[0].sub_services[0].form
    assert form["properties"]["d"]["default"] == "2026-09-01"


def test_anchors_and_merge_keys_share_form_pieces() -> None:
    text = edited("            description: A new account.\n",
                  "            description: A new account.\n"
                  "            form: &form {type: object, required: [email]}\n"
                  "          - name: Account closing\n"
                  "            description: Close an account.\n"
                  "            form: {<<: *form, title: Closing}\n")
    subs = parsed(text).bricks[0].services[0].sub_services
    assert subs[1].form == {"type": "object", "required": ["email"], "title": "Closing"}


# --- issues: where and what -------------------------------------------------------------------


def test_missing_field_is_reported_at_the_line_of_its_entry() -> None:
    text = edited("            description: A new account.\n", "")
    assert issues_in(text) == [
        (15, "bricks[0].services[0].sub_services[0].description", "required"),
    ]


def test_value_of_wrong_type_is_reported_at_its_own_line() -> None:
    text = edited("    name: Scenari\n", "    name:\n      - Scenari\n")
    assert issues_in(text) == [(9, "bricks[0].name", "must be a string; got a list")]


def test_empty_name_is_reported_with_file_line_and_path() -> None:
    with pytest.raises(FederationInvalid) as caught:
        parse_federation(edited("      - name: Accounts\n", "      - name: ''\n"), filename="insa.yaml")
    assert [str(issue) for issue in caught.value.issues] == [
        "insa.yaml:12: bricks[0].services[0].name: must not be empty",
    ]


def test_unknown_field_is_rejected_with_a_suggestion() -> None:
    text = edited("name: School A,", "name: School A, colour: red, nme: x,")
    assert issues_in(text) == [
        (3, "tenants[0].colour",
         "unknown field 'colour' (expected slug, name, kind, active, desk, language)"),
        (3, "tenants[0].nme", "unknown field 'nme' (did you mean 'name'?)"),
    ]


def test_key_written_twice_in_one_mapping_is_rejected() -> None:
    text = edited("    name: Scenari\n", "    name: Scenari\n    name: Scenari 2\n")
    assert issues_in(text) == [(10, "bricks[0].name", "appears twice in this mapping")]


def test_priority_outside_the_four_levels_is_rejected() -> None:
    text = edited("            description: A new account.\n",
                  "            description: A new account.\n            priority: URGENT\n")
    assert issues_in(text) == [
        (17, "bricks[0].services[0].sub_services[0].priority",
         "must be one of LOW, NORMAL, HIGH, CRITICAL"),
    ]


def test_unknown_tenant_kind_is_rejected() -> None:
    assert issues_in(edited("kind: SCHOOL", "kind: UNIVERSITY")) == [
        (3, "tenants[0].kind", "must be one of SCHOOL, GROUP, OPERATIONS"),
    ]


def test_flags_must_be_booleans() -> None:
    text = edited("kind: SCHOOL}", "kind: SCHOOL, active: maybe}")
    assert issues_in(text) == [
        (3, "tenants[0].active", "must be true or false; got the text 'maybe'"),
    ]


@pytest.mark.parametrize(
    ("old", "new", "line", "field"),
    [
        ("school-a", "School_A", 3, "tenants[0].slug"),
        ("scenari", "-scenari", 8, "bricks[0].code"),
    ],
)
def test_slugs_and_brick_codes_must_be_lowercase_words(
    old: str, new: str, line: int, field: str
) -> None:
    # Renamed everywhere, so that references to it still match and only the format is wrong.
    assert issues_in(VALID.replace(old, new)) == [
        (line, field, "must be lowercase letters, digits and '-', starting with a letter or digit"),
    ]


def test_names_and_descriptions_have_bounded_lengths() -> None:
    text = edited("    name: Scenari\n", f"    name: {'n' * 201}\n")
    text = edited("    description: Document chains.\n", f"    description: {'d' * 4001}\n", text)
    assert issues_in(text) == [
        (9, "bricks[0].name", "must be at most 200 characters (has 201)"),
        (10, "bricks[0].description", "must be at most 4000 characters (has 4001)"),
    ]


def test_bad_slug_of_the_group_tenant_is_reported_once() -> None:
    assert issues_in(edited("slug: group,", "slug: '',")) == [(4, "tenants[1].slug", "must not be empty")]


def test_unknown_role_is_reported_on_its_list_item() -> None:
    text = edited("roles: [expert]}", "roles: [expert, teacher]}")
    [(line, field, message)] = issues_in(text)
    assert (line, field) == (6, "users[0].roles[1]")
    assert message.startswith("unknown role 'teacher' (known: group-admin, expert")


def test_user_of_an_unknown_tenant_is_rejected() -> None:
    assert issues_in(edited("tenant: school-a,", "tenant: school-b,")) == [
        (6, "users[0].tenant", "unknown tenant 'school-b'"),
    ]


def test_role_listed_twice_is_rejected() -> None:
    assert issues_in(edited("roles: [expert]}", "roles: [expert, expert]}")) == [
        (6, "users[0].roles[1]", "role 'expert' is listed twice"),
    ]


def test_field_names_must_be_strings() -> None:
    # YAML 1.1 reads an unquoted `yes` key as the boolean true.
    assert issues_in(edited("kind: SCHOOL}", "kind: SCHOOL, yes: 1}")) == [
        (3, "tenants[0].True", "field names must be strings; got True (quote it)"),
    ]


def test_invalid_email_is_rejected() -> None:
    assert issues_in(edited("email: ann@a.example.org", "email: ann.example.org")) == [
        (6, "users[0].email", "must be an e-mail address"),
    ]


# --- uniqueness ---------------------------------------------------------------------------------


def test_duplicate_tenant_slug_is_rejected() -> None:
    text = edited("  - {slug: group,", "  - {slug: school-a, name: Again, kind: SCHOOL}\n  - {slug: group,")
    assert issues_in(text) == [
        (4, "tenants[1].slug", "duplicate tenant slug 'school-a' (already declared at line 3)"),
    ]


def test_duplicate_usernames_and_emails_are_rejected_ignoring_case() -> None:
    text = edited("bricks:\n", "  - {username: Ann, tenant: group, email: ANN@a.example.org, "
                               "name: Ann again, roles: []}\nbricks:\n")
    assert issues_in(text) == [
        (7, "users[1].username", "duplicate username 'Ann' (already declared at line 6)"),
        (7, "users[1].email",
         "duplicate e-mail 'ANN@a.example.org' (already declared at line 6)"),
    ]


def test_two_users_with_the_same_sso_identity_are_rejected() -> None:
    text = edited("bricks:\n", "  - {username: bob, tenant: group, email: bob@g.example.org, name: Bob, "
                               "roles: [], subject: ann}\nbricks:\n")
    assert issues_in(text) == [
        (7, "users[1].subject",
         "SSO subject 'ann' of issuer 'urn:groupdesk:local' already belongs to user 'ann'"),
    ]


def test_duplicate_brick_code_is_rejected() -> None:
    text = VALID.replace("experts:", "  - {code: scenari, name: Again, description: d, services: "
                                     "[{name: S, description: d, sub_services: "
                                     "[{name: x, description: d}]}]}\nexperts:")
    assert issues_in(text) == [
        (17, "bricks[1].code", "duplicate brick code 'scenari' (already declared at line 8)"),
    ]


def test_duplicate_service_names_in_a_brick_are_rejected_ignoring_case() -> None:
    text = edited("experts:", "      - name: ACCOUNTS\n"              # 17
                              "        description: Again.\n"
                              "        sub_services: [{name: x, description: d}]\n"
                              "experts:")
    assert issues_in(text) == [
        (17, "bricks[0].services[1].name",
         "duplicate service name 'ACCOUNTS' (already declared at line 12)"),
    ]


def test_duplicate_sub_service_names_in_a_service_are_rejected_ignoring_case() -> None:
    text = edited("experts:", "          - {name: account CREATION, description: Again.}\nexperts:")
    assert issues_in(text) == [
        (17, "bricks[0].services[0].sub_services[1].name",
         "duplicate sub-service name 'account CREATION' (already declared at line 15)"),
    ]


def test_same_service_name_in_two_bricks_is_allowed() -> None:
    text = VALID.replace("experts:", "  - {code: moodle, name: Moodle, description: d, services: "
                                     "[{name: Accounts, description: d, sub_services: "
                                     "[{name: Account creation, description: d}]}]}\nexperts:")
    assert [b.code for b in parsed(text).bricks] == ["scenari", "moodle"]


def test_a_federation_needs_exactly_one_group_tenant() -> None:
    assert issues_in(edited("kind: GROUP", "kind: SCHOOL")) == [
        (2, "tenants", "must include exactly one tenant of kind GROUP (found none)"),
    ]
    text = edited("  - {slug: group,", "  - {slug: group-2, name: G2, kind: GROUP}\n  - {slug: group,")
    assert issues_in(text) == [
        (5, "tenants[2].kind",
         "only one GROUP tenant is allowed; 'group-2' is already the group (line 4)"),
    ]


# --- forms --------------------------------------------------------------------------------------


def with_form(form_lines: str) -> str:
    """VALID with a form on its sub-service; the form's first line is line 17."""
    return edited("            description: A new account.\n",
                  "            description: A new account.\n" + form_lines)


def test_bad_json_schema_is_reported_at_the_offending_keyword() -> None:
    text = with_form("            form:\n"                          # 17
                     "              type: object\n"                 # 18
                     "              properties:\n"                  # 19
                     "                email:\n"                     # 20
                     "                  type: strin\n"              # 21
                     "                  maxLength: -1\n")           # 22
    path = "bricks[0].services[0].sub_services[0].form.properties.email"
    assert issues_in(text) == [
        (21, f"{path}.type", "not a valid JSON Schema: 'strin' is not valid under any of the given "
                             "schemas"),
        (22, f"{path}.maxLength", "not a valid JSON Schema: -1 is less than the minimum of 0"),
    ]


def test_misspelt_form_type_is_reported_once() -> None:
    assert issues_in(with_form("            form: {type: objet}\n")) == [
        (17, "bricks[0].services[0].sub_services[0].form.type",
         "not a valid JSON Schema: 'objet' is not valid under any of the given schemas"),
    ]


def test_form_with_an_invalid_regular_expression_is_rejected() -> None:
    text = with_form('            form: {type: object, properties: {c: {type: string, pattern: "[a-"}}}\n')
    assert issues_in(text) == [
        (17, "bricks[0].services[0].sub_services[0].form.properties.c.pattern",
         "not a valid JSON Schema: '[a-' is not a 'regex'"),
    ]


def test_form_must_describe_an_object() -> None:
    assert issues_in(with_form("            form: {type: string}\n")) == [
        (17, "bricks[0].services[0].sub_services[0].form.type",
         "a request form must describe an object (type: object)"),
    ]


def test_form_must_be_a_mapping() -> None:
    assert issues_in(with_form("            form: [email]\n")) == [
        (17, "bricks[0].services[0].sub_services[0].form",
         "must be a mapping (a JSON Schema); got a list"),
    ]


def test_form_must_hold_only_json_data() -> None:
    assert issues_in(with_form("            form: {type: object, default: !!binary aGk=}\n")) == [
        (17, "bricks[0].services[0].sub_services[0].form.default",
         "must be plain JSON data; got bytes"),
    ]


def test_recursive_alias_is_a_yaml_issue_not_a_crash() -> None:
    assert issues_in(with_form("            form: &loop {type: object, items: *loop}\n")) == [
        (17, "", "invalid YAML: recursive aliases are not supported"),
    ]


def test_desk_needs_a_kind() -> None:
    text = edited("kind: SCHOOL}", "kind: SCHOOL, desk: {url: 'https://d.example.org'}}")
    assert issues_in(text) == [(3, "tenants[0].desk.kind", "required")]


# --- designations -------------------------------------------------------------------------------


def designation(entry: str) -> str:
    """VALID with its designation (line 18) replaced by `entry`."""
    return edited("  - {user: ann, brick: scenari}", f"  - {entry}")


def test_designation_to_a_missing_service_is_rejected() -> None:
    assert issues_in(designation("{user: ann, brick: scenari, service: Publishing}")) == [
        (18, "experts[0].service", "brick 'scenari' has no service 'Publishing'"),
    ]


def test_designation_to_a_missing_sub_service_is_rejected() -> None:
    text = designation("{user: ann, brick: scenari, service: Accounts, sub_service: Deletion}")
    assert issues_in(text) == [
        (18, "experts[0].sub_service",
         "service 'Accounts' of brick 'scenari' has no sub-service 'Deletion'"),
    ]


def test_designation_to_a_sub_service_needs_its_service() -> None:
    text = designation("{user: ann, brick: scenari, sub_service: Account creation}")
    assert issues_in(text) == [(18, "experts[0].service", "required when sub_service is given")]


def test_designation_of_unknown_user_or_brick_is_rejected() -> None:
    assert issues_in(designation("{user: bob, brick: moodle}")) == [
        (18, "experts[0].user", "unknown user 'bob'"),
        (18, "experts[0].brick", "unknown brick 'moodle'"),
    ]


def test_designated_user_must_hold_the_expert_role() -> None:
    text = edited("roles: [expert]}", "roles: [school-agent]}")
    assert issues_in(text) == [
        (18, "experts[0].user", "user 'ann' is designated but lacks the 'expert' role"),
    ]


def test_repeated_designation_is_rejected() -> None:
    text = VALID + "  - {user: ann, brick: SCENARI}\n"
    assert issues_in(text) == [
        (19, "experts[1].user", "this designation repeats the one at line 18"),
    ]


# --- several issues, broken files -------------------------------------------------------------


def test_every_issue_is_reported_together_in_file_order() -> None:
    text = designation("{user: ann, brick: scenari, service: Nope}")
    text = edited("kind: SCHOOL", "kind: school", text)
    text = edited("      - name: Accounts\n", "      - name: Accounts\n        colour: blue\n", text)
    assert issues_in(text) == [
        (3, "tenants[0].kind", "must be one of SCHOOL, GROUP, OPERATIONS"),
        (13, "bricks[0].services[0].colour",
         "unknown field 'colour' (expected name, description, sub_services, active)"),
        (19, "experts[0].service", "brick 'scenari' has no service 'Nope'"),
    ]


def test_issues_follow_file_order_whatever_the_order_of_sections() -> None:
    designations = "experts:\n  - {user: ann, brick: scenari}\n"
    text = (
        "experts:\n  - {user: ann, brick: scenari, service: Nope}\n"
        + edited(designations, "", edited("username: ann,", "username: ann, colour: 1,"))
    )
    assert issues_in(text) == [
        (2, "experts[0].service", "brick 'scenari' has no service 'Nope'"),
        (8, "users[0].colour", "unknown field 'colour' (expected username, tenant, email, name, "
                               "roles, active, issuer, subject, language, technical)"),
    ]


def test_exception_message_lists_every_issue_on_its_own_line() -> None:
    text = edited("kind: SCHOOL", "kind: school", edited("name: Ann,", "name: '',"))
    with pytest.raises(FederationInvalid) as caught:
        parse_federation(text, filename="f.yaml")
    assert str(caught.value).splitlines() == [
        "f.yaml:3: tenants[0].kind: must be one of SCHOOL, GROUP, OPERATIONS",
        "f.yaml:6: users[0].name: must not be empty",
    ]


def test_yaml_syntax_error_is_an_issue_with_the_line_of_the_error() -> None:
    text = edited("    name: Scenari\n", "    name: [Scenari\n")
    [(line, field, message)] = issues_in(text)
    assert (line, field) == (10, "")
    assert message.startswith("invalid YAML: ")


def test_file_that_is_not_a_mapping_is_rejected() -> None:
    assert issues_in("") == [
        (1, "", "the file is empty; expected a mapping starting with 'federation: <name>'"),
    ]
    [(line, field, message)] = issues_in("- federation: x\n")
    assert (line, field) == (1, "") and message.startswith("must be a mapping")


def test_sections_must_be_lists() -> None:
    text = edited("tenants:\n  - {slug: school-a, name: School A, kind: SCHOOL}\n"
                  "  - {slug: group, name: The group, kind: GROUP}\n", "tenants: all of them\n")
    found = issues_in(text)
    assert found[0] == (2, "tenants", "must be a list; got the text 'all of them'")
    assert (4, "users[0].tenant", "unknown tenant 'school-a'") in found


def test_issue_without_a_line_still_names_file_and_field() -> None:
    assert str(FederationIssue("f.yaml", None, "tenants", "required")) == "f.yaml: tenants: required"


def test_load_federation_names_the_file_in_issues(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(edited("kind: SCHOOL", "kind: nope"), encoding="utf-8")
    with pytest.raises(FederationInvalid) as caught:
        load_federation(path)
    assert [issue.file for issue in caught.value.issues] == [str(path)]


def test_load_federation_rejects_text_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(VALID.replace("School A", "École").encode("latin-1"))
    with pytest.raises(FederationInvalid) as caught:
        load_federation(path)
    [issue] = caught.value.issues
    assert issue.message.startswith("not UTF-8 text")


def test_a_person_may_name_the_language_they_read_and_otherwise_follows_the_school() -> None:
    chose = parsed(edited("roles: [expert]}", "roles: [expert], language: en}"))
    assert chose.users[0].language == "en"
    assert parsed(VALID).users[0].language is None
    assert issues_in(edited("roles: [expert]}", "roles: [expert], language: de}")) == [
        (6, "users[0].language", "must be one of fr, en")]


def test_language_of_prefers_the_person_then_the_school_then_french() -> None:
    from tenants.i18n import language_of
    assert language_of("en", "fr") == "en"
    assert language_of(None, "en") == "en"
    assert language_of(None, None) == "fr"
    assert language_of("xx", "yy") == "fr"
