async def test_smoke(scim):
    r = await scim.get("Users", filter='userName eq "nobody-1234"')
    print(r.status_code, r.text)
    u = await scim.create_user("alice@insa-lyon.example.org", name={"givenName": "Alice", "familyName": "Doe"},
        emails=[{"value": "alice@insa-lyon.example.org", "type": "work", "primary": True}])
    print(u)
    r = await scim.get("Users", filter='userName eq "ALICE@insa-lyon.example.org"')
    print(r.status_code, r.json())
    r = await scim.get("ServiceProviderConfig")
    print(r.status_code, r.text[:300])
    assert 0
