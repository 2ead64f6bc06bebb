"""Resolving a template's intrinsic functions to the values CloudFormation would use,
for one stack in one account: Ref, Fn::Sub, Fn::GetAtt, Fn::Join, Fn::ImportValue,
Fn::If/Equals (from the stack's parameters), Fn::Select/Split and the pseudo-parameters.
What cannot be known offline (a generated id, an import nobody exports) becomes an
unknown token (unknown.py), so that it is never mistaken for a concrete value."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional

from pipekit.checks.permissions.logic import Tri
from pipekit.checks.permissions.unknown import unknown

NO_VALUE = object()  # Ref AWS::NoValue: the key or list item disappears


@dataclass
class Stack:
    template: Mapping[str, Any]
    account: str
    region: str
    partition: str
    name: str
    parameters: Mapping[str, str] = field(default_factory=dict)
    exports: Mapping[str, str] = field(default_factory=dict)  # visible to Fn::ImportValue in this account/region
    # logical id -> (Ref value, {attribute: value}); filled lazily by arns.facts
    facts: Optional[Callable[["Stack", str], tuple[str, dict[str, str]]]] = None
    _conditions: dict[str, Tri] = field(default_factory=dict)

    @property
    def resources(self) -> Mapping[str, Any]:
        return self.template.get("Resources") or {}

    def pseudo(self, name: str) -> Optional[str]:
        return {
            "AWS::AccountId": self.account,
            "AWS::Region": self.region,
            "AWS::Partition": self.partition,
            "AWS::StackName": self.name,
            "AWS::URLSuffix": "amazonaws.com.cn" if self.partition == "aws-cn" else "amazonaws.com",
            "AWS::StackId": f"arn:{self.partition}:cloudformation:{self.region}:{self.account}:stack/{self.name}/{unknown(f'{self.account}/{self.name} stack id')}",
        }.get(name)

    def exists(self, logical_id: str) -> Tri:
        """Is the resource created (its Condition, if any)?"""
        resource = self.resources.get(logical_id)
        if not isinstance(resource, Mapping):
            return False
        return self.condition(resource["Condition"]) if "Condition" in resource else True

    def condition(self, name: str) -> Tri:
        if name not in self._conditions:
            self._conditions[name] = None  # guards against a cycle
            expression = (self.template.get("Conditions") or {}).get(name)
            self._conditions[name] = self._truth(expression)
        return self._conditions[name]

    def _truth(self, expression: Any) -> Tri:
        if not isinstance(expression, Mapping) or len(expression) != 1:
            return None
        (fn, args), = expression.items()
        if fn == "Condition":
            return self.condition(args)
        if fn == "Fn::Equals" and isinstance(args, list) and len(args) == 2:
            left, right = (self.resolve(a) for a in args)
            if isinstance(left, str) and isinstance(right, str) and not _has_unknown(left) and not _has_unknown(right):
                return left == right
            return None
        if fn in ("Fn::And", "Fn::Or", "Fn::Not") and isinstance(args, list):
            values = [self._truth(a) for a in args]
            if fn == "Fn::Not":
                return None if values[0] is None else not values[0]
            if fn == "Fn::And":
                return False if False in values else (None if None in values else True)
            return True if True in values else (None if None in values else False)
        return None

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            items = [self.resolve(v) for v in value]
            return [v for v in items if v is not NO_VALUE]
        if not isinstance(value, Mapping):
            return value
        if len(value) == 1:
            (key, args), = value.items()
            handler = _FUNCTIONS.get(key)
            if handler is not None:
                return handler(self, args)
        resolved = {k: self.resolve(v) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not NO_VALUE}

    def text(self, value: Any) -> str:
        """A resolved value as a string (an unknown token when it is not one)."""
        resolved = self.resolve(value)
        if isinstance(resolved, str):
            return resolved
        if isinstance(resolved, (int, float)) and not isinstance(resolved, bool):
            return str(resolved)
        return unknown(f"{self.name}: value {value!r}")

    # Ref and GetAtt
    def ref(self, name: str) -> str:
        pseudo = self.pseudo(name)
        if pseudo is not None:
            return pseudo
        if name in self.parameters:
            return self.parameters[name]
        declared = (self.template.get("Parameters") or {}).get(name)
        if isinstance(declared, Mapping):
            default = declared.get("Default")
            return str(default) if default is not None else unknown(f"{self.name}: parameter {name}")
        if name in self.resources and self.facts is not None:
            return self.facts(self, name)[0]
        return unknown(f"{self.name}: Ref {name}")

    def get_att(self, name: str, attribute: str) -> str:
        if name in self.resources and self.facts is not None:
            value = self.facts(self, name)[1].get(attribute)
            if value is not None:
                return value
        return unknown(f"{self.name}: {name}.{attribute}")


def _has_unknown(text: str) -> bool:
    from pipekit.checks.permissions.unknown import has_unknown

    return has_unknown(text)


def _ref(stack: Stack, args: Any) -> Any:
    if args == "AWS::NoValue":
        return NO_VALUE
    return stack.ref(str(args))


def _get_att(stack: Stack, args: Any) -> str:
    if isinstance(args, str):
        args = args.split(".", 1)
    if isinstance(args, list) and len(args) == 2:
        return stack.get_att(str(args[0]), stack.text(args[1]))
    return unknown(f"{stack.name}: GetAtt {args!r}")


_SUB_VARIABLE = re.compile(r"\$\{([^}]+)\}")


def _sub(stack: Stack, args: Any) -> str:
    if isinstance(args, list) and len(args) == 2:
        text, variables = args[0], {k: stack.text(v) for k, v in (args[1] or {}).items()}
    else:
        text, variables = args, {}
    if not isinstance(text, str):
        return unknown(f"{stack.name}: Sub {args!r}")

    def one(m: re.Match) -> str:
        name = m.group(1)
        if name.startswith("!"):
            return "${" + name[1:] + "}"
        if name in variables:
            return variables[name]
        if "." in name and not name.startswith("AWS::"):
            resource, attribute = name.split(".", 1)
            return stack.get_att(resource, attribute)
        return stack.ref(name)

    return _SUB_VARIABLE.sub(one, text)


def _join(stack: Stack, args: Any) -> str:
    if isinstance(args, list) and len(args) == 2:
        items = stack.resolve(args[1])
        if isinstance(items, list):
            return stack.text(args[0]).join(stack.text(i) for i in items)
    return unknown(f"{stack.name}: Join {args!r}")


def _import(stack: Stack, args: Any) -> str:
    name = stack.text(args)
    return stack.exports.get(name) or unknown(f"import {name} in {stack.account}")


def _if(stack: Stack, args: Any) -> Any:
    if isinstance(args, list) and len(args) == 3:
        truth = stack.condition(str(args[0]))
        if truth is True:
            return stack.resolve(args[1])
        if truth is False:
            return stack.resolve(args[2])
    return unknown(f"{stack.name}: If {args!r}")


def _select(stack: Stack, args: Any) -> Any:
    if isinstance(args, list) and len(args) == 2:
        items = stack.resolve(args[1])
        try:
            return items[int(stack.text(args[0]))]
        except (TypeError, ValueError, IndexError, KeyError):
            pass
    return unknown(f"{stack.name}: Select {args!r}")


def _split(stack: Stack, args: Any) -> Any:
    if isinstance(args, list) and len(args) == 2:
        return stack.text(args[1]).split(stack.text(args[0]))
    return unknown(f"{stack.name}: Split {args!r}")


_FUNCTIONS: dict[str, Callable[[Stack, Any], Any]] = {
    "Ref": _ref,
    "Fn::GetAtt": _get_att,
    "Fn::Sub": _sub,
    "Fn::Join": _join,
    "Fn::ImportValue": _import,
    "Fn::If": _if,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::Base64": lambda stack, args: stack.text(args),
}
