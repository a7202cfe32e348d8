"""DynamoDB PartiQL with boto3 and the AWS CLI: ExecuteStatement for SELECT/INSERT/UPDATE/DELETE,
parameters, pages, BatchExecuteStatement and ExecuteTransaction."""
import pytest
from botocore.exceptions import ClientError

from conftest import cli_json, create_table, error_of


def message(e):
    return e.value.response["Error"]["Message"]


@pytest.fixture
def people(ddb):
    create_table(ddb, "people", ("team", "S"), ("id", "N"), attributes={"name": "S"},
                 GlobalSecondaryIndexes=[{"IndexName": "byName",
                                          "KeySchema": [{"AttributeName": "name", "KeyType": "HASH"}],
                                          "Projection": {"ProjectionType": "ALL"}}])
    return "people"


def run(ddb, statement, *params, **kw):
    if params:
        kw["Parameters"] = list(params)
    return ddb.execute_statement(Statement=statement, **kw)


def test_insert_select_update_delete(ddb, people):
    run(ddb, "INSERT INTO people VALUE {'team': 'vision', 'id': 1, 'name': 'Ann', 'tags': <<'a', 'b'>>, "
             "'meta': {'level': 3, 'langs': ['c++', 'py']}, 'active': true, 'note': null}")
    run(ddb, 'INSERT INTO "people" VALUE {\'team\': ?, \'id\': ?, \'name\': ?}',
        {"S": "vision"}, {"N": "2"}, {"S": "Bob"})
    run(ddb, "INSERT INTO people VALUE {'team': 'infra', 'id': 1, 'name': 'Cy'}")
    item = ddb.get_item(TableName=people, Key={"team": {"S": "vision"}, "id": {"N": "1"}})["Item"]
    assert item["tags"]["SS"] and sorted(item["tags"]["SS"]) == ["a", "b"]
    assert item["meta"] == {"M": {"level": {"N": "3"}, "langs": {"L": [{"S": "c++"}, {"S": "py"}]}}}
    assert item["active"] == {"BOOL": True} and item["note"] == {"NULL": True}
    with pytest.raises(ClientError) as e:
        run(ddb, "INSERT INTO people VALUE {'team': 'vision', 'id': 1}")
    assert error_of(e) == ("DuplicateItemException", 400)

    rows = run(ddb, "SELECT * FROM people WHERE team = 'vision'")["Items"]
    assert [r["name"]["S"] for r in rows] == ["Ann", "Bob"]
    rows = run(ddb, 'SELECT name, meta.level FROM "people" WHERE team = ? AND id > 1', {"S": "vision"})["Items"]
    assert rows == [{"name": {"S": "Bob"}}]
    rows = run(ddb, "SELECT id FROM people WHERE meta.langs[1] = 'py' OR name IN ['Cy', 'Zed']")["Items"]
    assert sorted(r["id"]["N"] for r in rows) == ["1", "1"]
    rows = run(ddb, "SELECT * FROM people WHERE begins_with(name, 'B') AND note IS MISSING")["Items"]
    assert [r["name"]["S"] for r in rows] == ["Bob"]
    rows = run(ddb, "SELECT * FROM people WHERE note IS NULL")["Items"]
    assert [r["name"]["S"] for r in rows] == ["Ann"]
    rows = run(ddb, 'SELECT * FROM "people"."byName" WHERE name = \'Cy\'')["Items"]
    assert [r["team"]["S"] for r in rows] == ["infra"]

    run(ddb, "UPDATE people SET meta.level = meta.level + 1 SET active = false REMOVE note "
             "WHERE team = 'vision' AND id = 1")
    item = ddb.get_item(TableName=people, Key={"team": {"S": "vision"}, "id": {"N": "1"}})["Item"]
    assert item["meta"]["M"]["level"] == {"N": "4"} and item["active"] == {"BOOL": False} and "note" not in item
    with pytest.raises(ClientError) as e:  # the extra condition fails
        run(ddb, "UPDATE people SET name = 'X' WHERE team = 'vision' AND id = 1 AND active = true")
    assert error_of(e)[0] == "ConditionalCheckFailedException"
    with pytest.raises(ClientError) as e:  # no such item
        run(ddb, "DELETE FROM people WHERE team = 'nobody' AND id = 9")
    assert error_of(e)[0] == "ConditionalCheckFailedException"
    run(ddb, "DELETE FROM people WHERE team = 'infra' AND id = 1")
    assert len(run(ddb, "SELECT * FROM people")["Items"]) == 2


def test_statement_errors(ddb, people):
    cases = [
        ("SELEC * FROM people", "Statement wasn't well formed"),
        ("SELECT * FROM people WHERE", "Statement wasn't well formed"),
        ("UPDATE people SET name = 'x' WHERE team = 'a'", "Where clause does not contain a mandatory equality on all key attributes"),
        ("DELETE FROM people WHERE name = 'a'", "mandatory equality on all key attributes"),
        ("INSERT INTO people VALUE {'team': 'a', 'id': 'not a number'}", "Type mismatch for key id"),
        ("SELECT * FROM people WHERE team = ?", "Number of parameters in request and statement don't match"),
    ]
    for statement, text in cases:
        with pytest.raises(ClientError) as e:
            run(ddb, statement)
        assert error_of(e) == ("ValidationException", 400), statement
        assert text in message(e), (statement, message(e))
    with pytest.raises(ClientError) as e:
        run(ddb, "SELECT * FROM nowhere")
    assert error_of(e)[0] == "ResourceNotFoundException"


def test_select_pages_with_next_token(ddb, people):
    for i in range(12):
        run(ddb, "INSERT INTO people VALUE {'team': 't', 'id': ?, 'name': 'n'}", {"N": str(i)})
    ids, token = [], None
    while True:
        kw = {"NextToken": token} if token else {}
        r = run(ddb, "SELECT id FROM people WHERE team = 't'", Limit=5, **kw)
        ids += [int(x["id"]["N"]) for x in r["Items"]]
        token = r.get("NextToken")
        if not token:
            break
    assert ids == list(range(12))


def test_batch_and_transaction(server, ddb, people):
    r = ddb.batch_execute_statement(Statements=[
        {"Statement": "INSERT INTO people VALUE {'team': 'b', 'id': 1, 'name': 'one'}"},
        {"Statement": "INSERT INTO people VALUE {'team': 'b', 'id': 2, 'name': 'two'}"},
        {"Statement": "INSERT INTO people VALUE {'team': 'b', 'id': 1, 'name': 'again'}"},
    ])["Responses"]
    assert "Error" not in r[0] and "Error" not in r[1]
    assert r[2]["Error"]["Code"] == "DuplicateItem"
    r = ddb.batch_execute_statement(Statements=[
        {"Statement": "SELECT name FROM people WHERE team = 'b' AND id = 2"},
        {"Statement": "SELECT * FROM people WHERE team = 'b' AND id = 7"},
    ])["Responses"]
    assert r[0]["Item"] == {"name": {"S": "two"}} and "Item" not in r[1]
    ddb.execute_transaction(TransactStatements=[
        {"Statement": "UPDATE people SET name = 'uno' WHERE team = 'b' AND id = 1"},
        {"Statement": "DELETE FROM people WHERE team = 'b' AND id = 2"},
    ])
    with pytest.raises(ClientError) as e:
        ddb.execute_transaction(TransactStatements=[
            {"Statement": "INSERT INTO people VALUE {'team': 'b', 'id': 3}"},
            {"Statement": "UPDATE people SET name = 'x' WHERE team = 'b' AND id = 2"},  # gone
        ])
    assert error_of(e)[0] == "TransactionCanceledException"
    got = ddb.execute_transaction(TransactStatements=[
        {"Statement": "SELECT * FROM people WHERE team = 'b' AND id = 1"},
        {"Statement": "SELECT * FROM people WHERE team = 'b' AND id = 3"}])["Responses"]
    assert got[0]["Item"]["name"] == {"S": "uno"} and "Item" not in got[1]
    out = cli_json(server, "dynamodb", "execute-statement", "--statement",
                   "SELECT name FROM people WHERE team = 'b'")
    assert out["Items"] == [{"name": {"S": "uno"}}]
