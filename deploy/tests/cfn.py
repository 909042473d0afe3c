"""Loading the deploy templates and resolving their intrinsic functions.

Templates are read with cfn-lint's decoder (it understands !Ref, !Sub,
!GetAtt, … and gives them back as {"Ref": …} style dicts). `Resolver`
evaluates those for one imagined deployment (account, region, parameters),
so that tests compare plain strings such as
`arn:aws:dynamodb:us-east-1:123456789012:table/cloudping-rounds`.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

from cfnlint.decode import decode_str

DEPLOY = Path(__file__).resolve().parent.parent
REPO = DEPLOY.parent
ACCOUNT = "123456789012"


def load(name: str) -> dict:
    """deploy/<name> as a plain dict tree (intrinsics as {"Fn::…": …})."""
    text = (DEPLOY / name).read_text()
    tpl, matches = decode_str(text)
    if matches:
        raise ValueError(f"{name}: {[str(m) for m in matches]}")
    return plain(tpl)


def plain(x):
    """cfn-lint's str_node/dict_node trees → builtin types (deep copy)."""
    if isinstance(x, dict):
        return {str(k): plain(v) for k, v in x.items()}
    if isinstance(x, list):
        return [plain(v) for v in x]
    if isinstance(x, str):
        return str(x)
    return copy.deepcopy(x)


class Resolver:
    """Evaluates intrinsics of `tpl` deployed in `region` with `params`."""

    def __init__(self, tpl: dict, region: str, params: dict | None = None, partition: str = "aws"):
        self.tpl = tpl
        self.region = region
        self.partition = partition
        self.params = {}
        for name, spec in tpl.get("Parameters", {}).items():
            if "Default" in spec:
                self.params[name] = spec["Default"]
        self.params.update(params or {})
        for name, spec in tpl.get("Parameters", {}).items():
            if name not in self.params:
                raise KeyError(f"parameter {name} has no default; give it")
            if spec.get("Type") == "CommaDelimitedList" and isinstance(self.params[name], str):
                self.params[name] = self.params[name].split(",")

    @property
    def resources(self) -> dict:
        return self.tpl.get("Resources", {})

    def pseudo(self, name: str):
        return {
            "AWS::Region": self.region,
            "AWS::AccountId": ACCOUNT,
            "AWS::Partition": self.partition,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": "stack",
            "AWS::NoValue": None,
        }[name]

    def condition(self, name: str) -> bool:
        return bool(self.ev(self.tpl["Conditions"][name]))

    def physical(self, logical: str) -> str:
        res = self.resources[logical]
        props = res.get("Properties", {})
        key = {
            "AWS::DynamoDB::Table": "TableName",
            "AWS::S3::Bucket": "BucketName",
            "AWS::Logs::LogGroup": "LogGroupName",
            "AWS::Serverless::Function": "FunctionName",
            "AWS::Lambda::Function": "FunctionName",
        }.get(res["Type"])
        if key and key in props:
            return self.ev(props[key])
        if res["Type"] == "AWS::CloudFront::Distribution":
            return "E2EXAMPLE0DIST"
        return f"{logical}-physical"

    def getatt(self, logical: str, attr: str) -> str:
        res = self.resources[logical]
        t, p, r, a = res["Type"], self.partition, self.region, ACCOUNT
        name = self.physical(logical)
        if (t, attr) == ("AWS::DynamoDB::Table", "Arn"):
            return f"arn:{p}:dynamodb:{r}:{a}:table/{name}"
        if (t, attr) == ("AWS::S3::Bucket", "Arn"):
            return f"arn:{p}:s3:::{name}"
        if (t, attr) == ("AWS::S3::Bucket", "RegionalDomainName"):
            return f"{name}.s3.{r}.amazonaws.com"
        if (t, attr) == ("AWS::Logs::LogGroup", "Arn"):
            return f"arn:{p}:logs:{r}:{a}:log-group:{name}:*"
        if (t, attr) == ("AWS::IAM::Role", "Arn"):
            return f"arn:{p}:iam::{a}:role/{name}"
        if (t, attr) == ("AWS::CloudFront::Distribution", "DomainName"):
            return "d1example.cloudfront.net"
        if (t, attr) == ("AWS::CloudFront::OriginAccessControl", "Id"):
            return "OACEXAMPLE"
        raise KeyError(f"GetAtt {logical}.{attr} ({t}) is not modelled")

    def ref(self, name: str):
        if name.startswith("AWS::"):
            return self.pseudo(name)
        if name in self.params:
            return self.params[name]
        return self.physical(name)

    def sub(self, text: str, extra: dict) -> str:
        def one(m: re.Match) -> str:
            key = m.group(1)
            if key.startswith("!"):
                return "${" + key[1:] + "}"
            if key in extra:
                return str(extra[key])
            if "." in key and not key.startswith("AWS::"):
                logical, attr = key.split(".", 1)
                return self.getatt(logical, attr)
            v = self.ref(key)
            return ",".join(v) if isinstance(v, list) else str(v)

        return re.sub(r"\$\{([^}]+)\}", one, text)

    def ev(self, x):
        """The value of `x`, intrinsics evaluated (AWS::NoValue drops keys and items)."""
        if isinstance(x, list):
            return [v for v in (self.ev(i) for i in x) if v is not None]
        if not isinstance(x, dict):
            return x
        if len(x) == 1:
            (k, v), = x.items()
            if k == "Ref":
                return self.ref(v)
            if k == "Fn::GetAtt":
                logical, attr = v.split(".", 1) if isinstance(v, str) else v
                return self.getatt(logical, attr)
            if k == "Fn::Sub":
                if isinstance(v, str):
                    return self.sub(v, {})
                text, variables = v
                return self.sub(text, {n: self.ev(e) for n, e in variables.items()})
            if k == "Fn::Join":
                sep, items = v
                items = self.ev(items)
                return sep.join(str(i) for i in items)
            if k == "Fn::If":
                cond, yes, no = v
                return self.ev(yes if self.condition(cond) else no)
            if k == "Fn::Equals":
                a, b = (self.ev(i) for i in v)
                return a == b
            if k == "Fn::Not":
                return not self.ev(v[0])
            if k == "Fn::And":
                return all(self.ev(i) for i in v)
            if k == "Fn::Or":
                return any(self.ev(i) for i in v)
            if k == "Condition":
                return self.condition(v)
            if k.startswith("Fn::"):
                raise KeyError(f"{k} is not modelled")
        out = {}
        for k, v in x.items():
            v = self.ev(v)
            if v is not None:
                out[k] = v
        return out


def of_type(tpl: dict, rtype: str) -> dict:
    return {k: v for k, v in tpl.get("Resources", {}).items() if v.get("Type") == rtype}


def as_list(x) -> list:
    return x if isinstance(x, list) else [x]
