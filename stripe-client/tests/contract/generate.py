#!/usr/bin/env python3
"""Extracts the request parameters of the operations stripe-client implements from Stripe's
official Python SDK, into ../fixtures/stripe_python_params.json.

Run by hand (never by the tests), from anywhere:

    pip download stripe==16.1.0 --no-deps -d /tmp/stripe-py
    python3 stripe-client/tests/contract/generate.py /tmp/stripe-py/stripe-16.1.0-py3-none-any.whl

Why the Python SDK: stripe-python is generated from Stripe's OpenAPI spec, and since 16.x its
`stripe/_*_service.py` files name every operation's method, path and parameter class while
`stripe/params/**/_*_params.py` hold every parameter, nested ones included, as TypedDicts. The
full `spec3.json` of the same version is not reachable from here; the wheel is.

The wheel is read with `ast` only (nothing is imported or executed). Output, per operation
`"<method> <path template>"`:

- `params`: every parameter path the operation accepts. `a.b` is field `b` of object `a`,
  `a[]` an element of list `a` (a list of objects continues `a[].b`), `a.*` any key of map `a`
  (metadata). A path is listed when a value may be sent there: a scalar, or the empty string
  Stripe takes to unset an object (`Literal['']`).
- `enums`: for paths whose values are a closed list, the allowed values. stripe-python types every
  enum as `Literal[...]|str` so that old SDKs accept new values; the spec itself lists the values,
  so the `|str` next to a non-empty `Literal` is dropped here. `""` is listed when the SDK allows
  it (unsetting a field), `true` and `false` when a boolean is allowed too (`off_session`); a
  parameter that also takes any number (`trial_end: "now" | timestamp`) has no closed list.

The script fails on any operation it cannot find and on any annotation it cannot read, so a new
SDK version cannot silently yield a smaller fixture.
"""

import ast
import json
import os
import sys
import zipfile

# The operations of stripe-client (method, path template as Stripe names it).
OPERATIONS = [
    ("get", "/v1/balance_transactions"),
    ("get", "/v1/balance_transactions/{id}"),
    ("get", "/v1/charges"),
    ("get", "/v1/charges/{charge}"),
    ("delete", "/v1/customers/{customer}"),
    ("get", "/v1/credit_notes"),
    ("get", "/v1/credit_notes/{id}"),
    ("post", "/v1/credit_notes"),
    ("post", "/v1/credit_notes/{id}/void"),
    ("get", "/v1/customers"),
    ("get", "/v1/customers/search"),
    ("get", "/v1/customers/{customer}"),
    ("post", "/v1/customers"),
    ("post", "/v1/customers/{customer}"),
    ("get", "/v1/disputes"),
    ("get", "/v1/disputes/{dispute}"),
    ("post", "/v1/disputes/{dispute}"),
    ("post", "/v1/disputes/{dispute}/close"),
    ("get", "/v1/events"),
    ("get", "/v1/events/{id}"),
    ("get", "/v1/invoices"),
    ("get", "/v1/invoices/{invoice}"),
    ("post", "/v1/invoices/{invoice}/pay"),
    ("get", "/v1/payment_intents"),
    ("get", "/v1/payment_intents/{intent}"),
    ("post", "/v1/payment_intents"),
    ("post", "/v1/payment_intents/{intent}"),
    ("post", "/v1/payment_intents/{intent}/cancel"),
    ("post", "/v1/payment_intents/{intent}/capture"),
    ("post", "/v1/payment_intents/{intent}/confirm"),
    ("get", "/v1/payment_methods"),
    ("post", "/v1/payment_methods/{payment_method}/attach"),
    ("get", "/v1/payouts"),
    ("get", "/v1/payouts/{payout}"),
    ("get", "/v1/radar/early_fraud_warnings"),
    ("get", "/v1/radar/early_fraud_warnings/{early_fraud_warning}"),
    ("get", "/v1/refunds"),
    ("get", "/v1/refunds/{refund}"),
    ("post", "/v1/refunds"),
    ("delete", "/v1/subscriptions/{subscription_exposed_id}"),
    ("get", "/v1/subscriptions"),
    ("get", "/v1/subscriptions/{subscription_exposed_id}"),
    ("post", "/v1/subscriptions"),
    ("post", "/v1/subscriptions/{subscription_exposed_id}"),
]

SCALARS = {"str", "int", "bool", "float", "Decimal"}
NUMBERS = {"int", "float", "Decimal"}
# Wrappers that do not change the shape of a value.
TRANSPARENT = {"NotRequired", "Required", "Optional"}
# Bases whose fields are request options (api_key, idempotency_key, ...), not parameters.
NOT_PARAMETERS = {"RequestOptions", "TypedDict"}


class Module:
    """One parsed .py file of the wheel."""

    def __init__(self, name, source):
        self.name = name
        self.tree = ast.parse(source)
        self.classes = {n.name: n for n in self.tree.body if isinstance(n, ast.ClassDef)}
        # Imported name -> module it comes from, including imports under `if TYPE_CHECKING:`.
        self.imports = {}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    self.imports[alias.asname or alias.name] = node.module


class Wheel:
    def __init__(self, path):
        self.zip = zipfile.ZipFile(path)
        self.modules = {}

    def module(self, dotted):
        if dotted not in self.modules:
            name = dotted.replace(".", "/") + ".py"
            self.modules[dotted] = Module(dotted, self.zip.read(name).decode("utf-8"))
        return self.modules[dotted]

    def metadata(self):
        version = self.module("stripe._version")
        api = self.module("stripe._api_version")
        package = None
        for node in ast.walk(version.tree):
            if isinstance(node, ast.Assign) and node.targets[0].id == "VERSION":
                package = node.value.value
        api_version = None
        for node in ast.walk(api.tree):
            if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "CURRENT":
                api_version = node.value.value
        if not package or not api_version:
            sys.exit("cannot read the package or API version")
        return package, api_version

    def service_modules(self):
        for name in sorted(self.zip.namelist()):
            base = os.path.basename(name)
            if (
                name.startswith("stripe/")
                and not name.startswith("stripe/params/")
                and base.startswith("_")
                and base.endswith("_service.py")
            ):
                yield name[: -len(".py")].replace("/", ".")


def request_call(func):
    """(method, path template) of the `self._request(...)` call in a service method."""
    for node in ast.walk(func):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "_request"
            and len(node.args) >= 2
        ):
            method = node.args[0]
            path = node.args[1]
            if isinstance(path, ast.Call) and isinstance(path.func, ast.Attribute):
                path = path.func.value  # "...{id}".format(id=...)
            if isinstance(method, ast.Constant) and isinstance(path, ast.Constant):
                return method.value, path.value
    return None


def params_class(func):
    """Name of the class annotating the `params` argument of a service method."""
    for arg in func.args.args + func.args.kwonlyargs:
        if arg.arg == "params" and arg.annotation is not None:
            names = [
                n.value
                for n in ast.walk(arg.annotation)
                if isinstance(n, ast.Constant) and isinstance(n.value, str)
            ] + [n.id for n in ast.walk(arg.annotation) if isinstance(n, ast.Name)]
            names = [n for n in names if n not in TRANSPARENT]
            if len(names) == 1:
                return names[0]
            sys.exit(f"{func.name}: cannot read the params annotation {ast.unparse(arg.annotation)}")
    return None


def find_operations(wheel):
    """(method, path) -> (module, class name) of its parameters, over every service."""
    found = {}
    for dotted in wheel.service_modules():
        module = wheel.module(dotted)
        for cls in module.classes.values():
            for func in cls.body:
                # The async twins name the same operation.
                if not isinstance(func, ast.FunctionDef):
                    continue
                call = request_call(func)
                if call is None:
                    continue
                name = params_class(func)
                if name is None:
                    sys.exit(f"{dotted}.{func.name}: no params argument")
                if name not in module.imports:
                    sys.exit(f"{dotted}.{func.name}: {name} is not imported")
                found[call] = (module.imports[name], name)
    return found


class Collector:
    """Walks a parameter class into its paths and closed enums."""

    def __init__(self, wheel):
        self.wheel = wheel
        self.paths = set()
        self.enums = {}

    def resolve(self, module, name):
        if name in module.classes:
            return module, module.classes[name]
        if name in module.imports:
            other = self.wheel.module(module.imports[name])
            if name in other.classes:
                return other, other.classes[name]
        sys.exit(f"{module.name}: cannot resolve {name}")

    def walk_class(self, module, cls, prefix, seen):
        if cls.name in seen:
            sys.exit(f"recursive parameter class {cls.name}")
        seen = seen | {cls.name}
        for base in cls.bases:
            base_name = ast.unparse(base)
            if base_name not in NOT_PARAMETERS:
                m, c = self.resolve(module, base_name)
                self.walk_class(m, c, prefix, seen)
        for field in cls.body:
            if isinstance(field, ast.AnnAssign) and isinstance(field.target, ast.Name):
                self.walk_type(module, field.annotation, prefix + [field.target.id], seen)

    def walk_type(self, module, node, path, seen):
        """Records what may be sent at `path` for the type expression `node`."""
        alternatives = []
        self.flatten(node, alternatives)
        literals = []
        scalars = set()
        for alt in alternatives:
            kind = alt[0]
            if kind == "literal":
                literals.extend(alt[1])
            elif kind == "scalar":
                scalars.add(alt[1])
            elif kind == "list":
                self.walk_type(module, alt[1], path[:-1] + [path[-1] + "[]"], seen)
            elif kind == "map":
                self.walk_type(module, alt[1], path + ["*"], seen)
            elif kind == "class":
                m, c = self.resolve(module, alt[1])
                self.walk_class(m, c, path, seen)
        if literals or scalars:
            key = ".".join(path)
            self.paths.add(key)
            values = set(literals)
            if "bool" in scalars:
                # Form encoding sends booleans as text.
                values |= {"true", "false"}
            named = [v for v in literals if v != ""]
            if scalars & NUMBERS:
                pass  # any number may be sent: not a closed list
            elif named:
                # A closed enum (see the module doc for the SDK's `|str`).
                self.enums[key] = sorted(values)
            elif literals and not scalars:
                # Only `Literal['']`: the empty string that unsets an object.
                self.enums[key] = [""]

    def flatten(self, node, out):
        """Splits a type expression into alternatives: ("literal", values), ("scalar",),
        ("list", element), ("map", value), ("class", name)."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            self.flatten(ast.parse(node.value, mode="eval").body, out)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            self.flatten(node.left, out)
            self.flatten(node.right, out)
        elif isinstance(node, ast.Constant) and node.value is None:
            pass  # `|None`: the parameter may be left out
        elif isinstance(node, ast.Name):
            if node.id in SCALARS:
                out.append(("scalar", node.id))
            else:
                out.append(("class", node.id))
        elif isinstance(node, ast.Subscript):
            outer = ast.unparse(node.value)
            inner = node.slice
            args = list(inner.elts) if isinstance(inner, ast.Tuple) else [inner]
            if outer in TRANSPARENT or outer == "Union":
                for arg in args:
                    self.flatten(arg, out)
            elif outer == "Literal":
                values = []
                for arg in args:
                    if not isinstance(arg, ast.Constant):
                        sys.exit(f"unreadable Literal {ast.unparse(node)}")
                    values.append(arg.value)
                out.append(("literal", values))
            elif outer == "List":
                out.append(("list", args[0]))
            elif outer in ("Dict", "Mapping"):
                out.append(("map", args[1]))
            elif outer == "UntypedStripeObject":
                out.append(("map", args[0]))
            else:
                sys.exit(f"unknown type constructor {outer} in {ast.unparse(node)}")
        else:
            sys.exit(f"unreadable annotation {ast.unparse(node)}")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    wheel = Wheel(sys.argv[1])
    package, api_version = wheel.metadata()
    found = find_operations(wheel)
    operations = {}
    for method, path in OPERATIONS:
        if (method, path) not in found:
            sys.exit(f"{method} {path}: not an operation of stripe-python {package}")
        module_name, class_name = found[(method, path)]
        module = wheel.module(module_name)
        collector = Collector(wheel)
        collector.walk_class(module, module.classes[class_name], [], frozenset())
        operations[f"{method} {path}"] = {
            "params_class": class_name,
            "params": sorted(collector.paths),
            "enums": dict(sorted(collector.enums.items())),
        }
    out = {
        "source": f"stripe-python {package} (PyPI wheel stripe-{package}-py3-none-any.whl): "
        "stripe/_*_service.py and stripe/params/**/_*_params.py, "
        "extracted by stripe-client/tests/contract/generate.py",
        "package_version": package,
        "api_version": api_version,
        "operations": operations,
    }
    target = os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "stripe_python_params.json"
    )
    with open(target, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, sort_keys=False)
        f.write("\n")
    print(f"{len(operations)} operations of API {api_version} written to {os.path.normpath(target)}")


if __name__ == "__main__":
    main()
