"""OpenAPI from Powertools resolvers: 3.1 brought to the 3.0 API Gateway imports, documents
merged with a Lambda proxy integration on every operation, checked by openapi-spec-validator;
end to end, the resolvers' own generation run inside the built package; and
terraform/rest_api.tf serving it, planned and applied by real Terraform against the stand-in
provider (each integration in the full-ARN stage-variable form; only a change of the
document redeploys it)."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pytest
from builder_support import REPO, WorkerRepo

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "infra"))
from test_validate import _plan_changes, _planner, _terraform  # noqa: E402

from build_pkg.api.openapi import down_convert, merge, validate  # noqa: E402
from build_pkg.errors import FunctionError  # noqa: E402
from build_pkg.infra.validate import validate as plan_tree  # noqa: E402
from build_pkg.progress import Reporter  # noqa: E402
from build_pkg.project import Project  # noqa: E402

ORDERS = '''from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from pydantic import BaseModel, Field

app = APIGatewayRestResolver(enable_validation=True)


class Order(BaseModel):
    id: int = Field(gt=0)
    note: str | None = None
    kind: str = Field("order", json_schema_extra={"const": "order"})


@app.get("/orders/<order_id>")
def get_order(order_id: int) -> Order:
    return Order(id=order_id)


@app.post("/orders")
def create_order(order: Order) -> Order:
    return order


def handler(event, context):
    return app.resolve(event, context)
'''


def test_a_31_schema_becomes_30():
    document = {"openapi": "3.1.0", "info": {"title": "t", "version": "1", "summary": "s"},
                "jsonSchemaDialect": "x", "paths": {}, "components": {"schemas": {"M": {
                    "type": "object", "properties": {
                        "a": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                        "b": {"const": 3}, "c": {"type": ["integer", "null"]},
                        "d": {"type": "number", "exclusiveMinimum": 0, "examples": [1.5, 2]},
                        "e": {"anyOf": [{"$ref": "#/components/schemas/N"}, {"type": "null"}]}}},
                    "N": {"type": "string"}}}}
    converted = down_convert(document)
    props = converted["components"]["schemas"]["M"]["properties"]
    assert converted["openapi"] == "3.0.3" and "summary" not in converted["info"]
    assert "jsonSchemaDialect" not in converted
    assert props["a"] == {"type": "string", "nullable": True}
    assert props["b"] == {"enum": [3]}
    assert props["c"] == {"type": "integer", "nullable": True}
    assert props["d"] == {"type": "number", "minimum": 0, "exclusiveMinimum": True, "example": 1.5}
    assert props["e"] == {"nullable": True, "allOf": [{"$ref": "#/components/schemas/N"}]}
    validate(merge({"f": ("functions/lambda_f.py", converted)}, "api"))


def test_field_names_are_not_keywords_tuples_and_model_names_fit_api_gateway():
    document = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {"/x": {"post": {
        "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Order-Input"}}}},
        "responses": {"200": {"description": "ok"}}}}},
        "components": {"schemas": {"Order-Input": {"type": "object", "properties": {
            "const": {"type": "string"}, "examples": {"type": "integer"},
            "pair": {"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}]}}}}}}
    converted = down_convert(document)
    order = converted["components"]["schemas"]["OrderInput"]
    assert set(order["properties"]) == {"const", "examples", "pair"}  # field names kept as they are
    assert order["properties"]["pair"] == {"type": "array", "items": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
                                           "minItems": 2, "maxItems": 2}
    schema = converted["paths"]["/x"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/OrderInput"}
    validate(merge({"f": ("functions/lambda_f.py", converted)}, "api"))


def test_a_route_claimed_by_two_functions_names_both_files():
    doc = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
           "paths": {"/x": {"get": {"responses": {"200": {"description": "ok"}}}}}}
    with pytest.raises(FunctionError, match=r"GET /x is served by both functions/lambda_a\.py and functions/lambda_b\.py"):
        merge({"a": ("functions/lambda_a.py", doc), "b": ("functions/lambda_b.py", doc)}, "api")
    one = {**doc, "paths": {"/o/{oid}": doc["paths"]["/x"]}}
    other = {**doc, "paths": {"/o/{order_id}": doc["paths"]["/x"]}}
    with pytest.raises(FunctionError, match=r"GET /o/\{order_id\} is served by both"):
        merge({"a": ("functions/lambda_a.py", one), "b": ("functions/lambda_b.py", other)}, "api")
    # One variable child per resource: API Gateway would refuse this tree at deploy time.
    item = {**doc, "paths": {"/shop/{item_id}": doc["paths"]["/x"]}}
    deeper = {**doc, "paths": {"/shop/{other}/x": doc["paths"]["/x"]}}
    with pytest.raises(FunctionError, match=r"^/shop has two path variables below it, \{item_id\} and \{other\} "
                                            r"\(functions/lambda_a\.py and functions/lambda_b\.py\)"):
        merge({"a": ("functions/lambda_a.py", item), "b": ("functions/lambda_b.py", deeper)}, "api")
    same_name = {**doc, "paths": {"/shop/{item_id}/x": doc["paths"]["/x"]}}
    merge({"a": ("functions/lambda_a.py", item), "b": ("functions/lambda_b.py", same_name)}, "api")


@pytest.fixture
def api_repo(tmp_path) -> WorkerRepo:
    """A repo with the benchmark's lock (Powertools and pydantic) and a resolver function."""
    repo = WorkerRepo(tmp_path / "api")
    for name in ("Pipfile", "Pipfile.lock"):
        shutil.copy(REPO / "bench" / "fixture" / name, repo.root / name)
    repo.write("functions/lambda_orders.py", ORDERS)
    return repo


def test_build_writes_the_api_from_the_resolvers_and_reuses_it(api_repo, cli):
    root = str(api_repo.root)
    first = cli("-C", root, "build", "--json")
    assert first.exit_code == 0, first.output
    out = json.loads(first.stdout)["openapi"]
    assert out["routes"] == ["GET /orders/{order_id}", "POST /orders"] and out["generated"] == ["orders"]
    document = json.loads((api_repo.root / "terraform" / "openapi.json").read_text())
    assert document["openapi"] == "3.0.3"
    operation = document["paths"]["/orders/{order_id}"]["get"]
    assert operation["x-amazon-apigateway-integration"] == {
        "type": "aws_proxy", "httpMethod": "POST", "uri": "${uri_orders}", "passthroughBehavior": "when_no_match"}
    assert operation["parameters"][0]["name"] == "order_id" and operation["parameters"][0]["in"] == "path"
    order = document["components"]["schemas"]["Order"]["properties"]
    assert order["note"]["nullable"] is True and order["id"]["minimum"] == 1  # gt=0, as API Gateway imports it
    body = (api_repo.root / "terraform" / "openapi.json").read_bytes()

    again = json.loads(cli("-C", root, "build", "--json").stdout)["openapi"]
    assert again["generated"] == []  # nothing changed: nothing imported
    assert (api_repo.root / "terraform" / "openapi.json").read_bytes() == body

    api_repo.write("functions/lambda_ping.py", "from aws_lambda_powertools.event_handler import APIGatewayHttpResolver\n"
                   "app = APIGatewayHttpResolver()\n\n\n@app.get('/ping')\ndef ping():\n    return 'pong'\n\n\n"
                   "def handler(event, context):\n    return app.resolve(event, context)\n")
    http = json.loads(cli("-C", root, "build", "--json").stdout)["openapi"]
    assert http["routes"] == out["routes"]  # an HTTP API resolver's routes are not put on the REST API

    api_repo.write("functions/lambda_copy.py", ORDERS.replace("get_order", "read_order"))
    clash = cli("-C", root, "build")
    assert clash.exit_code == 1
    assert "is served by both functions/lambda_copy.py and functions/lambda_orders.py" in clash.output


def test_a_resolver_that_fails_to_import_is_one_line(api_repo, cli):
    api_repo.write("functions/lambda_broken.py", "from aws_lambda_powertools.event_handler import APIGatewayRestResolver\n"
                   "import not_installed_anywhere\n\ndef handler(event, context):\n    return 1\n")
    result = cli("-C", str(api_repo.root), "build")
    assert result.exit_code == 1
    assert "functions/lambda_broken.py: its routes could not be read from its resolver" in result.output


def test_the_rest_api_serves_the_code_and_redeploys_only_when_the_document_moves(api_repo, cli, tmp_path):
    repo = api_repo
    root = str(repo.root)
    assert cli("-C", root, "tf").exit_code == 0
    assert cli("-C", root, "build").exit_code == 0
    dev = repo.root / "terraform" / "env" / "dev.tfvars"
    dev.write_text(dev.read_text() + '\nbinary_media_types = ["image/png"]\n')
    result = plan_tree(Project.at(repo.root), "dev", Reporter(), tmp_path / "apply")
    first = _plan_changes(result.tree, result.environment)
    for address in ("aws_api_gateway_rest_api.rest[0]", "aws_api_gateway_deployment.rest[0]",
                    "aws_api_gateway_stage.rest[0]", 'aws_lambda_permission.rest["orders"]'):
        assert first[address] == ["create"], address
    applied = _terraform(result.tree, result.environment, "apply", "-input=false", "validate.tfplan")
    assert applied.returncode == 0, applied.stderr
    state = json.loads((tmp_path / "apply" / "terraform.tfstate").read_text())
    attrs = {r["type"]: r["instances"][0]["attributes"] for r in state["resources"] if r["type"].startswith("aws_api_gateway")}
    body = json.loads(attrs["aws_api_gateway_rest_api"]["body"])
    uri = body["paths"]["/orders"]["post"]["x-amazon-apigateway-integration"]["uri"]
    assert uri == ("arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:"
                   "123456789012:function:worker-dev-orders:${stageVariables.orders}/invocations")
    assert attrs["aws_api_gateway_stage"]["variables"] == {"orders": "live"}
    assert attrs["aws_api_gateway_stage"]["stage_name"] == "dev"
    assert attrs["aws_api_gateway_rest_api"]["binary_media_types"] == ["image/png"]  # dev.tfvars, as start-api reads it

    applied_state = (tmp_path / "apply" / "terraform.tfstate").read_bytes()
    plan_after = _planner(repo, cli, tmp_path, applied_state)
    assert plan_after(lambda: None) == {}  # the same document: nothing

    # What `canary --api` leaves on the stage: canary settings Terraform leaves alone, and a
    # pinned variable it sets back to `live` (why `release` guards an API canary).
    def stage_after_canary(pinned: bool) -> bytes:
        edited = json.loads(applied_state)
        for resource in edited["resources"]:
            if resource["type"] == "aws_api_gateway_stage":
                stage = resource["instances"][0]["attributes"]
                stage["canary_settings"] = [{"deployment_id": stage["deployment_id"], "percent_traffic": 10,
                                             "stage_variable_overrides": {"orders": "2"}, "use_stage_cache": False}]
                stage["variables"] = {"orders": "1" if pinned else "live"}
        return json.dumps(edited).encode()

    assert _planner(repo, cli, tmp_path, stage_after_canary(False))(lambda: None) == {}
    assert _planner(repo, cli, tmp_path, stage_after_canary(True))(lambda: None) == {
        "aws_api_gateway_stage.rest[0]": ["update"]}
    source = repo.root / "functions" / "lambda_orders.py"
    changes = plan_after(lambda: source.write_text(source.read_text() + "\n# tuned\n"))
    assert not [a for a in changes if "api_gateway" in a]  # new code, same routes: no redeployment
    changes = plan_after(lambda: source.write_text(ORDERS.replace('"/orders"', '"/orders/new"')))
    assert changes["aws_api_gateway_deployment.rest[0]"] == ["create", "delete"]  # create before destroy
    assert changes["aws_api_gateway_rest_api.rest[0]"] == ["update"]


def test_a_resolver_without_pydantic_in_the_lock_still_gives_its_routes(worker_repo, cli):
    """This repository's own lock has Powertools but not pydantic, which Powertools' OpenAPI
    generation needs: the routes still come from the resolver (method, path, path
    parameters), without models, and the build says how to get them; a resolver that
    validates cannot even be made without pydantic, and says so."""
    small_repo = worker_repo
    small_repo.write("functions/lambda_rest.py", "from aws_lambda_powertools.event_handler import APIGatewayRestResolver\n"
                     "app = APIGatewayRestResolver()\n\n\n@app.get('/r/<rid>')\ndef r(rid):\n    return {}\n\n\n"
                     "@app.route('/r', method=['PUT', 'POST'])\ndef w():\n    return {}\n\n\n"
                     "def handler(event, context):\n    return app.resolve(event, context)\n")
    result = cli("-C", str(small_repo.root), "build", "--json")
    assert result.exit_code == 0, result.output
    assert sorted(json.loads(result.stdout)["openapi"]["routes"]) == ["GET /r/{rid}", "POST /r", "PUT /r"]
    assert ("functions/lambda_rest.py: its REST routes are described without request or response models, since "
            "Pipfile.lock [packages] lacks pydantic") in result.stderr
    document = json.loads((small_repo.root / "terraform" / "openapi.json").read_text())
    assert document["paths"]["/r/{rid}"]["get"]["parameters"] == [
        {"name": "rid", "in": "path", "required": True, "schema": {"type": "string"}}]
    # Said once: not again for an edit of the same function, nor of another one.
    small_repo.write("functions/lambda_rest.py", (small_repo.root / "functions" / "lambda_rest.py").read_text() + "#\n")
    small_repo.write("functions/lambda_process_checker.py",
                     (small_repo.root / "functions" / "lambda_process_checker.py").read_text() + "#\n")
    again = cli("-C", str(small_repo.root), "build")
    assert again.exit_code == 0 and "changed: 2 of 3 functions" in again.stderr and "pydantic" not in again.stderr

    small_repo.write("functions/lambda_rest.py", "from aws_lambda_powertools.event_handler import APIGatewayRestResolver\n"
                     "app = APIGatewayRestResolver(enable_validation=True)\n\n\ndef handler(event, context):\n"
                     "    return app.resolve(event, context)\n")
    result = cli("-C", str(small_repo.root), "build")
    assert result.exit_code == 1, result.output
    assert ("functions/lambda_rest.py: Powertools describes its routes with pydantic, which Pipfile.lock [packages] "
            "lacks; add it (`pipenv install pydantic`)") in result.output


def test_route_problems_compare_the_code_with_what_terraform_serves():
    from build_pkg.api.proxy import Route
    from build_pkg.api.route_check import CodeRoutes, route_problems

    code = {"ping": CodeRoutes("functions/lambda_ping.py", (), ("GET /ping", "GET /ping/{who}")),
            "shop": CodeRoutes("functions/lambda_shop.py", (("GET", "/items/{id}"),), ())}
    served = [Route("GET", "/items/{item_id}", "shop", "rest"), Route("POST", "/items", "shop", "rest")]
    keys = {"ping": ("terraform/lambda_ping.tf", ("GET /ping", "GET /ping/{name}"))}
    problems = route_problems(code, keys, served, "terraform/openapi.json")
    # A parameter's name does not matter to API Gateway; a route left in the document does.
    assert problems == [("terraform/openapi.json", "POST /items routes to shop, whose code no longer serves it; "
                                                   "run `build-pkg.py build` to write the file again")]
    catch_all = {"ping": ("terraform/lambda_ping.tf", ("ANY /{proxy+}",))}
    assert route_problems({"ping": code["ping"]}, catch_all, None, "terraform/openapi.json") == []
    assert route_problems({"ping": code["ping"]}, {"ping": ("terraform/lambda_ping.tf", ("$default",))}, None, "x") == []


PING = '''from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

app = APIGatewayHttpResolver()


@app.get("/ping")
def ping():
    return {"pong": True}


@app.get("/ping/<who>")
def ping_who(who):
    return {"pong": who}


def handler(event, context):
    return app.resolve(event, context)
'''


def test_check_reports_routes_in_code_that_terraform_does_not_serve_and_the_reverse(worker_repo, cli):
    root = str(worker_repo.root)
    worker_repo.write("functions/lambda_ping.py", PING)
    assert cli("-C", root, "tf", "ping", "--http", "GET /ping", "--http", "POST /old").exit_code == 0
    assert cli("-C", root, "build").exit_code == 0
    result = cli("-C", root, "check")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        'functions/lambda_ping.py: route GET /ping/{who} of its HTTP API resolver is served by no route key; '
        'add "GET /ping/{who}" to http_routes in terraform/lambda_ping.tf',
        "terraform/lambda_ping.tf: http_routes has POST /old, which no route of the HTTP API resolver in "
        "functions/lambda_ping.py serves (it would answer 404); remove it or add the route"]
    tf = worker_repo.root / "terraform" / "lambda_ping.tf"
    tf.write_text(tf.read_text().replace('"POST /old"', '"GET /ping/{name}"'))
    assert cli("-C", root, "check").exit_code == 0
    (worker_repo.root / "terraform" / "dists.manifest.json").unlink()  # a fresh clone: no build yet
    unread = cli("-C", root, "check")
    assert unread.exit_code == 0 and ("warning: functions/lambda_ping.py: its routes were not compared with "
                                      "Terraform's (no build in this checkout has read them)") in unread.stderr
    assert cli("-C", root, "build").exit_code == 0

    worker_repo.write("functions/lambda_rest.py", "from aws_lambda_powertools.event_handler import APIGatewayRestResolver\n"
                      "app = APIGatewayRestResolver()\n\n\n@app.get('/r')\ndef r():\n    return {}\n\n\n"
                      "def handler(event, context):\n    return app.resolve(event, context)\n")
    assert cli("-C", root, "tf", "rest").exit_code == 0
    assert cli("-C", root, "build").exit_code == 0
    assert cli("-C", root, "check").exit_code == 0
    (worker_repo.root / "terraform" / "openapi.json").unlink()  # gitignored: a fresh clone has none
    stale = cli("-C", root, "check")
    assert stale.exit_code == 1 and stale.stdout.strip() == (
        "functions/lambda_rest.py: route GET /r of its REST resolver is not in terraform/openapi.json; "
        "run `build-pkg.py build` to write it")

    # An adopted function keeps its own name, which terraform/rest_api.tf does not call.
    tf = worker_repo.root / "terraform" / "lambda_rest.tf"
    tf.write_text(tf.read_text() + '\nlocals {\n  adopted_rest = {\n    dev = { function_name = "legacy-rest", '
                  'alias_name = "current" }\n  }\n}\n')
    assert cli("-C", root, "build").exit_code == 0
    adopted = cli("-C", root, "check")
    assert ("functions/lambda_rest.py: an adopted function (legacy-rest in dev) with REST routes: "
            "terraform/rest_api.tf calls worker-dev-rest; serve its routes through http_routes") in adopted.stdout


def test_routes_are_read_with_the_tf_environment_and_an_http_resolver_never_stops_the_build(worker_repo, cli):
    root = str(worker_repo.root)
    worker_repo.write("functions/lambda_tables.py", "import os\n\nfrom aws_lambda_powertools.event_handler import "
                      "APIGatewayRestResolver\n\nTABLE = os.environ['TABLE']\napp = APIGatewayRestResolver()\n\n\n"
                      "@app.get('/tables')\ndef tables():\n    return {'table': TABLE}\n\n\n"
                      "def handler(event, context):\n    return app.resolve(event, context)\n")
    assert cli("-C", root, "tf", "tables", "--env", "TABLE=orders").exit_code == 0
    built = cli("-C", root, "build", "--json")
    assert built.exit_code == 0, built.output  # module-level os.environ["TABLE"], from its .tf
    assert json.loads(built.stdout)["openapi"]["routes"] == ["GET /tables"]

    worker_repo.write("functions/lambda_ping.py", "import os\n" + PING.replace("app = ", "SECRET = os.environ['SECRET']\napp = "))
    assert cli("-C", root, "tf", "ping", "--http", "GET /ping").exit_code == 0
    result = cli("-C", root, "build")
    assert result.exit_code == 0, result.output  # its routes only feed check
    assert ("functions/lambda_ping.py: its routes could not be read from its resolver (KeyError: 'SECRET')"
            in result.stderr and "`check` cannot compare its routes until it does" in result.stderr)


RULES = json.loads((Path(__file__).resolve().parents[1] / "data" / "apigateway_import_rules.json").read_text())

POLYMORPHIC = '''from decimal import Decimal
from typing import Annotated, Literal, Union

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from pydantic import BaseModel, ConfigDict, Field

app = APIGatewayRestResolver(enable_validation=True)


class Cat(BaseModel):
    kind: Literal["cat"]
    lives: int = Field(gt=0, le=9, json_schema_extra={"example": 7})


class Dog(BaseModel):
    kind: Literal["dog"]
    weight: float = Field(gt=0)


class Pet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(json_schema_extra={"readOnly": True})
    animal: Annotated[Union[Cat, Dog], Field(discriminator="kind")]
    tags: dict[str, int] = {}
    price: Decimal | int = 0
    score: float = Field(0.5, gt=0, json_schema_extra={"example": 0.7})


@app.post("/pets")
def add(pet: Pet) -> Pet:
    return pet


def handler(event, context):
    return app.resolve(event, context)
'''


def _schemas(node, at=""):
    """(where, schema) of every schema object in a document."""
    if isinstance(node, dict):
        if "components" in node:
            for name, schema in (node["components"].get("schemas") or {}).items():
                yield from _walk_schema(schema, f"model {name}")
        for path, item in (node.get("paths") or {}).items():
            yield from _operation_schemas(item, path)


def _operation_schemas(node, at):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "schema":
                yield from _walk_schema(value, at)
            else:
                yield from _operation_schemas(value, at)
    elif isinstance(node, list):
        for item in node:
            yield from _operation_schemas(item, at)


def _walk_schema(schema, at):
    if not isinstance(schema, dict):
        return
    yield at, schema
    for name, value in (schema.get("properties") or {}).items():
        yield from _walk_schema(value, f"{at}.{name}")
    for key in ("items", "not", "additionalProperties"):
        yield from _walk_schema(schema.get(key), at)
    for key in ("allOf", "anyOf", "oneOf"):
        for item in schema.get(key) or []:
            yield from _walk_schema(item, at)


def assert_importable(document: dict) -> None:
    """Every rule of API Gateway's documented list holds for the document."""
    for path in document["paths"]:
        assert all(re.match(RULES["path_segment"], s) for s in path.strip("/").split("/") if s), path
    components = document.get("components") or {}
    assert all(re.match(RULES["model_name"], name) for name in components.get("schemas") or {})
    assert all(s.get("type") in RULES["security_scheme_types"] or "x-amazon-apigateway-authorizer" in s
               for s in (components.get("securitySchemes") or {}).values())
    assert RULES["root_response_refs"] not in json.dumps(document["paths"])
    for where, schema in _schemas(document):
        assert not set(schema) & set(RULES["unsupported_schema_keywords"]), (where, sorted(schema))
        assert schema.get("format") not in RULES["unsupported_formats"], where


def test_the_document_is_what_api_gateways_import_takes(api_repo, cli):
    """A resolver with a discriminated union, dict fields, a Decimal, examples, readOnly,
    exclusive bounds and a forbidden extra: the built document keeps none of what API Gateway's
    documented list says the import does not support, keeps what has an equivalent, and the
    build names each model and keyword it dropped."""
    api_repo.write("functions/lambda_pets.py", POLYMORPHIC)
    assert cli("-C", str(api_repo.root), "tf").exit_code == 0
    built = cli("-C", str(api_repo.root), "build")
    assert built.exit_code == 0, built.output
    document = json.loads((api_repo.root / "terraform" / "openapi.json").read_text())
    assert_importable(document)
    schemas = document["components"]["schemas"]
    assert schemas["Cat"]["properties"]["lives"]["minimum"] == 1  # gt=0 of an integer: >= 1, the same
    assert schemas["Cat"]["properties"]["lives"]["maximum"] == 9
    assert "minimum" in schemas["Dog"]["properties"]["weight"]  # a number's bound: kept, now inclusive
    [warning] = [line for line in built.stderr.splitlines() if "REST import does not support" in line]
    assert "PetInput: additionalProperties, anyOf, discriminator, example, exclusiveMinimum, oneOf, readOnly" in warning
    # Responses are not validated (PetOutput, Powertools' ValidationError), nor are Cat and Dog
    # once the union that named them is gone: what they lose is not worth a word.
    assert not [name for name in ("PetOutput", "ValidationError", "Cat", "Dog") if f" {name}:" in warning], warning


def test_what_the_import_refuses_is_one_line():
    from build_pkg.api.import_rules import for_api_gateway

    base = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}}
    operation = {"responses": {"200": {"description": "ok"}},
                 "x-amazon-apigateway-integration": {"uri": "${uri_files}"}}
    with pytest.raises(FunctionError, match=r"^files: route /files/report\{id\}\.csv: API Gateway's REST import "
                                            r"refuses the segment 'report\{id\}\.csv'"):
        for_api_gateway({**base, "paths": {"/files/report{id}.csv": {"get": operation}}})
    bearer = {**base, "paths": {"/x": {"get": operation}},
              "components": {"securitySchemes": {"jwt": {"type": "http", "scheme": "bearer"}}}}
    with pytest.raises(FunctionError, match=r"^security scheme 'jwt' is 'http': API Gateway's REST import takes "
                                            r"apiKey schemes only"):
        for_api_gateway(bearer)
    shared = {**base, "paths": {"/x": {"get": {"responses": {"500": {"$ref": "#/components/responses/Oops"}}}}},
              "components": {"responses": {"Oops": {"description": "failed"}}}}
    inlined, dropped = for_api_gateway(shared)
    assert inlined["paths"]["/x"]["get"]["responses"]["500"] == {"description": "failed"} and not dropped
    assert_importable(inlined)
    validate(inlined)
