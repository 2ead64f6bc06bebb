"""Turning botocore's failures into one clear line each."""

from __future__ import annotations

import contextlib
import re
from typing import Iterator

from pipekit.errors import EXIT_USAGE, PipekitError
from pipekit.text import shorten


class CredentialsError(PipekitError):
    """No usable credentials for an account: the user must log in or fix a profile."""

    exit_code = EXIT_USAGE


class AwsError(PipekitError):
    """AWS refused an operation."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


def error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def one_line(text: str, limit: int = 300) -> str:
    """An error text as one line. An HTML page (a proxy's or an emulator's error page in
    place of AWS's answer) becomes its title, or its text without tags."""
    if re.search(r"<(!doctype|html|head|body)\b", text, re.IGNORECASE):
        title = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
        text = "an HTML page: " + (title.group(1) if title else re.sub(r"<[^>]+>", " ", text))
    return shorten(" ".join(text.split()), limit)


def error_message(exc: BaseException) -> str:
    response = getattr(exc, "response", None) or {}
    message = one_line(str(response.get("Error", {}).get("Message", "")) or str(exc))
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return f"{message} (HTTP {status})" if message.startswith("an HTML page") and status else message


def describe(exc: BaseException) -> str:
    """Any error as one line: AWS's code and message, or the error's own text."""
    code = error_code(exc)
    if code:
        return f"{code}: {error_message(exc)}"
    return one_line(str(exc))


# How each account's credentials are reached ("profile orders-dev"), named in its errors.
_reached_through: dict[str, str] = {}
CREDENTIAL_CODES = {
    "ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "UnrecognizedClientException",
    "SignatureDoesNotMatch", "IncompleteSignature", "InvalidSignatureException", "InvalidAccessKeyId", "AuthFailure",
}


def reached_through(account: str, how: str) -> None:
    _reached_through[account] = how


def forget_accounts() -> None:
    """A new set of clients (one command) starts without the last one's accounts."""
    _reached_through.clear()


def label(account: str) -> str:
    """"account dev (profile orders-dev)": the account and how it is reached."""
    how = _reached_through.get(account)
    return f"account {account} ({how})" if how else f"account {account}"


@contextlib.contextmanager
def aws_errors(account: str) -> Iterator[None]:
    """Credential and connection problems become CredentialsError; AWS refusals AwsError.
    Each names the account, and how its credentials were reached."""
    from botocore import exceptions as bx

    who = label(account)
    try:
        yield
    except bx.ProfileNotFound as exc:
        raise CredentialsError(f"{who}: {exc} (check `profile` in pipekit.yaml or --profile)") from None
    except (bx.SSOTokenLoadError, bx.UnauthorizedSSOTokenError, bx.TokenRetrievalError) as exc:
        raise CredentialsError(f"{who}: the SSO session has expired or is missing; run `aws sso login` ({exc})") from None
    except bx.NoCredentialsError:
        raise CredentialsError(f"{who}: no AWS credentials found (set `profile` in pipekit.yaml, --profile, or AWS_PROFILE)") from None
    except bx.CredentialRetrievalError as exc:
        said = one_line(str(exc.kwargs.get("error_msg", "")))
        provider = str(exc.kwargs.get("provider", "the credential provider")).replace("custom-process", "credential_process")
        raise CredentialsError(f"{who}: {provider} failed: {said or 'it printed no reason'}") from None
    except (bx.InvalidConfigError, bx.PartialCredentialsError) as exc:
        raise CredentialsError(f"{who}: the AWS configuration cannot give credentials: {exc}") from None
    except bx.ConfigParseError as exc:
        raise CredentialsError(f"{who}: the AWS config file cannot be read: {one_line(str(exc))}") from None
    except bx.NoRegionError:
        raise CredentialsError(f"{who}: no region; set `region` in pipekit.yaml or --region") from None
    except (bx.ConnectionError, bx.HTTPClientError) as exc:
        raise AwsError(f"{who}: no answer from AWS after every retry: {one_line(str(exc))}") from None
    except bx.ClientError as exc:
        code = error_code(exc)
        if code in CREDENTIAL_CODES:
            raise CredentialsError(f"{who}: credentials rejected ({code}); log in again or fix the profile's keys") from None
        if code in ("AccessDenied", "AccessDeniedException"):
            raise AwsError(f"{who}: access denied: {error_message(exc)}", code) from None
        raise AwsError(f"{who}: {error_message(exc)}", code) from None
